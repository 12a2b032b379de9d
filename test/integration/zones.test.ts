import { startHarness, type Harness } from '../support/harness';
import { makeEvent, makeSession } from '../support/stripeFixtures';

let h: Harness;
afterEach(() => h?.close());

test('with OPSCOM_ZONES, a payment for another zone fails mapping with its reason; nothing reaches OPSCOM', async () => {
  h = await startHarness({ OPSCOM_ZONE: 'Lot 4', OPSCOM_ZONES: 'Lot 4,Lot 5' });
  const unknown = makeSession({ metadata: { plate: 'ZN1', duration: '60', zone: 'Lot 9' } });
  const markup = makeSession({ metadata: { plate: 'ZN2', duration: '60', zone: 'Lot\u202E<5>' } });
  const listed = makeSession({ metadata: { plate: 'ZN3', duration: '60', zone: 'Lot 5' } });
  for (const s of [unknown, markup, listed]) {
    h.stripe.addSession(s);
    expect((await h.post(makeEvent('checkout.session.completed', s))).status).toBe(200);
  }
  const failed = await h.waitForJob(unknown.id, ['failed']);
  expect(failed.lastError).toBe(
    'cannot map session to a permit: zone "Lot 9" is not one of OPSCOM_ZONES (the zones the operator\'s lots use)',
  );
  const refused = await h.waitForJob(markup.id, ['failed']);
  expect(refused.lastError).toMatch(
    /zone has characters lot names do not use \(U\+202E, U\+003C, U\+003E\)/,
  );
  await h.waitForJob(listed.id, ['done']);
  expect(h.opscom.received.map((r) => (r.body as { zone?: string }).zone)).toEqual(['Lot 5']);
});
