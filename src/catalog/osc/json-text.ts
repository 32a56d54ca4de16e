// Lossless edits of JSON text: append items to a top-level array without touching the rest of the file
// (key order, number spelling such as `-180.0`, indentation and the trailing newline stay as they were).
import { EocubeError } from "../../core/errors.js";

/** Character span `[start, end)` of a top-level member's value. */
interface Span {
  start: number;
  end: number;
}

/** A parsed JSON document with the spans of the top-level object's members. */
export interface JsonText {
  text: string;
  doc: Record<string, unknown>;
  /** Top-level key → span of its value in `text`. */
  members: Map<string, Span>;
}

/**
 * Parses JSON text whose top level is an object and records where each top-level value sits.
 * @throws EocubeError CORRUPT_DATA naming the file when the text is not a JSON object.
 */
export function parseJsonText(text: string, path: string): JsonText {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new EocubeError("CORRUPT_DATA", `${path} is not valid JSON: ${(err as Error).message}`, { path, cause: err });
  }
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) {
    throw new EocubeError("CORRUPT_DATA", `${path} does not hold a JSON object`, { path });
  }
  return { text, doc: doc as Record<string, unknown>, members: scanMembers(text) };
}

/** Finds the spans of the top-level object's members (the text is known to be valid JSON). */
function scanMembers(text: string): Map<string, Span> {
  const members = new Map<string, Span>();
  let i = skipWs(text, 0);
  i++; // '{'
  for (;;) {
    i = skipWs(text, i);
    if (text[i] === "}") break;
    const keyEnd = skipString(text, i);
    const key = JSON.parse(text.slice(i, keyEnd)) as string;
    i = skipWs(text, keyEnd) + 1; // ':'
    i = skipWs(text, i);
    const end = skipValue(text, i);
    members.set(key, { start: i, end });
    i = skipWs(text, end);
    if (text[i] === ",") i++;
  }
  return members;
}

function skipWs(text: string, i: number): number {
  while (i < text.length && " \t\r\n".includes(text[i]!)) i++;
  return i;
}

function skipString(text: string, i: number): number {
  i++; // opening quote
  while (text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
  return i + 1;
}

function skipValue(text: string, i: number): number {
  const c = text[i];
  if (c === '"') return skipString(text, i);
  if (c === "{" || c === "[") {
    let depth = 0;
    while (i < text.length) {
      const ch = text[i]!;
      if (ch === '"') {
        i = skipString(text, i);
        continue;
      }
      if (ch === "{" || ch === "[") depth++;
      else if (ch === "}" || ch === "]") {
        depth--;
        if (depth === 0) return i + 1;
      }
      i++;
    }
    return i;
  }
  while (i < text.length && !",}] \t\r\n".includes(text[i]!)) i++;
  return i;
}

/** The indentation unit of the file (whitespace before the first top-level key), default two spaces. */
export function indentUnit(text: string): string {
  const m = /^\s*\{\r?\n([ \t]+)"/.exec(text);
  return m ? m[1]! : "  ";
}

/** Re-indents pretty JSON of `value` so that it can sit at `indent` inside a file using `unit`. */
function formatAt(value: unknown, unit: string, indent: string, eol: string): string {
  return JSON.stringify(value, null, unit)
    .split("\n")
    .join(eol + indent);
}

/**
 * Appends `items` to the top-level array `key` of a JSON text, changing nothing else.
 * The items are formatted like the existing elements (same indentation and line ends).
 * @throws EocubeError CORRUPT_DATA when `key` is missing or not an array.
 */
export function appendToArray(parsed: JsonText, key: string, items: unknown[], path: string): JsonText {
  if (items.length === 0) return parsed;
  const span = parsed.members.get(key);
  if (!span || !Array.isArray(parsed.doc[key])) {
    throw new EocubeError("CORRUPT_DATA", `${path} has no top-level array "${key}"`, { path, field: key });
  }
  const { text } = parsed;
  const unit = indentUnit(text);
  const eol = text.includes("\r\n") ? "\r\n" : "\n";
  const arr = parsed.doc[key] as unknown[];
  const close = span.end - 1; // index of ']'
  let insertAt: number;
  let insertion: string;
  if (arr.length === 0) {
    // "[]" or "[ \n ]": rewrite the inside as a pretty multi-line array.
    const lineStart = text.lastIndexOf("\n", span.start) + 1;
    const memberIndent = /^[ \t]*/.exec(text.slice(lineStart))![0];
    const itemIndent = memberIndent + unit;
    insertion = "[" + eol + items.map((it) => itemIndent + formatAt(it, unit, itemIndent, eol)).join("," + eol) + eol + memberIndent + "]";
    const next = text.slice(0, span.start) + insertion + text.slice(span.end);
    return parseJsonText(next, path);
  } else {
    // Indentation of the existing elements: whitespace after the line break preceding the first element.
    const firstEl = skipWs(text, span.start + 1);
    const before = text.slice(span.start + 1, firstEl);
    const nl = before.lastIndexOf("\n");
    const itemIndent = nl >= 0 ? before.slice(nl + 1) : "";
    const multiline = nl >= 0;
    let lastEnd = close;
    while (lastEnd > span.start && " \t\r\n".includes(text[lastEnd - 1]!)) lastEnd--;
    insertAt = lastEnd;
    const sep = multiline ? "," + eol + itemIndent : ", ";
    insertion = items.map((it) => sep + (multiline ? formatAt(it, unit, itemIndent, eol) : JSON.stringify(it))).join("");
  }
  const next = text.slice(0, insertAt) + insertion + text.slice(insertAt);
  return parseJsonText(next, path);
}

/**
 * Removes the elements of the top-level array `key` for which `drop(item)` is true, changing nothing else:
 * the kept elements, the separators between them and the text around the array stay as they were.
 * Returns `parsed` itself when nothing is dropped (or `key` is not an array).
 */
export function removeFromArray(parsed: JsonText, key: string, drop: (item: unknown) => boolean, path: string): JsonText {
  const span = parsed.members.get(key);
  const arr = parsed.doc[key];
  if (!span || !Array.isArray(arr) || !arr.some(drop)) return parsed;
  const { text } = parsed;
  // the elements' spans, in order
  const spans: Span[] = [];
  let i = skipWs(text, span.start + 1);
  while (text[i] !== "]") {
    const end = skipValue(text, i);
    spans.push({ start: i, end });
    i = skipWs(text, end);
    if (text[i] === ",") i = skipWs(text, i + 1);
  }
  const kept = spans.filter((_, k) => !drop(arr[k]));
  let inner: string;
  if (kept.length === 0) inner = "[]";
  else {
    const joiner = spans.length > 1 ? text.slice(spans[0]!.end, spans[1]!.start) : ", ";
    inner =
      text.slice(span.start, spans[0]!.start) +
      kept.map((sp) => text.slice(sp.start, sp.end)).join(joiner) +
      text.slice(spans[spans.length - 1]!.end, span.end);
  }
  return parseJsonText(text.slice(0, span.start) + inner + text.slice(span.end), path);
}

/**
 * Sets the `title` of the objects in a top-level array (e.g. `links`) for which `match(item)` is true, in place:
 * only the title strings change, the rest of the text stays byte for byte. Objects without a `title` member are
 * left as they are.
 */
export function retitleInArray(parsed: JsonText, key: string, match: (item: unknown) => boolean, title: string, path: string): JsonText {
  const span = parsed.members.get(key);
  const arr = parsed.doc[key];
  if (!span || !Array.isArray(arr)) return parsed;
  const { text } = parsed;
  const edits: Span[] = [];
  let i = skipWs(text, span.start + 1);
  let k = 0;
  while (text[i] !== "]") {
    const end = skipValue(text, i);
    const item = arr[k++];
    if (text[i] === "{" && match(item)) {
      const t = scanMembers(text.slice(i, end)).get("title");
      if (t && typeof (item as Record<string, unknown>).title === "string") edits.push({ start: i + t.start, end: i + t.end });
    }
    i = skipWs(text, end);
    if (text[i] === ",") i = skipWs(text, i + 1);
  }
  if (edits.length === 0) return parsed;
  let next = text;
  for (const e of edits.reverse()) next = next.slice(0, e.start) + JSON.stringify(title) + next.slice(e.end);
  return parseJsonText(next, path);
}

/**
 * Sets a top-level string member to a new value in place (e.g. `updated`), or returns the text unchanged
 * when the member is missing.
 */
export function replaceString(parsed: JsonText, key: string, value: string, path: string): JsonText {
  const span = parsed.members.get(key);
  if (!span || typeof parsed.doc[key] !== "string") return parsed;
  const next = parsed.text.slice(0, span.start) + JSON.stringify(value) + parsed.text.slice(span.end);
  return parseJsonText(next, path);
}

/**
 * Sets a top-level member: replaces its value in place when present, else appends `"key": value` as the
 * last member (formatted like the file). The rest of the text is unchanged.
 */
export function setMember(parsed: JsonText, key: string, value: unknown, path: string): JsonText {
  const { text } = parsed;
  const unit = indentUnit(text);
  const eol = text.includes("\r\n") ? "\r\n" : "\n";
  const span = parsed.members.get(key);
  if (span) {
    const next = text.slice(0, span.start) + formatAt(value, unit, unit, eol) + text.slice(span.end);
    return parseJsonText(next, path);
  }
  let last = 0;
  for (const s of parsed.members.values()) last = Math.max(last, s.end);
  const entry = `"${key.replace(/["\\]/g, "\\$&")}": ${formatAt(value, unit, unit, eol)}`;
  const next =
    last === 0
      ? text.replace(/\{\s*\}/, `{${eol}${unit}${entry}${eol}}`)
      : text.slice(0, last) + "," + eol + unit + entry + text.slice(last);
  return parseJsonText(next, path);
}

/** Pretty JSON as eocube writes new files: 2-space indent and a trailing newline. */
export function formatJson(doc: unknown): string {
  return JSON.stringify(doc, null, 2) + "\n";
}
