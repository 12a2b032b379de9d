import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config';
import { siteOf } from '../../src/domain/siteOf';
import { ConfigError } from '../../src/errors';
import { loadSites, type SiteDefaults } from '../../src/sites/loadSites';
import { indexSites, storedIdsOf, storedSiteId, type Site } from '../../src/sites/site';

const defaults: SiteDefaults = {
  baseUrl: new URL('https://controller.operationscommander.io'),
  client: 'OC-TOMA',
  policy: { onFullRefund: 'delete', onPartialRefund: 'keep', onDispute: 'keep' },
};
const env = {
  OPSCOM_TOKEN_NORTH: 'north-token-1',
  OPSCOM_TOKEN_EAST: 'east-token-2',
  OPSCOM_TOKEN_WEST: 'west-token-3',
  ALERTS_WEST: 'https://hooks.example.com/west',
};
const north = {
  id: 'north',
  name: 'North Campus',
  stripeAccount: 'acct_1North',
  opscom: { client: 'OC-NORTH', tokenEnv: 'OPSCOM_TOKEN_NORTH', timezone: 'America/Toronto' },
};
const east = {
  id: 'east',
  opscom: {
    baseUrl: 'https://east.example.com',
    tokenEnv: 'OPSCOM_TOKEN_EAST',
    timezone: 'America/Halifax',
    zone: 'Lot 4',
    zones: ['Lot 4', 'Lot 5'],
  },
  onFullRefund: 'end',
};
const west = {
  id: 'west',
  opscom: { tokenEnv: 'OPSCOM_TOKEN_WEST', timezone: 'America/Vancouver' },
  alertWebhookUrlEnv: 'ALERTS_WEST',
};

const dir = mkdtempSync(join(tmpdir(), 'sites-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function fileWith(content: unknown): string {
  const path = join(dir, `sites-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

function problemsOf(load: () => unknown): readonly string[] {
  try {
    load();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('loaded without a problem');
}

describe('SITES_FILE', () => {
  it('reads each site, its token from the variable it names, the rest from the defaults', () => {
    const sites = loadSites(fileWith({ sites: [north, east, west] }), env, defaults, 'east');
    expect(sites.list.map((s) => s.id)).toEqual(['north', 'east', 'west']);
    expect(sites.defaultId).toBe('east');
    expect(sites.byAccount.get('acct_1North')).toBe('north');
    const e = sites.byId.get('east');
    expect(e?.opscom).toMatchObject({
      apiToken: 'east-token-2',
      client: 'OC-TOMA',
      timezone: 'America/Halifax',
      defaultZone: 'Lot 4',
      zones: ['Lot 4', 'Lot 5'],
    });
    expect(e?.opscom.baseUrl.href).toBe('https://east.example.com/');
    expect(e?.policy).toEqual({ onFullRefund: 'end', onPartialRefund: 'keep', onDispute: 'keep' });
    expect(sites.byId.get('north')?.opscom.baseUrl.href).toBe(defaults.baseUrl.href);
    expect(sites.byId.get('west')?.alertWebhookUrl?.href).toBe('https://hooks.example.com/west');
  });

  it('has no default among several sites unless DEFAULT_SITE names one; one site is the default', () => {
    expect(loadSites(fileWith({ sites: [north, east] }), env, defaults, undefined).defaultId).toBe(
      undefined,
    );
    expect(loadSites(fileWith({ sites: [west] }), env, defaults, undefined).defaultId).toBe('west');
  });

  it('names every problem of every site at once, never a token', () => {
    const bad = [
      { ...north, id: 'North!' },
      { ...east, opscom: { ...east.opscom, timezone: 'Mars/Base', zone: 'Lot 9' } },
      { ...west, opscom: { ...west.opscom, timeZone: 'America/Vancouver' } },
      { ...west, id: 'none' },
    ];
    expect(problemsOf(() => loadSites(fileWith({ sites: bad }), env, defaults, undefined))).toEqual(
      [
        'SITES_FILE sites[0] "North!": id must be 1–40 lower-case letters, digits, - or _',
        'SITES_FILE sites[1] "east": opscom.timezone is not a known IANA zone (e.g. America/Toronto)',
        'SITES_FILE sites[2] "west": opscom has an unknown field "timeZone"',
        'SITES_FILE sites[3] "none": id must not be "none" (the metrics label of jobs of no site)',
      ],
    );
  });

  it('checks what the variables hold and what the sites share', () => {
    const sites = [
      north,
      { ...east, stripeAccount: 'acct_1North', opscom: { ...east.opscom, zone: 'Lot 9' } },
      { ...west, id: 'north', alertWebhookUrlEnv: 'NOT_SET_ANYWHERE' },
      { id: 'south', opscom: { tokenEnv: 'OPSCOM_TOKEN_SOUTH', timezone: 'UTC' } },
    ];
    const withBadToken = { ...env, OPSCOM_TOKEN_SOUTH: 'has spaces and/slashes' };
    const problems = problemsOf(() =>
      loadSites(fileWith({ sites }), withBadToken, defaults, 'none'),
    );
    expect(problems).toEqual([
      'SITES_FILE sites[1] "east": opscom.zone "Lot 9" is not one of opscom.zones',
      'SITES_FILE sites[2] "north": alertWebhookUrlEnv: NOT_SET_ANYWHERE is not set',
      'SITES_FILE sites[3] "south": opscom.tokenEnv: OPSCOM_TOKEN_SOUTH must be 1–50 letters, digits or dashes',
      'SITES_FILE sites "north" and "east" have the same stripeAccount acct_1North',
      'SITES_FILE has two sites with id "north"',
      'DEFAULT_SITE "none" is not a site in SITES_FILE',
    ]);
    expect(problems.join('\n')).not.toContain('has spaces');
  });

  it('says when the file is missing, not JSON, or lists no site', () => {
    expect(problemsOf(() => loadSites(join(dir, 'nope.json'), env, defaults, undefined))).toEqual([
      `SITES_FILE ${join(dir, 'nope.json')} cannot be read (ENOENT)`,
    ]);
    expect(
      problemsOf(() => loadSites(fileWith('{"sites": ['), env, defaults, undefined))[0],
    ).toMatch(/^SITES_FILE .* is not JSON: /);
    expect(problemsOf(() => loadSites(fileWith({ sites: [] }), env, defaults, undefined))).toEqual([
      'SITES_FILE sites lists no site',
    ]);
  });
});

describe("a payment's site", () => {
  const sites = loadSites(fileWith({ sites: [north, east, west] }), env, defaults, 'east');

  it("is its connected account's site, whatever its metadata says", () => {
    expect(siteOf({ account: 'acct_1North', metadataSite: 'west' }, sites)).toEqual({
      ok: true,
      siteId: 'north',
    });
  });

  it('is the site metadata.site names, else the default site', () => {
    expect(siteOf({ account: undefined, metadataSite: 'west' }, sites)).toEqual({
      ok: true,
      siteId: 'west',
    });
    expect(siteOf({ account: undefined, metadataSite: undefined }, sites)).toEqual({
      ok: true,
      siteId: 'east',
    });
  });

  it('is none, with the reason, for an unknown account or site, or no default', () => {
    expect(siteOf({ account: 'acct_9Other', metadataSite: undefined }, sites)).toEqual({
      ok: false,
      reason:
        'the event comes from connected account acct_9Other, which no site has as its stripeAccount (SITES_FILE)',
    });
    expect(siteOf({ account: undefined, metadataSite: 'south' }, sites)).toEqual({
      ok: false,
      reason: 'metadata.site "south" is not a configured site',
    });
    const noDefault = { ...sites, defaultId: undefined };
    expect(siteOf({ account: undefined, metadataSite: '' }, noDefault)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('no DEFAULT_SITE') as unknown,
    });
  });
});

describe('a stored site id', () => {
  const sites = loadSites(fileWith({ sites: [north, east, west] }), env, defaults, 'east');

  it("reads jobs stored as 'default' (before the sites file) as the default site's", () => {
    expect(storedSiteId('default', sites)).toBe('east');
    expect(storedSiteId('west', sites)).toBe('west');
    expect(storedIdsOf('east', sites)).toEqual(['east', 'default']);
    expect(storedIdsOf('west', sites)).toEqual(['west']);
  });

  it("is itself when a site is called 'default', or there is no default site", () => {
    const westSite = sites.byId.get('west') as Site;
    const named = indexSites([...sites.list, { ...westSite, id: 'default' }], 'east');
    expect(storedSiteId('default', named)).toBe('default');
    expect(storedIdsOf('east', named)).toEqual(['east']);
    const noDefault = { ...sites, defaultId: undefined };
    expect(storedSiteId('default', noDefault)).toBe('default');
    expect(storedIdsOf('east', noDefault)).toEqual(['east']);
  });
});

describe('the configuration', () => {
  const base = {
    STRIPE_SECRET_KEY: 'sk_test_adapter',
    STRIPE_WEBHOOK_SECRET: 'whsec_test',
  };

  it('without SITES_FILE is one site, `default`, from the OPSCOM_* variables', () => {
    const config = loadConfig({
      ...base,
      OPSCOM_API_TOKEN: 'env-token',
      OPSCOM_TIMEZONE: 'America/Toronto',
      OPSCOM_ZONE: 'Lot 4',
      ON_FULL_REFUND: 'end',
    });
    expect(config.sites.list.map((s) => s.id)).toEqual(['default']);
    expect(config.sites.defaultId).toBe('default');
    expect(config.sites.byId.get('default')).toMatchObject({
      opscom: { apiToken: 'env-token', timezone: 'America/Toronto', defaultZone: 'Lot 4' },
      policy: { onFullRefund: 'end' },
    });
  });

  it('with SITES_FILE needs no OPSCOM_API_TOKEN or OPSCOM_TIMEZONE, and reads the sites', () => {
    const config = loadConfig({
      ...base,
      ...env,
      SITES_FILE: fileWith({ sites: [north, east] }),
      DEFAULT_SITE: 'east',
    });
    expect(config.sites.list.map((s) => s.id)).toEqual(['north', 'east']);
    expect(config.opscom.apiToken).toBe('east-token-2');
    expect(config.opscom.timezone).toBe('America/Halifax');
  });

  it('refuses DEFAULT_SITE without SITES_FILE, and still needs the token without it', () => {
    expect(
      problemsOf(() =>
        loadConfig({ ...base, OPSCOM_API_TOKEN: 't', OPSCOM_TIMEZONE: 'UTC', DEFAULT_SITE: 'x' }),
      ),
    ).toEqual([
      'DEFAULT_SITE "x" names a site, but SITES_FILE is not set (without it the one site is "default")',
    ]);
    expect(problemsOf(() => loadConfig({ ...base, OPSCOM_TIMEZONE: 'UTC' }))).toEqual([
      'OPSCOM_API_TOKEN is required (the Push API token from OPSCOM)',
    ]);
  });
});

describe("a site's Plate Validation endpoint (opscom.validateUrl)", () => {
  const VALIDATE = 'https://validate.north.example.com/api/v1/validate/plate';

  it('is read when the site names one, and left to OPSCOM_VALIDATE_URL when it does not', () => {
    const withUrl = { ...north, opscom: { ...north.opscom, validateUrl: VALIDATE } };
    const sites = loadSites(fileWith({ sites: [withUrl, east] }), env, defaults, undefined);
    expect(sites.byId.get('north')?.opscom.validateUrl?.href).toBe(VALIDATE);
    expect(sites.byId.get('east')?.opscom.validateUrl).toBeUndefined();
  });

  it('names a bad URL and a misspelt field as the other problems are named', () => {
    const bad = [
      { ...north, opscom: { ...north.opscom, validateUrl: 'not a url' } },
      { ...east, opscom: { ...east.opscom, validateUrl: 'ftp://east.example.com/validate' } },
      { ...west, opscom: { ...west.opscom, validateURL: VALIDATE } },
    ];
    const message =
      'opscom.validateUrl must be an http(s) URL such as https://service.ops-com.com/api/v1/validate/plate';
    expect(problemsOf(() => loadSites(fileWith({ sites: bad }), env, defaults, undefined))).toEqual(
      [
        `SITES_FILE sites[0] "north": ${message}`,
        `SITES_FILE sites[1] "east": ${message}`,
        'SITES_FILE sites[2] "west": opscom has an unknown field "validateURL"',
      ],
    );
  });

  it('reaches the configuration; without SITES_FILE the one site has none of its own', () => {
    const withUrl = { ...east, opscom: { ...east.opscom, validateUrl: VALIDATE } };
    const config = loadConfig({
      STRIPE_SECRET_KEY: 'sk_test_adapter',
      STRIPE_WEBHOOK_SECRET: 'whsec_test',
      ...env,
      SITES_FILE: fileWith({ sites: [north, withUrl] }),
      OPSCOM_VALIDATE_URL: 'https://validate.example.com/plate',
    });
    expect(config.sites.byId.get('east')?.opscom.validateUrl?.href).toBe(VALIDATE);
    expect(config.sites.byId.get('north')?.opscom.validateUrl).toBeUndefined();
    expect(config.opscom.validateUrl.href).toBe('https://validate.example.com/plate');
  });
});

describe("a site's support contact (support)", () => {
  it('is read, trimmed, when the site gives one, and left to SUPPORT_CONTACT when it does not', () => {
    const withSupport = { ...north, support: '  +1 604 555-0199 ' };
    const sites = loadSites(fileWith({ sites: [withSupport, east] }), env, defaults, undefined);
    expect(sites.byId.get('north')?.support).toBe('+1 604 555-0199');
    expect(sites.byId.get('east')?.support).toBeUndefined();
  });

  it('names an empty, too long or non-text contact as SUPPORT_CONTACT would be refused', () => {
    const bad = [
      { ...north, support: '   ' },
      { ...east, support: 'x'.repeat(121) },
      { ...west, support: 6045550199 },
    ];
    expect(problemsOf(() => loadSites(fileWith({ sites: bad }), env, defaults, undefined))).toEqual(
      [
        'SITES_FILE sites[0] "north": support must not be empty (leave it out to show SUPPORT_CONTACT)',
        'SITES_FILE sites[1] "east": support must be at most 120 characters (a phone number, an e-mail)',
        'SITES_FILE sites[2] "west": support must be text: a phone number or an e-mail',
      ],
    );
  });

  it('reaches the configuration; without SITES_FILE the one site has none of its own', () => {
    const config = loadConfig({
      STRIPE_SECRET_KEY: 'sk_test_adapter',
      STRIPE_WEBHOOK_SECRET: 'whsec_test',
      ...env,
      SITES_FILE: fileWith({ sites: [{ ...north, support: 'north@example.com' }, east] }),
      SUPPORT_CONTACT: '+1 555 0100',
    });
    expect(config.sites.byId.get('north')?.support).toBe('north@example.com');
    expect(config.sites.byId.get('east')?.support).toBeUndefined();
    expect(config.driverPage?.operator.support).toBe('+1 555 0100');
    const single = loadConfig({
      STRIPE_SECRET_KEY: 'sk_test_adapter',
      STRIPE_WEBHOOK_SECRET: 'whsec_test',
      OPSCOM_API_TOKEN: 'token-1',
      OPSCOM_TIMEZONE: 'America/Toronto',
      SUPPORT_CONTACT: '+1 555 0100',
    });
    expect(single.sites.list[0]?.support).toBeUndefined();
  });
});
