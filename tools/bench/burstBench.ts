import type { StoreConfig } from '../../src/config';
import { toolArgs } from '../devtools/cliArgs';
import { measureBurst, type BurstResult } from './burst';
import { fillDoneJobs } from './fillLedger';
import { freshStores } from './freshStores';

/**
 * `npm run bench:burst [-- --store sqlite|postgres --count 4000 --connections 32 --runs 1
 * --done-jobs 0]`:
 * a burst of distinct paid sessions until every permit's reference is in Stripe, for the
 * service and for the inline handler (tools/bench/inlineServer.ts), side by side.
 */
export async function runBurstBench(argv: readonly string[]): Promise<void> {
  const args = toolArgs(argv, {
    store: { kind: 'choice', default: 'sqlite', choices: ['sqlite', 'postgres'] },
    count: { kind: 'number', default: 4000, min: 1 },
    connections: { kind: 'number', default: 32, min: 1 },
    runs: { kind: 'number', default: 1, min: 1 },
    'done-jobs': { kind: 'number', default: 0, min: 0 },
  });
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const stores = freshStores(args.store === 'postgres' ? 'postgres' : 'sqlite', 'burst');
  try {
    const fresh = async (): Promise<StoreConfig> => {
      const store = await stores.fresh();
      if (args['done-jobs'] > 0) {
        await fillDoneJobs(store, args['done-jobs'], { pending: 0, failed: 0 });
      }
      return store;
    };
    say(
      `burst of ${args.count} paid sessions, ${args.connections} connections; the service's ledger holds ${args['done-jobs']} done jobs first`,
    );
    say('                          acked/s   permits/s   seconds   CPU ms/permit   peak RSS MB');
    const show = (r: BurstResult) =>
      say(
        `  ${r.what.padEnd(22)} ${r.ackedPerSecond.toFixed(0).padStart(7)} ${r.permitsPerSecond.toFixed(0).padStart(11)} ${r.seconds.toFixed(1).padStart(9)} ${r.cpuMsPerPermit.toFixed(2).padStart(15)} ${r.rssMb.toFixed(0).padStart(13)}`,
      );
    for (let run = 0; run < args.runs; run++) {
      const inline = await measureBurst({ count: args.count, connections: args.connections });
      show(inline);
      const service = await measureBurst({
        count: args.count,
        connections: args.connections,
        store: await fresh(),
      });
      show(service);
      say(
        `  service ÷ inline handler: ${(service.permitsPerSecond / inline.permitsPerSecond).toFixed(2)}`,
      );
    }
  } finally {
    stores.close();
  }
}
