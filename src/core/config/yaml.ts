// YAML (and JSON) config text → a plain value plus a locator that gives the line of any field, and the
// one wording of syntax errors.
import { LineCounter, parseDocument } from "yaml";
import { EocubeError } from "../errors.js";

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

/**
 * Parses YAML config text (JSON is read as the YAML it is, so a `.json` config gets lines too). Keys must be
 * unique.
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
