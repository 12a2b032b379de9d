import { execFileSync } from 'node:child_process';
import { parseReplayArgs } from '../../src/admin/replay/args';
import { replayArgv, replayCommandLine } from '../../src/admin/replay/commandLine';

const ok = (argv: string[]) => {
  const parsed = parseReplayArgs(argv);
  if (!parsed.ok || !('args' in parsed)) throw new Error(JSON.stringify(parsed));
  return parsed.args;
};
const error = (argv: string[]) => {
  const parsed = parseReplayArgs(argv);
  if (parsed.ok) throw new Error(`accepted ${argv.join(' ')}`);
  return parsed.error;
};

describe('parseReplayArgs', () => {
  test('selectors', () => {
    expect(ok(['--session', 'cs_a', '--session', 'cs_b', '--session', 'cs_a']).selector).toEqual({
      kind: 'sessions',
      ids: ['cs_a', 'cs_b'],
    });
    expect(ok(['--event', 'evt_1']).selector).toEqual({ kind: 'events', ids: ['evt_1'] });
    expect(ok(['--since', '2026-11-01', '--until', '2026-11-02T08:00']).selector).toEqual({
      kind: 'window',
      since: '2026-11-01',
      until: '2026-11-02T08:00',
    });
    expect(ok(['--failed', '--dry-run', '--json'])).toMatchObject({
      selector: { kind: 'failed' },
      dryRun: true,
      json: true,
      force: false,
      stripeRate: 10,
      tries: 3,
    });
  });

  test('corrections are checked like metadata and need one session', () => {
    expect(ok(['--session', 'cs_a', '--plate', 'ab-12', '--duration', '2h']).correction).toEqual({
      plate: 'AB12',
      duration: '2h',
    });
    expect(error(['--session', 'cs_a', '--session', 'cs_b', '--plate', 'A'])).toMatch(
      /single --session/,
    );
    expect(error(['--since', '2026-11-01', '--zone', 'Z'])).toMatch(/single --session/);
    expect(error(['--session', 'cs_a', '--plate', 'TOO-LONG-PLATE-1'])).toMatch(/--plate .*1–10/);
    expect(error(['--session', 'cs_a', '--duration', 'soon'])).toMatch(/--duration soon/);
    expect(error(['--session', 'cs_a', '--zone', ' '])).toMatch(/--zone is empty/);
  });

  test('--revoke takes one session, and nothing else to change', () => {
    expect(ok(['--session', 'cs_a', '--revoke']).correction).toEqual({ revoke: true });
    expect(error(['--failed', '--revoke'])).toMatch(/single --session/);
    expect(error(['--session', 'cs_a', '--revoke', '--plate', 'AB1'])).toMatch(
      /revoke takes the permit away: give no plate/,
    );
  });

  test('mistakes are named', () => {
    expect(error([])).toMatch(/choose what to replay/);
    expect(error(['--failed', '--session', 'cs_a'])).toMatch(/one kind of selector/);
    expect(error(['--until', '2026-11-01'])).toMatch(/--until needs --since/);
    expect(error(['--since', 'yesterday'])).toMatch(/not an ISO-8601 time/);
    expect(ok(['--since', 'P2D']).selector).toEqual({
      kind: 'window',
      since: 'P2D',
      until: undefined,
    });
    expect(error(['--session', 'pi_123'])).toMatch(/looks like cs_/);
    expect(error(['--failed', '--stripe-rate', '0'])).toMatch(/--stripe-rate/);
    expect(error(['--failed', '--bogus'])).toMatch(/bogus/);
  });
});

describe('replayArgv (the "go on from here" line of a stopped run)', () => {
  test.each([
    [
      [
        '--session',
        'cs_a',
        '--plate',
        'ab-12',
        '--duration',
        '2h',
        '--zone',
        'Lot 7',
        '--by',
        "O'Neil",
      ],
    ],
    [['--session', 'cs_a', '--revoke', '--by', 'ops@host']],
    [['--session', 'cs_a', '--session', 'cs_b', '--force', '--tries', '5', '--json']],
    [['--event', 'evt_1', '--dry-run']],
    [
      [
        '--since',
        '2026-11-01T00:00:00.000Z',
        '--until',
        '2026-11-02T00:00:00.000Z',
        '--stripe-rate',
        '20',
      ],
    ],
    [['--since', 'P2D']],
    [['--failed']],
  ])('asks for the same run again: %j', (argv) => {
    const args = ok(argv);
    expect(ok(replayArgv(args))).toEqual(args);
  });

  test('the command line reads back, through a shell, as the same words', () => {
    const argv = replayArgv(ok(['--session', 'cs_a', '--zone', "Lot 7 'east'", '--by', 'a b']));
    expect(argv).toEqual(['--session', 'cs_a', '--zone', "Lot 7 'east'", '--by', 'a b']);
    const line = replayCommandLine(argv);
    expect(line).toBe(`npm run replay -- --session cs_a --zone 'Lot 7 '\\''east'\\''' --by 'a b'`);
    // What a POSIX shell makes of the words after `npm run replay --`.
    const words = line.replace(/^npm run replay -- /, '');
    const echoed = execFileSync('sh', ['-c', `printf '%s\\n' ${words}`]).toString();
    expect(echoed.trimEnd().split('\n')).toEqual(argv);
  });
});
