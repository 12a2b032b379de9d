import { startHarness, type Harness } from '../support/harness';
import { makeEvent, makeSession } from '../support/stripeFixtures';

let h: Harness;
afterEach(() => h?.close());

const scrape = async (headers: Record<string, string> = {}) => {
  const res = await fetch(`${h.url}/metrics`, { headers });
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
};
/** The value of one sample line, e.g. `opscom_adapter_jobs{state="done"}`. */
const sample = (text: string, series: string): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

test('GET /metrics: webhooks, refusals, calls, jobs by state, latency and process figures', async () => {
  h = await startHarness();
  const session = makeSession();
  h.stripe.addSession(session);
  await h.post(makeEvent('checkout.session.completed', session));
  await h.waitForJob(session.id, ['done']);
  await h.post(makeEvent('checkout.session.completed', session), { secret: 'whsec_forged' });
  await h.post(makeEvent('customer.created', {}));

  const { status, type, text } = await scrape();
  expect(status).toBe(200);
  expect(type).toMatch(/^text\/plain; version=0\.0\.4/);
  const p = 'opscom_adapter_';
  expect(
    sample(
      text,
      `${p}webhooks_received_total{type="checkout.session.completed",outcome="recorded"}`,
    ),
  ).toBe(1);
  expect(sample(text, `${p}webhooks_received_total{type="other",outcome="ignored_type"}`)).toBe(1);
  expect(sample(text, `${p}webhooks_refused_total{reason="bad_signature"}`)).toBe(1);
  expect(sample(text, `${p}opscom_calls_total{operation="create",outcome="ok"}`)).toBe(1);
  expect(sample(text, `${p}stripe_calls_total{operation="update_session",outcome="ok"}`)).toBe(1);
  expect(sample(text, `${p}jobs{state="done"}`)).toBe(1);
  expect(sample(text, `${p}jobs{state="pending"}`)).toBe(0);
  expect(sample(text, `${p}job_outcomes_total{outcome="done"}`)).toBe(1);
  expect(sample(text, `${p}oldest_waiting_job_age_seconds`)).toBe(0);
  expect(sample(text, `${p}payment_to_permit_seconds_count`)).toBe(1);
  expect(sample(text, `${p}receipt_to_permit_seconds_count`)).toBe(1);
  expect(sample(text, `${p}opscom_call_duration_seconds_count{operation="create"}`)).toBe(1);
  expect(text).toContain(`${p}process_resident_memory_bytes`);
  // Nothing that names a payment: no session, plate or event id in any label.
  expect(text).not.toContain(session.id);
  expect(text).not.toMatch(/ABC ?123/);
});

test('a late OPSCOM answer and a failing call are counted', async () => {
  h = await startHarness({ OPSCOM_TIMEOUT_MS: '200', OPSCOM_GRACE_MS: '3000' }, { latencyMs: 400 });
  h.opscom.faults.next('500');
  const session = makeSession();
  h.stripe.addSession(session);
  await h.post(makeEvent('checkout.session.completed', session));
  await h.waitForJob(session.id, ['done']);
  const { text } = await scrape();
  expect(
    sample(text, 'opscom_adapter_opscom_calls_total{operation="create",outcome="transient"}'),
  ).toBe(1);
  expect(sample(text, 'opscom_adapter_job_outcomes_total{outcome="retried"}')).toBe(1);
  expect(sample(text, 'opscom_adapter_opscom_in_doubt_total{resolution="late_answer"}')).toBe(1);
});

test('with METRICS_TOKEN, a scrape needs the bearer token', async () => {
  h = await startHarness({ METRICS_TOKEN: 'a-long-metrics-token-0123' });
  expect((await scrape()).status).toBe(401);
  expect((await scrape({ Authorization: 'Bearer wrong-token-0123456789' })).status).toBe(401);
  expect((await scrape({ Authorization: 'Bearer a-long-metrics-token-0123' })).status).toBe(200);
});
