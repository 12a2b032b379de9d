import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Whether a secret someone gave equals the one expected, in constant time whatever the
 * lengths: both sides are hashed first, so neither the length nor the first differing byte
 * shows in the time taken. (METRICS_TOKEN, the console's login and its CSRF token.)
 */
export function sameSecret(given: string, wanted: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(wanted));
}
