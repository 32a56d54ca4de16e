// The blosc 1 frame format that the encoder (blosc-encode.ts) and the decoder (blosc.ts) share: header size,
// flag bits, the compressor code, c-blosc's rule for splitting a block into streams, and the host's byte order.
// Spec: https://github.com/Blosc/c-blosc/blob/main/README_HEADER.rst

/** Bytes of the frame header (version, versionlz, flags, typesize, nbytes, blocksize, cbytes). */
export const HEADER = 16;
/** Header flag bits. */
export const DOSHUFFLE = 0x01;
export const MEMCPYED = 0x02;
export const DOBITSHUFFLE = 0x04;
export const DONT_SPLIT = 0x10;
/** Compressor format code in flag bits 5..7: 1 = LZ4 (also LZ4HC, same stream format). */
export const LZ4_FORMAT = 1;
/** c-blosc's limits for splitting a block into one stream per byte of the type (forward-compatible split). */
export const MAX_SPLITS = 16;
export const MIN_BUFFERSIZE = 128;

/** Whether this host stores multi-byte words little endian (the word-at-a-time (un)shuffle needs it). */
export const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * Streams block `bsize` bytes long is split into (c-blosc 1.x): one per byte of the type for a whole block
 * (`bsize === blocksize`) of at least {@link MIN_BUFFERSIZE} elements of at most {@link MAX_SPLITS} bytes,
 * unless the frame says {@link DONT_SPLIT}; else 1.
 */
export function splitCount(bsize: number, blocksize: number, typesize: number, dontSplit = false): number {
  return !dontSplit && bsize >= blocksize && typesize <= MAX_SPLITS && Math.floor(bsize / typesize) >= MIN_BUFFERSIZE ? typesize : 1;
}
