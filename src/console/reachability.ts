import { describeError } from '../errors';
import type { Reachability } from './views/overview';

export interface Peer {
  name: string;
  url: URL;
}

/**
 * Whether OPSCOM and Stripe answer at all: a HEAD request to each base URL (any HTTP status
 * means the network path and TLS work; no credentials are sent), at most every `cacheMs`, so
 * that reloading the overview does not hammer them.
 */
export function reachabilityProbe(
  peers: readonly Peer[],
  options: { timeoutMs?: number; cacheMs?: number; fetch?: typeof fetch; now?: () => number } = {},
): () => Promise<Reachability[]> {
  const doFetch = options.fetch ?? fetch;
  const now = options.now ?? Date.now;
  const cacheMs = options.cacheMs ?? 30_000;
  let cached: { at: number; value: Promise<Reachability[]> } | undefined;
  const probe = async (peer: Peer): Promise<Reachability> => {
    const started = now();
    try {
      const res = await doFetch(peer.url, {
        method: 'HEAD',
        signal: AbortSignal.timeout(options.timeoutMs ?? 3000),
      });
      return {
        name: peer.name,
        ok: true,
        detail: `HTTP ${res.status} in ${now() - started} ms (${peer.url.host})`,
      };
    } catch (err) {
      return { name: peer.name, ok: false, detail: `${describeError(err)} (${peer.url.host})` };
    }
  };
  return () => {
    if (!cached || now() - cached.at > cacheMs) {
      cached = { at: now(), value: Promise.all(peers.map(probe)) };
    }
    return cached.value;
  };
}
