import type { OpscomReceived, SimPermit } from '../simulators/opscomSimulator';
import type { StripeReceived } from '../simulators/stripeSimulator';
import type { ReplayCommand } from './evidence';
import type { SessionEvidence } from './timelineGather';

/** One moment in a session's life, from whichever source saw it. */
interface Moment {
  at: number;
  source: string;
  text: string;
}

const iso = (ms: number) => new Date(ms).toISOString();
const command = (argv: readonly string[]) => `npm run replay -- ${argv.join(' ')}`;

/**
 * A failing session's story, for a person to read: what the plan meant it to get, the job as
 * the ledger holds it at the end, the corrections asked and recorded, what OPSCOM and Stripe
 * hold and received, then every moment from every source in time order. Pure: the same
 * evidence gives the same text.
 */
export function sessionTimeline(e: SessionEvidence): string {
  return [
    ...header(e),
    ...planSection(e),
    ...jobSection(e),
    ...correctionSection(e),
    ...opscomSection(e.permits),
    ...stripeSection(e),
    '',
    'Time order (ledger rows, OPSCOM and Stripe requests, replay commands, adapter starts and kills, log lines of the adapters and of replay)',
    ...moments(e).map((m) => `  ${iso(m.at)}  ${m.source.padEnd(7)} ${m.text}`),
    '',
  ].join('\n');
}

function header(e: SessionEvidence): string[] {
  const s = e.planned;
  return [
    `Session ${s.session.id} (${s.kind}, plate ${s.plate})${e.site === undefined ? '' : ` of site ${e.site} (its OPSCOM: opscom-${e.site}-*.jsonl)`}`,
    '',
    'Failing',
    ...e.rows.map((r) => `  ${r.kind}: ${r.text}`),
  ];
}

function planSection(e: SessionEvidence): string[] {
  const s = e.planned;
  const x = s.expected;
  return [
    '',
    'Plan (what the session is owed)',
    `  metadata ${JSON.stringify(s.session['metadata'])}, amount_total ${String(s.session['amount_total'])}, payment_intent ${String(s.session['payment_intent'])}`,
    ...s.events.map(
      (ev) =>
        `  event ${String(ev['type'])} ${ev.id} created ${iso(Number(ev['created']) * 1000)}${e.withheld && ev['type'] !== 'charge.refunded' ? ' (never delivered: replay --since must recover it)' : ''}`,
    ),
    `  refund: ${s.refund ? `${s.refund.full ? 'full' : 'partial'}, ${s.refund.amountRefunded} refunded` : 'none'}`,
    `  correction: ${s.correction ? `plate ${s.correction} (replay --session … --plate ${s.correction})` : 'none'}`,
    x
      ? `  expected in OPSCOM: ${x.revoked ? 'no permit standing (refunded in full)' : `plate ${x.plate}, ${x.startTime} → ${x.endTime}, amount ${x.amount}`}`
      : '  expected in OPSCOM: no permit (owed none)',
  ];
}

function jobSection(e: SessionEvidence): string[] {
  const j = e.job;
  if (!j) return ['', 'Job (ledger, at the end)', '  none: the ledger has no job for it'];
  return [
    '',
    'Job (ledger, at the end)',
    `  state ${j.state}, revision ${j.revision}, OPSCOM attempts ${j.opscomAttempts}, failures since the last step ${j.attempts}, write-back round ${j.writeBackRound}`,
    `  last error: ${j.lastError ?? 'none'}`,
    `  paid at ${j.paidAt === null ? 'never' : iso(j.paidAt * 1000)} by ${j.paidEventId ?? 'no event'}`,
    `  OPSCOM reference ${j.opscom?.referenceId ?? 'none'}${j.opscom ? ` recorded ${iso(j.opscom.at)}` : ''}; live ${j.live ? `${j.live.referenceId} ${j.live.status} plate ${j.live.plate} until ${j.live.endTime}` : 'none'}`,
    `  lease ${j.leaseOwner ?? 'none'}${j.leaseExpiresAt ? ` until ${iso(j.leaseExpiresAt)}` : ''}; next run ${iso(j.nextRunAt)}; attempt in flight since ${j.opscomStartedAt ? iso(j.opscomStartedAt) : 'none'}`,
    `  row: ${JSON.stringify(j)}`,
  ];
}

function correctionSection(e: SessionEvidence): string[] {
  const out = ['', 'Corrections'];
  out.push(`  recorded on the job: ${JSON.stringify(e.job?.corrections ?? null)}`);
  if (e.corrections.length === 0) out.push('  asked: none (no replay --session was run for it)');
  for (const c of e.corrections) out.push(...commandLines(c));
  const line = e.sinceLine;
  out.push(
    `  replay --since said: ${line ? `${line.outcome}${line.detail ? ` (${line.detail})` : ''}${line.command ? ` [command #${line.command}]` : ''}` : 'nothing about it'}`,
  );
  return out;
}

function commandLines(c: ReplayCommand): string[] {
  const indent = (label: string, text: string) =>
    text.trim() === ''
      ? []
      : [
          `      ${label}:`,
          ...text
            .trimEnd()
            .split('\n')
            .map((l) => `        ${l}`),
        ];
  return [
    `  asked #${c.n} (${c.purpose}) ${command(c.argv)}`,
    `    → exit ${c.code}, ${iso(c.startedAt)} to ${iso(c.endedAt)} (${((c.endedAt - c.startedAt) / 1000).toFixed(1)} s); output in ${c.stdoutFile}, ${c.stderrFile}`,
    ...indent('stdout (end)', c.stdoutTail),
    ...indent('stderr (end)', c.stderrTail),
  ];
}

function opscomSection(permits: readonly SimPermit[]): string[] {
  return [
    '',
    'OPSCOM permits for its plates and references (at the end)',
    ...(permits.length === 0 ? ['  none'] : []),
    ...permits.map(
      (p) =>
        `  ${p.referenceId} plate ${p.plate}, ${p.startTime ?? '?'} → ${p.endTime}, amount ${p.amount ?? 'none'} ${p.currency}, ${p.updates} update(s), ${p.deleted ? 'deleted' : 'standing'}`,
    ),
  ];
}

function stripeSection(e: SessionEvidence): string[] {
  return [
    '',
    'Stripe (at the end)',
    `  session metadata: ${JSON.stringify(e.stripeSession?.metadata ?? null)}`,
    `  payment intent metadata: ${JSON.stringify(e.stripePaymentIntent?.metadata ?? null)}`,
  ];
}

function moments(e: SessionEvidence): Moment[] {
  const all: Moment[] = [
    ...e.events.map((ev) => ({
      at: ev.receivedAt,
      source: 'ledger',
      text: `${ev.eventType} ${ev.eventId}: ${ev.outcome}${ev.detail ? ` ${ev.detail}` : ''}`,
    })),
    ...e.opscomCalls.map(opscomMoment),
    ...e.stripeCalls.map(stripeMoment),
    ...[...e.corrections, ...e.sinceCommands].flatMap((c) => [
      {
        at: c.startedAt,
        source: 'replay',
        text: `#${c.n} ${c.purpose} started: ${command(c.argv)}`,
      },
      { at: c.endedAt, source: 'replay', text: `#${c.n} ${c.purpose} exited ${c.code}` },
    ]),
    ...e.adapters.flatMap((a) => [
      {
        at: a.startedAt,
        source: 'fleet',
        text: `adapter #${a.n} (slot ${a.slot}, pid ${a.pid ?? '?'}, ${a.log ?? 'no log'}) starting`,
      },
      ...(a.killedAt === undefined
        ? []
        : [
            {
              at: a.killedAt,
              source: 'fleet',
              text: `adapter #${a.n} (pid ${a.pid ?? '?'}) SIGKILLed`,
            },
          ]),
    ]),
    ...e.logLines.map((l) => ({ at: l.at ?? 0, source: 'log', text: `${l.file}: ${l.line}` })),
  ];
  // Stable: moments of one millisecond keep their source order.
  return all
    .map((m, i) => ({ m, i }))
    .sort((a, b) => a.m.at - b.m.at || a.i - b.i)
    .map((x) => x.m);
}

function opscomMoment(r: OpscomReceived): Moment {
  const b = r.body;
  // The body as the adapter sent it: strings, or JSON for anything else.
  const shown = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));
  const fields = [
    `plate ${shown(b['LicencePlate'] ?? b['plate'] ?? '?')}`,
    b['referenceID'] !== undefined && `ref ${shown(b['referenceID'])}`,
    b['startTime'] !== undefined && `start ${shown(b['startTime'])}`,
    b['endTime'] !== undefined && `end ${shown(b['endTime'])}`,
    b['Amount'] !== undefined && `amount ${shown(b['Amount'])}`,
  ].filter(Boolean);
  const answer =
    r.answered === 'fault'
      ? 'fault injected (no answer, or a failure)'
      : `${r.answered}${r.referenceId ? ` ${r.referenceId}` : ''}${r.answeredAt !== undefined ? `, answer left +${r.answeredAt - r.at} ms` : ''}`;
  return {
    at: r.at,
    source: 'opscom',
    text: `${r.path.replace('/api/OC-TOMA/v1/permits/', '')} ${fields.join(', ')}${r.tokenValid ? '' : ' (bad token)'} → ${answer}`,
  };
}

function stripeMoment(r: StripeReceived): Moment {
  const metadata = r.params['metadata'];
  return {
    at: r.at,
    source: 'stripe',
    text: `${r.method} ${r.path} → ${r.status === 0 ? 'no answer (fault)' : r.status}${r.replayed ? ' (idempotent replay)' : ''}${r.idempotencyKey ? ` key ${r.idempotencyKey}` : ''}${metadata ? ` metadata ${JSON.stringify(metadata)}` : ''}`,
  };
}
