import {
  mergeFact,
  noFacts,
  type PaymentFact,
  type PaymentFacts,
} from '../../src/domain/paymentFacts';
import {
  nextPermitStep,
  type LivePermit,
  type PermitLifeInput,
  type PermitPolicy,
} from '../../src/domain/permitLife';
import type { CreatePermitRequest } from '../../src/domain/permit';

const TZ = 'America/Toronto';
// Paid 2026-06-15 10:00 local for two hours, 20.00 CAD.
const PAID = Date.parse('2026-06-15T14:00:00Z') / 1000;
const desired: CreatePermitRequest = {
  action: 'create',
  plate: 'AB123',
  zone: 'Z1',
  startTime: '2026-06-15T10:00:00',
  endTime: '2026-06-15T12:00:00',
  endsAt: '2026-06-15T12:00:00-04:00',
  amount: '20.00',
  currency: 'CAD',
};
const live: LivePermit = {
  referenceId: 'OC-1',
  internalReferenceId: '1',
  plate: 'AB123',
  zone: 'Z1',
  startTime: '2026-06-15T10:00:00',
  endTime: '2026-06-15T12:00:00',
  endsAt: '2026-06-15T12:00:00-04:00',
  amount: '20.00',
  currency: 'CAD',
  status: 'active',
  replaced: null,
};
const policy: PermitPolicy = { onFullRefund: 'delete', onPartialRefund: 'keep', onDispute: 'keep' };
const facts = (...events: PaymentFact[]): PaymentFacts => events.reduce(mergeFact, noFacts('pi_1'));
const refund = (amount: number, minutesAfterPaid: number, full = amount >= 2000): PaymentFact => ({
  kind: 'refund',
  amountRefunded: amount,
  full,
  at: PAID + minutesAfterPaid * 60,
});
const step = (over: Partial<PermitLifeInput>) =>
  nextPermitStep({
    live,
    desired,
    amountTotal: 2000,
    facts: undefined,
    policy,
    timezone: TZ,
    now: PAID + 30 * 60, // 10:30
    ...over,
  });

describe('payment facts', () => {
  test('refunds merge to the largest cumulative amount, in any order, any number of times', () => {
    const events = [refund(500, 10), refund(2000, 40), refund(500, 10), refund(1200, 20)];
    const forward = facts(...events);
    const backward = facts(...[...events].reverse());
    expect(forward).toEqual(backward);
    expect(forward).toMatchObject({
      amountRefunded: 2000,
      refundedFull: true,
      refundedAt: PAID + 2400,
    });
  });

  test('a dispute closed before its opening arrived stays closed', () => {
    const closed = facts(
      { kind: 'dispute_closed', at: PAID + 900, outcome: 'won' },
      { kind: 'dispute_opened', at: PAID + 60 },
    );
    expect(closed.dispute).toMatchObject({ status: 'closed', outcome: 'won' });
  });
});

describe('the next step for a permit', () => {
  test.each<[string, Partial<PermitLifeInput>, ReturnType<typeof nextPermitStep>]>([
    [
      'a paid session, no permit yet → create it',
      { live: null },
      {
        kind: 'create',
        permit: desired,
        status: 'active',
        why: 'payment',
      },
    ],
    ['the permit as paid → nothing to do', {}, { kind: 'none' }],
    [
      'full refund, delete → delete',
      { facts: facts(refund(2000, 20)) },
      {
        kind: 'delete',
        status: 'deleted',
        why: 'full refund',
      },
    ],
    [
      'full refund before any permit → cancel, never create',
      { live: null, facts: facts(refund(2000, 1)) },
      {
        kind: 'cancel',
        why: 'full refund',
      },
    ],
    [
      'revoked by an operator, whatever the policy → delete',
      { revokedBy: 'console:ops', policy: { ...policy, onFullRefund: 'keep' } },
      { kind: 'delete', status: 'deleted', why: 'revoked by console:ops' },
    ],
    [
      'revoked before any permit → cancel',
      { live: null, revokedBy: 'ana' },
      { kind: 'cancel', why: 'revoked by ana' },
    ],
    [
      'full refund, keep → nothing',
      { facts: facts(refund(2000, 20)), policy: { ...policy, onFullRefund: 'keep' } },
      {
        kind: 'none',
      },
    ],
    [
      'full refund at 10:20, end, now 10:30 → end now (never a past end)',
      { facts: facts(refund(2000, 20)), policy: { ...policy, onFullRefund: 'end' } },
      {
        kind: 'update',
        plate: 'AB123',
        endTime: '2026-06-15T10:30:00',
        endsAt: '2026-06-15T10:30:00-04:00',
        amount: undefined,
        status: 'ended',
        why: 'full refund',
      },
    ],
    [
      'full refund at 10:20 handled at 10:05 (clock of the refund ahead) → end at 10:20',
      {
        facts: facts(refund(2000, 20)),
        policy: { ...policy, onFullRefund: 'end' },
        now: PAID + 300,
      },
      {
        kind: 'update',
        plate: 'AB123',
        endTime: '2026-06-15T10:20:00',
        endsAt: '2026-06-15T10:20:00-04:00',
        amount: undefined,
        status: 'ended',
        why: 'full refund',
      },
    ],
    [
      'full refund, end, permit already over → nothing',
      {
        facts: facts(refund(2000, 20)),
        policy: { ...policy, onFullRefund: 'end' },
        now: PAID + 3 * 3600,
      },
      { kind: 'none' },
    ],
    [
      'a refund larger than the total counts as full',
      { facts: facts(refund(2500, 20, false)) },
      {
        kind: 'delete',
        status: 'deleted',
        why: 'full refund',
      },
    ],
    ['partial refund, keep → nothing', { facts: facts(refund(500, 20)) }, { kind: 'none' }],
    [
      'partial refund of a quarter, shorten → three quarters of two hours, the amount kept',
      { facts: facts(refund(500, 20)), policy: { ...policy, onPartialRefund: 'shorten' } },
      {
        kind: 'update',
        plate: 'AB123',
        endTime: '2026-06-15T11:30:00',
        endsAt: '2026-06-15T11:30:00-04:00',
        amount: '15.00',
        status: 'shortened',
        why: 'partial refund (500 of 2000)',
      },
    ],
    [
      'partial refund, shorten, the kept share already over → ends now',
      {
        facts: facts(refund(1500, 20)),
        policy: { ...policy, onPartialRefund: 'shorten' },
        now: PAID + 3600,
      },
      {
        kind: 'update',
        plate: 'AB123',
        endTime: '2026-06-15T11:00:00',
        endsAt: '2026-06-15T11:00:00-04:00',
        amount: '5.00',
        status: 'shortened',
        why: 'partial refund (1500 of 2000)',
      },
    ],
    [
      'partial refund before any permit, shorten → created shortened',
      {
        live: null,
        facts: facts(refund(1000, 1)),
        policy: { ...policy, onPartialRefund: 'shorten' },
      },
      {
        kind: 'create',
        permit: {
          ...desired,
          endTime: '2026-06-15T11:00:00',
          endsAt: '2026-06-15T11:00:00-04:00',
          amount: '10.00',
        },
        status: 'shortened',
        why: 'partial refund (1000 of 2000)',
      },
    ],
    [
      'a second partial refund of the same amount changes nothing more',
      {
        live: {
          ...live,
          endTime: '2026-06-15T11:30:00',
          endsAt: '2026-06-15T11:30:00-04:00',
          status: 'shortened',
        },
        facts: facts(refund(500, 20), refund(500, 20)),
        policy: { ...policy, onPartialRefund: 'shorten' },
      },
      { kind: 'none' },
    ],
    [
      'a partial refund never lengthens a permit that already ends sooner',
      {
        // Ends at 11:00 already; a quarter refunded would keep it to 11:30: it stays at 11:00.
        live: { ...live, endTime: '2026-06-15T11:00:00', endsAt: '2026-06-15T11:00:00-04:00' },
        facts: facts(refund(500, 20)),
        policy: { ...policy, onPartialRefund: 'shorten' },
      },
      { kind: 'none' },
    ],
    [
      'full refund says end, dispute says delete → the delete wins',
      {
        facts: facts(refund(2000, 20), { kind: 'dispute_opened', at: PAID + 60 }),
        policy: { ...policy, onFullRefund: 'end', onDispute: 'delete' },
      },
      { kind: 'delete', status: 'deleted', why: 'dispute' },
    ],
    [
      'dispute, keep → nothing',
      { facts: facts({ kind: 'dispute_opened', at: PAID + 60 }) },
      { kind: 'none' },
    ],
    [
      'dispute, delete → delete',
      {
        facts: facts({ kind: 'dispute_opened', at: PAID + 60 }),
        policy: { ...policy, onDispute: 'delete' },
      },
      { kind: 'delete', status: 'deleted', why: 'dispute' },
    ],
    [
      'plate corrected → update of the same permit',
      { desired: { ...desired, plate: 'XY9' } },
      {
        kind: 'update',
        plate: 'XY9',
        endTime: '2026-06-15T12:00:00',
        endsAt: '2026-06-15T12:00:00-04:00',
        amount: '20.00',
        status: 'active',
        why: 'correction',
      },
    ],
    [
      'zone corrected → delete, then a new create',
      { desired: { ...desired, zone: 'Z2' } },
      {
        kind: 'delete',
        status: 'replaced',
        why: 'zone corrected to Z2',
      },
    ],
    [
      'a deleted permit stays deleted',
      { live: { ...live, status: 'deleted' }, desired: { ...desired, plate: 'XY9' } },
      {
        kind: 'none',
      },
    ],
  ])('%s', (_name, over, expected) => {
    expect(step(over)).toEqual(expected);
  });
});
