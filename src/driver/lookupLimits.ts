/**
 * How often the driver's page may ask Stripe about a session the ledger cannot answer for:
 * once per session id per `perIdMs`, and `perAddress` times per `windowMs` from one address.
 * A guessed or scraped id therefore costs the attacker far more than it costs Stripe's rate
 * limit (which the worker's write-backs share). Both maps are bounded: past `maxEntries` the
 * oldest entries go first (Map keeps insertion order), so a flood of addresses or ids cannot
 * grow memory.
 */
export interface LookupLimits {
  /**
   * May this address look this session up in Stripe now? `ok`, or how long to wait (seconds):
   * `session` when this id was looked up less than `perIdMs` ago, `address` when the address
   * has used its share.
   */
  take(sessionId: string, address: string, now: number): LookupVerdict;
  /** Seconds between two lookups of one session: when a failed lookup may be tried again. */
  readonly perIdSeconds: number;
}

export type LookupVerdict =
  { ok: true } | { ok: false; limit: 'session' | 'address'; retryAfterSeconds: number };

export interface LookupLimitOptions {
  perIdMs: number;
  perAddress: number;
  windowMs: number;
  maxEntries: number;
}

export function lookupLimits(options: LookupLimitOptions): LookupLimits {
  const byId = new Map<string, number>();
  const byAddress = new Map<string, { windowStart: number; used: number }>();
  const remember = <V>(map: Map<string, V>, key: string, value: V) => {
    map.delete(key);
    map.set(key, value);
    while (map.size > options.maxEntries) {
      const oldest = map.keys().next().value;
      if (oldest === undefined) break;
      map.delete(oldest);
    }
  };
  return {
    perIdSeconds: Math.ceil(options.perIdMs / 1000),
    take(sessionId, address, now) {
      const last = byId.get(sessionId);
      if (last !== undefined && now - last < options.perIdMs) {
        return {
          ok: false,
          limit: 'session',
          retryAfterSeconds: Math.ceil((last + options.perIdMs - now) / 1000),
        };
      }
      const used = byAddress.get(address);
      const current =
        used && now - used.windowStart < options.windowMs ? used : { windowStart: now, used: 0 };
      if (current.used >= options.perAddress) {
        return {
          ok: false,
          limit: 'address',
          retryAfterSeconds: Math.ceil((current.windowStart + options.windowMs - now) / 1000),
        };
      }
      remember(byAddress, address, { windowStart: current.windowStart, used: current.used + 1 });
      remember(byId, sessionId, now);
      return { ok: true };
    },
  };
}
