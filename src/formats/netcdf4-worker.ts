// The h5wasm worker of the NetCDF4 reader: HDF5 runs in a child process so that a damaged file that sends the
// HDF5 library into an endless loop (or a runaway allocation) is stopped by a time limit instead of hanging or
// crashing eocube.
import { createRequire } from "node:module";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { spawn, type ChildProcess } from "node:child_process";
import { availableParallelism } from "node:os";

/** Default time limit of one HDF5 call (open with its metadata walk, or one read), in milliseconds. */
export const DEFAULT_HDF5_TIMEOUT_MS = 60_000;

/** The time limit of one HDF5 call: `EOCUBE_HDF5_TIMEOUT_MS` when set to a positive number, else 60 s. */
export function hdf5TimeoutMs(): number {
  const v = Number(process.env.EOCUBE_HDF5_TIMEOUT_MS);
  return Number.isFinite(v) && v > 0 ? v : DEFAULT_HDF5_TIMEOUT_MS;
}

/** One HDF5 dataset's metadata as the worker reports it. */
export interface H5Entry {
  key: string;
  shape: number[];
  /** h5wasm type metadata: class (0 integer, 1 float, 3 string, …), size in bytes, signedness, vlen. */
  type: number;
  size: number;
  signed: boolean;
  vlen: boolean;
  chunks: number[] | null;
  filters: { id: number; name: string; cd_values: number[] }[];
  /** Paths of the dimension scales attached to each axis. */
  scales: string[][];
  /** Attributes (netCDF-4 internals `CLASS`/`NAME` included; reference lists and ids are not read). */
  attrs: Record<string, unknown>;
  /** Members `{name: value}` of a netCDF-4 enum type (HDF5 class 8), whose values are its base integers. */
  enumMembers?: Record<string, number>;
  /** All values of a numeric 1-D dimension scale of ≤ {@link PREFETCH_MAX} elements, read at open. */
  values?: ArrayBufferView;
}

/** Metadata of the opened group of a file (the root group by default); entry keys are paths from the root. */
export interface H5Meta {
  attrs: Record<string, unknown>;
  entries: H5Entry[];
  /** Paths of the groups below the opened one (all groups of the file when `missingGroup`). */
  groups?: string[];
  /** True when the group asked for does not exist (the file is then closed again). */
  missingGroup?: boolean;
}

/** Largest dimension scale (elements) whose values the worker sends with the metadata at open. */
export const PREFETCH_MAX = 1_000_000;

/** The worker's source (plain JS run by `node -e`; h5wasm is imported from `$EOCUBE_H5WASM_URL`). */
// biome-ignore lint/complexity/noUselessStringRaw: embedded source: any backslash added to it must stay as written
const WORKER_SOURCE = String.raw`
let h5, FS, M;
const files = new Map();
const PREFETCH_MAX = ${PREFETCH_MAX};
process.on("disconnect", () => process.exit(0));
const ready = (async () => {
  const mod = await import(process.env.EOCUBE_H5WASM_URL);
  h5 = mod.default ?? mod;
  M = await h5.ready;
  if (M.activate_throwing_error_handler) M.activate_throwing_error_handler();
  FS = M.FS;
})();
function plain(v) {
  if (ArrayBuffer.isView(v)) return Array.from(v);
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === "object") return undefined;
  return v;
}
// netCDF-4 bookkeeping attributes the reader hides: their values (object references, some) are not read
const SKIP_ATTRS = new Set(["DIMENSION_LIST", "REFERENCE_LIST", "_Netcdf4Coordinates", "_Netcdf4Dimid",
  "_NCProperties", "_nc3_strict", "_IsNetcdf4", "_SuperblockVersion"]);
function attrsOf(obj) {
  const out = {};
  let names = [];
  try { names = M.get_attribute_names(obj.file_id, obj.path); } catch (e) { return out; }
  for (const name of names) {
    if (SKIP_ATTRS.has(name)) continue;
    try {
      // netCDF attributes are small; a huge one means a damaged header (and would exhaust the JS heap)
      const md = M.get_attribute_metadata(obj.file_id, obj.path, name);
      const n = (md.shape || []).reduce((x, y) => x * Number(y), 1);
      if (!(n <= 1000000)) continue;
      const v = plain(obj.get_attribute(name, false));
      if (v !== undefined) out[name] = v;
    } catch (e) { /* unreadable attribute */ }
  }
  return out;
}
function walk(file, node, prefix) {
  const entries = [];
  for (const name of node.keys()) {
    const key = prefix + name;
    const d = file.get(key);
    if (!(d instanceof h5.Dataset)) continue;
    const md = d.metadata;
    const shape = (md.shape || []).map(Number);
    let filters = [];
    try { filters = d.filters.map((f) => ({ id: f.id, name: f.name, cd_values: Array.from(f.cd_values || []) })); } catch (e) { filters = []; }
    const attrs = attrsOf(d);
    // a 1-D dimension scale is its own dimension: no attached scales to look up
    const isScale = attrs.CLASS === "DIMENSION_SCALE" && shape.length === 1;
    const scales = isScale ? [[]] : shape.map((_, i) => { try { return d.get_attached_scales(i); } catch (e) { return []; } });
    const entry = { key, shape, type: md.type, size: md.size, signed: !!md.signed, vlen: !!md.vlen,
      chunks: md.chunks ? md.chunks.map(Number) : null, filters, scales, attrs };
    if (md.type === 8 && md.enum_type && md.enum_type.type === 0 && md.enum_type.members) {
      entry.enumMembers = {};
      for (const [k, v] of Object.entries(md.enum_type.members)) entry.enumMembers[k] = Number(v);
    }
    // coordinate values (small numeric dimension scales) come with the metadata: no round trip per read
    const pure = typeof attrs.NAME === "string" && attrs.NAME.startsWith("This is a netCDF dimension but not a netCDF variable");
    if (isScale && !pure && (md.type === 0 || md.type === 1) && shape[0] <= PREFETCH_MAX) {
      try {
        const v = d.value;
        if (ArrayBuffer.isView(v)) entry.values = v;
      } catch (e) { /* read on demand, with its error then */ }
    }
    entries.push(entry);
  }
  return { attrs: attrsOf(node), entries };
}
function groupsOf(node, prefix, out) {
  for (const name of node.keys()) {
    const g = node.get(name);
    if (g instanceof h5.Group && !(g instanceof h5.File)) { out.push(prefix + name); groupsOf(g, prefix + name + "/", out); }
  }
  return out;
}
function closeFile(name) {
  const file = files.get(name);
  files.delete(name);
  try { if (file) file.close(); } catch (e) {}
  try { FS.unlink(name); } catch (e) {}
}
function handle(msg) {
  // files released since the last call ride along with the next one
  if (Array.isArray(msg.closing)) for (const name of msg.closing) closeFile(name);
  if (msg.op === "open") {
    FS.writeFile(msg.name, msg.bytes);
    let file;
    try {
      file = new h5.File(msg.name, "r");
      if (Number(file.file_id) < 0) throw new Error("HDF5 cannot open the file");
      let node = file;
      const prefix = msg.group ? msg.group + "/" : "";
      if (msg.group) {
        node = file.get(msg.group);
        if (!(node instanceof h5.Group)) {
          const groups = groupsOf(file, "", []);
          file.close();
          FS.unlink(msg.name);
          return { result: { meta: { attrs: {}, entries: [], missingGroup: true, groups } } };
        }
      }
      const meta = walk(file, node, prefix);
      meta.groups = groupsOf(node, prefix, []);
      files.set(msg.name, file);
      return { result: { meta } };
    } catch (err) {
      try { if (file && Number(file.file_id) >= 0) file.close(); } catch (e) {}
      try { FS.unlink(msg.name); } catch (e) {}
      throw err;
    }
  }
  if (msg.op === "read") {
    const file = files.get(msg.name);
    if (!file) throw new Error("file is not open");
    const d = file.get(msg.key);
    const raw = msg.ranges.length === 0 ? d.value : d.slice(msg.ranges);
    if (ArrayBuffer.isView(raw)) return { result: { data: raw } };
    return { result: { data: Array.isArray(raw) ? raw : [raw] } };
  }
  if (msg.op === "close") {
    closeFile(msg.name);
    return { result: {} };
  }
  throw new Error("unknown op " + msg.op);
}
process.on("message", async (msg) => {
  try {
    await ready;
    const out = handle(msg);
    process.send({ id: msg.id, ok: true, ...out.result });
  } catch (err) {
    process.send({ id: msg.id, ok: false, message: String((err && err.message) || err) });
  }
});
`;

/**
 * The file URL of h5wasm's Node build (`h5wasm/node`). Its package exports only an `import` condition,
 * so the node_modules folders that `require` would search are walked instead.
 */
function h5wasmNodeUrl(): string {
  const require = createRequire(import.meta.url);
  for (const dir of require.resolve.paths("h5wasm") ?? []) {
    const file = join(dir, "h5wasm", "dist", "node", "hdf5_hl.js");
    if (existsSync(file)) return pathToFileURL(file).href;
  }
  throw new Error("the h5wasm package is not installed");
}

/** Thrown by {@link H5Worker.call} when HDF5 does not answer within the time limit. */
export class H5TimeoutError extends Error {
  constructor(readonly ms: number) {
    super(`HDF5 did not answer within ${ms} ms`);
  }
}

/** Thrown for calls that were waiting when the worker was stopped because of another call: retry them. */
export class H5RestartError extends Error {
  constructor() {
    super("the HDF5 worker was restarted");
  }
}

type Pending = { resolve: (v: Record<string, unknown>) => void; reject: (e: Error) => void; timer: NodeJS.Timeout };

/**
 * A child process running h5wasm. Calls are answered in order; a call that exceeds its time limit kills
 * the process (every pending call fails) and the next call starts a fresh one. `generation` changes with
 * each new process, so files opened in a killed one can be reopened.
 */
export class H5Worker {
  #child?: ChildProcess;
  #pending = new Map<number, Pending>();
  #nextId = 1;
  #closing: string[] = [];
  #closeTimer?: NodeJS.Timeout;
  generation = 0;

  #start(): ChildProcess {
    if (this.#child) return this.#child;
    const child = spawn(process.execPath, ["-e", WORKER_SOURCE], {
      stdio: ["ignore", "ignore", "ignore", "ipc"],
      serialization: "advanced",
      // a minimal environment: no credentials and no NODE_OPTIONS loaders reach the worker
      env: { EOCUBE_H5WASM_URL: h5wasmNodeUrl() },
    });
    child.unref();
    (child.channel as unknown as { unref?: () => void } | undefined)?.unref?.();
    child.on("message", (msg: { id: number; ok: boolean; message?: string }) => {
      const p = this.#pending.get(msg.id);
      if (!p) return;
      this.#pending.delete(msg.id);
      clearTimeout(p.timer);
      if (msg.ok) p.resolve(msg as unknown as Record<string, unknown>);
      else p.reject(new Error(msg.message ?? "HDF5 error"));
    });
    child.on("error", (err) => this.#fail(child, err));
    child.on("exit", () => this.#fail(child, new Error("the HDF5 worker process stopped")));
    this.#child = child;
    this.generation++;
    return child;
  }

  /** Rejects every pending call of process `c` (`err` for `culprit`, a restart error for the others) and forgets it. */
  #fail(c: ChildProcess, err: Error, culprit?: number): void {
    if (this.#child !== c) return;
    this.#child = undefined;
    this.#closing = []; // those files died with the process
    for (const [id, p] of this.#pending) {
      clearTimeout(p.timer);
      p.reject(culprit === undefined || id === culprit ? err : new H5RestartError());
    }
    this.#pending.clear();
  }

  /**
   * Frees file `name` in the running worker: sent along with the next call, or on its own after 50 ms
   * when no call comes (one message less per file when many are opened one after the other).
   */
  queueClose(name: string): void {
    if (!this.#child) return;
    this.#closing.push(name);
    this.#closeTimer ??= setTimeout(() => {
      this.#closeTimer = undefined;
      if (this.#closing.length === 0 || !this.#child) return;
      this.call({ op: "close", name: "" }, 10_000).catch(() => undefined);
    }, 50);
    this.#closeTimer.unref();
  }

  /** Calls sent and not yet answered. */
  get pending(): number {
    return this.#pending.size;
  }

  /** Generation of the running worker, or undefined when none runs. */
  get liveGeneration(): number | undefined {
    return this.#child ? this.generation : undefined;
  }

  /** Current worker generation (starts the worker when needed). */
  ensure(): number {
    this.#start();
    return this.generation;
  }

  /**
   * Sends one request and waits for its answer.
   * @throws H5TimeoutError after `timeoutMs` (the process is killed), Error with HDF5's message otherwise.
   */
  call(msg: Record<string, unknown>, timeoutMs = hdf5TimeoutMs()): Promise<Record<string, unknown>> {
    const c = this.#start();
    const id = this.#nextId++;
    if (this.#closing.length > 0) {
      msg = { ...msg, closing: this.#closing };
      this.#closing = [];
      clearTimeout(this.#closeTimer);
      this.#closeTimer = undefined;
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#fail(c, new H5TimeoutError(timeoutMs), id);
        c.kill("SIGKILL");
      }, timeoutMs);
      this.#pending.set(id, { resolve, reject, timer });
      c.send({ ...msg, id }, (err) => {
        if (err) this.#fail(c, err);
      });
    });
  }
}

/** The process-wide HDF5 worker (the first of the pool, see {@link pickH5Worker}). */
export const h5worker = new H5Worker();

/**
 * Most HDF5 worker processes: `EOCUBE_HDF5_WORKERS` when a positive integer (at most the number of cores),
 * else 1. A second process pays its own h5wasm start-up and only helps on an otherwise idle machine.
 */
export function hdf5WorkerLimit(): number {
  const v = Number(process.env.EOCUBE_HDF5_WORKERS);
  if (Number.isInteger(v) && v > 0) return Math.min(v, Math.max(1, availableParallelism()));
  return 1;
}

const pool: H5Worker[] = [h5worker];

/**
 * The worker to open the next file in: the least busy one; a further process (up to
 * {@link hdf5WorkerLimit}) is started only when every running one has calls waiting, so a single
 * file costs one process while many files opened at once are read in parallel.
 */
export function pickH5Worker(): H5Worker {
  let best = pool[0]!;
  for (const w of pool) if (w.pending < best.pending) best = w;
  if (best.pending > 0 && pool.length < hdf5WorkerLimit()) {
    best = new H5Worker();
    pool.push(best);
  }
  return best;
}
