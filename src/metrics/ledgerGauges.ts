import { Gauge } from 'prom-client';
import { JOB_STATES } from '../domain/intakeRule';
import type { MetricsLedger } from '../store/callerLedgers';
import { PREFIX, type Registers } from './metricNames';

/** The gauges read from the ledger at each scrape (one grouped query, one indexed MIN each). */
export function ledgerGauges(registers: Registers, ledger: MetricsLedger, now: () => number): void {
  const unseen = (name: string, state: 'not_visible' | 'still_visible', help: string) =>
    new Gauge({
      name: `${PREFIX}${name}`,
      help,
      registers,
      async collect() {
        this.set((await ledger.countUnseen())[state] ?? 0);
      },
    });
  unseen(
    'permits_not_visible',
    'not_visible',
    'Paid permits enforcement could not see twice in a row and no operator has decided (read at scrape).',
  );
  unseen(
    'permits_still_visible',
    'still_visible',
    'Deleted or ended permits enforcement still showed twice in a row (read at scrape).',
  );
  new Gauge({
    name: `${PREFIX}jobs`,
    help: 'Jobs in the ledger, by state (read at scrape).',
    labelNames: ['state'],
    registers,
    async collect() {
      const counts = await ledger.countJobs();
      for (const state of JOB_STATES) this.set({ state }, counts[state] ?? 0);
    },
  });
  new Gauge({
    name: `${PREFIX}oldest_waiting_job_age_seconds`,
    help: 'How long the oldest pending job has been due (0: none waiting).',
    registers,
    async collect() {
      const due = await ledger.oldestDuePending(now());
      this.set(due === undefined ? 0 : Math.max(0, (now() - due) / 1000));
    },
  });
}
