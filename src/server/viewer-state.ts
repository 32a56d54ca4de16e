// Viewer states (permalinks of xcube-viewer's Share button), stored by PUT /viewer/state as xcube's `Viewer.Persistence`
// does: under random 8-character keys, in a folder on disk or (default) in memory; both bounded in size.
import { randomInt } from "node:crypto";
import { mkdir, readdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import { isAbsolute, join, resolve } from "node:path";
import { LRUCache } from "lru-cache";
import { EocubeError } from "../core/errors.js";
import type { ServerConfig } from "./config.js";

/** JSON Schema of xcube's `Viewer` key: `Configuration.Path`, `Persistence.Path` (+ `StorageOptions`), `Augmentation`. */
export const VIEWER_CONFIG_SCHEMA = {
  type: "object",
  properties: {
    Configuration: {
      type: "object",
      properties: { Path: { type: "string", minLength: 1, description: "folder served as /viewer/config/* (config.json, images …)" } },
      additionalProperties: false,
    },
    Augmentation: {
      type: "object",
      required: ["Extensions"],
      properties: { Path: { type: "string" }, Extensions: { type: "array", items: { type: "string" }, minItems: 1 } },
      additionalProperties: false,
      description: "xcube's Python viewer extensions: not supported (a warning; /viewer/ext/* answer 404 as without extensions)",
    },
    Persistence: {
      type: "object",
      required: ["Path"],
      properties: {
        Path: {
          type: "string",
          minLength: 1,
          description: "folder of the stored viewer states (relative to the config file); memory://… keeps them in memory",
        },
        StorageOptions: { type: "object", description: "fsspec options of xcube: ignored" },
      },
      additionalProperties: false,
    },
  },
  additionalProperties: false,
} as const;

/** Largest total of stored states: in memory the oldest are dropped beyond it, on disk further states are refused. */
export const VIEWER_STATES_MAX_BYTES = 64 * 1024 ** 2;
/** Most states kept in one store. */
export const VIEWER_STATES_MAX_COUNT = 100_000;
/** A state key as this server makes them (8 of a–z, 0–9, as xcube) or as another store may hold them. */
export const STATE_KEY = /^[A-Za-z0-9_-]{1,64}$/;

/** A store of viewer states (JSON text) by key. */
export interface ViewerStateStore {
  /** Where the states are (`memory` or the folder), for logs. */
  readonly where: string;
  get(key: string): Promise<string | undefined>;
  /**
   * Stores a state under a new key.
   * @throws EocubeError TOO_LARGE when a disk store is full.
   */
  put(text: string): Promise<string>;
  keys(): Promise<string[]>;
}

function newKey(): string {
  const chars = "abcdefghijklmnopqrstuvwxyz0123456789";
  let k = "";
  for (let i = 0; i < 8; i++) k += chars[randomInt(chars.length)];
  return k;
}

/** States in memory, the least recently used dropped beyond {@link VIEWER_STATES_MAX_BYTES}. */
export class MemoryStateStore implements ViewerStateStore {
  readonly where = "memory";
  readonly #states = new LRUCache<string, string>({
    maxSize: VIEWER_STATES_MAX_BYTES,
    max: VIEWER_STATES_MAX_COUNT,
    sizeCalculation: (v, k) => Math.max(1, v.length * 2 + k.length),
  });

  async get(key: string): Promise<string | undefined> {
    return this.#states.get(key);
  }

  async put(text: string): Promise<string> {
    let key = newKey();
    while (this.#states.has(key)) key = newKey();
    this.#states.set(key, text);
    return key;
  }

  async keys(): Promise<string[]> {
    return [...this.#states.keys()];
  }
}

/**
 * States as files `<folder>/<key>` (the layout of xcube's fsspec mapper, so a folder written by xcube serves as is),
 * written atomically; refuses new states beyond {@link VIEWER_STATES_MAX_BYTES} or {@link VIEWER_STATES_MAX_COUNT}.
 */
export class DiskStateStore implements ViewerStateStore {
  readonly where: string;
  #usage?: Promise<{ bytes: number; count: number }>;

  constructor(folder: string) {
    this.where = folder;
  }

  #measure(): Promise<{ bytes: number; count: number }> {
    this.#usage ??= (async () => {
      await mkdir(this.where, { recursive: true });
      let bytes = 0;
      let count = 0;
      for (const name of await readdir(this.where)) {
        if (!STATE_KEY.test(name)) continue;
        const st = await stat(join(this.where, name)).catch(() => undefined);
        if (st?.isFile()) {
          bytes += st.size;
          count++;
        }
      }
      return { bytes, count };
    })().catch((err: unknown) => {
      this.#usage = undefined;
      throw new EocubeError("NOT_FOUND", `cannot use the viewer state folder ${this.where}: ${(err as Error).message}`, {
        field: "Viewer.Persistence.Path",
        cause: err,
      });
    });
    return this.#usage;
  }

  async get(key: string): Promise<string | undefined> {
    if (!STATE_KEY.test(key)) return undefined;
    return readFile(join(this.where, key), "utf8").catch(() => undefined);
  }

  async put(text: string): Promise<string> {
    const usage = await this.#measure();
    const size = Buffer.byteLength(text);
    if (usage.bytes + size > VIEWER_STATES_MAX_BYTES || usage.count + 1 > VIEWER_STATES_MAX_COUNT) {
      throw new EocubeError("TOO_LARGE", `the viewer state folder ${this.where} is full (${usage.count} states, ${usage.bytes} bytes)`, {
        field: "Viewer.Persistence.Path",
        hint: `the server keeps at most ${VIEWER_STATES_MAX_COUNT} states and ${VIEWER_STATES_MAX_BYTES / 1024 ** 2} MiB; its operator can remove old states from the folder`,
      });
    }
    let key = newKey();
    while ((await stat(join(this.where, key)).catch(() => undefined)) !== undefined) key = newKey();
    const tmp = join(this.where, `.${key}.tmp`);
    await writeFile(tmp, text);
    await rename(tmp, join(this.where, key));
    usage.bytes += size;
    usage.count++;
    return key;
  }

  async keys(): Promise<string[]> {
    await this.#measure();
    return (await readdir(this.where)).filter((n) => STATE_KEY.test(n));
  }
}

/**
 * The state store of a configuration: `Viewer.Persistence.Path` a folder (relative to `BaseDir`, `file://` allowed), or
 * memory for `memory://…`, for other URLs (with a warning) and by default.
 * @param warn called with a sentence when a configured store cannot be honoured.
 */
export function viewerStateStoreOf(config: ServerConfig, warn: (message: string) => void = () => {}): ViewerStateStore {
  const path = (config.Viewer as { Persistence?: { Path?: string } } | undefined)?.Persistence?.Path;
  if (!path || path.startsWith("memory://")) return new MemoryStateStore();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(path) && !path.startsWith("file://")) {
    warn(`Viewer.Persistence.Path ${JSON.stringify(path)}: only local folders are supported; viewer states are kept in memory`);
    return new MemoryStateStore();
  }
  const local = path.replace(/^file:\/\//, "");
  return new DiskStateStore(isAbsolute(local) ? local : resolve(config.BaseDir ?? process.cwd(), local));
}
