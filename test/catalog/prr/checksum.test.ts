// file:size / file:checksum: the whole-file read (small files, bytes shared with the readers) and the streamed
// hash (big files, or any size hint) give the same multihash as Node's one-shot SHA-256 of the file.
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { readFileInfo, sha256Multihash, WHOLE_READ_MAX } from "../../../src/catalog/prr/checksum.js";

const DATA = fileURLToPath(new URL("../../../../shared/data/", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "eocube-prr-checksum-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const expected = (bytes: Uint8Array) => `1220${createHash("sha256").update(bytes).digest("hex")}`;

describe("readFileInfo / sha256Multihash", () => {
  it("a small real file: size, checksum and its bytes", async () => {
    const path = join(DATA, "netcdf4/basin_mask.nc");
    const whole = new Uint8Array(readFileSync(path));
    const r = await readFileInfo(path);
    expect(r.info).toEqual({ "file:size": whole.length, "file:checksum": expected(whole) });
    expect(r.bytes).toEqual(whole);
    // the streamed hash agrees, with or without (even a wrong) size hint
    expect(await sha256Multihash(path)).toBe(expected(whole));
    expect(await sha256Multihash(path, undefined, whole.length)).toBe(expected(whole));
    expect(await sha256Multihash(path, undefined, 10)).toBe(expected(whole));
  });

  it("a file above WHOLE_READ_MAX is streamed (no bytes kept); a folder has no file info; a missing path → NOT_FOUND", async () => {
    const big = new Uint8Array(WHOLE_READ_MAX + 12345).map((_, i) => (i * 31) & 0xff);
    writeFileSync(join(dir, "big.bin"), big);
    const r = await readFileInfo(join(dir, "big.bin"));
    expect(r.bytes).toBeUndefined();
    expect(r.info).toEqual({ "file:size": big.length, "file:checksum": expected(big) });
    expect(await readFileInfo(dir)).toEqual({});
    await expect(readFileInfo(join(dir, "nope.bin"))).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});
