import { contactHtml } from '../../src/driver/contactHtml';
import { DRIVER_STYLESHEET, messagePage } from '../../src/driver/pageHtml';

// Who the driver can ask, at the foot of every page: a number to tap that never breaks.
describe("the driver's page's support contact", () => {
  test('a phone number is a tel: link that does not wrap (not at its hyphen)', () => {
    expect(contactHtml('+1 555-0100').markup).toBe(
      '<a class="phone" href="tel:+15550100">+1 555-0100</a>',
    );
    expect(DRIVER_STYLESHEET).toMatch(/\.phone\{[^}]*white-space:nowrap/);
  });

  test('around text, each number and address its link, the rest as text', () => {
    expect(contactHtml('Call (613) 555-0100 ext. 4 or parking@example.ca').markup).toBe(
      'Call <a class="phone" href="tel:6135550100">(613) 555-0100</a> ext. 4 or ' +
        '<a class="email" href="mailto:parking@example.ca">parking@example.ca</a>',
    );
  });

  test('an address in brackets is linked without them', () => {
    expect(contactHtml('Parking office (parking@example.ca)').markup).toBe(
      'Parking office (<a class="email" href="mailto:parking@example.ca">parking@example.ca</a>)',
    );
  });

  test('anything else is text, escaped: too few digits, markup', () => {
    expect(contactHtml('Desk 12-34, lot B').markup).toBe('Desk 12-34, lot B');
    expect(contactHtml('<b onclick=x>555-0100</b>').markup).toBe(
      '&lt;b onclick=x&gt;<a class="phone" href="tel:5550100">555-0100</a>&lt;/b&gt;',
    );
  });

  test('shown on a page with no permit; no contact, no footer text', () => {
    const options = {
      lang: 'fr' as const,
      timezone: 'America/Toronto',
      nowMs: 0,
      refreshSeconds: undefined,
    };
    const withContact = messagePage('notFound', {
      ...options,
      operator: { name: 'North Campus', support: '+1 555-0100' },
    }).markup;
    expect(withContact).toContain(
      'Des questions? Communiquez avec <a class="phone" href="tel:+15550100">+1 555-0100</a>',
    );
    const without = messagePage('notFound', {
      ...options,
      operator: { name: 'North Campus', support: undefined },
    }).markup;
    expect(without).not.toContain('Des questions');
    expect(without).not.toContain('tel:');
  });
});
