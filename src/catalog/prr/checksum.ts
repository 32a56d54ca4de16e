// file:size and file:checksum of local files: the SHA-256 multihash, streamed (big files are never loaded whole).
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { EocubeError, throwIfAborted } from "../../core/errors.js";

/** File-extension fields of one local file. https://github.com/stac-extensions/file#asset--link-object-fields */
export interface FileInfo {
  /** Size in bytes. */
  "file:size": number;
  /** Multihash (hex, lower case) of SHA2-256: `1220` + 64 hex digits. */
  "file:checksum": string;
}

/**
 * The SHA2-256 multihash of a file, hex: `12` (sha2-256) `20` (32 bytes) + the digest, read as a stream.
 * @throws EocubeError NOT_FOUND (missing file), CANCELLED.
 */
export async function sha256Multihash(path: string, signal?: AbortSignal): Promise<string> {
  throwIfAborted(signal);
  const hash = createHash("sha256");
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20, signal })) hash.update(chunk as Buffer);
  } catch (err) {
    throwIfAborted(signal);
    if ((err as NodeJS.ErrnoException).code === "ENOENT") throw new EocubeError("NOT_FOUND", `${path} does not exist`, { path, cause: err });
    throw err;
  }
  return `1220${hash.digest("hex")}`;
}

/**
 * `file:size` and `file:checksum` of a regular local file; undefined for folders (a Zarr store).
 * @throws EocubeError NOT_FOUND, CANCELLED.
 */
export async function fileInfo(path: string, signal?: AbortSignal): Promise<FileInfo | undefined> {
  let st;
  try {
    st = await stat(path);
  } catch (err) {
    throw new EocubeError("NOT_FOUND", `${path} does not exist`, { path, cause: err, hint: "check the asset's path in the config" });
  }
  if (!st.isFile()) return undefined;
  return { "file:size": st.size, "file:checksum": await sha256Multihash(path, signal) };
}
