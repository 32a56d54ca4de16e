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
  const path: string[] = pointer === "" ? [] : pointer.split("/").slice(1);
  return convert(value, options.nonFinite ?? "string", options.onConvert, path);
}

function note(onConvert: ToJsonOptions["onConvert"], path: string[], what: string): void {
  onConvert?.(path.length ? `/${path.join("/")}` : "", what);
}

function nonFinite(x: number, mode: NonFiniteMode, onConvert: ToJsonOptions["onConvert"], path: string[]): number | string | null {
  note(onConvert, path, String(x));
  if (mode === "null") return null;
  return Number.isNaN(x) ? "NaN" : x > 0 ? "Infinity" : "-Infinity";
}

function convert(value: unknown, mode: NonFiniteMode, onConvert: ToJsonOptions["onConvert"], path: string[]): unknown {
  if (value === null || typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") return Number.isFinite(value) ? value : nonFinite(value, mode, onConvert, path);
  if (typeof value === "bigint") {
    if (value >= MIN_SAFE && value <= MAX_SAFE) return Number(value);
    note(onConvert, path, "bigint");
    return value.toString();
  }
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    const src = value as unknown as ArrayLike<number | bigint>;
    const out = new Array<unknown>(src.length);
    for (let i = 0; i < src.length; i++) {
      const x = src[i]!;
      if (typeof x === "number" && Number.isFinite(x)) out[i] = x;
      else {
        path.push(String(i));
        out[i] = convert(x, mode, onConvert, path);
        path.pop();
      }
    }
    return out;
  }
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) {
      const x = value[i];
      if (x === null || typeof x === "string" || typeof x === "boolean" || (typeof x === "number" && Number.isFinite(x))) out[i] = x;
      else {
        path.push(String(i));
        out[i] = convert(x, mode, onConvert, path);
        path.pop();
      }
    }
    return out;
  }
  if (value instanceof Map) return convert(Object.fromEntries(value), mode, onConvert, path);
  if (typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const k in value as Record<string, unknown>) {
      const v = (value as Record<string, unknown>)[k];
      if (v === undefined) continue;
      if (v === null || typeof v === "string" || typeof v === "boolean" || (typeof v === "number" && Number.isFinite(v))) {
        out[k] = v;
        continue;
      }
      path.push(k.replace(/~/g, "~0").replace(/\//g, "~1"));
      out[k] = convert(v, mode, onConvert, path);
      path.pop();
    }
    return out;
  }
  if (value === undefined) return null;
  note(onConvert, path, typeof value);
  return String(value);
}

const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
