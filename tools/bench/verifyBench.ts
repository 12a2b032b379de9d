import { cpus, loadavg } from 'node:os';
import { toolArgs } from '../devtools/cliArgs';
import { freshStores } from './freshStores';
import { median } from './stats';
import { runVerifyOnce, type VerifyRun } from './verifyRun';

/**
 * `npm run bench:verify [-- --store sqlite|postgres --permits 100000 --seconds 60 --rate 20
 * --runs 2]`: verification of `permits` standing permits at the default pace
 * (OPSCOM_VERIFY_PER_SECOND), beside the same run without it, alternating off, on, off, on…
 * each on a fresh ledger: the server's peak RSS, Plate Validation calls a second (at the
 * simulator) and new payments' receipt → OPSCOM at a steady `rate`. Short try:
 * `--permits 2000 --seconds 10`.
 */
export async function runVerifyBench(argv: readonly string[]): Promise<void> {
  const args = toolArgs(argv, {
    store: { kind: 'choice', default: 'sqlite', choices: ['sqlite', 'postgres'] },
    permits: { kind: 'number', default: 100_000, min: 1 },
    seconds: { kind: 'number', default: 60, min: 1 },
    rate: { kind: 'number', default: 20, min: 1 },
    runs: { kind: 'number', default: 2, min: 1 },
  });
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const load = () =>
    loadavg()
      .map((l) => l.toFixed(2))
      .join(' ');
  say(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}`);
  say(
    `${args.store}: ${args.permits} standing permits, OPSCOM_VERIFY_DELAY_SECONDS=1 (all due), default pace; payments ${args.rate}/s for ${args.seconds} s after 50 + 3 s warm-up`,
  );
  say(
    '  verify   fill s   calls/s   standing   checks (visible/other)   p50 ms   p99 ms   permits   peak RSS MB   end RSS MB   CPU ms/s   load (1/5/15)',
  );
  const stores = freshStores(args.store === 'postgres' ? 'postgres' : 'sqlite', 'verify');
  const runs: VerifyRun[] = [];
  try {
    for (let run = 0; run < args.runs; run++) {
      for (const verify of [false, true]) {
        const r = await runVerifyOnce({
          store: await stores.fresh(),
          permits: args.permits,
          seconds: args.seconds,
          rate: args.rate,
          verify,
        });
        runs.push(r);
        const visible = r.checks['visible'] ?? 0;
        const other = Object.values(r.checks).reduce((a, b) => a + b, 0) - visible;
        const n = (v: number, width: number, digits = 0) => v.toFixed(digits).padStart(width);
        say(
          `  ${(verify ? 'on' : 'off').padEnd(6)} ${n(r.fillMs / 1000, 7, 1)} ${n(r.callsPerSecond, 9, 1)} ${`${n(r.standingShare * 100, 0)} %`.padStart(10)} ${`${visible}/${other}`.padStart(24)} ${n(r.permitP50, 8, 1)} ${n(r.permitP99, 8, 1)} ${`${r.permits}/${r.offered}`.padStart(9)} ${n(r.peakRssMb, 13)} ${n(r.endRssMb, 12)} ${n(r.cpuMsPerSecond, 10)}   ${load()}`,
        );
      }
    }
  } finally {
    stores.close();
  }
  const p99 = (verify: boolean) =>
    median(runs.filter((r) => r.verify === verify).map((r) => r.permitP99));
  const off = p99(false);
  const on = p99(true);
  say(
    `median p99: off ${off.toFixed(1)} ms, on ${on.toFixed(1)} ms (${(((on - off) / off) * 100).toFixed(1)} %; target within 10 %)`,
  );
}
