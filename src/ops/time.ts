// Periods for the cube operations: calendar bins ("8D", "1M", "1Y"). Times are parsed and written by core/time.ts.
import { EocubeError } from "../core/errors.js";
import type { CalendarDuration } from "../core/time.js";

const DAY = 86_400_000;

/** A parsed period: `count` units of hours, days, weeks, months or years. */
export interface Period extends CalendarDuration {
  /** The period as given ("8D"). */
  text: string;
}

/**
 * Parses a period like pandas' offsets: `<n>H`, `<n>D`, `<n>W` (7 days), `<n>M`/`<n>MS` (calendar
 * months), `<n>Y`/`<n>YS`/`<n>A` (calendar years); n defaults to 1. Also ISO 8601 `P8D`, `P1M`, `P1Y`, `PT3H`.
 * @throws EocubeError INVALID_ARGUMENT.
 */
export function parsePeriod(text: string, field = "time_period"): Period {
  const t = String(text).trim();
  let m = /^(\d+)?\s*(H|h|D|d|W|w|MS|M|YS|Y|AS|A|y)$/.exec(t);
  if (!m) {
    const iso = /^P(?:(\d+)([DWMY])|T(\d+)H)$/i.exec(t);
    if (iso)
      m = iso[3] ? (["", iso[3], "H"] as unknown as RegExpExecArray) : (["", iso[1], iso[2]!.toUpperCase()] as unknown as RegExpExecArray);
  }
  if (!m) {
    throw new EocubeError("INVALID_ARGUMENT", `${field}: ${JSON.stringify(text)} is not a period`, {
      field,
      hint: 'use e.g. "1D", "8D", "1W", "1M", "1Y" (or ISO 8601 "P8D")',
    });
  }
  const count = m[1] ? Number(m[1]) : 1;
  if (!(count > 0)) throw new EocubeError("INVALID_ARGUMENT", `${field}: the period must be positive, got ${text}`, { field });
  const u = m[2]!.toUpperCase();
  const unit = u === "H" ? "H" : u === "D" ? "D" : u === "W" ? "W" : u.startsWith("M") ? "M" : "Y";
  return { count, unit, text: t };
}

/** Adds `n` calendar months to a UTC epoch-ms value that lies on a month start. */
function addMonths(ms: number, n: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + n, 1);
}

/**
 * The bins of a period covering `[first, last]` (epoch ms): half-open `[start, end)` intervals.
 * Fixed periods (H, D, W) start at midnight UTC of the first time's day (pandas' `origin="start_day"`),
 * months at the first day of the first time's month, years at 1 January. Empty bins between the
 * first and last are kept (like xarray's resample).
 */
export function periodBins(period: Period, first: number, last: number): Array<[number, number]> {
  const bins: Array<[number, number]> = [];
  const d0 = new Date(first);
  if (period.unit === "M" || period.unit === "Y") {
    const months = period.unit === "M" ? period.count : 12 * period.count;
    let start = period.unit === "M" ? Date.UTC(d0.getUTCFullYear(), d0.getUTCMonth(), 1) : Date.UTC(d0.getUTCFullYear(), 0, 1);
    while (start <= last) {
      const end = addMonths(start, months);
      bins.push([start, end]);
      start = end;
    }
    return bins;
  }
  const step = period.count * (period.unit === "H" ? 3_600_000 : period.unit === "D" ? DAY : 7 * DAY);
  let start = Math.floor(first / DAY) * DAY;
  while (start + step <= first) start += step;
  while (start <= last) {
    bins.push([start, start + step]);
    start += step;
  }
  return bins;
}
