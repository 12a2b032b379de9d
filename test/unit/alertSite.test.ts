import { siteAlertKey, siteInKey, siteOfAlert } from '../../src/alerts/alertSite';
import { fitsSites } from '../../src/alerts/staleAlerts';

// Which site an alert is about: one answer for its message (alertDelivery) and the console.
const rules = {
  defaultId: 'north',
  siteOf: (stored: string | null) => (stored === 'default' ? 'north' : stored),
};
const jobs = new Map<string, string | null>([
  ['cs_east', 'east'],
  ['cs_before_sites', 'default'],
  ['cs_none', null],
]);
const storedSiteOf = (id: string) => Promise.resolve(jobs.has(id) ? jobs.get(id) : undefined);
const about = (key: string, kind: 'opscom_token' | 'opscom_validation' | 'job' | 'pending_age') =>
  siteOfAlert({ key, kind, sessionId: kind === 'job' ? key.slice(4) : null }, rules, storedSiteOf);

test("a site's condition is keyed by it only with several sites", () => {
  expect(siteAlertKey('opscom_validation', 'east', true)).toBe('opscom_validation:east');
  expect(siteAlertKey('opscom_validation', 'east', false)).toBe('opscom_validation');
  expect(siteAlertKey('opscom_token', undefined, true)).toBe('opscom_token');
  expect(siteInKey({ kind: 'opscom_token', key: 'opscom_token:east' })).toBe('east');
  expect(siteInKey({ kind: 'opscom_validation', key: 'opscom_validation' })).toBeNull();
  expect(siteInKey({ kind: 'job', key: 'job:cs_1' })).toBeUndefined();
});

test('the site an alert is about', async () => {
  expect(await about('opscom_validation:east', 'opscom_validation')).toBe('east');
  expect(await about('opscom_token', 'opscom_token')).toBe('north'); // the key alone: the default's
  expect(await about('job:cs_east', 'job')).toBe('east');
  expect(await about('job:cs_before_sites', 'job')).toBe('north');
  expect(await about('job:cs_none', 'job')).toBeNull(); // its payment matched no site
  expect(await about('job:cs_gone', 'job')).toBeUndefined(); // gone with retention
  expect(await about('pending_age', 'pending_age')).toBeUndefined();
});

test('which keys fit the configured sites', () => {
  const two = { named: true, has: (id: string) => id === 'north' || id === 'east' };
  const one = { named: false, has: (id: string) => id === 'north' };
  expect(fitsSites('east', two)).toBe(true);
  expect(fitsSites('gone', two)).toBe(false);
  expect(fitsSites(null, two)).toBe(false);
  expect(fitsSites(null, one)).toBe(true);
  expect(fitsSites('north', one)).toBe(false);
});
