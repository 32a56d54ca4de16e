// Writes a built collection atomically: every file into a temporary sibling folder, then one rename.
import { randomBytes } from "node:crypto";
import { mkdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { EocubeError, throwIfAborted } from "../../core/errors.js";
import { localWriteError } from "../../fs/errors.js";
import { copyPlanned, planCopy } from "./copy.js";

/** Asset files copied at once. */
const COPY_CONCURRENCY = 4;

/** Options of {@link writeAtomically}. */
export interface WriteAtomicallyOptions {
  /** Replace an existing output folder [default: false → ALREADY_EXISTS]. */
  force?: boolean;
  /**
   * Files or folders to copy in as well: relative destination → absolute source [default: none]. Folders are
   * copied as `planCopy` (copy.ts) allows: links inside them only to files inside them.
   */
  copies?: Map<string, string>;
  /** Called after each of `copies` is copied, with the copies done and their number. */
  onCopied?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

/**
 * Refuses an existing output folder unless `force`.
 * @throws EocubeError ALREADY_EXISTS naming the folder.
 */
export async function checkOutput(outDir: string, options: WriteAtomicallyOptions = {}): Promise<void> {
  const st = await stat(outDir).catch(() => undefined);
  if (st && !options.force) {
    throw new EocubeError("ALREADY_EXISTS", `output ${outDir} exists`, {
      path: outDir,
      hint: "choose another output folder, or pass --force to replace it",
    });
  }
  if (st && !st.isDirectory()) {
    throw new EocubeError("ALREADY_EXISTS", `output ${outDir} exists and is not a folder`, {
      path: outDir,
      hint: "remove it or choose another output folder",
    });
  }
}

/**
 * Writes `files` (relative path → text) and `options.copies` into `outDir` so that the folder either appears whole or not at
 * all: the files go to `<outDir>.tmp-<random>` beside it, which is then renamed to `outDir`. With `force`
 * an existing `outDir` is first renamed aside and removed only after the new folder is in place (restored
 * when the rename fails).
 * @throws EocubeError ALREADY_EXISTS (exists, no force), UNSAFE_ID (a path leaving the folder, a link in a
 *   copied folder pointing out of it), NOT_FOUND / UNSUPPORTED (see `planCopy`), READ_ONLY (a full disk, a
 *   read-only file system or no permission, naming the output path: `localWriteError`), CANCELLED;
 *   I/O errors leave no temporary folder behind.
 */
export async function writeAtomically(outDir: string, files: Map<string, string>, options: WriteAtomicallyOptions = {}): Promise<void> {
  const out = resolve(outDir);
  await checkOutput(out, options);
  const parent = dirname(out);
  const failed = (err: unknown, rel: string, action: string) => localWriteError(err, rel === "" ? out : join(out, rel), action);
  await mkdir(parent, { recursive: true }).catch((err: unknown) => {
    throw localWriteError(err, parent, "making the output's parent folder");
  });
  const tag = `${process.pid}-${randomBytes(4).toString("hex")}`;
  const tmp = join(parent, `.${basename(out)}.tmp-${tag}`);
  const inside = (rel: string) => {
    const p = resolve(tmp, rel);
    if (!p.startsWith(`${tmp}/`))
      throw new EocubeError("UNSAFE_ID", `file ${rel} would be written outside the output folder`, { path: rel });
    return p;
  };
  try {
    await mkdir(tmp).catch((err: unknown) => {
      throw failed(err, "", "writing the collection");
    });
    for (const [rel, text] of files) {
      const p = inside(rel);
      try {
        await mkdir(dirname(p), { recursive: true });
        await writeFile(p, text);
      } catch (err) {
        throw failed(err, rel, "writing the collection");
      }
    }
    const copies = [...(options.copies ?? [])];
    let next = 0;
    let copied = 0;
    const copier = async () => {
      while (next < copies.length) {
        const [rel, source] = copies[next++]!;
        throwIfAborted(options.signal);
        const p = inside(rel);
        await mkdir(dirname(p), { recursive: true }).catch((err: unknown) => {
          throw failed(err, dirname(rel), "writing the collection");
        });
        // planned again here (the build planned it too): a link that appeared since is still refused
        await copyPlanned(await planCopy(source, {}, options.signal), p, { signal: options.signal, shown: join(out, rel) });
        options.onCopied?.(++copied, copies.length);
      }
    };
    await Promise.all(Array.from({ length: Math.min(COPY_CONCURRENCY, copies.length) }, copier));
    await checkOutput(out, options); // it may have appeared meanwhile
    const old = join(parent, `.${basename(out)}.old-${tag}`);
    const hadOld = await stat(out).then(
      () => true,
      () => false,
    );
    if (hadOld)
      await rename(out, old).catch((err: unknown) => {
        throw failed(err, "", "moving the old collection aside");
      });
    try {
      await rename(tmp, out);
    } catch (err) {
      if (hadOld) await rename(old, out).catch(() => undefined);
      throw failed(err, "", "moving the new collection into place");
    }
    if (hadOld) await rm(old, { recursive: true, force: true });
  } finally {
    await rm(tmp, { recursive: true, force: true }).catch(() => undefined);
  }
}
