import {
  createBodyBudget,
  EVICTABLE_AFTER_MS,
  LARGE_EVICTABLE_AFTER_MS,
  SMALL_BODY_BYTES,
} from '../../src/http/bodyBudget';

describe('the body budget', () => {
  test('holds at most its bytes across requests, and gives them back', () => {
    const budget = createBodyBudget(100, () => 0);
    const a = budget.hold(() => undefined);
    const b = budget.hold(() => undefined);
    expect(a.add(60)).toBe(true);
    expect(b.add(50)).toBe(false);
    expect(budget.used).toBe(60);
    a.release();
    a.release();
    expect(budget.used).toBe(0);
    expect(b.add(50)).toBe(true);
  });

  test('gives up a small body that has been arriving for a second for a newer one, never a young one', () => {
    let now = 0;
    const budget = createBodyBudget(100, () => now);
    const evicted: string[] = [];
    const slow = budget.hold(() => evicted.push('slow'));
    expect(slow.add(90)).toBe(true);
    now = EVICTABLE_AFTER_MS - 1;
    const young = budget.hold(() => evicted.push('young'));
    expect(young.add(20)).toBe(false); // the slow one is not old enough yet
    now = EVICTABLE_AFTER_MS;
    const fresh = budget.hold(() => evicted.push('fresh'));
    expect(fresh.add(20)).toBe(true);
    expect(evicted).toEqual(['slow']);
    expect(slow.add(1)).toBe(false); // given up: it may take no more
    expect(budget.used).toBe(20);
  });

  test('a small body takes room from a large one that has been arriving for 100 ms', () => {
    let now = 0;
    const budget = createBodyBudget(2 * SMALL_BODY_BYTES + 10, () => now);
    const evicted: string[] = [];
    const large = budget.hold(() => evicted.push('large'));
    expect(large.add(2 * SMALL_BODY_BYTES)).toBe(true);
    now = LARGE_EVICTABLE_AFTER_MS - 1;
    expect(budget.hold(() => undefined).add(100)).toBe(false);
    now = LARGE_EVICTABLE_AFTER_MS;
    // A large newcomer takes no one's room; a small one does.
    expect(budget.hold(() => undefined).add(SMALL_BODY_BYTES + 1)).toBe(false);
    expect(evicted).toEqual([]);
    expect(budget.hold(() => undefined).add(100)).toBe(true);
    expect(evicted).toEqual(['large']);
  });
});
