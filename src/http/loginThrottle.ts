import { isIP } from 'node:net';

/** Failed logins a client may make in a window before it must wait for the window's end. */
export const MAX_FAILURES = 10;
export const FAILURE_WINDOW_MS = 15 * 60_000;
/**
 * Clients remembered at most (about 100 bytes each: a megabyte in all). Past it, the client
 * whose last failure is the oldest is forgotten: a flood from many addresses costs a fixed
 * amount of memory, and each of its addresses still gets MAX_FAILURES guesses a window.
 */
export const MAX_CLIENTS = 10_000;

export interface LoginThrottle {
  /** Milliseconds this client must wait before its credentials are checked again, or 0. */
  waitMs(client: string): number;
  failed(client: string): void;
  /** A login refused unchecked because its client was waiting (counted for the alert). */
  throttled(): void;
  /** Logins refused (failed or throttled) in about the last FAILURE_WINDOW_MS (the alert). */
  recentRefusals(): number;
  /** Clients remembered now. */
  readonly size: number;
}

interface Entry {
  count: number;
  /** When the client's window began (its first failure in it). */
  since: number;
}

const MINUTE = 60_000;
const MINUTES = FAILURE_WINDOW_MS / MINUTE;

/**
 * Failed logins per client, a client being a browser the console recognises or else an address
 * (console/auth.ts): MAX_FAILURES in a FAILURE_WINDOW_MS window make that client wait for the
 * window's end. Memory is bounded (MAX_CLIENTS), and the logins refused in the last minutes are
 * counted in fifteen per-minute buckets.
 */
export function createLoginThrottle(
  options: { now?: () => number; maxClients?: number } = {},
): LoginThrottle {
  const now = options.now ?? Date.now;
  const maxClients = options.maxClients ?? MAX_CLIENTS;
  // Least recently failed first: each failure moves its client to the end.
  const entries = new Map<string, Entry>();
  const buckets = Array.from({ length: MINUTES }, () => ({ minute: -1, count: 0 }));

  const count = () => {
    const minute = Math.floor(now() / MINUTE);
    const bucket = buckets[minute % MINUTES]!;
    if (bucket.minute !== minute) Object.assign(bucket, { minute, count: 0 });
    bucket.count += 1;
  };

  const current = (client: string): Entry | undefined => {
    const entry = entries.get(client);
    if (entry && now() - entry.since >= FAILURE_WINDOW_MS) {
      entries.delete(client);
      return undefined;
    }
    return entry;
  };

  return {
    waitMs(client) {
      const entry = current(client);
      return entry && entry.count >= MAX_FAILURES ? entry.since + FAILURE_WINDOW_MS - now() : 0;
    },
    failed(client) {
      const entry = current(client) ?? { count: 0, since: now() };
      entry.count += 1;
      entries.delete(client);
      entries.set(client, entry);
      for (const [key, oldest] of entries) {
        const expired = now() - oldest.since >= FAILURE_WINDOW_MS;
        if (!expired && entries.size <= maxClients) break;
        entries.delete(key);
      }
      count();
    },
    throttled: count,
    recentRefusals() {
      const minute = Math.floor(now() / MINUTE);
      return buckets
        .filter((b) => b.minute > minute - MINUTES)
        .reduce((sum, b) => sum + b.count, 0);
    },
    get size() {
      return entries.size;
    },
  };
}

/**
 * The throttle's key for an address: the address itself, but an IPv6 address by its /64, the
 * block one subscriber gets (else one machine would have 2^64 addresses to guess from).
 */
export function addressKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped) return mapped;
  if (isIP(address) !== 6) return address;
  const [head = '', tail = ''] = address.split('%')[0]!.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = address.includes('::') ? (tail === '' ? [] : tail.split(':')) : [];
  const groups = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}
