// Lossless edits of JSON text with jsonc-parser (parseTree finds the spans, modify/applyEdits make the edits): append
// items to a top-level array or set a member without touching the rest of the file (key order, number spelling such
// as `-180.0`, indentation and the trailing newline stay as they were). New values are formatted like the file.
import { applyEdits, type Edit, findNodeAtLocation, type JSONPath, modify, type Node, parseTree } from "jsonc-parser";
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
  /** The jsonc-parser syntax tree of `text` (offsets into it). */
  tree: Node;
}

/**
 * Parses JSON text whose top level is an object and records where each top-level value sits.
 * The text must be strict JSON (checked with JSON.parse, whose message names the problem); jsonc-parser's tree
 * gives the spans.
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
  const tree = parseTree(text)!;
  const members = new Map<string, Span>();
  for (const prop of tree.children ?? []) {
    const [key, value] = prop.children ?? [];
    if (key && value) members.set(key.value as string, spanOf(value));
  }
  return { text, doc: doc as Record<string, unknown>, members, tree };
}

function spanOf(node: Node): Span {
  return { start: node.offset, end: node.offset + node.length };
}

/** The indentation unit of the file (whitespace before the first top-level key), default two spaces. */
export function indentUnit(text: string): string {
  const m = /^\s*\{\r?\n([ \t]+)"/.exec(text);
  return m ? m[1]! : "  ";
}

/** The line end of the file (CRLF when it has any, else LF). */
function lineEnd(text: string): string {
  return text.includes("\r\n") ? "\r\n" : "\n";
}

/** Re-indents pretty JSON of `value` so that it can sit at `indent` inside a file using `unit`. */
function formatAt(value: unknown, unit: string, indent: string, eol: string): string {
  return JSON.stringify(value, null, unit)
    .split("\n")
    .join(eol + indent);
}

/** Whitespace at the start of the line holding `offset`. */
function lineIndent(text: string, offset: number): string {
  const lineStart = text.lastIndexOf("\n", offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart))![0];
}

/**
 * The one edit jsonc-parser's `modify` makes to set `path` to `value` (no formatting options: it touches only the
 * value's span, or inserts right after the previous sibling), with its content replaced by `render(edit)` so that
 * the new value is formatted like the file.
 */
function placed(text: string, path: JSONPath, value: unknown, render: (edit: Edit) => string): Edit {
  const [edit] = modify(text, path, value, {});
  return { ...edit!, content: render(edit!) };
}

/** Applies edits and parses the result again. */
function applied(text: string, edits: Edit[], path: string): JsonText {
  return parseJsonText(applyEdits(text, edits), path);
}

/**
 * Appends `items` to the top-level array `key` of a JSON text, changing nothing else.
 * The items are formatted like the existing elements (same indentation and line ends; one line for a one-line array).
 * @throws EocubeError CORRUPT_DATA when `key` is missing or not an array.
 */
export function appendToArray(parsed: JsonText, key: string, items: unknown[], path: string): JsonText {
  if (items.length === 0) return parsed;
  const node = findNodeAtLocation(parsed.tree, [key]);
  if (node?.type !== "array" || !Array.isArray(parsed.doc[key])) {
    throw new EocubeError("CORRUPT_DATA", `${path} has no top-level array "${key}"`, { path, field: key });
  }
  const { text } = parsed;
  const unit = indentUnit(text);
  const eol = lineEnd(text);
  const elements = node.children ?? [];
  const first = elements[0];
  if (!first) {
    // "[]" or "[ \n ]": the value becomes a pretty multi-line array
    const memberIndent = lineIndent(text, node.offset);
    const itemIndent = memberIndent + unit;
    const edit = placed(
      text,
      [key],
      items,
      () => `[${eol}${items.map((it) => itemIndent + formatAt(it, unit, itemIndent, eol)).join(`,${eol}`)}${eol}${memberIndent}]`,
    );
    return applied(text, [edit], path);
  }
  // the elements' indentation: whitespace after the line break before the first element (none: a one-line array)
  const before = text.slice(node.offset + 1, first.offset);
  const nl = before.lastIndexOf("\n");
  const multiline = nl >= 0;
  const itemIndent = multiline ? before.slice(nl + 1) : "";
  const sep = multiline ? `,${eol}${itemIndent}` : ", ";
  // jsonc-parser places an appended element right after the last one
  const edit = placed(text, [key, -1], items[0], () =>
    items.map((it) => sep + (multiline ? formatAt(it, unit, itemIndent, eol) : JSON.stringify(it))).join(""),
  );
  return applied(text, [edit], path);
}

/**
 * Removes the elements of the top-level array `key` for which `drop(item)` is true, changing nothing else:
 * the kept elements, the separators between them and the text around the array stay as they were.
 * Returns `parsed` itself when nothing is dropped (or `key` is not an array).
 */
export function removeFromArray(parsed: JsonText, key: string, drop: (item: unknown) => boolean, path: string): JsonText {
  const node = findNodeAtLocation(parsed.tree, [key]);
  const arr = parsed.doc[key];
  if (node?.type !== "array" || !Array.isArray(arr) || !arr.some(drop)) return parsed;
  const { text } = parsed;
  const spans = (node.children ?? []).map(spanOf);
  const kept = spans.filter((_, k) => !drop(arr[k]));
  const whole = spanOf(node);
  let inner: string;
  if (kept.length === 0) inner = "[]";
  else {
    // (jsonc-parser's own removal of a last element expects a formatting pass; the kept elements are joined as written)
    const joiner = spans.length > 1 ? text.slice(spans[0]!.end, spans[1]!.start) : ", ";
    inner =
      text.slice(whole.start, spans[0]!.start) +
      kept.map((sp) => text.slice(sp.start, sp.end)).join(joiner) +
      text.slice(spans[spans.length - 1]!.end, whole.end);
  }
  return applied(text, [{ offset: whole.start, length: whole.end - whole.start, content: inner }], path);
}

/**
 * Sets the `title` of the objects in a top-level array (e.g. `links`) for which `match(item)` is true, in place:
 * only the title strings change, the rest of the text stays byte for byte. Objects without a `title` member are
 * left as they are.
 */
export function retitleInArray(parsed: JsonText, key: string, match: (item: unknown) => boolean, title: string, path: string): JsonText {
  const arr = parsed.doc[key];
  if (!parsed.members.has(key) || !Array.isArray(arr)) return parsed;
  const { text } = parsed;
  const edits: Edit[] = [];
  arr.forEach((item, k) => {
    if (item === null || typeof item !== "object" || Array.isArray(item) || !match(item)) return;
    if (typeof (item as Record<string, unknown>).title !== "string") return;
    edits.push(...modify(text, [key, k, "title"], title, {}));
  });
  return edits.length === 0 ? parsed : applied(text, edits, path);
}

/**
 * Sets a string member to a new value in place (e.g. `updated`, or `["properties", "updated"]` of a record), or
 * returns the text unchanged when the member is missing or not a string.
 */
export function replaceString(parsed: JsonText, key: string | string[], value: string, path: string): JsonText {
  const at = typeof key === "string" ? [key] : key;
  let cur: unknown = parsed.doc;
  for (const k of at)
    cur = cur !== null && typeof cur === "object" && !Array.isArray(cur) ? (cur as Record<string, unknown>)[k] : undefined;
  if (typeof cur !== "string" || cur === value) return parsed;
  return applied(parsed.text, modify(parsed.text, at, value, {}), path);
}

/**
 * Sets a top-level member: replaces its value in place when present, else appends `"key": value` as the
 * last member (formatted like the file). The rest of the text is unchanged.
 */
export function setMember(parsed: JsonText, key: string, value: unknown, path: string): JsonText {
  const { text } = parsed;
  const unit = indentUnit(text);
  const eol = lineEnd(text);
  const pretty = formatAt(value, unit, unit, eol);
  if (parsed.members.has(key)) return applied(text, [placed(text, [key], value, () => pretty)], path);
  const entry = `${JSON.stringify(key)}: ${pretty}`;
  if (parsed.members.size === 0) return applied(text, [{ ...spanEdit(parsed.tree), content: `{${eol}${unit}${entry}${eol}}` }], path);
  // jsonc-parser appends a new member right after the last one
  return applied(text, [placed(text, [key], value, () => `,${eol}${unit}${entry}`)], path);
}

function spanEdit(node: Node): { offset: number; length: number } {
  return { offset: node.offset, length: node.length };
}

/** Pretty JSON as eocube writes new files: 2-space indent and a trailing newline. */
export function formatJson(doc: unknown): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}
