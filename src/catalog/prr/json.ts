// Explicit conversion of values read from data files (bigint, NaN/±Infinity, typed arrays, Dates) to JSON.

/** How a non-finite number is written: `null`, or the string xarray prints (`"NaN"`, `"Infinity"`, `"-Infinity"`). */
export type NonFiniteMode = "null" | "string";

/** Options of {@link toJsonValue}. */
export interface ToJsonOptions {
  /** How NaN/±Infinity are written [default: "string" — attribute values keep their meaning]. */
  nonFinite?: NonFiniteMode;
  /** Called once per converted value that JSON cannot hold as is (for a warning), with its JSON pointer. */
  onConvert?: (pointer: string, what: string) => void;
}

/**
 * A JSON-safe deep copy of `value`: bigint → number when it is a safe integer, else its decimal string;
 * NaN/±Infinity → `null` or a string (see {@link ToJsonOptions.nonFinite}); typed arrays and other
 * iterables of numbers → arrays (each element converted); Date → ISO 8601 'Z'; Map → object;
 * `undefined` object members are left out (as JSON does); functions and symbols → their `String()` with
 * a call to `onConvert`. Never drops a value silently.
 */
export function toJsonValue(value: unknown, options: ToJsonOptions = {}, pointer = ""): unknown {
  const mode = options.nonFinite ?? "string";
  const note = (what: string) => options.onConvert?.(pointer, what);
  if (value === null || typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") {
    if (Number.isFinite(value)) return value;
    note(String(value));
    if (mode === "null") return null;
    return Number.isNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity";
  }
  if (typeof value === "bigint") {
    if (value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(value);
    note("bigint");
    return value.toString();
  }
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    const arr = Array.from(value as unknown as ArrayLike<number | bigint>);
    return arr.map((x, i) => toJsonValue(x, options, `${pointer}/${i}`));
  }
  if (Array.isArray(value)) return value.map((x, i) => toJsonValue(x, options, `${pointer}/${i}`));
  if (value instanceof Map) return toJsonValue(Object.fromEntries(value), options, pointer);
  if (typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (v === undefined) continue;
      out[k] = toJsonValue(v, options, `${pointer}/${k.replace(/~/g, "~0").replace(/\//g, "~1")}`);
    }
    return out;
  }
  if (value === undefined) return null;
  note(typeof value);
  return String(value);
}
