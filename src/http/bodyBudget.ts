/**
 * One request's share of the budget while its body is read. `add` takes the bytes just
 * received and says whether they fit; `release` gives everything back (idempotent).
 */
export interface BodyHold {
  add(bytes: number): boolean;
  release(): void;
}

/**
 * The bytes of request bodies held in memory at once, across every request
 * (HTTP_MAX_BUFFERED_BODY_MB); a body that declares its length holds all of it from the start
 * (http/readBody.ts). Node's `--max-old-space-size` does not cap Buffers, so without this,
 * slow uploads could take the process's memory however many arrive at once.
 */
export interface BodyBudget {
  /** Starts a hold for one request; `evict` is called if it is given up to make room. */
  hold(evict: () => void): BodyHold;
  /** Bytes held now. */
  readonly used: number;
  readonly max: number;
}

/**
 * When the budget is full, a small body (at most SMALL_BODY_BYTES: every Stripe event, a few
 * KB, and every console form) takes room from the oldest body still arriving: a large one once
 * it has been arriving for LARGE_EVICTABLE_AFTER_MS, a small one after EVICTABLE_AFTER_MS.
 * Stripe's bodies arrive in milliseconds, so what is given up is a slow or stalled upload, and
 * a stranger's stalled uploads, however many and however timed, cannot keep Stripe's out. A
 * large newcomer takes no one's room: it is refused (503), so churning large uploads cannot
 * make the process read megabytes a second only to drop them.
 */
export const SMALL_BODY_BYTES = 64 * 1024;
export const LARGE_EVICTABLE_AFTER_MS = 100;
export const EVICTABLE_AFTER_MS = 1000;

interface Holder {
  bytes: number;
  readonly startedAt: number;
  readonly evict: () => void;
}

export function createBodyBudget(maxBytes: number, now: () => number = Date.now): BodyBudget {
  let used = 0;
  // Insertion order is start order: the oldest holders come first.
  const holders = new Set<Holder>();

  const drop = (holder: Holder) => {
    if (!holders.delete(holder)) return;
    used -= holder.bytes;
    holder.bytes = 0;
  };

  /** Gives up the oldest holders that may be given up for `asking`, until `bytes` fit. */
  const makeRoom = (bytes: number, asking: Holder): boolean => {
    if (asking.bytes + bytes > SMALL_BODY_BYTES) return false;
    for (const holder of holders) {
      if (maxBytes - used >= bytes) break;
      if (holder === asking || holder.bytes === 0) continue;
      const age = now() - holder.startedAt;
      const large = holder.bytes > SMALL_BODY_BYTES;
      if (age < (large ? LARGE_EVICTABLE_AFTER_MS : EVICTABLE_AFTER_MS)) continue;
      drop(holder);
      holder.evict();
    }
    return maxBytes - used >= bytes;
  };

  return {
    hold(evict) {
      const holder: Holder = { bytes: 0, startedAt: now(), evict };
      holders.add(holder);
      return {
        add(bytes) {
          if (!holders.has(holder)) return false;
          if (maxBytes - used < bytes && !makeRoom(bytes, holder)) return false;
          holder.bytes += bytes;
          used += bytes;
          return true;
        },
        release: () => drop(holder),
      };
    },
    get used() {
      return used;
    },
    max: maxBytes,
  };
}
