import { failingRows, type AuditReport } from '../../tools/chaos/audit';
import {
  followResumes,
  formatSinceBreakdown,
  sessionLines,
  sinceBreakdown,
  type ReplayRun,
} from '../../tools/chaos/replayRuns';
import { unsettledJobs } from '../../tools/chaos/settle';
import type { Job, JobState } from '../../src/store/ledger';

const stopped = (resume: string): ReplayRun => ({
  code: 1,
  stdout: `{"sessionId":"cs_a","outcome":"failed","detail":"x"}\n${JSON.stringify({ summary: { counts: { failed: 1 }, stopped: { reason: 'Stripe 500', resume } } })}\n`,
  stderr: '',
});
const finished: ReplayRun = {
  code: 0,
  stdout: '{"summary":{"counts":{"created":1}}}\n',
  stderr: '',
};

test('a stopped replay is run again from its resume line, three times at most', async () => {
  const calls: Array<readonly string[]> = [];
  const result = await followResumes(['--session', 'cs_a', '--plate', 'X'], (argv) => {
    calls.push(argv);
    return Promise.resolve(
      stopped(`npm run replay -- --session cs_a --plate X --try ${calls.length}`),
    );
  });
  expect(calls).toEqual([
    ['--session', 'cs_a', '--plate', 'X'],
    ['--session', 'cs_a', '--plate', 'X', '--try', '1'],
    ['--session', 'cs_a', '--plate', 'X', '--try', '2'],
    ['--session', 'cs_a', '--plate', 'X', '--try', '3'],
  ]);
  expect(result.stops).toEqual(['Stripe 500', 'Stripe 500', 'Stripe 500']);
  expect(result.last.code).toBe(1);
});

test('a resumed replay that finishes is the one whose exit counts', async () => {
  const runs = [stopped('npm run replay -- --session cs_a --plate X'), finished];
  const resumes: number[] = [];
  const result = await followResumes(['--session', 'cs_a'], (_argv, resume) => {
    resumes.push(resume);
    return Promise.resolve(runs.shift()!);
  });
  expect(resumes).toEqual([0, 1]);
  expect(result).toEqual({ last: finished, stops: ['Stripe 500'] });
});

test('replay --since: who finished each session, replay itself or the fleet after it', () => {
  const line = (sessionId: string, outcome: string, detail?: string) => ({
    sessionId,
    outcome,
    ...(detail ? { detail } : {}),
  });
  const lines = new Map(
    [
      line('cs_1', 'created'),
      line('cs_2', 'updated', 'permit shortened'),
      line('cs_3', 'already done'),
      line('cs_4', 'failed', 'OPSCOM 500 (left pending: a running adapter retries it)'),
      line('cs_5', 'failed', 'another process (worker:1) still holds this job; run again later'),
      line('cs_6', 'failed', 'OPSCOM 500 (left pending: a running adapter retries it)'),
      line('cs_7', 'failed', 'cannot map session to a permit: plate …'),
      line('cs_8', 'failed', 'Stripe read failed'),
      line('cs_9', 'skipped', 'unpaid'),
    ].map((l) => [l.sessionId, l]),
  );
  const state = (sessionId: string, s: JobState) =>
    [sessionId, { sessionId, state: s } as Job] as const;
  const jobs = new Map([
    state('cs_4', 'done'),
    state('cs_5', 'cancelled'),
    state('cs_6', 'pending'),
  ]);
  const owed = new Set(['cs_1', 'cs_2', 'cs_3', 'cs_4', 'cs_5', 'cs_6', 'cs_8']);
  const b = sinceBreakdown(lines, jobs, owed);
  expect(b).toEqual({
    finishedByReplay: 2,
    leftToFleet: ['cs_4', 'cs_5', 'cs_6'],
    fleetFinished: 2,
    failedOwed: 1,
    failedNotOwed: 1,
  });
  expect(formatSinceBreakdown(b)).toBe(
    'finished by replay 2, left to the fleet 3 (fleet finished 2); failed 1 owed a permit, 1 owed none (unmappable)',
  );
});

test('the per-session lines of replay --json, without its summary or its log lines', () => {
  const stdout = [
    '{"sessionId":"cs_1","outcome":"created","plate":"A"}',
    'not json',
    '{"sessionId":"cs_2","outcome":"failed","detail":"left pending"}',
    '{"summary":{"counts":{"created":1,"failed":1}}}',
    '',
  ].join('\n');
  expect(sessionLines(stdout)).toEqual([
    { sessionId: 'cs_1', outcome: 'created' },
    { sessionId: 'cs_2', outcome: 'failed', detail: 'left pending' },
  ]);
});

test('settled: no job of the plan pending, and none owed a permit still awaiting its payment', () => {
  const job = (sessionId: string, state: JobState) => ({ sessionId, state }) as Job;
  const owed = new Set(['cs_paid', 'cs_async', 'cs_done']);
  const planned = new Set([...owed, 'cs_unpaid', 'cs_bad']);
  const open = [
    job('cs_paid', 'pending'),
    job('cs_async', 'awaiting_payment'),
    job('cs_unpaid', 'awaiting_payment'), // never paid: that is its final state
    job('cs_bad', 'pending'), // unmappable: must still reach failed
    job('cs_forged', 'pending'), // not the plan's
    job('cs_done', 'done'),
  ];
  expect(unsettledJobs(open, owed, planned).map((j) => j.sessionId)).toEqual([
    'cs_paid',
    'cs_async',
    'cs_bad',
  ]);
});

test('each failing audit row names its session; a forged request names none', () => {
  const report: AuditReport = {
    lost: ['cs_a1 (paid, plate CH1): no permit standing'],
    doubled: ['cs_b2 (async, plate CH2): 2 permits (unexplained)'],
    doubledBy: { 'killed in the window': 0, 'taken over': 0, 'answer lost': 0, unexplained: 1 },
    answerToRecordMs: [],
    doubledInWindow: ['cs_c3 (paid, plate CH3): 2 permits (killed in the window)'],
    wrong: [
      'cs_d4 (paid, plate CH4): plate CH4 ≠ CX4',
      'forged stale request for plate FG1 became a permit',
    ],
    missingWriteBacks: ['cs_e5 (paid, plate CH5): Stripe has nothing'],
    ledgerDisagrees: ['cs_d4 (paid, plate CH4): ledger pending'],
  };
  expect(failingRows(report).map((r) => [r.kind, r.sessionId])).toEqual([
    ['lost', 'cs_a1'],
    ['doubled', 'cs_b2'],
    ['wrong', 'cs_d4'],
    ['missing write-back', 'cs_e5'],
    ['ledger disagrees', 'cs_d4'],
  ]);
});
