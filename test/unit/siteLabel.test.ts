import { alertRoutes, anyAlertRoute, type SendAlert } from '../../src/alerts/alertRoutes';
import { siteTag } from '../../src/domain/alertText';
import { siteLabel } from '../../src/metrics/siteLabel';
import { indexSites } from '../../src/sites/site';
import { testSite } from '../support/siteFixtures';

const site = testSite;

describe('the site label of the metrics', () => {
  it('is left off with one site: its series keep the labels they always had', () => {
    const one = siteLabel(indexSites([site('default')], 'default'));
    expect(one.of('default')).toEqual({});
    expect(one.of(null)).toEqual({});
    expect(siteLabel(undefined).of('east')).toEqual({});
  });

  it('takes only configured ids, or none, with several', () => {
    const two = siteLabel(indexSites([site('north'), site('east')], 'north'));
    expect(two.of('east')).toEqual({ site: 'east' });
    expect(two.of(null)).toEqual({ site: 'none' });
    // A site since removed from the file, or any other text: bounded, never a new value.
    expect(two.of('south')).toEqual({ site: 'none' });
    // Jobs from before the sites file ran as the default site; so did verification's calls.
    expect(two.of('default')).toEqual({ site: 'north' });
    expect(two.of(undefined)).toEqual({ site: 'north' });
  });

  it('says none for the default when several sites have no default', () => {
    const two = siteLabel(indexSites([site('north'), site('east')], undefined));
    expect(two.of(undefined)).toEqual({ site: 'none' });
    expect(two.of('default')).toEqual({ site: 'none' });
  });
});

describe('where alerts go', () => {
  const webhook = (url: URL): SendAlert => {
    const send: SendAlert = () => Promise.resolve();
    return Object.assign(send, { url: url.href });
  };
  const urlOf = (send: SendAlert | undefined) => (send as { url?: string } | undefined)?.url;

  it('nowhere without ALERT_WEBHOOK_URL or a site route', () => {
    const sites = indexSites([site('north'), site('east')], undefined);
    expect(alertRoutes(undefined, sites, webhook)).toBeUndefined();
    expect(anyAlertRoute(undefined, sites)).toBe(false);
  });

  it("a site's own route, else ALERT_WEBHOOK_URL; several sites are named", () => {
    const sites = indexSites(
      [site('north'), site('east', 'https://hooks.example.com/east')],
      'north',
    );
    const routes = alertRoutes(new URL('https://hooks.example.com/all'), sites, webhook);
    expect(urlOf(routes?.send)).toBe('https://hooks.example.com/all');
    expect(urlOf(routes?.sites.routeOf('east'))).toBe('https://hooks.example.com/east');
    expect(routes?.sites.routeOf('north')).toBeUndefined();
    expect(routes?.sites.named).toBe(true);
    expect(routes?.sites.tokenEnvOf('east')).toBe('EAST_TOKEN');
    expect(routes?.sites.siteOf('default')).toBe('north');
    expect(routes?.sites.siteOf(null)).toBeNull();
  });

  it('a site with its own route is heard though ALERT_WEBHOOK_URL is unset', () => {
    const sites = indexSites(
      [site('north'), site('east', 'https://hooks.example.com/east')],
      undefined,
    );
    const routes = alertRoutes(undefined, sites, webhook);
    expect(routes?.send).toBeUndefined();
    expect(urlOf(routes?.sites.routeOf('east'))).toBe('https://hooks.example.com/east');
  });

  it('one site: not named', () => {
    const routes = alertRoutes(
      new URL('https://hooks.example.com/all'),
      indexSites([site('default')], 'default'),
      webhook,
    );
    expect(routes?.sites.named).toBe(false);
    expect(siteTag('east')).toBe('[east] ');
    expect(siteTag(null)).toBe('[no site] ');
  });
});
