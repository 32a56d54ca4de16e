// Size limits every reader enforces, so that a hostile or damaged file fails with TOO_LARGE naming the file
// and the size instead of exhausting memory: one read's result, one stored chunk/tile/strip decoded.
import { formatBytes } from "../core/bytes.js";
import { EocubeError } from "../core/errors.js";

/** Most bytes one `Variable.read` of a format reader may return (2 GiB): larger selections are refused. */
export const MAX_READ_BYTES = 2 * 1024 ** 3;

/**
 * Most bytes one stored chunk (Zarr chunk, HDF5 chunk, TIFF tile or strip) may decode to (1 GiB); decoders
 * stop at the declared size, and chunks declared larger than this are refused before they are fetched.
 */
export const MAX_CHUNK_BYTES = 1024 ** 3;

/**
 * Checks the size of one read before anything is allocated.
 * @param count elements the read returns; @param itemBytes bytes per element
 * @param what what is read, for the message (e.g. `variable band_data of /data/x.tif`)
 * @throws EocubeError TOO_LARGE naming `what`, the selection's size and {@link MAX_READ_BYTES}.
 */
export function checkReadSize(count: number, itemBytes: number, what: string, context: { path?: string; field?: string } = {}): void {
  const bytes = count * itemBytes;
  if (bytes <= MAX_READ_BYTES) return;
  throw new EocubeError(
    "TOO_LARGE",
    `reading ${count.toLocaleString("en-US")} values (${formatBytes(bytes)}) of ${what} at once exceeds the limit of ${formatBytes(MAX_READ_BYTES)} per read`,
    {
      ...context,
      hint: "select a smaller window (bbox, time range, fewer indices) and read it in parts",
    },
  );
}

/**
 * Checks the decoded size of one stored chunk (tile, strip) before it is fetched or decoded.
 * @param bytes the chunk's decoded size; @param what e.g. `chunk cube.zarr/v/0.0` or `a tile of x.tif`
 * @throws EocubeError TOO_LARGE naming `what`, its size and {@link MAX_CHUNK_BYTES}.
 */
export function checkChunkSize(bytes: number, what: string, context: { path?: string; field?: string } = {}): void {
  if (bytes <= MAX_CHUNK_BYTES) return;
  throw new EocubeError(
    "TOO_LARGE",
    `${what} decodes to ${formatBytes(bytes)}, more than the limit of ${formatBytes(MAX_CHUNK_BYTES)} per stored chunk`,
    {
      ...context,
      hint: "rechunk the data into smaller chunks (e.g. eocube gen with chunk sizes of a few hundred pixels)",
    },
  );
}
