import type { CreatePermitRequest } from '../../src/domain/permit';

/** A create as the worker sends it, for tests that talk to an OPSCOM client directly. */
export const samplePermit: CreatePermitRequest = {
  action: 'create',
  plate: 'AB1',
  zone: 'Z',
  startTime: '2026-12-01T10:00:00',
  endTime: '2026-12-01T11:00:00',
  endsAt: '2026-12-01T11:00:00-05:00',
  amount: '1.00',
  currency: 'CAD',
};
