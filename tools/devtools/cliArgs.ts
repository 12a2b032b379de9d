import { parseArgs } from 'node:util';

/** A tool was called with arguments it does not take: its message is all the user needs. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** One option of a tool: a number, a word from a list, any text, or a flag, with its default. */
export type OptionSpec =
  | { kind: 'number'; default: number; min?: number }
  | { kind: 'choice'; default: string; choices: readonly string[] }
  | { kind: 'text'; default: string }
  | { kind: 'flag' };

type Values<S extends Record<string, OptionSpec>> = {
  [K in keyof S]: S[K] extends { kind: 'number' }
    ? number
    : S[K] extends { kind: 'flag' }
      ? boolean
      : string;
};

/**
 * The options of a tool (`--name value`, `--flag`), read with node's util.parseArgs: an unknown
 * option or a value that is not what the option takes is refused (UsageError) with a message
 * naming it, rather than read as NaN or ignored.
 */
export function toolArgs<S extends Record<string, OptionSpec>>(
  argv: readonly string[],
  spec: S,
): Values<S> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: Object.fromEntries(
        Object.entries(spec).map(([name, o]) => [
          name,
          { type: o.kind === 'flag' ? 'boolean' : 'string' },
        ]),
      ),
    }) as { values: Record<string, string | boolean | undefined> });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const out: Record<string, number | string | boolean> = {};
  for (const [name, o] of Object.entries(spec)) {
    const given = values[name];
    if (o.kind === 'flag') {
      out[name] = given === true;
    } else if (given === undefined) {
      out[name] = o.default;
    } else if (o.kind === 'text') {
      out[name] = String(given);
    } else if (o.kind === 'number') {
      const n = Number(given);
      const min = o.min ?? 0;
      if (typeof given !== 'string' || given.trim() === '' || !Number.isFinite(n) || n < min) {
        throw new UsageError(`--${name} takes a number ≥ ${min}, not "${String(given)}"`);
      }
      out[name] = n;
    } else if (typeof given !== 'string' || !o.choices.includes(given)) {
      throw new UsageError(
        `--${name} takes one of ${o.choices.join(', ')}, not "${String(given)}"`,
      );
    } else {
      out[name] = given;
    }
  }
  return out as Values<S>;
}
