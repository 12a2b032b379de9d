import { z } from 'zod';
import type { CorrectionInput } from '../domain/correction';
import { JOB_STATES, type JobState } from '../domain/intakeRule';
import type { JobsQuery } from './views/jobs';

/**
 * What the console reads from a request, in one place: the jobs page's query and each action's
 * form (readForm.ts has already bounded it). Every field falls back rather than fails: a field
 * absent, repeated or not text reads as empty, and the route decides what that means.
 */
const text = z.string().catch('');
const trimmed = z.string().trim().catch('');
const optionalText = z.string().optional().catch(undefined);
const confirmed = text.transform((v) => v === 'yes');
const flag = trimmed.transform((v) => v === '1');

const SESSION_ID = /^cs_\w+$/;

/** A Checkout Session id as the console accepts one (`cs_…`). */
export function isSessionId(id: string): boolean {
  return SESSION_ID.test(id);
}

const jobsQuery = z.object({
  state: trimmed,
  q: trimmed.transform((q) => q.slice(0, 200)),
  failing: flag,
  unseen: flag,
  site: trimmed.transform((site) => site.slice(0, 64)),
  page: trimmed.transform((t) => {
    const n = Number(t);
    return Number.isInteger(n) && n >= 1 && n <= 10_000 ? n : 1;
  }),
});

const correctionForm = z.object({
  plate: optionalText,
  duration: optionalText,
  zone: optionalText,
});
const confirmForm = z.object({ confirm: confirmed });
const lookupForm = z.object({ session: trimmed });
const retryMatchingForm = z.object({ state: text, q: text, site: trimmed, confirm: confirmed });

function read<T>(schema: z.ZodType<T>, input: unknown): T {
  // Only a non-object can fail (every field has a fallback): it has no fields.
  return schema.parse(typeof input === 'object' && input !== null ? input : {});
}

export const readJobsQuery = (query: unknown): JobsQuery => read(jobsQuery, query);
export const readCorrectionForm = (body: unknown): CorrectionInput => read(correctionForm, body);
/** The form says `confirm=yes`: the second step of a destructive or bulk action. */
export const readConfirmed = (body: unknown): boolean => read(confirmForm, body).confirm;
/** The session id typed in "look up", trimmed (possibly not an id at all). */
export const readLookupForm = (body: unknown): string => read(lookupForm, body).session;
export const readRetryMatchingForm = (
  body: unknown,
): { state: string; q: string; site: string; confirm: boolean } => read(retryMatchingForm, body);

/** `failed,dead` → those states; unknown names are left out. */
export function statesOf(text: string): JobState[] | undefined {
  const states = text
    .split(',')
    .map((s) => s.trim())
    .filter((s): s is JobState => (JOB_STATES as readonly string[]).includes(s));
  return states.length > 0 ? states : undefined;
}
