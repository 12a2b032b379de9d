import { parseBasic } from '../../src/console/auth';
import { crossSiteProblem, csrfToken } from '../../src/console/csrf';
import { href, html } from '../../src/http/html';

describe('the console templates', () => {
  test('escape every value, in text and in quoted attributes; markup only from html itself', () => {
    const plate = `"><script>alert('x')</script>&`;
    const cell = html`<td title="${plate}">${plate}</td>`;
    const out = html`${cell}${[html`<b>${plate}</b>`]}`.markup;
    expect(out).toBe(
      '<td title="&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;">&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;</td><b>&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;</b>',
    );
    expect(html`${null}${undefined}${false}${0}`.markup).toBe('0');
  });

  test('URLs encode each path segment and query value', () => {
    expect(href(['jobs', 'cs_1/../x?y'])).toBe('/console/jobs/cs_1%2F..%2Fx%3Fy');
    expect(href(['jobs'], { q: 'a&b=c', state: '', page: 2 })).toBe(
      '/console/jobs?q=a%26b%3Dc&page=2',
    );
  });
});

describe('the console login', () => {
  test('reads Basic credentials, a colon in the password included', () => {
    const header = `Basic ${Buffer.from('operator:pa:ss').toString('base64')}`;
    expect(parseBasic(header)).toEqual({ user: 'operator', password: 'pa:ss' });
    expect(parseBasic('Bearer abc')).toBeUndefined();
    expect(parseBasic(`Basic ${Buffer.from('nocolon').toString('base64')}`)).toBeUndefined();
  });
});

describe('the console refuses a cross-site post', () => {
  const token = csrfToken('a-long-console-password', 'operator');
  const sameSite = { origin: 'https://permits.example.com', host: 'permits.example.com' };

  test.each<[string, Parameters<typeof crossSiteProblem>[0], unknown, RegExp | undefined]>([
    ['same origin with the token', { ...sameSite, secFetchSite: 'same-origin' }, token, undefined],
    ['an old browser: Origin only', sameSite, token, undefined],
    ['no token', sameSite, undefined, /without this console’s token/],
    ['a token for another user', sameSite, csrfToken('a-long-console-password', 'eve'), /token/],
    ['another site', { ...sameSite, secFetchSite: 'cross-site' }, token, /cross-site request/],
    ['a sibling subdomain', { ...sameSite, secFetchSite: 'same-site' }, token, /same-site request/],
    [
      'another origin',
      { ...sameSite, origin: 'https://evil.example' },
      token,
      /from https:\/\/evil/,
    ],
    ['Origin "null" (a sandboxed frame)', { ...sameSite, origin: 'null' }, token, /from null/],
  ])('%s', (_name, headers, form, problem) => {
    const found = crossSiteProblem(headers, form, token);
    if (problem) expect(found).toMatch(problem);
    else expect(found).toBeUndefined();
  });

  test('the token depends on the password', () => {
    expect(csrfToken('another-long-password', 'operator')).not.toBe(token);
  });
});
