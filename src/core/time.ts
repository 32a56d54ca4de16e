// CF time coordinates: parse "<unit> since <date>" units and convert numbers ↔ epoch milliseconds in CF calendars.
// Spec: CF conventions §4.4 "Time Coordinate", https://cfconventions.org/cf-conventions/cf-conventions.html#time-coordinate
import { EocubeError } from "./errors.js";

/** CF calendars eocube decodes (lower-case; aliases are normalised by {@link normalizeCalendar}). */
export type Calendar = "standard" | "proleptic_gregorian" | "julian" | "noleap" | "all_leap" | "360_day";

/** A parsed CF time unit string. */
export interface TimeUnits {
  /** The unit as written, lower-case and plural (`"days"`, `"hours"`, `"seconds"`, …). */
  unit: string;
  /** Length of one unit in milliseconds (86400000 for days). */
  unitMs: number;
  /** The reference date's fields in its calendar (time zone already applied). */
  ref: DateFields;
  /** The reference date as written after `since`. */
  refText: string;
}

/** Calendar date and time-of-day fields (month 1…12, day 1…31, ms = milliseconds into the day). */
export interface DateFields {
  year: number;
  month: number;
  day: number;
  /** Milliseconds since the start of the day (may be negative or ≥ one day before normalisation). */
  ms: number;
}

const MS_PER_DAY = 86_400_000;

/** Unit spellings (lower-case, singular and plural, abbreviations as cftime accepts them) → milliseconds. */
const UNIT_MS: Record<string, [string, number]> = {};
for (const [names, canonical, ms] of [
  [["nanosecond", "nanoseconds", "ns", "nsec", "nsecs"], "nanoseconds", 1e-6],
  [["microsecond", "microseconds", "us", "usec", "usecs"], "microseconds", 1e-3],
  [["millisecond", "milliseconds", "ms", "msec", "msecs"], "milliseconds", 1],
  [["second", "seconds", "sec", "secs", "s"], "seconds", 1000],
  [["minute", "minutes", "min", "mins"], "minutes", 60_000],
  [["hour", "hours", "hr", "hrs", "h"], "hours", 3_600_000],
  [["day", "days", "d"], "days", MS_PER_DAY],
] as [string[], string, number][]) {
  for (const n of names) UNIT_MS[n] = [canonical, ms];
}

/**
 * Normalises a CF calendar name (case-insensitive): `gregorian`/`standard`/missing → "standard",
 * `365_day` → "noleap", `366_day` → "all_leap".
 * @throws EocubeError UNSUPPORTED for calendars outside CF §4.4.1 (e.g. `none`).
 */
export function normalizeCalendar(calendar?: string | null): Calendar {
  const c = (calendar ?? "standard").trim().toLowerCase();
  switch (c) {
    case "":
    case "standard":
    case "gregorian":
      return "standard";
    case "proleptic_gregorian":
      return "proleptic_gregorian";
    case "julian":
      return "julian";
    case "noleap":
    case "365_day":
      return "noleap";
    case "all_leap":
    case "366_day":
      return "all_leap";
    case "360_day":
      return "360_day";
    default:
      throw new EocubeError("UNSUPPORTED", `unsupported CF calendar ${JSON.stringify(calendar)}`, {
        field: "calendar",
        hint: "CF calendars: standard, gregorian, proleptic_gregorian, julian, noleap, 365_day, all_leap, 366_day, 360_day",
      });
  }
}

/**
 * Parses CF time units `"<unit> since <reference date>"`, e.g. `days since 1970-01-01`,
 * `seconds since 1-1-1970` (= 1970-01-01: a four-digit last field is the year, month first, as
 * pandas/dateutil read it), `Hour since 2021-01-30T12:00:00Z`. Units are case-insensitive,
 * singular or plural. A reference without a four-digit year is read year first, padded (xarray's rule).
 * @throws EocubeError CORRUPT_DATA when the string is not CF time units.
 */
export function parseTimeUnits(units: string): TimeUnits {
  const m = /^\s*(\S+)\s+since\s+(.+?)\s*$/i.exec(units);
  const unitEntry = m ? UNIT_MS[m[1]!.toLowerCase()] : undefined;
  const ref = m ? parseRefDate(m[2]!) : undefined;
  if (!m || !unitEntry || !ref) {
    throw new EocubeError("CORRUPT_DATA", `invalid CF time units ${JSON.stringify(units)}`, {
      field: "units",
      hint: 'CF time units look like "days since 1970-01-01 00:00:00"',
    });
  }
  return { unit: unitEntry[0], unitMs: unitEntry[1], ref, refText: m[2]! };
}

/** True when `units` look like CF time units (`… since …`), the test xarray uses. */
export function isTimeUnits(units: unknown): units is string {
  return typeof units === "string" && units.includes("since");
}

/** Parses a reference date: `Y-M-D`, `M-D-YYYY`, optional `[T ]hh:mm[:ss[.fff]]`, optional `Z`/`UTC`/`±hh[:mm]`. */
function parseRefDate(text: string): DateFields | undefined {
  const m = /^(\d+)-(\d+)-(\d+)(?:[T\s]+(\d{1,2})(?::(\d{1,2}))?(?::(\d{1,2}(?:\.\d*)?))?)?\s*(Z|UTC|GMT|[+-]\d{1,2}(?::?\d{2})?)?$/i.exec(
    text.trim(),
  );
  if (!m) return undefined;
  const [a, b, c] = [m[1]!, m[2]!, m[3]!];
  let year: number, month: number, day: number;
  if (a.length < 4 && c.length === 4) {
    // "1-1-1970": dateutil reads month-day-year when the year is last
    [month, day, year] = [Number(a), Number(b), Number(c)];
  } else {
    [year, month, day] = [Number(a), Number(b), Number(c)];
  }
  if (month < 1 || month > 12 || day < 1 || day > 31) return undefined;
  let ms = (Number(m[4] ?? 0) * 3600 + Number(m[5] ?? 0) * 60 + Number(m[6] ?? 0)) * 1000;
  const tz = m[7];
  if (tz && /^[+-]/.test(tz)) {
    const digits = tz.slice(1).replace(":", "");
    const hh = Number(digits.slice(0, digits.length > 2 ? digits.length - 2 : digits.length));
    const mm = digits.length > 2 ? Number(digits.slice(-2)) : 0;
    ms -= (tz[0] === "-" ? -1 : 1) * (hh * 60 + mm) * 60_000;
  }
  return { year, month, day, ms };
}

const CUM_DAYS = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365];
const CUM_DAYS_LEAP = [0, 31, 60, 91, 121, 152, 182, 213, 244, 274, 305, 335, 366];

/** Days from 1970-01-01 (proleptic Gregorian) to a proleptic Gregorian date. */
function gregorianToDays(y: number, m: number, d: number): number {
  const t = new Date(0);
  t.setUTCFullYear(y, m - 1, d);
  return Math.round(t.getTime() / MS_PER_DAY);
}

/** Days from 1970-01-01 (proleptic Gregorian) to a Julian-calendar date (via the Julian day number). */
function julianToDays(y: number, m: number, d: number): number {
  const a = Math.floor((14 - m) / 12);
  const yy = y + 4800 - a;
  const mm = m + 12 * a - 3;
  const jdn = d + Math.floor((153 * mm + 2) / 5) + 365 * yy + Math.floor(yy / 4) - 32083;
  return jdn - 2440588; // JDN of 1970-01-01
}

/** Julian-calendar date fields of a day count from 1970-01-01. */
function daysToJulian(days: number): [number, number, number] {
  const c = days + 2440588 + 32082;
  const d = Math.floor((4 * c + 3) / 1461);
  const e = c - Math.floor((1461 * d) / 4);
  const m = Math.floor((5 * e + 2) / 153);
  return [d - 4800 + Math.floor((m + 2) / 12), ((m + 2) % 12) + 1, e - Math.floor((153 * m + 2) / 5) + 1];
}

/** Day number of a date in a fixed-length-year calendar (noleap, all_leap, 360_day); day 0 = 0000-01-01. */
function fixedToDays(cal: Calendar, y: number, m: number, d: number): number {
  if (cal === "360_day") return y * 360 + (m - 1) * 30 + (d - 1);
  const cum = cal === "all_leap" ? CUM_DAYS_LEAP : CUM_DAYS;
  return y * cum[12]! + cum[m - 1]! + (d - 1);
}

/** Inverse of {@link fixedToDays}. */
function daysToFixed(cal: Calendar, n: number): [number, number, number] {
  if (cal === "360_day") {
    const y = Math.floor(n / 360);
    const r = n - y * 360;
    return [y, Math.floor(r / 30) + 1, (r % 30) + 1];
  }
  const cum = cal === "all_leap" ? CUM_DAYS_LEAP : CUM_DAYS;
  const y = Math.floor(n / cum[12]!);
  const r = n - y * cum[12]!;
  let mo = 0;
  while (mo < 11 && cum[mo + 1]! <= r) mo++;
  return [y, mo + 1, r - cum[mo]! + 1];
}

/** Days from 1970-01-01 to 1582-10-15, the first day of the Gregorian calendar. */
const REFORM_DAY = -141427;

/** True when a date in the standard (mixed) calendar falls before the Gregorian reform (1582-10-15). */
function beforeReform(y: number, m: number, d: number): boolean {
  return y < 1582 || (y === 1582 && (m < 10 || (m === 10 && d < 15)));
}

/**
 * Decodes CF time values to epoch milliseconds (ms since 1970-01-01T00:00:00Z, proleptic Gregorian).
 * `standard`/`gregorian` use the Julian calendar before 1582-10-15 as cftime does; `proleptic_gregorian`
 * does not. For `julian`, `noleap`, `all_leap` and `360_day` the decoded date's fields (year, month, day,
 * time) are mapped to the same fields in the Gregorian calendar (xarray gives cftime objects there;
 * an impossible date such as 360_day's Feb 30 rolls over into March). NaN stays NaN (NaT).
 * @param values numbers in `units` (any numeric array)
 * @param units CF time units, see {@link parseTimeUnits}
 * @param calendar CF calendar name (default "standard")
 * @throws EocubeError CORRUPT_DATA for invalid units, UNSUPPORTED for unknown calendars.
 */
export function decodeTimes(values: ArrayLike<number | bigint>, units: string, calendar?: string | null): Float64Array {
  const u = parseTimeUnits(units);
  const cal = normalizeCalendar(calendar);
  const out = new Float64Array(values.length);
  const { year, month, day, ms } = u.ref;
  if (cal === "proleptic_gregorian" || (cal === "standard" && !beforeReform(year, month, day))) {
    const refMs = gregorianToDays(year, month, day) * MS_PER_DAY + ms;
    const reformMs = cal === "standard" ? REFORM_DAY * MS_PER_DAY : -Infinity;
    for (let i = 0; i < values.length; i++) {
      const t = refMs + Number(values[i]) * u.unitMs;
      out[i] = t >= reformMs || !Number.isFinite(t) ? t : julianLabel(t);
    }
    return out;
  }
  // calendar arithmetic: offsets are added in the source calendar's day count
  const toDays = (y: number, m: number, d: number): number =>
    cal === "julian" || cal === "standard" ? julianToDays(y, m, d) : fixedToDays(cal, y, m, d);
  const refMs = toDays(year, month, day) * MS_PER_DAY + ms;
  for (let i = 0; i < values.length; i++) {
    const t = refMs + Number(values[i]) * u.unitMs;
    if (!Number.isFinite(t)) {
      out[i] = NaN;
      continue;
    }
    const days = Math.floor(t / MS_PER_DAY);
    const rest = t - days * MS_PER_DAY;
    if (cal === "standard") {
      // mixed calendar: from the reform day (1582-10-15) on, the day count is the proleptic Gregorian one
      out[i] = days >= REFORM_DAY ? t : julianLabel(t);
    } else {
      const [y, m, d] = cal === "julian" ? daysToJulian(days) : daysToFixed(cal, days);
      out[i] = fieldsToMs(y, m, d, rest);
    }
  }
  return out;
}

/** An instant before the reform, labelled with its Julian-calendar date fields (as cftime shows it). */
function julianLabel(t: number): number {
  const days = Math.floor(t / MS_PER_DAY);
  const [y, m, d] = daysToJulian(days);
  return fieldsToMs(y, m, d, t - days * MS_PER_DAY);
}

/** Epoch ms of Gregorian date fields plus milliseconds into the day. */
function fieldsToMs(y: number, m: number, d: number, ms: number): number {
  const t = new Date(0);
  t.setUTCFullYear(y, m - 1, d);
  return t.getTime() + ms;
}

/**
 * Encodes epoch milliseconds as CF time values in `units` (the inverse of {@link decodeTimes}) for the
 * `standard` (after 1582-10-15) and `proleptic_gregorian` calendars.
 * @throws EocubeError CORRUPT_DATA for invalid units, UNSUPPORTED for other calendars.
 */
export function encodeTimes(ms: ArrayLike<number>, units: string, calendar?: string | null): Float64Array {
  const u = parseTimeUnits(units);
  const cal = normalizeCalendar(calendar);
  const { year, month, day, ms: tod } = u.ref;
  if (!(cal === "proleptic_gregorian" || (cal === "standard" && !beforeReform(year, month, day)))) {
    throw new EocubeError("UNSUPPORTED", `encoding times in the ${cal} calendar is not supported`, {
      field: "calendar",
      hint: "use the standard or proleptic_gregorian calendar with a reference date after 1582-10-15",
    });
  }
  const refMs = gregorianToDays(year, month, day) * MS_PER_DAY + tod;
  const out = new Float64Array(ms.length);
  for (let i = 0; i < ms.length; i++) out[i] = (ms[i]! - refMs) / u.unitMs;
  return out;
}

/**
 * Formats epoch milliseconds as ISO 8601 UTC ending in `Z`: `2017-06-05T12:00:00Z`, with `.sss`
 * only when the time has milliseconds. NaN (NaT) gives "NaT".
 */
export function toIsoString(ms: number): string {
  if (!Number.isFinite(ms)) return "NaT";
  const iso = new Date(Math.round(ms)).toISOString();
  return iso.endsWith(".000Z") ? `${iso.slice(0, -5)}Z` : iso;
}

/** A time as written: the first instant it names and how long what it names lasts. */
export interface TimeText {
  /** Epoch milliseconds of the first instant the text names (UTC unless it has an offset; digits beyond ms kept as a fraction). */
  ms: number;
  /**
   * Length in ms of what the text names: a year or month (its real length), a day (86,400,000), an hour,
   * minute or second, or 10^(3 − d) for d fraction digits (0.001 for microseconds). `ms + unit` is the first
   * instant after it.
   */
  unit: number;
  /** True when the text is a date (or a year, or a year and month) without a time of day. */
  dateOnly: boolean;
}

/** Options of {@link parseTimeText}. */
export interface ParseTimeTextOptions {
  /** Also accept a year (`2017`) and a year and month (`2017-01`), as pandas' partial strings [default false]. */
  partial?: boolean;
}

const MONTH_ABBRS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

/** ISO 8601 extended: `2017-04-14`, `2017-04-14T10:27`, `2017-04-14 10:27:29.454`, optional `Z`/`UTC`/`GMT`/`±hh[:]mm`; partial `2017`, `2017-04`. */
const ISO_EXTENDED =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:[T ](\d{2})(?::(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?)?)?)?\s*(Z|UTC|GMT|[+-]\d{2}:?\d{2})?$/i;
/** ISO 8601 basic: `20170414`, `20170414T1027`, `20170414T102729.454Z`, `…+0100`. */
const ISO_BASIC = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})?(?:[.,](\d+))?)?(Z|[+-]\d{4})?$/i;
/** ENVISAT/Sentinel-3 products: `14-APR-2017 10:27:29.454657`. */
const DD_MON_YYYY = /^(\d{1,2})-([A-Za-z]{3})-(\d{4})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|UTC)?$/;

/** The {@link TimeText} of date fields as written (undefined fields absent); undefined for impossible dates. */
function timeOf(y: string, mo?: string, d?: string, h?: string, mi?: string, s?: string, frac?: string, zone = ""): TimeText | undefined {
  const [Y, M, D, H, MI, S] = [Number(y), Number(mo ?? 1), Number(d ?? 1), Number(h ?? 0), Number(mi ?? 0), Number(s ?? 0)];
  const daysInMonth =
    new Date(Date.UTC(2000, M, 0)).getUTCDate() + (M === 2 && !(Y % 4 === 0 && (Y % 100 !== 0 || Y % 400 === 0)) ? -1 : 0);
  if (M < 1 || M > 12 || D < 1 || D > daysInMonth || H > 24 || MI > 59 || S > 60) return undefined;
  const z = /^([+-])(\d{2}):?(\d{2})$/.exec(zone);
  const offset = z ? (z[1] === "-" ? -1 : 1) * (Number(z[2]) * 60 + Number(z[3])) * 60_000 : 0;
  const at = (year: number, month: number): number => {
    const t = new Date(0);
    t.setUTCFullYear(year, month - 1, D); // years 0…99 are years, not 1900…1999
    t.setUTCHours(H, MI, S);
    return t.getTime() - offset;
  };
  const ms = at(Y, M) + (frac ? Number(`0.${frac}`) * 1000 : 0);
  let unit: number;
  if (frac) unit = 10 ** (3 - frac.length);
  else if (s !== undefined) unit = 1000;
  else if (mi !== undefined) unit = 60_000;
  else if (h !== undefined) unit = 3_600_000;
  else if (d !== undefined) unit = MS_PER_DAY;
  else if (mo !== undefined) unit = M === 12 ? at(Y + 1, 1) - ms : at(Y, M + 1) - ms;
  else unit = at(Y + 1, 1) - ms;
  return Number.isFinite(ms) ? { ms, unit, dateOnly: h === undefined } : undefined;
}

/**
 * The one parser of written times (times of requests, configs, attributes and labels): UTC unless the text
 * has an offset (a time without a zone is never read as local time); sub-millisecond digits kept as a fraction.
 * Forms: ISO 8601 extended (`2017-04-14T10:27:29.454Z`, `2017-04-14 10:27:29`, `2017-04-14T10`, `2017-04-14`,
 * a `,` before the fraction, `Z`/`UTC`/`GMT`/`±hh:mm`/`±hhmm`), ISO 8601 basic (`20170414T102729Z`) and the
 * `DD-MON-YYYY HH:MM:SS.ffffff` form of ENVISAT/Sentinel-3 products; with `partial`, also `2017` and `2017-04`.
 * Impossible dates (`2017-02-30`, month 13) are refused.
 * @returns undefined for any other text (and for values that are not strings or numbers).
 */
export function parseTimeText(value: unknown, options: ParseTimeTextOptions = {}): TimeText | undefined {
  if (typeof value !== "string" && typeof value !== "number") return undefined;
  const t = String(value).trim();
  let m = ISO_EXTENDED.exec(t);
  if (m && (m[3] !== undefined || options.partial)) return timeOf(m[1]!, m[2], m[3], m[4], m[5], m[6], m[7], m[8]);
  m = ISO_BASIC.exec(t);
  if (m) return timeOf(m[1]!, m[2], m[3], m[4], m[5], m[6], m[7], m[8]);
  m = DD_MON_YYYY.exec(t);
  if (m) {
    const mo = MONTH_ABBRS.indexOf(m[2]!.toLowerCase()) + 1;
    return mo > 0 ? timeOf(m[3]!, String(mo), m[1]!.padStart(2, "0"), m[4], m[5], m[6], m[7]) : undefined;
  }
  return undefined;
}

/** Options of {@link parseIsoTime}. */
export interface ParseIsoTimeOptions {
  /** The parameter or config field named in the error. */
  field?: string;
  /** Read the time as an inclusive end: a date (or year, or month) without a time of day means its last millisecond [default false]. */
  end?: boolean;
}

/**
 * Parses a time (see {@link parseTimeText}; a year or year and month too) to epoch milliseconds, UTC unless the
 * text has an offset.
 * @throws EocubeError INVALID_ARGUMENT naming `field` when the text is not a time.
 */
export function parseIsoTime(text: string, options: ParseIsoTimeOptions = {}): number {
  const t = parseTimeText(text, { partial: true });
  if (!t) {
    const where = options.field ? `${options.field}: ` : "";
    throw new EocubeError("INVALID_ARGUMENT", `${where}${JSON.stringify(String(text).slice(0, 80))} is not an ISO 8601 time`, {
      ...(options.field ? { field: options.field } : {}),
      hint: 'write times like "2017-06-05" or "2017-06-05T12:00:00Z"',
    });
  }
  return options.end && t.dateOnly ? t.ms + t.unit - 1 : t.ms;
}

/**
 * Parses the text of a time attribute (ACDD `time_coverage_*`, product `start_date`/`stop_date`, STAC
 * `start_datetime`, …) to epoch milliseconds: {@link parseTimeText}'s forms (UTC unless the text has an offset;
 * sub-millisecond digits kept as a fraction).
 * @returns undefined for any other text.
 */
export function parseTimeAttribute(value: unknown): number | undefined {
  return parseTimeText(value)?.ms;
}

/** A duration in calendar units: `count` hours, days, weeks (7 days), months or years (a resampling period). */
export interface CalendarDuration {
  count: number;
  unit: "H" | "D" | "W" | "M" | "Y";
}

const ISO_DURATION_UNITS: Array<[number, string]> = [
  [MS_PER_DAY, "D"],
  [3_600_000, "H"],
  [60_000, "M"],
  [1000, "S"],
];

/**
 * ISO 8601 duration of a calendar period (`P8D`, `P1M`, `P1Y`, `PT3H`; weeks as 7 days: `2W` → `P14D`), or of
 * a step in milliseconds in the largest of days, hours, minutes and seconds that divides it (`P1D`, `PT3H`,
 * `PT0.5S`). Spec: ISO 8601-1:2019 §5.5.2.
 */
export function isoDuration(d: number | CalendarDuration): string {
  if (typeof d !== "number") return d.unit === "H" ? `PT${d.count}H` : d.unit === "W" ? `P${7 * d.count}D` : `P${d.count}${d.unit}`;
  for (const [unit, letter] of ISO_DURATION_UNITS) {
    if (d % unit === 0) return letter === "D" ? `P${d / unit}D` : `PT${d / unit}${letter}`;
  }
  return `PT${d / 1000}S`;
}
