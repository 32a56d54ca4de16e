// YAML (and JSON) config text → a plain value plus a locator that gives the line of any field, and the
// one wording of syntax errors; YAML 1.1 timestamps (as PyYAML writes them) become ISO 8601 UTC strings.
import { LineCounter, parseDocument, Scalar, visit } from "yaml";
import { EocubeError } from "../errors.js";
import { toIsoString } from "../time.js";

/** A field's path in a config: object keys and array indices (`["items", 2, "assets"]`). */
export type FieldPath = (string | number)[];

/** The 1-based line of the YAML node at a path (or of its nearest existing parent), or undefined. */
export type Locator = (path: FieldPath) => number | undefined;

/** A parsed config file: the value, where each field stands, and how each scalar was written. */
export interface ParsedConfig {
  /** The document as plain JSON-like data (aliases expanded, at most 100). */
  value: unknown;
  /** The line of a field (see {@link Locator}). */
  locate: Locator;
  /** A scalar's source text as written (e.g. `3.10` for the number 3.1), or undefined. */
  source: (path: FieldPath) => string | undefined;
}

/** Options of {@link parseConfigText}. */
export interface ParseConfigTextOptions {
  /**
   * What the top level must be: "mapping" refuses anything else naming `mappingHint`; "any" leaves it to the
   * schema [default "mapping"]. An empty document is `emptyAs` when given (e.g. `{}`).
   */
  topLevel?: "mapping" | "any";
  /** The value of an empty document [default: null, refused by "mapping"]. */
  emptyAs?: unknown;
  /** Hint of the "must hold a YAML mapping" error (e.g. how to write a template). */
  mappingHint?: string;
}

/** A YAML 1.1 timestamp with a time of day (https://yaml.org/type/timestamp.html): `T`, `t` or blanks before the
 * time, 1–2 digit month/day/hour, any fraction, optional blanks before `Z` or a `±h[h][:mm]` offset. */
const YAML11_TIMESTAMP =
  /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[Tt]|[ \t]+)(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d*))?(?:[ \t]*(?:(Z)|([-+])(\d{1,2})(?::(\d{2}))?))?$/;
/** ISO 8601 / RFC 3339 as eocube's date patterns read it: left as written. */
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/;

/**
 * The ISO 8601 UTC form (`2017-01-01T00:00:00Z`, the fraction's digits as written) of a YAML 1.1 timestamp with a
 * time of day in a form ISO 8601 does not have — as PyYAML's `safe_dump` writes a datetime
 * (`2017-01-01 00:00:00+00:00`, `2017-01-01 00:00:00.500000`), a lower-case `t`, one-digit fields, blanks before
 * the zone or a short offset (`-5`). A time without a zone is UTC (the YAML 1.1 rule). Undefined for any other
 * text — dates (`2017-01-01`) and ISO date-times (`2017-01-01T00:00:00+02:00`) stay as written — and for
 * impossible times (month 13, `2017-02-30`, hour 24), which the config's schema then reports.
 */
export function yamlTimestampToIso(text: string): string | undefined {
  if (ISO_DATE_TIME.test(text)) return undefined;
  const m = YAML11_TIMESTAMP.exec(text);
  if (!m) return undefined;
  const [Y, M, D, H, MI, S] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (M < 1 || M > 12 || D < 1 || H > 23 || MI > 59 || S > 59) return undefined;
  const t = new Date(0);
  t.setUTCFullYear(Y, M - 1, D); // years 0…99 are years, not 1900…1999
  if (t.getUTCDate() !== D) return undefined; // 2017-02-30
  t.setUTCHours(H, MI, S);
  const offsetMinutes = m[9] ? (m[9] === "-" ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11] ?? 0)) : 0;
  const iso = toIsoString(t.getTime() - offsetMinutes * 60_000);
  return m[7] ? `${iso.slice(0, -1)}.${m[7]}Z` : iso;
}

/**
 * Parses YAML config text (JSON is read as the YAML it is, so a `.json` config gets lines too). Keys must be
 * unique. Plain (unquoted) YAML 1.1 timestamps become ISO strings (see {@link yamlTimestampToIso}), so every
 * config accepts datetimes as Python's YAML writes them.
 * @param file the file named in messages; a `.json` name says "JSON" in them.
 * @throws EocubeError INVALID_CONFIG `<file> is not valid YAML at line L, column C: <why>` (details: line,
 *   column), or `<file> must hold a YAML mapping (key: value lines), not <kind>`.
 */
export function parseConfigText(text: string, file: string, options: ParseConfigTextOptions = {}): ParsedConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const kind = /\.json$/i.test(file) ? "JSON" : "YAML";
  if (doc.errors.length > 0) {
    const err = doc.errors[0]!;
    const pos = lineCounter.linePos(err.pos[0]);
    const why = err.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
    throw new EocubeError("INVALID_CONFIG", `${file} is not valid ${kind} at line ${pos.line}, column ${pos.col}: ${why}`, {
      path: file,
      details: { line: pos.line, column: pos.col },
      hint: "check the indentation and quoting around that line",
    });
  }
  // Python's YAML (PyYAML, YAML 1.1) writes datetimes as plain `2017-01-01 00:00:00+00:00`, which YAML 1.2
  // reads as a string no date pattern accepts: such plain values (not keys, not quoted) become ISO strings.
  visit(doc, {
    Scalar(key, node) {
      if (key === "key" || node.type !== Scalar.PLAIN || typeof node.value !== "string") return;
      const iso = yamlTimestampToIso(node.value);
      if (iso !== undefined) node.value = iso;
    },
  });
  let value = doc.toJS({ maxAliasCount: 100 }) as unknown;
  if (value == null && options.emptyAs !== undefined) value = options.emptyAs;
  if ((options.topLevel ?? "mapping") === "mapping" && !isMapping(value)) {
    const what = value == null ? "nothing" : Array.isArray(value) ? "a list" : typeof value;
    throw new EocubeError(
      "INVALID_CONFIG",
      `${file} must hold a ${kind === "JSON" ? "JSON object" : "YAML mapping (key: value lines)"}, not ${what}`,
      {
        path: file,
        hint: options.mappingHint,
      },
    );
  }
  const locate: Locator = (path) => {
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      if (node && Array.isArray(node.range)) return lineCounter.linePos(node.range[0]).line;
    }
    return undefined;
  };
  const source = (path: FieldPath): string | undefined => {
    const node = doc.getIn(path, true) as { source?: unknown } | undefined;
    return typeof node?.source === "string" ? node.source : undefined;
  };
  return { value, locate, source };
}

/** True for a plain object (not null, not an array). */
export function isMapping(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}
