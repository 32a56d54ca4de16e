// Safe zip unpacking for the zenodo cache: no entry outside the target (zip-slip), bounded bytes and entries (zip bombs).
import { closeSync, createReadStream, mkdirSync, openSync, writeSync } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { dirname, join, resolve, sep } from "node:path";
import { Unzip, UnzipInflate } from "fflate";
import { EocubeError, throwIfAborted } from "../../core/errors.js";
import type { ReadOptions } from "../../core/variable.js";

/** Options of {@link unpackZip}. */
export interface UnpackZipOptions extends ReadOptions {
  /** Most bytes written in all, counted as they are inflated (not as the archive declares them). Default 8 GiB. */
  maxBytes?: number;
  /** Most entries (files and folders). Default 100 000. */
  maxEntries?: number;
  /** Folder every entry is put under (`cube.zarr` for an archive holding a bare Zarr), or none. */
  prefix?: (names: string[]) => string | undefined;
}

/**
 * Checks a zip entry name (APPNOTE 4.4.17: relative, '/'-separated): refused are absolute names (`/x`, `C:\x`,
 * `\\host`), backslashes, `.`/`..` segments, NUL/control characters and empty names.
 * @throws EocubeError UNSAFE_ID naming the entry.
 */
export function checkZipEntryName(name: string, archive: string): string {
  const trimmed = name.replace(/\/+$/, "");
  const bad =
    trimmed === "" ||
    name.startsWith("/") ||
    name.includes("\\") ||
    /^[A-Za-z]:/.test(name) ||
    // biome-ignore lint/suspicious/noControlCharactersInRegex: refuses control characters in entry names
    /[\u0000-\u001f]/.test(name) ||
    trimmed.split("/").some((s) => s === "" || s === "." || s === "..");
  if (bad) {
    throw new EocubeError("UNSAFE_ID", `${archive}: zip entry ${JSON.stringify(name)} would be written outside the cache folder`, {
      path: archive,
      hint: "the archive is refused as a whole (zip-slip); unpack it by hand if you trust it",
    });
  }
  return trimmed;
}

/**
 * Unpacks the zip file `zipPath` into the folder `target` (created; must not exist). The archive is streamed through
 * fflate's `Unzip` and each entry written as it inflates; the bytes written are counted, so an archive lying about
 * its sizes is stopped at `maxBytes` too. Everything goes into a temporary sibling folder renamed to `target` only
 * when the whole archive was read, so a refused or failed archive leaves nothing behind. Entries are plain files and
 * folders (symbolic links are written as files holding the link text, never followed).
 * @returns the relative names of the files written, in archive order.
 * @throws EocubeError UNSAFE_ID (zip-slip entry), TOO_LARGE (maxBytes or maxEntries passed), CORRUPT_DATA (not a zip,
 *   truncated, unsupported compression), CANCELLED.
 */
export async function unpackZip(zipPath: string, target: string, options: UnpackZipOptions = {}): Promise<string[]> {
  const maxBytes = options.maxBytes ?? 8 * 1024 ** 3;
  const maxEntries = options.maxEntries ?? 100_000;
  const tmp = `${target}.tmp-${process.pid}-${Date.now()}`;
  const root = resolve(tmp);
  const names: string[] = [];
  let written = 0;
  let failure: unknown;
  const entries: { name: string; dir: boolean; fd?: number }[] = [];
  const uz = new Unzip();
  uz.register(UnzipInflate);
  const fail = (err: unknown): never => {
    failure ??= err;
    throw err;
  };
  // entry names are checked as they come; the prefix decision needs them all, so files go to their place later
  uz.onfile = (file) => {
    if (failure) return;
    if (entries.length >= maxEntries) {
      fail(
        new EocubeError("TOO_LARGE", `${zipPath}: more than ${maxEntries} zip entries`, {
          path: zipPath,
          hint: "raise store_params.max_entries if you trust the archive",
        }),
      );
    }
    const name = checkZipEntryName(file.name, zipPath);
    const entry: { name: string; dir: boolean; fd?: number } = { name, dir: file.name.endsWith("/") };
    entries.push(entry);
    if (entry.dir) return;
    const path = resolve(root, `f${entries.length - 1}`);
    entry.fd = openSync(path, "w");
    file.ondata = (err, data, final) => {
      if (failure) return;
      if (err)
        fail(new EocubeError("CORRUPT_DATA", `${zipPath}: entry ${JSON.stringify(name)}: ${err.message}`, { path: zipPath, cause: err }));
      written += data.length;
      if (written > maxBytes) {
        fail(
          new EocubeError("TOO_LARGE", `${zipPath} unpacks to more than ${maxBytes} bytes (a zip bomb?)`, {
            path: zipPath,
            hint: "raise store_params.max_unpacked_size if you trust the archive",
          }),
        );
      }
      writeSync(entry.fd!, data);
      if (final) {
        closeSync(entry.fd!);
        entry.fd = undefined;
      }
    };
    file.start();
  };
  mkdirSync(root, { recursive: true });
  try {
    const stream = createReadStream(zipPath, { highWaterMark: 64 * 1024 });
    for await (const chunk of stream) {
      throwIfAborted(options.signal);
      try {
        uz.push(chunk as Uint8Array, false);
        if (failure) throw failure; // fflate may swallow what a callback throws
      } catch (err) {
        stream.destroy();
        if (err instanceof EocubeError) throw err;
        throw new EocubeError("CORRUPT_DATA", `${zipPath} is not a readable zip archive: ${(err as Error).message}`, {
          path: zipPath,
          cause: err,
        });
      }
    }
    uz.push(new Uint8Array(0), true);
    if (failure) throw failure;
    if (entries.some((e) => e.fd !== undefined)) {
      throw new EocubeError("CORRUPT_DATA", `${zipPath} is truncated (an entry ends early)`, { path: zipPath });
    }
    if (entries.length === 0) throw new EocubeError("CORRUPT_DATA", `${zipPath} holds no zip entries`, { path: zipPath });
    const prefix = options.prefix?.(entries.map((e) => e.name));
    const files = join(root, "files");
    for (const [i, e] of entries.entries()) {
      const rel = prefix ? `${prefix}/${e.name}` : e.name;
      const dest = resolve(files, rel);
      if (!dest.startsWith(files + sep)) checkZipEntryName("..", zipPath); // unreachable after the name check; kept as a guard
      if (e.dir) {
        mkdirSync(dest, { recursive: true });
        continue;
      }
      mkdirSync(dirname(dest), { recursive: true });
      await rename(join(root, `f${i}`), dest);
      names.push(rel);
    }
    await rename(files, target);
    return names;
  } finally {
    for (const e of entries) if (e.fd !== undefined) closeSync(e.fd);
    await rm(tmp, { recursive: true, force: true });
  }
}
