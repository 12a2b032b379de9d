import type { Client } from 'pg';
import type { Logger } from '../../logger';

/**
 * Keeps one connection LISTENing on `channel` and calls `onNotify` for each notification.
 * When the connection drops (a database restart), it reconnects with backoff (0.5 s doubling
 * to 30 s) and calls `onNotify` once on reconnecting, since notifications sent meanwhile are
 * lost. Polling covers the gap either way.
 */
export function listenForJobs(
  connect: () => Client,
  channel: string,
  onNotify: () => void,
  logger: Logger,
): { close(): Promise<void> } {
  let closed = false;
  let client: Client | undefined;
  let delay = 500;
  let timer: NodeJS.Timeout | undefined;

  const retry = () => {
    if (closed || timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      void start();
    }, delay);
    timer.unref();
    delay = Math.min(delay * 2, 30_000);
  };

  async function start(): Promise<void> {
    const c = connect();
    client = c;
    c.on('notification', () => onNotify());
    c.on('error', (err) => {
      if (c !== client) return;
      logger.warn('job notifications interrupted; reconnecting', { error: err.message });
      void c.end().catch(() => undefined);
      retry();
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${channel}`);
      if (delay > 500) logger.info('job notifications restored');
      delay = 500;
      onNotify();
    } catch (err) {
      logger.warn('cannot listen for job notifications; retrying', {
        error: err instanceof Error ? err.message : String(err),
      });
      void c.end().catch(() => undefined);
      retry();
    }
  }
  void start();

  return {
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      await client?.end().catch(() => undefined);
    },
  };
}
