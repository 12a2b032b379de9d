import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { StoreConfig } from '../../src/config';
import { migrateLedger } from '../../src/store/openLedger';
import { toolArgs, UsageError } from '../devtools/cliArgs';
import { distFile, REPO_ROOT } from '../devtools/paths';
import { startOpscomSimulator, type OpscomSimulator } from '../simulators/opscomSimulator';
import { startStripeSimulator, type StripeSimulator } from '../simulators/stripeSimulator';
import { ATTACKS, type Attack, type AttackReport } from './abuseAttacks';
import { startAbuseServer } from './abuseServer';
import { send, sendPayments, type Payment } from './legitTraffic';
import { peakRssMb } from './processStats';
import { median, percentile } from './stats';
import { BENCH_OPSCOM_TOKEN, benchAdapterEnv } from './timeToPermit';

const CONSOLE_PASSWORD = 'bench-console-password';
const basic = (password: string) =>
  `Basic ${Buffer.from(`operator:${password}`).toString('base64')}`;

interface RowResult {
  row: string;
  attack: AttackReport | undefined;
  payments: Payment[];
  permitted: number;
  idleMb: number;
  peakMb: number;
  logBytes: number;
  errorLines: number;
  /** The operator's console logins during the row that got in, of those tried. */
  operator: { ok: number; tried: number };
}

/**
 * `npm run bench:abuse [-- --seconds 60 --short --rows forged,stalled --server dist/server.js]`:
 * the built server under each attack of tools/bench/abuseAttacks.ts (a process of its own),
 * beside the same run without one, while signed webhooks keep coming at 10/s and an operator
 * signs in to the console every second. Each row is a fresh server and ledger. Prints, per row,
 * the attack's rate and the answers it got, how the payments were acknowledged (p50/p99 from
 * first delivery to 2xx, redeliveries included), whether every one became exactly one permit
 * with its reference in Stripe, peak RSS beside idle, and the log bytes written.
 * `--server` runs another build (an older one, for a before/after); `--short` is 10 s rows.
 */
export async function runAbuseBench(argv: readonly string[]): Promise<number> {
  const args = toolArgs(argv, {
    seconds: { kind: 'number', default: 60, min: 1 },
    short: { kind: 'flag' },
    rows: { kind: 'text', default: ['none', ...ATTACKS].join(',') },
    server: { kind: 'text', default: distFile('server.js') },
  });
  const seconds = args.short ? 10 : args.seconds;
  const rows = args.rows.split(',').map((r) => r.trim());
  for (const row of rows) {
    if (row !== 'none' && !ATTACKS.includes(row as Attack)) {
      throw new UsageError(`--rows takes none and ${ATTACKS.join(', ')}, not "${row}"`);
    }
  }
  const say = (line: string) => process.stdout.write(`${line}\n`);
  say(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}`);
  say(`server: ${args.server}; ${seconds} s a row; signed webhooks at 10/s; SQLite ledger`);
  say(
    'row        attack/s   answers to the attack             acked    p50 ms   p99 ms   permits   RSS MB idle→peak   log KB  errors  console',
  );
  let failed = false;
  for (const row of rows) {
    const r = await runRow(row, seconds, args.server);
    failed ||= r.permitted < r.payments.length;
    say(format(r));
  }
  return failed ? 1 : 0;
}

async function runRow(row: string, seconds: number, script: string): Promise<RowResult> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-abuse-'));
  const store: StoreConfig = { kind: 'sqlite', sqlitePath: join(dir, 'ledger.sqlite') };
  await migrateLedger(store);
  const opscom = await startOpscomSimulator({ apiToken: BENCH_OPSCOM_TOKEN });
  const stripe = await startStripeSimulator();
  const server = await startAbuseServer(script, {
    ...benchAdapterEnv(store, { opscomUrl: opscom.url, stripeUrl: stripe.url }),
    CONSOLE_PASSWORD,
  });
  try {
    // Warm: a few payments through, and the operator's browser signed in once.
    const warm = await sendPayments({
      port: server.port,
      stripe,
      perSecond: 20,
      seconds: 1,
      tag: 'W',
    });
    await permitted(opscom, stripe, warm, 30_000);
    const first = await send(server.port, {
      method: 'GET',
      path: '/console',
      headers: { authorization: basic(CONSOLE_PASSWORD) },
    });
    const cookie = String(first.headers['set-cookie'] ?? '').split(';')[0] ?? '';
    await sleep(1000);
    const idleMb = server.rssMb();
    server.resetLogs();

    const attack = row === 'none' ? undefined : startAttack(row as Attack, server.port, seconds);
    const operator = { ok: 0, tried: 0 };
    const signIns = (async () => {
      for (let s = 0; s < seconds; s++) {
        await sleep(1000);
        const answer = await send(server.port, {
          method: 'GET',
          path: '/console',
          headers: { authorization: basic(CONSOLE_PASSWORD), ...(cookie ? { cookie } : {}) },
        });
        operator.tried++;
        if (answer.status === 200) operator.ok++;
      }
    })();
    const payments = await sendPayments({
      port: server.port,
      stripe,
      perSecond: 10,
      seconds,
      tag: row.slice(0, 3),
    });
    const report = await attack;
    await signIns;
    const done = await permitted(opscom, stripe, payments, 120_000);
    const logs = server.logs();
    return {
      row,
      attack: report,
      payments,
      permitted: done,
      idleMb,
      peakMb: peakRssMb(server.child.pid),
      logBytes: logs.bytes,
      errorLines: logs.errorLines,
      operator,
    };
  } finally {
    await server.stop();
    await opscom.close();
    await stripe.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The attack in a process of its own, so that it never slows the payments' sender here. */
function startAttack(attack: Attack, port: number, seconds: number): Promise<AttackReport> {
  const child = spawn(
    process.execPath,
    [join(REPO_ROOT, 'tools', 'bin', 'abuse-attack.js'), attack, String(port), String(seconds)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      const line = out.trim().split('\n').at(-1) ?? '';
      if (code === 0 && line.startsWith('{')) resolve(JSON.parse(line) as AttackReport);
      else reject(new Error(`attack ${attack} exited with ${code}: ${out}`));
    });
  });
}

/**
 * How many payments have exactly one live permit in OPSCOM for their plate and its reference
 * written into their Checkout Session, waiting up to `timeoutMs` for all of them.
 */
async function permitted(
  opscom: OpscomSimulator,
  stripe: StripeSimulator,
  payments: readonly Payment[],
  timeoutMs: number,
): Promise<number> {
  const count = () => {
    const permits = new Map<string, number>();
    for (const p of opscom.permits.values()) {
      if (!p.deleted) permits.set(p.plate, (permits.get(p.plate) ?? 0) + 1);
    }
    return payments.filter(
      (p) =>
        permits.get(p.plate) === 1 &&
        typeof stripe.sessions.get(p.sessionId)?.['metadata'] === 'object' &&
        (stripe.sessions.get(p.sessionId)?.['metadata'] as Record<string, unknown>)[
          'opscom_reference_id'
        ] !== undefined,
    ).length;
  };
  const deadline = Date.now() + timeoutMs;
  while (count() < payments.length && Date.now() < deadline) await sleep(100);
  return count();
}

function format(r: RowResult): string {
  const acked = r.payments.filter((p) => p.ackMs !== undefined);
  const ms = acked.map((p) => p.ackMs!);
  const retried = r.payments.filter((p) => p.retries > 0).length;
  const answers = r.attack
    ? Object.entries(r.attack.statuses)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 3)
        .map(([status, n]) => `${status}×${compact(n)}`)
        .join(' ')
    : '';
  const cells = [
    r.row.padEnd(9),
    (r.attack ? compact(r.attack.perSecond) : '—').padStart(9),
    `  ${answers}`.padEnd(36),
    `${acked.length}/${r.payments.length}${retried ? ` (${retried} redelivered)` : ''}`.padEnd(8),
    median(ms).toFixed(1).padStart(8),
    percentile(ms, 99).toFixed(1).padStart(8),
    `${r.permitted}/${r.payments.length}`.padStart(9),
    `${r.idleMb.toFixed(0)}→${r.peakMb.toFixed(0)} (+${(r.peakMb - r.idleMb).toFixed(0)})`.padStart(
      19,
    ),
    (r.logBytes / 1024).toFixed(0).padStart(8),
    String(r.errorLines).padStart(7),
    `  ${r.operator.ok}/${r.operator.tried}`,
  ];
  return cells.join(' ');
}

function compact(n: number): string {
  if (n >= 10_000) return `${(n / 1000).toFixed(0)}k`;
  if (n >= 1000) return `${(n / 1000).toFixed(1)}k`;
  return n.toFixed(0);
}
