import { toolArgs } from '../../tools/devtools/cliArgs';

const spec = {
  payments: { kind: 'number', default: 2000, min: 1 },
  store: { kind: 'choice', default: 'sqlite', choices: ['sqlite', 'postgres'] },
  postgres: { kind: 'flag' },
} as const;

test('defaults, numbers, choices and flags are read', () => {
  expect(toolArgs([], spec)).toEqual({ payments: 2000, store: 'sqlite', postgres: false });
  expect(toolArgs(['--payments', '200', '--store', 'postgres', '--postgres'], spec)).toEqual({
    payments: 200,
    store: 'postgres',
    postgres: true,
  });
});

test.each([
  [['--payments', 'lots'], /--payments takes a number ≥ 1, not "lots"/],
  [['--payments', '0'], /--payments takes a number ≥ 1, not "0"/],
  [['--store', 'mysql'], /--store takes one of sqlite, postgres, not "mysql"/],
  [['--kills', '2'], /Unknown option '--kills'/],
  [['--payments'], /argument missing/],
])('%j is refused: %s', (argv, message) => {
  expect(() => toolArgs(argv, spec)).toThrow(message);
});
