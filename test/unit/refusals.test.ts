import { PassThrough } from 'node:stream';
import { createLogger } from '../../src/logger';
import { createRefusals, LINES_PER_REASON, SUMMARY_WINDOW_MS } from '../../src/http/refusals';

function logged() {
  const stream = new PassThrough();
  const lines: Array<Record<string, unknown>> = [];
  stream.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
      lines.push(JSON.parse(line) as Record<string, unknown>);
    }
  });
  return { logger: createLogger({ level: 'info', pretty: false, stream }), lines };
}

describe('refusals', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  test('a flood is counted in full, logged a few lines per reason, and summed up each minute', () => {
    const { logger, lines } = logged();
    const counted: string[] = [];
    const refusals = createRefusals({
      logger,
      count: (surface, reason) => counted.push(`${surface}/${reason}`),
      now: () => Date.now(),
    });
    refusals.start();
    for (let i = 0; i < 47_000; i++)
      refusals.refused('webhook', 'bad_signature', { ip: '1.2.3.4' });
    for (let i = 0; i < 112; i++) refusals.refused('webhook', 'stale');
    refusals.refused('login', 'bad_credentials');
    expect(counted).toHaveLength(47_113);
    expect(lines).toHaveLength(2 * LINES_PER_REASON + 1);
    expect(lines[0]).toMatchObject({
      level: 'warn',
      message: 'webhook refused',
      reason: 'bad_signature',
      ip: '1.2.3.4',
    });

    jest.advanceTimersByTime(SUMMARY_WINDOW_MS);
    const summary = lines.at(-1)!;
    expect(summary['message']).toBe(
      'refused 47,113 requests in the last 60 s: webhook/bad_signature 47,000, webhook/stale 112, login/bad_credentials 1',
    );
    expect(summary).toMatchObject({ level: 'warn', total: 47_113, unlogged: 47_113 - 11 });

    // A new window: its first lines are logged again; a quiet window writes nothing.
    refusals.refused('webhook', 'bad_signature');
    expect(lines.at(-1)).toMatchObject({ message: 'webhook refused' });
    const before = lines.length;
    jest.advanceTimersByTime(SUMMARY_WINDOW_MS * 3);
    expect(lines).toHaveLength(before);
    refusals.stop();
  });

  test('log lines a minute do not grow with the flood', () => {
    const sizes = [1_000, 100_000].map((n) => {
      const { logger, lines } = logged();
      const refusals = createRefusals({ logger });
      for (let i = 0; i < n; i++) refusals.refused('webhook', 'bad_signature');
      refusals.summarise();
      return lines.length;
    });
    expect(sizes[0]).toBe(sizes[1]);
  });
});
