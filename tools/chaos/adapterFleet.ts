import { join } from 'node:path';
import { startBenchServer, type BenchServer } from '../bench/benchServer';

/** One process of the fleet, from its start to its kill or stop (a restart is a new one). */
export interface AdapterIncarnation {
  /** 1, 2, … in the order they were started. */
  n: number;
  /** Which place in the fleet it took (a restart takes its victim's place). */
  slot: number;
  pid: number | undefined;
  port: number;
  /** Its stdout and stderr, when the fleet was given a folder for them. */
  log: string | undefined;
  startedAt: number;
  killedAt?: number;
}

export interface AdapterFleet {
  /** A live process's port, at random (a load balancer); undefined while all are down. */
  pickPort(): number | undefined;
  /** SIGKILLs one process at random and starts a new one in its place; resolves when it listens. */
  killOne(): Promise<{ at: number; pid: number | undefined }>;
  stop(): Promise<void>;
  /** Every process started so far, the killed ones included. */
  incarnations: readonly AdapterIncarnation[];
}

/**
 * `size` built servers (dist/server.js) with `env`, each restartable after a SIGKILL. With
 * `logDir`, each process (each restart too) writes its output to its own file there.
 */
export async function startFleet(
  size: number,
  env: Record<string, string>,
  random: () => number,
  logDir?: string,
): Promise<AdapterFleet> {
  const slots: Array<BenchServer | undefined> = [];
  const incarnations: AdapterIncarnation[] = [];
  let started = 0;
  const start = async (slot: number): Promise<BenchServer> => {
    const n = ++started;
    const log =
      logDir === undefined
        ? undefined
        : join(logDir, `adapter-${String(n).padStart(2, '0')}-slot${slot}.log`);
    const startedAt = Date.now();
    const server = await startBenchServer(
      env,
      undefined,
      log === undefined ? {} : { logFile: log },
    );
    incarnations.push({ n, slot, pid: server.child.pid, port: server.port, log, startedAt });
    return server;
  };
  for (let i = 0; i < size; i++) slots.push(await start(i));
  return {
    incarnations,
    pickPort() {
      const live = slots.filter((s): s is BenchServer => s !== undefined);
      return live.length === 0 ? undefined : live[Math.floor(random() * live.length)]!.port;
    },
    async killOne() {
      const index = Math.floor(random() * slots.length);
      const victim = slots[index]!;
      slots[index] = undefined;
      const exited = new Promise<void>((resolve) => victim.child.once('exit', () => resolve()));
      const at = Date.now();
      victim.child.kill('SIGKILL');
      const killed = incarnations.find(
        (i) => i.pid === victim.child.pid && i.killedAt === undefined,
      );
      if (killed) killed.killedAt = at;
      await exited;
      slots[index] = await start(index);
      return { at, pid: victim.child.pid };
    },
    async stop() {
      await Promise.all(slots.map((s) => (s ? s.stop() : Promise.resolve())));
    },
  };
}
