import { startHarness, type Harness } from '../support/harness';
import { opscomCreates, runReplayCli, seedPaidSession } from '../support/replay';
import { makeEvent } from '../support/stripeFixtures';

// A --since run stopped by an outage right after its refunds page prints a resume command
// that still covers every session of the window: a refund's time is never the run's place
// (found reviewing issue 26: the resumed run used --until <the refund's time> and skipped
// every session paid after it).
let h: Harness;
afterEach(() => h?.close());
const minutesAgo = (m: number) => Math.floor(Date.now() / 1000) - m * 60;

test('an outage right after the refunds page: the resumed run still replays every session', async () => {
  h = await startHarness();
  // Paid 20 h ago, refunded 19 h ago (the refund's webhook lost).
  const old = seedPaidSession(h, {}, minutesAgo(20 * 60));
  await h.post(old.event);
  await h.waitForJob(old.session.id, ['done']);
  const charge = {
    id: 'ch_resumeRefund1',
    object: 'charge',
    payment_intent: old.session['payment_intent'],
    amount: 1450,
    amount_refunded: 1450,
    refunded: true,
  };
  const refundedAt = minutesAgo(19 * 60);
  h.stripe.addEvent({
    ...makeEvent('charge.refunded', charge, { created: refundedAt }),
    created: refundedAt,
  });
  // 120 sessions paid in the last two hours, their webhooks lost.
  for (let i = 0; i < 120; i++) seedPaidSession(h, {}, minutesAgo(5 + i));
  const before = opscomCreates(h).length;
  const since = new Date(Date.now() - 24 * 3600 * 1000).toISOString();
  let failing = false;
  const first = await runReplayCli(h, ['--since', since, '--json'], {
    // Stripe fails as soon as the run prints its first line (the refund's): the session pages.
    onLine: () => {
      if (failing) return;
      failing = true;
      h.stripe.faults.next('500', 50, '/v1/events');
    },
  });
  expect(first.summary?.stopped).toBeDefined();
  h.stripe.faults.clear();
  const resume = first.summary?.stopped?.resume ?? '';
  expect(resume).not.toContain(`--until ${new Date(refundedAt * 1000).toISOString()}`);
  const args = resume
    .replace(/^npm run replay -- /, '')
    .split(' ')
    .filter((a) => a !== '--json');
  const rest = await runReplayCli(h, [...args, '--json']);
  expect(rest.code).toBe(0);
  expect(opscomCreates(h).length - before).toBe(120);
}, 90_000);
