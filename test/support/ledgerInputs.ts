import type { SessionSnapshot } from '../../src/domain/sessionSnapshot';
import type { SessionEventInput } from '../../src/store/ledger';

/** A paid session as the ledger keeps it (plate A1, 60 minutes, 14.50 CAD), with `extra`. */
export const snapshot = (id: string, extra: Partial<SessionSnapshot> = {}): SessionSnapshot => ({
  id,
  livemode: false,
  paymentStatus: 'paid',
  amountTotal: 1450,
  currency: 'cad',
  metadata: { plate: 'A1', duration: '60' },
  customFields: {},
  paymentIntentId: 'pi_1',
  ...extra,
});

let seq = 0;

/** A `checkout.session.completed` as intake records it (unpaid unless `action` is paid). */
export const sessionEvent = (
  sessionId: string,
  action: SessionEventInput['action'],
  extra: Partial<SessionEventInput> = {},
): SessionEventInput => ({
  eventId: `evt_${seq++}`,
  eventType: 'checkout.session.completed',
  eventCreated: 1_780_000_000,
  action,
  session: snapshot(sessionId, action === 'paid' ? {} : { paymentStatus: 'unpaid' }),
  receivedAt: 1_000,
  ...extra,
});
