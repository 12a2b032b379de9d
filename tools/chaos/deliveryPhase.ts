import { setTimeout as sleep } from 'node:timers/promises';
import type { AdapterFleet } from './adapterFleet';
import type { ChaosPlan, chaosStreams } from './chaosPlan';
import { deliverLikeStripe, sendForged, type DeliveryStats } from './deliver';

/**
 * Every event once, at a steady `rate`; 30 % of sessions have each event delivered 2–3 times,
 * half of the copies at the same moment, half up to 5 s later. Shuffled, so a session's events
 * arrive in any order. Then the kill moments, over the whole window.
 */
function schedule(
  plan: ChaosPlan,
  lost: ReadonlySet<string>,
  o: { rate: number; kills: number },
  random: () => number,
): { deliveries: Array<{ body: string; at: number }>; window: number; killTimes: number[] } {
  const deliveries: Array<{ body: string; at: number }> = [];
  const events = plan.sessions.flatMap((s) => {
    const copies = random() < 0.3 ? 2 + Math.floor(random() * 2) : 1;
    // A lost session's Checkout events never arrive, but its refund does: the ledger keeps it
    // for the payment, and replay's recovery must then not leave a permit standing.
    const sent = lost.has(s.session.id)
      ? s.events.filter((e) => e['type'] === 'charge.refunded')
      : s.events;
    return sent.map((e) => ({ body: JSON.stringify(e), copies }));
  });
  for (let i = events.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [events[i], events[j]] = [events[j]!, events[i]!];
  }
  events.forEach((e, i) => {
    const at = (i * 1000) / o.rate;
    deliveries.push({ body: e.body, at });
    for (let c = 1; c < e.copies; c++)
      deliveries.push({ body: e.body, at: random() < 0.5 ? at : at + random() * 5000 });
  });
  const window = Math.max(...deliveries.map((d) => d.at)) + 3000;
  const killTimes = Array.from({ length: o.kills }, () => random() * window).sort((a, b) => a - b);
  return { deliveries, window, killTimes };
}

/**
 * The delivery phase: every scheduled delivery made like Stripe (retried until acknowledged),
 * forged requests alongside, and the fleet's processes killed at the scheduled moments.
 */
export async function deliverAll(
  plan: ChaosPlan,
  lost: ReadonlySet<string>,
  fleet: AdapterFleet,
  o: { rate: number; kills: number; secret: string },
  random: ReturnType<typeof chaosStreams>,
): Promise<{
  deliveries: number;
  stats: DeliveryStats;
  forgedStatuses: number[];
  kills: number[];
  deliveredAt: number;
}> {
  const { deliveries, window, killTimes } = schedule(plan, lost, o, random.schedule);
  const stats: DeliveryStats = { attempts: 0, acked: 0, retried: 0 };
  const forgedStatuses: number[] = [];
  const kills: number[] = [];
  const t0 = Date.now();
  // A delivery is retried (as Stripe would) until the schedule's end and 15 minutes more.
  const deadline = t0 + window + 15 * 60_000;
  const sleepUntil = (at: number) => sleep(Math.max(0, t0 + at - Date.now()));
  let delivering = true;
  // Forged, stale and tampered requests, in a steady stream while the real ones arrive.
  const forger = async () => {
    for (let i = 0; delivering; i++) {
      const f = plan.forged[i % plan.forged.length]!;
      forgedStatuses.push(await sendForged(f.body, f.kind, o.secret, fleet.pickPort()));
      await sleep(20);
    }
  };
  const killer = async () => {
    for (const at of killTimes) {
      await sleepUntil(at);
      kills.push((await fleet.killOne()).at);
    }
  };
  const forging = forger();
  await Promise.all([
    ...deliveries.map(async (d) => {
      await sleepUntil(d.at);
      await deliverLikeStripe(
        d.body,
        o.secret,
        () => fleet.pickPort(),
        stats,
        deadline,
        random.delivery,
      );
    }),
    killer(),
  ]);
  delivering = false;
  await forging;
  return { deliveries: deliveries.length, stats, forgedStatuses, kills, deliveredAt: Date.now() };
}
