import { startHarness, type Harness } from '../support/harness';
import { makeEvent, makeSession } from '../support/stripeFixtures';
import { startTwoSites, type TwoSites } from '../support/twoSites';

/** Every sample of one series in a scrape: its labels (in any order) and its value. */
function samples(
  text: string,
  name: string,
): Array<{ labels: Record<string, string>; value: number }> {
  const found: Array<{ labels: Record<string, string>; value: number }> = [];
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)\{(.*)\} (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const labels: Record<string, string> = {};
    for (const [, key, val] of (m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)) labels[key!] = val!;
    found.push({ labels, value: Number(m[3]) });
  }
  return found;
}

/** The value of the sample with exactly these labels. */
function value(text: string, name: string, labels: Record<string, string>): number | undefined {
  const same = (got: Record<string, string>) =>
    Object.keys(got).length === Object.keys(labels).length &&
    Object.entries(labels).every(([k, v]) => got[k] === v);
  return samples(text, `opscom_adapter_${name}`).find((s) => same(s.labels))?.value;
}

const scrape = async (url: string) => (await fetch(`${url}/metrics`)).text();

describe('metrics of two sites', () => {
  let sites: TwoSites;
  afterEach(() => sites?.close());

  it("count each site's OPSCOM calls, permits and job outcomes under its own site label", async () => {
    sites = await startTwoSites();
    const { h } = sites;
    const east = await sites.pay('east');
    const north = await sites.pay('north');
    const again = await sites.pay('east');
    const nowhere = await sites.pay(undefined); // no site, no DEFAULT_SITE: fails
    const unknown = await sites.pay('south'); // not configured: fails, not a new label
    for (const id of [east, north, again]) await h.waitForJob(id, ['done']);
    for (const id of [nowhere, unknown]) await h.waitForJob(id, ['failed']);

    const text = await scrape(h.url);
    const create = (site: string) => ({ operation: 'create', outcome: 'ok', site });
    expect(value(text, 'opscom_calls_total', create('east'))).toBe(2);
    expect(value(text, 'opscom_calls_total', create('north'))).toBe(1);
    expect(
      value(text, 'opscom_call_duration_seconds_count', { operation: 'create', site: 'east' }),
    ).toBe(2);
    expect(
      value(text, 'opscom_call_duration_seconds_count', { operation: 'create', site: 'north' }),
    ).toBe(1);
    expect(value(text, 'permits_made_total', { trigger: 'webhook', site: 'east' })).toBe(2);
    expect(value(text, 'permits_made_total', { trigger: 'webhook', site: 'north' })).toBe(1);
    expect(value(text, 'job_outcomes_total', { outcome: 'done', site: 'east' })).toBe(2);
    expect(value(text, 'job_outcomes_total', { outcome: 'done', site: 'north' })).toBe(1);
    expect(value(text, 'job_outcomes_total', { outcome: 'failed', site: 'none' })).toBe(2);
    expect(sites.east.received).toHaveLength(2);
    expect(sites.north.received).toHaveLength(1);

    // Bounded: the label takes configured ids and `none`, whatever a payment names.
    const siteValues = new Set([...text.matchAll(/site="([^"]*)"/g)].map((m) => m[1]));
    expect([...siteValues].sort()).toEqual(['east', 'none', 'north']);
    // The series without a site keep their labels (gauges, Stripe calls, refusals…).
    expect(value(text, 'jobs', { state: 'done' })).toBe(3);
    expect(value(text, 'stripe_calls_total', { operation: 'update_session', outcome: 'ok' })).toBe(
      3,
    );
  });

  it("count a site's refused token against that site only", async () => {
    sites = await startTwoSites({ env: { EAST_TOKEN: 'wrong-east-token' } });
    const { h } = sites;
    const east = await sites.pay('east');
    const north = await sites.pay('north');
    await h.waitForJob(north, ['done']);
    const refused = { operation: 'create', outcome: 'operator', site: 'east' };
    let text = '';
    for (let i = 0; i < 200 && !value(text, 'opscom_calls_total', refused); i++) {
      await new Promise((r) => setTimeout(r, 25));
      text = await scrape(h.url);
    }
    expect(value(text, 'opscom_calls_total', refused)).toBeGreaterThanOrEqual(1);
    expect(
      value(text, 'job_outcomes_total', { outcome: 'retried', site: 'east' }),
    ).toBeGreaterThanOrEqual(1);
    expect(value(text, 'opscom_calls_total', { ...refused, site: 'north' })).toBeUndefined();
    expect(
      value(text, 'job_outcomes_total', { outcome: 'retried', site: 'north' }),
    ).toBeUndefined();
    expect((await h.adapter.ledger.getJob(east))?.state).toBe('pending');
  });
  it('count a late answer as in doubt for its site', async () => {
    sites = await startTwoSites({
      env: { OPSCOM_TIMEOUT_MS: '200', OPSCOM_GRACE_MS: '3000' },
      eastOpscom: { latencyMs: 400 },
    });
    const { h } = sites;
    await h.waitForJob(await sites.pay('east'), ['done']);
    await h.waitForJob(await sites.pay('north'), ['done']);
    const text = await scrape(h.url);
    expect(value(text, 'opscom_in_doubt_total', { resolution: 'late_answer', site: 'east' })).toBe(
      1,
    );
    expect(samples(text, 'opscom_adapter_opscom_in_doubt_total').map((s) => s.labels)).toEqual([
      { resolution: 'late_answer', site: 'east' },
    ]);
  });
});

describe('metrics of one site', () => {
  let h: Harness;
  afterEach(() => h?.close());

  it('carry no site label: a single-site scrape reads as before', async () => {
    h = await startHarness();
    const session = makeSession();
    h.stripe.addSession(session);
    await h.post(makeEvent('checkout.session.completed', session));
    await h.waitForJob(session.id, ['done']);
    const text = await scrape(h.url);
    expect(value(text, 'opscom_calls_total', { operation: 'create', outcome: 'ok' })).toBe(1);
    expect(value(text, 'permits_made_total', { trigger: 'webhook' })).toBe(1);
    expect(text).not.toContain('site="');
  });
});
