import type { Client } from 'pg';
import type { Logger } from '../../logger';
import { listenForJobs } from './postgresListener';

/**
 * onJobAvailable's LISTEN: one connection, opened by the first listener only (a process
 * without a worker never listens), closed with the ledger.
 */
export function jobSignal(
  connect: () => Client,
  channel: string,
  logger: Logger,
): { onJobAvailable: (fn: () => void) => void; close: () => Promise<void> } {
  const listeners: Array<() => void> = [];
  let listener: { close(): Promise<void> } | undefined;
  return {
    onJobAvailable(fn) {
      listeners.push(fn);
      listener ??= listenForJobs(
        connect,
        channel,
        () => {
          for (const l of listeners) l();
        },
        logger,
      );
    },
    close: async () => {
      await listener?.close();
    },
  };
}
