import { startBenchServer, type BenchServer } from '../bench/benchServer';

export interface AdapterFleet {
  /** A live process's port, at random (a load balancer); undefined while all are down. */
  pickPort(): number | undefined;
  /** SIGKILLs one process at random and starts a new one in its place; resolves when it listens. */
  killOne(): Promise<{ at: number; pid: number | undefined }>;
  stop(): Promise<void>;
}

/** `size` built servers (dist/server.js) with `env`, each restartable after a SIGKILL. */
export async function startFleet(
  size: number,
  env: Record<string, string>,
  random: () => number,
): Promise<AdapterFleet> {
  const slots: Array<BenchServer | undefined> = [];
  for (let i = 0; i < size; i++) slots.push(await startBenchServer(env));
  return {
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
      await exited;
      slots[index] = await startBenchServer(env);
      return { at, pid: victim.child.pid };
    },
    async stop() {
      await Promise.all(slots.map((s) => (s ? s.stop() : Promise.resolve())));
    },
  };
}
