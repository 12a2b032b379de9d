import { IANAZone } from 'luxon';
import { z } from 'zod';
import { checkZone } from '../domain/zone';

const zone = z.string().transform((raw, ctx) => {
  const checked = checkZone(raw);
  if (!checked.ok) {
    ctx.addIssue({ code: 'custom', message: checked.reason });
    return z.NEVER;
  }
  return checked.zone;
});

const envName = (what: string) =>
  z
    .string({ error: `must name the environment variable that holds ${what}` })
    .regex(/^[A-Z][A-Z0-9_]{0,63}$/, 'must be an environment variable name (A–Z, 0–9, _)');

/** A misspelt field is named (`timeZone`), not silently ignored; a missing object says what it needs. */
function strictError(
  issue: { code?: string; input?: unknown; keys?: string[] },
  missing: string,
): string | undefined {
  if (issue.code === 'unrecognized_keys' && issue.keys) {
    return `has an unknown field ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`;
  }
  return issue.input === undefined || issue.code === 'invalid_type' ? missing : undefined;
}

/** One site as SITES_FILE writes it: secrets by the name of their variable, never inline. */
export const SiteEntrySchema = z.strictObject(
  {
    id: z
      .string({ error: 'is required' })
      .regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'must be 1–40 lower-case letters, digits, - or _')
      // The metrics' label of jobs of no site (metrics/siteLabel.ts): a site so named would
      // share its series.
      .refine((id) => id !== 'none', 'must not be "none" (the metrics label of jobs of no site)'),
    name: z.string().trim().min(1).max(80, 'must be at most 80 characters').optional(),
    // Who its drivers can ask, instead of SUPPORT_CONTACT: the same rules (trimmed, at most
    // 120 characters); empty is refused, not taken for "none" (leave the field out for that).
    support: z
      .string({ error: 'must be text: a phone number or an e-mail' })
      .trim()
      .min(1, 'must not be empty (leave it out to show SUPPORT_CONTACT)')
      .max(120, 'must be at most 120 characters (a phone number, an e-mail)')
      .optional(),
    stripeAccount: z
      .string()
      .regex(/^acct_[A-Za-z0-9]{1,64}$/, 'must be a connected account id, acct_…')
      .optional(),
    opscom: z.strictObject(
      {
        baseUrl: z.url('must be a URL such as https://host').optional(),
        // Its Plate Validation endpoint (OPSCOM_VERIFY=on); left out: OPSCOM_VALIDATE_URL.
        validateUrl: z
          .url({
            protocol: /^https?$/,
            error:
              'must be an http(s) URL such as https://service.ops-com.com/api/v1/validate/plate',
          })
          .optional(),
        client: z
          .string()
          .regex(/^[A-Za-z0-9-]{1,30}$/, 'must be 1–30 letters, digits or dashes (e.g. OC-TOMA)')
          .optional(),
        tokenEnv: envName('its OPSCOM Push API token'),
        timezone: z
          .string({ error: 'is required: the IANA zone its OPSCOM works in' })
          .refine(
            (s) => IANAZone.isValidZone(s),
            'is not a known IANA zone (e.g. America/Toronto)',
          ),
        zone: zone.optional(),
        zones: z.array(zone).min(1, 'lists no zone').optional(),
      },
      {
        error: (issue) =>
          strictError(issue, 'is required: its OPSCOM client (tokenEnv, timezone…)'),
      },
    ),
    onFullRefund: z
      .enum(['delete', 'end', 'keep'], { error: 'must be delete, end or keep' })
      .optional(),
    onPartialRefund: z.enum(['keep', 'shorten'], { error: 'must be keep or shorten' }).optional(),
    onDispute: z
      .enum(['keep', 'end', 'delete'], { error: 'must be keep, end or delete' })
      .optional(),
    alertWebhookUrlEnv: envName('its alert webhook URL').optional(),
  },
  { error: (issue) => strictError(issue, 'must be an object: {"id": …, "opscom": {…}}') },
);

/** The file's frame; each entry is checked on its own so that every site's problems show. */
export const SitesFileSchema = z.strictObject({
  sites: z.array(z.unknown(), { error: 'must be a list of sites' }).min(1, 'lists no site'),
});

export type SiteEntry = z.infer<typeof SiteEntrySchema>;
