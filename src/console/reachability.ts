import { describeError } from '../errors';
import type { Reachability } from './views/overview';

export interface Peer {
  name: string;
  url: URL;
}

/** Several sites: each distinct OPSCOM base URL once, with the sites it serves. */
export interface SitePeer extends Peer {
  /** The ids of the sites whose OPSCOM is at `url`, in the sites file's order. */
  sites: readonly string[];
}

export interface ProbeOptions {
  timeoutMs?: number;
  cacheMs?: number;
  fetch?: typeof fetch;
  now?: () => number;
}

/** At most this many site hosts are probed (all at once, each within the timeout). */
export const MAX_SITE_HOSTS = 16;

/**
 * Whether OPSCOM and Stripe answer at all: a HEAD request to each base URL (any HTTP status
 * means the network path and TLS work; no credentials are sent), at most every `cacheMs`, so
 * that reloading the overview does not hammer them.
 *
 * With several sites (`sitePeers`: one per distinct OPSCOM base URL), each site gets an entry
 * of its own (`site`: its id, for the overview's sites table), and the peers' name one entry
 * saying how many of those hosts answer (the overview's flow table): a site whose OPSCOM is
 * elsewhere is never hidden behind OPSCOM_BASE_URL answering.
 */
export function reachabilityProbe(
  peers: readonly Peer[],
  options: ProbeOptions = {},
  sitePeers: readonly SitePeer[] = [],
): () => Promise<Reachability[]> {
  const now = options.now ?? Date.now;
  const cacheMs = options.cacheMs ?? 30_000;
  const probe = prober(options);
  const probed = sitePeers.slice(0, MAX_SITE_HOSTS);
  const unprobed = sitePeers.slice(MAX_SITE_HOSTS);
  const run = async (): Promise<Reachability[]> => {
    const [own, ofSites] = await Promise.all([
      Promise.all(peers.map(probe)),
      Promise.all(probed.map(probe)),
    ]);
    if (sitePeers.length === 0) return own;
    const summary = sitesSummary(probed, ofSites, unprobed);
    const perSite = probed.flatMap((peer, i) =>
      peer.sites.map((site) => ({ ...ofSites[i]!, site })),
    );
    return [summary, ...own, ...perSite];
  };
  let cached: { at: number; value: Promise<Reachability[]> } | undefined;
  return () => {
    if (!cached || now() - cached.at > cacheMs) cached = { at: now(), value: run() };
    return cached.value;
  };
}

/** One HEAD request, within the timeout; any HTTP status is an answer. */
function prober(options: ProbeOptions): (peer: Peer) => Promise<Reachability> {
  const doFetch = options.fetch ?? fetch;
  const now = options.now ?? Date.now;
  return async (peer) => {
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
}

/** The flow table's line for the sites' hosts: how many answer; which do not, and whose. */
function sitesSummary(
  probed: readonly SitePeer[],
  results: readonly Reachability[],
  unprobed: readonly SitePeer[],
): Reachability {
  const name = probed[0]?.name ?? unprobed[0]?.name ?? 'OPSCOM';
  const failing = probed.filter((_, i) => !results[i]?.ok);
  const hosts = (n: number) => `${n} ${n === 1 ? 'host' : 'hosts'}`;
  const more = unprobed.length > 0 ? `, ${hosts(unprobed.length)} more not probed` : '';
  const tail = ` — each site under Sites`;
  if (failing.length === 0) {
    return {
      name,
      ok: true,
      detail: `every site's host answers (${hosts(probed.length)}${more})${tail}`,
    };
  }
  const which = failing.map((peer) => `${peer.url.host} (${peer.sites.join(', ')})`).join('; ');
  const does = failing.length === 1 ? 'does' : 'do';
  return {
    name,
    ok: false,
    detail: `${failing.length} of ${hosts(probed.length)} ${does} not answer: ${which}${more}${tail}`,
  };
}

/** The sites' OPSCOM base URLs, each once (sites sharing one OPSCOM share its probe). */
export function sitePeersOf(
  name: string,
  sites: readonly { id: string; opscom: { baseUrl: URL } }[],
): SitePeer[] {
  const byUrl = new Map<string, { url: URL; sites: string[] }>();
  for (const site of sites) {
    const url = site.opscom.baseUrl;
    const peer = byUrl.get(url.href);
    if (peer) peer.sites.push(site.id);
    else byUrl.set(url.href, { url, sites: [site.id] });
  }
  return [...byUrl.values()].map((peer) => ({ name, ...peer }));
}
