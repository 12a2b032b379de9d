import { withoutKeys } from '../../src/alerts/stripeAccessWatch';

test('what Stripe says of a refused key keeps none of the key', () => {
  expect(
    withoutKeys(
      'Stripe update of Checkout Session cs_1 failed (HTTP 401): Invalid API Key provided: sk_live_********************4242',
    ),
  ).toBe(
    'Stripe update of Checkout Session cs_1 failed (HTTP 401): Invalid API Key provided: sk_live_***',
  );
  expect(withoutKeys('key rk_test_51AbCdEf lacks access')).toBe('key rk_test_*** lacks access');
  expect(withoutKeys("account 'acct_1North' (cs_test_a1)")).toBe(
    "account 'acct_1North' (cs_test_a1)",
  );
});
