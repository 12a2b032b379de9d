/** Spaces calls at most `perSecond` a second, across every caller that shares it. */
export interface Pace {
  /** Resolves when the next call may start (rejects only if `signal` aborts). */
  take(signal?: AbortSignal): Promise<void>;
}

export function createPace(perSecond: number, now: () => number = Date.now): Pace {
  const gapMs = 1000 / perSecond;
  let next = 0;
  return {
    take(signal) {
      const at = Math.max(now(), next);
      next = at + gapMs;
      const wait = at - now();
      if (wait <= 0) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const stop = () => {
          clearTimeout(timer);
          reject(new Error('stopped'));
        };
        const timer = setTimeout(() => {
          signal?.removeEventListener('abort', stop);
          resolve();
        }, wait);
        signal?.addEventListener('abort', stop, { once: true });
      });
    },
  };
}
