// Default texts of new catalog entities when the config gives none: a variable's description from its CF attributes,
// titles in the OSC's title case, an id in words.

/** The CF attributes a default variable description is made of. */
export interface CfTextAttrs {
  long_name?: unknown;
  standard_name?: unknown;
  units?: unknown;
}

function text(v: unknown): string | undefined {
  return typeof v === "string" && v.trim().length > 0 ? v.trim() : undefined;
}

/**
 * A variable description from its CF attributes: the long_name (first letter upper-cased) followed by the
 * standard_name and units in parentheses, e.g. "Analysed sea surface temperature
 * (sea_surface_foundation_temperature, kelvin)". The units argument, when given, replaces the attribute
 * (the config's `variables.<name>.units`). A dimensionless unit ("1") is left out.
 * @returns undefined when there is no long_name.
 */
export function cfDescription(attrs: CfTextAttrs, units?: string): string | undefined {
  const longName = text(attrs.long_name);
  if (!longName) return undefined;
  const u = text(units) ?? text(attrs.units);
  const extra = [text(attrs.standard_name), u === "1" ? undefined : u].filter((x): x is string => x !== undefined);
  const head = longName.charAt(0).toUpperCase() + longName.slice(1);
  return extra.length > 0 ? `${head} (${extra.join(", ")})` : head;
}

/** Words the OSC's title-cased titles keep in lower case inside a title ("Ice Sheets and Ice Shelves", "Fraction of Absorbed PAR"). */
const SMALL_WORDS = new Set([
  "a",
  "an",
  "and",
  "as",
  "at",
  "but",
  "by",
  "for",
  "from",
  "in",
  "into",
  "nor",
  "of",
  "on",
  "or",
  "per",
  "the",
  "to",
  "via",
  "vs",
  "with",
]);

/**
 * A title in the title case of the OSC's own variables (from GCMD keywords): every word capitalised except small
 * words inside the title (`and`, `of`, `at`, …); words holding a capital after their first letter (`NO2`, `foF2`,
 * `pH`) and units after a number (`489 nm`) are kept as written; leading punctuation is kept (`(liquid` → `(Liquid`). `analysed sea surface temperature` → `Analysed Sea Surface
 * Temperature`; `fraction of absorbed PAR` → `Fraction of Absorbed PAR`. Whitespace runs become one space.
 */
export function oscTitleCase(text: string): string {
  const words = text.trim().split(/\s+/).filter(Boolean);
  return words
    .map((w, i) => {
      const lead = /^[^A-Za-z0-9]*/.exec(w)![0];
      const rest = w.slice(lead.length);
      if (/[A-Z]/.test(rest.slice(1))) return w;
      // a unit after a number stays as written ("at 489 nm")
      if (i > 0 && /^[\d.,]+$/.test(words[i - 1]!)) return w;
      if (i > 0 && i < words.length - 1 && lead === "" && SMALL_WORDS.has(rest.toLowerCase())) return w.toLowerCase();
      return lead + rest.charAt(0).toUpperCase() + rest.slice(1);
    })
    .join(" ");
}

/**
 * An id in words, as a readable title: separators (`-`, `_`, `.`, spaces) become spaces and the words are
 * title-cased ({@link oscTitleCase}). `cube-1-250-250` → `Cube 1 250 250`; `Predicted-Land-Surface-Temperature-and-Anomalies`
 * → `Predicted Land Surface Temperature and Anomalies`.
 */
export function titleFromId(id: string): string {
  return oscTitleCase(id.replace(/[-_.\s]+/g, " "));
}
