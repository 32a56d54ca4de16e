// ReferenceFileSystem: a read-only FileSystem over a kerchunk/fsspec reference set (v0/v1): each key is inline
// text/base64 or a byte range [url, offset, length] of a file on file/https/s3 — a Zarr store made of other files.
// Spec: https://fsspec.github.io/kerchunk/spec.html
import { dirname } from "node:path";
import { EocubeError } from "../../core/errors.js";
import type { ReadOptions } from "../../core/variable.js";
import { FileFileSystem } from "../../fs/file.js";
import { HttpsFileSystem, redactUrl } from "../../fs/https.js";
import type { FileSystem } from "../../fs/types.js";
import { fsFromUrl, type StorageOptions } from "../../fs/url.js";
import { resolveHref } from "../stac/catalog.js";

/** One reference: inline data, or `[url]` (whole file) / `[url, offset, length]` (a byte range). */
export type Reference = string | [string] | [string, number, number];

/** Options of {@link parseReferences} and {@link ReferenceFileSystem}. */
export interface ReferenceOptions {
  /** Base of relative target URLs/paths (the reference file's own location). */
  base?: string;
  /** Per-request timeout of https targets in ms (default 30 000). */
  timeoutMs?: number;
  /** Retries of https targets (default 2). */
  retries?: number;
  /** storage_options of s3 targets (endpoint_url, region, anon, key, secret, token). */
  s3?: Record<string, unknown>;
}

/**
 * The references of a kerchunk JSON: v0 (`{key: ref}`) or v1 (`{"version": 1, "templates": {…}, "refs": {…}}`,
 * `{{name}}` in target URLs replaced by the template). `gen` entries are not supported.
 * @throws EocubeError CORRUPT_DATA for a malformed document, UNSUPPORTED for `gen` or another version.
 */
export function parseReferences(doc: unknown, where: string): Map<string, Reference> {
  if (!doc || typeof doc !== "object" || Array.isArray(doc))
    throw new EocubeError("CORRUPT_DATA", `${where} is not a reference JSON object`, { path: where });
  const d = doc as Record<string, unknown>;
  let refs = d;
  let templates: Record<string, string> = {};
  if ("version" in d) {
    if (d.version !== 1)
      throw new EocubeError("UNSUPPORTED", `${where}: reference version ${JSON.stringify(d.version)} (eocube reads 0 and 1)`, {
        path: where,
      });
    if (Array.isArray(d.gen) && d.gen.length > 0) {
      throw new EocubeError("UNSUPPORTED", `${where}: generated references ("gen") are not supported`, {
        path: where,
        hint: "expand them into refs",
      });
    }
    refs = (d.refs ?? {}) as Record<string, unknown>;
    templates = (d.templates ?? {}) as Record<string, string>;
  }
  const out = new Map<string, Reference>();
  for (const [k, v] of Object.entries(refs)) {
    if (typeof v === "string") out.set(k, v);
    else if (v && typeof v === "object" && !Array.isArray(v))
      out.set(k, JSON.stringify(v)); // inline JSON objects (.zarray as object)
    else if (
      Array.isArray(v) &&
      typeof v[0] === "string" &&
      (v.length === 1 || (v.length === 3 && Number.isInteger(v[1]) && Number.isInteger(v[2])))
    ) {
      const url = v[0].replace(/\{\{\s*(\w+)\s*\}\}/g, (_m, name: string) => templates[name] ?? _m);
      out.set(k, v.length === 1 ? [url] : [url, v[1] as number, v[2] as number]);
    } else {
      throw new EocubeError("CORRUPT_DATA", `${where}: reference ${JSON.stringify(k)} is neither inline data nor [url, offset, length]`, {
        path: where,
        field: k,
      });
    }
  }
  return out;
}

/** A read-only FileSystem whose keys are the references' keys under `prefix` (e.g. `ref.zarr/`). */
export class ReferenceFileSystem implements FileSystem {
  readonly root: string;
  readonly #refs: Map<string, Reference>;
  readonly #prefix: string;
  readonly #options: ReferenceOptions;
  readonly #targets = new Map<string, { fs: FileSystem; key: string }>();

  constructor(root: string, refs: Map<string, Reference>, prefix: string, options: ReferenceOptions = {}) {
    this.root = root;
    this.#refs = refs;
    this.#prefix = prefix;
    this.#options = options;
  }

  #ref(key: string): Reference | undefined {
    if (!key.startsWith(this.#prefix)) return undefined;
    return this.#refs.get(key.slice(this.#prefix.length));
  }

  /** The file system and key of a target URL (one file system per folder, reused). */
  #target(url: string): { fs: FileSystem; key: string } {
    const abs = this.#options.base ? resolveHref(url, this.#options.base) : url;
    let t = this.#targets.get(abs);
    if (t) return t;
    const i = abs.lastIndexOf("/");
    const folder = abs.slice(0, i);
    const key = abs.slice(i + 1);
    if (/^https?:\/\//i.test(abs)) {
      t = { fs: new HttpsFileSystem(folder, { timeoutMs: this.#options.timeoutMs, retries: this.#options.retries }), key };
    } else if (/^s3:\/\//i.test(abs)) {
      t = { fs: fsFromUrl(folder, (this.#options.s3 ?? {}) as StorageOptions), key };
    } else if (/^file:\/\//i.test(abs) || abs.startsWith("/")) {
      const path = abs.replace(/^file:\/\//i, "");
      t = { fs: new FileFileSystem(dirname(path), { readOnly: true }), key: path.slice(dirname(path).length + 1) };
    } else {
      throw new EocubeError("UNSUPPORTED", `reference target ${redactUrl(abs)}: only file, http(s) and s3 URLs are read`, {
        path: redactUrl(abs),
      });
    }
    this.#targets.set(abs, t);
    return t;
  }

  async get(key: string, options?: ReadOptions): Promise<Uint8Array | undefined> {
    const ref = this.#ref(key);
    if (ref === undefined) return undefined;
    if (typeof ref === "string")
      return ref.startsWith("base64:") ? new Uint8Array(Buffer.from(ref.slice(7), "base64")) : new TextEncoder().encode(ref);
    const t = this.#target(ref[0]);
    if (ref.length === 1) {
      const bytes = await t.fs.get(t.key, options);
      if (!bytes) throw new EocubeError("NOT_FOUND", `reference ${key}: no file ${redactUrl(ref[0])}`, { path: redactUrl(ref[0]) });
      return bytes;
    }
    const bytes = await t.fs.getRange(t.key, ref[1], ref[2], options);
    if (bytes.length !== ref[2]) {
      throw new EocubeError(
        "CORRUPT_DATA",
        `reference ${key}: ${redactUrl(ref[0])} has ${bytes.length} bytes at ${ref[1]}, not ${ref[2]}`,
        {
          path: redactUrl(ref[0]),
          hint: "the referenced file changed since the references were made; regenerate them",
        },
      );
    }
    return bytes;
  }

  async getRange(key: string, offset: number, length?: number, options?: ReadOptions): Promise<Uint8Array> {
    const all = await this.get(key, options);
    if (!all) throw new EocubeError("NOT_FOUND", `no reference ${key} in ${this.root}`, { path: `${this.root}/${key}` });
    const start = offset < 0 ? Math.max(0, all.length + offset) : offset;
    return all.slice(start, length === undefined ? undefined : start + length);
  }

  async exists(key: string): Promise<boolean> {
    if (this.#ref(key) !== undefined) return true;
    const dir = key.endsWith("/") ? key : `${key}/`;
    for (const k of this.#refs.keys()) if (`${this.#prefix}${k}`.startsWith(dir)) return true;
    return false;
  }

  async list(prefix: string): Promise<string[]> {
    const p = prefix === "" || prefix.endsWith("/") ? prefix : `${prefix}/`;
    const out = new Set<string>();
    for (const k of this.#refs.keys()) {
      const full = `${this.#prefix}${k}`;
      if (!full.startsWith(p)) continue;
      const rest = full.slice(p.length);
      const i = rest.indexOf("/");
      out.add(i < 0 ? rest : rest.slice(0, i + 1));
    }
    return [...out].sort();
  }

  async put(key: string): Promise<void> {
    throw new EocubeError("READ_ONLY", `references are read-only (${key})`, { path: key });
  }

  async delete(key: string): Promise<void> {
    throw new EocubeError("READ_ONLY", `references are read-only (${key})`, { path: key });
  }
}
