import type { OpscomSimulator } from '../../tools/simulators/opscomSimulator';
import type { Harness } from '../support/harness';
import { harnessStores } from '../support/ledgerStores';
import { makeSession } from '../support/stripeFixtures';
import { startTwoSites, type TwoSites } from '../support/twoSites';

// The driver's page with Stripe Connect (issue 26): a connected account's session is read as
// that account (never one named by the URL), and the page shows its site's name and clock.
const NORTH_ACCOUNT = 'acct_1NorthCampus';
// The platform's number (SUPPORT_CONTACT), and north's own (its `support` in the sites file).
const PLATFORM_SUPPORT = '+1 555-0100';
const NORTH_SUPPORT = '+1 604 555-0199';

describe.each(harnessStores)(
  "the driver's page of a Connect session (%s ledger)",
  (_n, storeEnv) => {
    let sites: TwoSites;
    let h: Harness;
    let north: OpscomSimulator;
    let east: OpscomSimulator;

    beforeEach(async () => {
      sites = await startTwoSites({
        env: {
          ...(await storeEnv()),
          DEFAULT_SITE: 'east',
          OPERATOR_NAME: 'City Parking',
          DRIVER_PAGE_WAIT_SECONDS: '10',
          SUPPORT_CONTACT: PLATFORM_SUPPORT,
        },
        north: {
          name: 'North Campus Parking',
          stripeAccount: NORTH_ACCOUNT,
          support: NORTH_SUPPORT,
        },
        northOpscom: { timezone: 'America/Vancouver' },
      });
      ({ h, north, east } = sites);
    });
    afterEach(() => sites?.close());

    const load = (id: string, accept: string, query = '') =>
      fetch(`${h.url}/permit/${id}${query}`, { headers: { Accept: accept } });
    const paidNow = (plate: string) => ({
      ...makeSession({ metadata: { plate, duration: '60' } }),
      created: Math.floor(Date.now() / 1000),
    });

    test("a Connect session whose webhook never came is fulfilled reading as its success URL's site's account", async () => {
      const session = paidNow('NORTH 1');
      h.stripe.account(NORTH_ACCOUNT).addSession(session);

      const res = await load(session.id, 'application/json', '?site=north');
      expect(res.status).toBe(200);
      const body = (await res.json()) as { state: string; startsAt: string; endsAt: string };
      expect(body.state).toBe('active');
      const job = await h.waitForJob(session.id, ['done']);
      expect(job.site).toBe('north');
      expect(job.session.stripeAccount).toBe(NORTH_ACCOUNT);
      expect([...north.permits.values()].map((p) => p.plate)).toEqual(['NORTH1']);
      expect(east.permits.size).toBe(0);
      // Read only as the site's account (no search): the session, the PaymentIntent and the
      // write-backs.
      const calls = h.stripe.received.map(
        (r) => `${r.method} ${r.stripeAccount ?? '-'} ${r.status}`,
      );
      expect(calls[0]).toBe(`GET ${NORTH_ACCOUNT} 200`);
      expect(calls.every((c) => c.includes(NORTH_ACCOUNT))).toBe(true);
      expect(h.stripe.account(NORTH_ACCOUNT).sessions.get(session.id)?.metadata).toMatchObject({
        opscom_reference_id: expect.stringMatching(/^OC-/) as unknown,
      });
      // Times in the site's clock (Vancouver: -08:00 in December, -07:00 in summer).
      expect(body.endsAt).toMatch(/-0[78]:00$/);

      // Once the ledger has it, the page reads nothing more and shows the site's name.
      h.stripe.received.length = 0;
      const page = await (await load(session.id, 'text/html')).text();
      expect(page).toContain('North Campus Parking');
      expect(page).not.toContain('City Parking');
      expect(h.stripe.received).toEqual([]);
    });

    test('a platform session of a metadata site keeps OPERATOR_NAME and reads no account', async () => {
      const session = paidNow('EAST 1');
      h.stripe.addSession(session);
      const page = await (await load(session.id, 'text/html')).text();
      expect(page).toContain('City Parking');
      await h.waitForJob(session.id, ['done']);
      expect(h.stripe.received.every((r) => r.stripeAccount === undefined)).toBe(true);
    });

    test("a lookup reads the platform, or a Connect site's account the URL names and then the platform", async () => {
      const asked = async (query: string) => {
        h.stripe.received.length = 0;
        const res = await load(
          `cs_test_nowhere${Math.random().toString(36).slice(2, 8)}`,
          'application/json',
          query,
        );
        expect(res.status).toBe(404);
        return h.stripe.received.map((r) => r.stripeAccount ?? '-');
      };
      expect(await asked('')).toEqual(['-']);
      expect(await asked('?site=north')).toEqual([NORTH_ACCOUNT, '-']);
      expect(await asked('?site=east')).toEqual(['-']);
      expect(await asked(`?site=${NORTH_ACCOUNT}`)).toEqual(['-']);
      expect(await asked('?site=nowhere')).toEqual(['-']);
    });

    test("a load naming the wrong site does not hold up the driver's load naming the right one", async () => {
      const session = paidNow('NORTH 3');
      h.stripe.account(NORTH_ACCOUNT).addSession(session);
      expect((await load(session.id, 'application/json', '?site=east')).status).toBe(404);
      expect((await load(session.id, 'application/json')).status).toBe(429);
      const right = await load(session.id, 'application/json', '?site=north');
      expect(right.status).toBe(200);
      expect((await h.waitForJob(session.id, ['done'])).site).toBe('north');
    });

    test("a platform session of a Connect site (a destination charge) is found with its site's hint", async () => {
      const session = {
        ...makeSession({ metadata: { plate: 'NORTH 4', duration: '60', site: 'north' } }),
        created: Math.floor(Date.now() / 1000),
      };
      h.stripe.addSession(session);
      h.stripe.received.length = 0;
      const res = await load(session.id, 'application/json', '?site=north');
      expect(res.status).toBe(200);
      const job = await h.waitForJob(session.id, ['done']);
      expect(job.site).toBe('north');
      expect(job.session.stripeAccount ?? undefined).toBeUndefined();
      const reads = h.stripe.received
        .filter((r) => r.method === 'GET' && r.path.includes(session.id))
        .map((r) => `${r.stripeAccount ?? '-'} ${r.status}`);
      expect(reads).toEqual([`${NORTH_ACCOUNT} 404`, '- 200']);
      expect([...north.permits.values()].map((p) => p.plate)).toContain('NORTH4');
    });

    test('a Connect session without the site on its URL waits for its webhook', async () => {
      const session = paidNow('NORTH 2');
      h.stripe.account(NORTH_ACCOUNT).addSession(session);
      const res = await load(session.id, 'application/json');
      expect(res.status).toBe(404);
      expect(await h.adapter.ledger.getJob(session.id)).toBeUndefined();
    });

    test("each site's page shows its own support contact, a number to tap, and its clock's zone", async () => {
      const session = paidNow('NORTH 5');
      h.stripe.account(NORTH_ACCOUNT).addSession(session);
      const res = await load(session.id, 'application/json', '?site=north');
      const body = (await res.json()) as { state: string; endsAt: string };
      expect(body.state).toBe('active');
      // The JSON answer's times stay ISO-8601 with the offset: no zone name.
      expect(body.endsAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d-0[78]:00$/);

      const en = await (await load(session.id, 'text/html', '?lang=en')).text();
      expect(en).toContain(`<a class="phone" href="tel:+16045550199">${NORTH_SUPPORT}</a>`);
      expect(en).not.toContain(PLATFORM_SUPPORT);
      // Vancouver's clock, named: PST in winter, PDT in summer.
      expect(en).toMatch(/Valid until \d\d:\d\d\u00a0P[SD]T /);
      const fr = await (await load(session.id, 'text/html', '?lang=fr')).text();
      expect(fr).toContain(`Communiquez avec <a class="phone" href="tel:+16045550199">`);
      expect(fr).toMatch(/Valide jusqu’à \d{1,2} h \d\d\u00a0H[NA]P /);

      // East gives no support of its own: SUPPORT_CONTACT, and Toronto's clock.
      const eastId = await sites.pay('east');
      await h.waitForJob(eastId, ['done']);
      const east = await (await load(eastId, 'text/html', '?lang=en')).text();
      expect(east).toContain(`<a class="phone" href="tel:+15550100">${PLATFORM_SUPPORT}</a>`);
      expect(east).not.toContain(NORTH_SUPPORT);
      expect(east).toMatch(/Valid until \d\d:\d\d\u00a0E[SD]T /);
    });

    test('a page with no permit shows the name and contact of the configured site its URL names', async () => {
      const unknown = () => `cs_test_nowhere${Math.random().toString(36).slice(2, 8)}`;
      const shown = async (id: string, query: string) => {
        const res = await load(id, 'text/html', query);
        expect(res.status).toBe(404);
        const text = await res.text();
        return {
          name: text.includes('North Campus Parking')
            ? 'north'
            : text.includes('City Parking')
              ? 'city'
              : '-',
          support: text.includes(NORTH_SUPPORT)
            ? 'north'
            : text.includes(PLATFORM_SUPPORT)
              ? 'platform'
              : '-',
        };
      };
      expect(await shown(unknown(), '?site=north')).toEqual({ name: 'north', support: 'north' });
      expect(await shown(unknown(), '')).toEqual({ name: 'city', support: 'platform' });
      expect(await shown(unknown(), '?site=east')).toEqual({ name: 'city', support: 'platform' });
      expect(await shown(unknown(), '?site=nowhere')).toEqual({
        name: 'city',
        support: 'platform',
      });
      expect(await shown(unknown(), `?site=${NORTH_ACCOUNT}`)).toEqual({
        name: 'city',
        support: 'platform',
      });
      // An id that cannot be a session (no lookup at all) is answered the same way.
      expect(await shown('not-a-session', '?site=north')).toEqual({
        name: 'north',
        support: 'north',
      });
    });
  },
);
