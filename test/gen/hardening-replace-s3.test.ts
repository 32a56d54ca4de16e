// gen --replace to s3 (s3rver on 127.0.0.1), where rename is not atomic: a real `eocube gen` killed while the
// target is half-replaced leaves the complete old cube in a marked aside copy, which the next run restores;
// uninterrupted replaces leave nothing beside the target. Local folders: hardening-replace.test.ts.
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { S3FileSystem } from "../../src/fs/s3.js";
import { replaceFixture } from "./replace-fixture.js";
import { S3RVER_KEY, S3RVER_SECRET, startS3Server, type TestS3Server } from "../helpers/s3.js";

const { request, startGen, completeCube } = replaceFixture("eocube-hardening-replace-s3-");

describe("gen --replace to s3 (no atomic rename)", () => {
  let s3: TestS3Server;
  beforeAll(async () => {
    s3 = await startS3Server("cubes");
  }, 30_000);
  afterAll(async () => s3.close());

  it("a kill while the target is half-replaced keeps the complete old cube aside; the next run restores it", async () => {
    const out = { store_id: "s3", store_params: { root: `${s3.bucket}/out`, storage_options: s3.storageOptions }, data_id: "cube.zarr" };
    const sp = { storage_options: s3.storageOptions };
    const url = `s3://${s3.bucket}/out/cube.zarr`;
    const fs = new S3FileSystem(s3.bucket, { endpointUrl: s3.endpoint, key: S3RVER_KEY, secret: S3RVER_SECRET });
    const first = await startGen([await request("s0.yaml", "old", out, true, 200), "--workers", "0"]).done;
    expect(first.code, first.stderr).toBe(0);
    expect(await completeCube(url, sp)).toBe("old");
    // a replace is killed after the old cube was copied aside and the target deleted
    const run = startGen([await request("s1.yaml", "new", out, true, 200), "--workers", "0"], { EOCUBE_SWAP_PAUSE_MS: "1000" });
    let ended = false;
    void run.done.then(() => (ended = true));
    let aside: string | undefined;
    while (!ended && !aside) {
      aside = (await fs.list("out")).find((e) => e.startsWith(".cube.zarr.old-") && e.includes(`-${run.child.pid}-`));
      if (aside && !(await fs.exists(`out/${aside}.eocube-aside-complete`))) aside = undefined;
      await sleep(20);
    }
    expect(aside, "the run reached the swap").toBeDefined();
    await sleep(1300); // past the pause before the target is deleted, within the one before the new cube is copied
    run.child.kill("SIGKILL");
    expect((await run.done).signal).toBe("SIGKILL");
    expect(await fs.exists("out/cube.zarr/.zmetadata")).toBe(false); // the target is gone or half-copied
    expect(await completeCube(`s3://${s3.bucket}/out/${aside!.replace(/\/$/, "")}`, sp)).toBe("old");
    // the next run (without replace) restores the old cube, then refuses to overwrite it
    const again = await startGen([await request("s2.yaml", "new", out, false, 200), "--workers", "0"]).done;
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/exists/);
    expect(await completeCube(url, sp)).toBe("old");
    expect((await fs.list("out")).filter((e) => e.startsWith(".cube.zarr."))).toEqual([]);
    // and a replace that is not interrupted replaces it
    const replaced = await startGen([await request("s3.yaml", "new", out, true, 200), "--workers", "0"]).done;
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(await completeCube(url, sp)).toBe("new");
    expect((await fs.list("out")).filter((e) => e.startsWith(".cube.zarr."))).toEqual([]);
  }, 60_000);
});
