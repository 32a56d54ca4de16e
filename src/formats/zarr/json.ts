// JSON as zarr-python writes it: Python's json module emits bare NaN / Infinity / -Infinity tokens.
import { EocubeError } from "../../core/errors.js";

const SENTINEL = "\u0000eocube:";
// A JSON string literal, or one of the non-standard number tokens.
const TOKENS = /"(?:[^"\\]|\\.)*"|-?Infinity|NaN/g;

/**
 * Parses a JSON document that may contain Python's non-standard `NaN`, `Infinity`, `-Infinity`
 * number tokens (zarr-python writes them into `.zattrs`), giving JS numbers for them.
 * @param bytes UTF-8 JSON text; @param key the store key, named in the error.
 * @throws EocubeError CORRUPT_DATA naming `key` when the text is not JSON or not an object.
 */
export function parseZarrJson(bytes: Uint8Array | string, key: string): Record<string, unknown> {
  const text = typeof bytes === "string" ? bytes : new TextDecoder().decode(bytes);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    try {
      const patched = text.replace(TOKENS, (m) => (m.startsWith('"') ? m : JSON.stringify(SENTINEL + m)));
      value = JSON.parse(patched, (_k, v: unknown) =>
        typeof v === "string" && v.startsWith(SENTINEL) ? Number(v.slice(SENTINEL.length)) : v,
      );
    } catch (err) {
      throw new EocubeError("CORRUPT_DATA", `${key} is not valid JSON: ${(err as Error).message}`, {
        path: key,
        cause: err,
        hint: "the metadata document is damaged; rewrite the store or restore the file",
      });
    }
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new EocubeError("CORRUPT_DATA", `${key} is not a JSON object`, { path: key });
  }
  return value as Record<string, unknown>;
}

/**
 * Serialises a metadata document the way zarr-python does: indented, keys as given,
 * non-finite numbers as bare `NaN` / `Infinity` / `-Infinity` tokens (not `null`), and every
 * non-ASCII character escaped as `\uXXXX` (UTF-16 units, like Python's `json.dumps(ensure_ascii=True)`;
 * zarr-python 2.13 refuses non-ASCII metadata bytes).
 */
export function stringifyZarrJson(value: unknown): string {
  const text = JSON.stringify(value, (_k, v: unknown) => (typeof v === "number" && !Number.isFinite(v) ? SENTINEL + String(v) : v), 4);
  return text
    .replace(/"\\u0000eocube:(NaN|-?Infinity)"/g, "$1")
    .replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
