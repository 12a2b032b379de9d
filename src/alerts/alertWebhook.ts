import { AlertDeliveryError } from '../errors';

/**
 * Posts one message to a Slack-compatible incoming webhook (`{"text": …}` JSON). Resolves when
 * the receiver answered 2xx; otherwise throws AlertDeliveryError saying what came back. The
 * URL is a secret (anyone with it can post): it never appears in an error or a log line.
 */
export function alertWebhook(
  url: URL,
  options: { timeoutMs?: number; fetch?: typeof fetch } = {},
): (text: string) => Promise<void> {
  const doFetch = options.fetch ?? fetch;
  return async (text) => {
    let res: Response;
    try {
      res = await doFetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text }),
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      });
    } catch (err) {
      const why =
        err instanceof Error && err.name === 'TimeoutError' ? 'timed out' : 'could not connect';
      throw new AlertDeliveryError(`alert webhook ${why} (${url.host})`);
    }
    const body = (await res.text()).slice(0, 200);
    if (!res.ok) {
      throw new AlertDeliveryError(
        `alert webhook answered HTTP ${res.status} (${url.host}): ${body}`,
      );
    }
  };
}
