/** `--name value` from an argument list, or undefined. */
export function stringArg(argv: readonly string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
}

/** `--name N` from an argument list, or `fallback`. */
export function numberArg(argv: readonly string[], name: string, fallback: number): number {
  const value = stringArg(argv, name);
  return value === undefined ? fallback : Number(value);
}
