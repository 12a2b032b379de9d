import { Duration } from 'luxon';

/**
 * A permit duration as the operator wrote it in metadata. Kept as a luxon Duration so that
 * `DateTime.plus` applies it the way the metadata contract asks (README): hours, minutes and seconds as exact
 * elapsed time; days, weeks, months and years as calendar steps that keep the wall-clock time.
 */
export type DurationResult = { ok: true; duration: Duration } | { ok: false; reason: string };

const SHORT_FORM = /^(\d+)\s*(m|h|d)$/i;
const WHOLE_MINUTES = /^\d+$/;

/**
 * Accepts `"120"` (minutes), ISO-8601 (`PT2H`, `P1D`, `P1M`, `P1DT2H`) and `90m`, `2h`, `1d`.
 * Only whole numbers: a fraction of a month has no calendar meaning.
 */
export function parseDuration(raw: string): DurationResult {
  const text = raw.trim();
  if (text === '') return { ok: false, reason: 'duration is empty' };

  let duration: Duration;
  const short = SHORT_FORM.exec(text);
  if (WHOLE_MINUTES.test(text)) {
    duration = Duration.fromObject({ minutes: Number(text) });
  } else if (short) {
    const unit = short[2]!.toLowerCase();
    const amount = Number(short[1]);
    duration = Duration.fromObject(
      unit === 'm' ? { minutes: amount } : unit === 'h' ? { hours: amount } : { days: amount },
    );
  } else if (/^P/i.test(text)) {
    duration = Duration.fromISO(text.toUpperCase());
    if (!duration.isValid) {
      return { ok: false, reason: `duration "${raw}" is not valid ISO-8601 (e.g. PT2H, P1D)` };
    }
  } else {
    return {
      ok: false,
      reason: `duration "${raw}" is not understood: use minutes ("120"), ISO-8601 ("PT2H", "P1D") or "90m", "2h", "1d"`,
    };
  }

  const values = Object.values(duration.toObject());
  if (values.some((v) => !Number.isInteger(v) || v < 0)) {
    return { ok: false, reason: `duration "${raw}" must use whole, non-negative numbers` };
  }
  if (!values.some((v) => v > 0)) {
    return { ok: false, reason: `duration "${raw}" must be greater than zero` };
  }
  return { ok: true, duration };
}
