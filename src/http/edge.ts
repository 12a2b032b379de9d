import type { RequestListener, Server } from 'node:http';
import { createLoginThrottle, type LoginThrottle } from './loginThrottle';
import type { Config } from '../config';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics/metrics';
import { createBodyBudget, type BodyBudget } from './bodyBudget';
import { createHttpServer } from './httpServer';
import { createRefusals, type Refusals } from './refusals';

/**
 * What the public edge of one process shares across its requests: the refusals (counted and
 * logged, bounded), the body budget, the console's login throttle; and the server that keeps
 * the configured limits. One place for each, built once per process by the adapter.
 */
export interface Edge {
  refusals: Refusals;
  bodyBudget: BodyBudget;
  loginThrottle: LoginThrottle;
  /** Serves `app` on `port` with the limits of HTTP_* (http/httpServer.ts). */
  listen(app: RequestListener, port: number): Promise<Server>;
  /** Stops the refusals' summary timer, writing the last summary. */
  stop(): void;
}

export function createEdge(
  limits: Config['http'],
  deps: { logger: Logger; metrics: Metrics; now: () => number; loginThrottleClients?: number },
): Edge {
  const refusals = createRefusals({
    logger: deps.logger,
    count: (surface, reason) => deps.metrics.refused(surface, reason),
    now: deps.now,
  });
  const bodyBudget = createBodyBudget(limits.maxBufferedBodyBytes, deps.now);
  const loginThrottle = createLoginThrottle({
    now: deps.now,
    ...(deps.loginThrottleClients ? { maxClients: deps.loginThrottleClients } : {}),
  });
  return {
    refusals,
    bodyBudget,
    loginThrottle,
    async listen(app, port) {
      const http = createHttpServer(app, limits, (reason) => refusals.refused('other', reason));
      deps.metrics.watchEdge(() => ({
        connections: http.connections(),
        bufferedBodyBytes: bodyBudget.used,
        loginThrottleEntries: loginThrottle.size,
      }));
      await new Promise<void>((resolve, reject) => {
        http.server.once('error', reject);
        http.server.listen(port, () => {
          http.server.off('error', reject);
          resolve();
        });
      });
      refusals.start();
      return http.server;
    },
    stop: () => refusals.stop(),
  };
}
