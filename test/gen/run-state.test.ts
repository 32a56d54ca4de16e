// The write leases of distributed runs (run-state.ts) on a real redis-server: a task writes only while its wave is
// open, the coordinator's close waits for live leases, and a writer whose lease expired across a close is told
// its writes came late.
import { mkdir, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseRedisUrl, runKeys } from "../../src/gen/executors/redis.js";
import {
  acquireWrite,
  closeWave,
  openWave,
  releaseWrite,
  removeStrayPutFiles,
  renewWrite,
  runEnded,
} from "../../src/gen/executors/run-state.js";
import { FileFileSystem } from "../../src/fs/file.js";
import { startRedis, type TestRedis } from "../helpers/redis.js";
import { tempDir } from "./helpers.js";

let redis: TestRedis;
let client: Redis;

beforeAll(async () => {
  redis = await startRedis();
  client = new Redis(parseRedisUrl(redis.url));
}, 20_000);

afterAll(async () => {
  client?.disconnect();
  await redis?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("write leases of a distributed run", () => {
  it("a lease is taken only in the open wave; release tells open, waited or late", async () => {
    await client.hset(runKeys("r1").run, "doc", "{}");
    await openWave(client, "r1", 0);
    expect(await acquireWrite(client, "r1", 1, "a", 5000)).toBe(false); // another level's task
    expect(await acquireWrite(client, "r1", 0, "a", 5000)).toBe(true);
    expect(await renewWrite(client, "r1", "a", 5000)).toBe(true);
    expect(await releaseWrite(client, "r1", 0, "a")).toBe("open");

    // a writer holding a live lease when the wave closes: the close waits for it, and its writes are in
    expect(await acquireWrite(client, "r1", 0, "b", 5000)).toBe(true);
    let closed = false;
    const closing = closeWave(client, "r1", { pollMs: 20 }).then((expired) => {
      closed = true;
      return expired;
    });
    await sleep(150);
    expect(closed).toBe(false);
    expect(await acquireWrite(client, "r1", 0, "c", 5000)).toBe(false); // no new writer once closing
    expect(await releaseWrite(client, "r1", 0, "b")).toBe("waited");
    expect(await closing).toBe(false); // no lease had expired
    expect(closed).toBe(true);

    // a writer whose lease expired (frozen): the close does not wait for it, and it learns its writes were late
    await openWave(client, "r1", 1);
    expect(await acquireWrite(client, "r1", 1, "d", 100)).toBe(true);
    await sleep(150);
    expect(await renewWrite(client, "r1", "d", 100)).toBe(false);
    expect(await closeWave(client, "r1", { pollMs: 20 })).toBe(true); // an expired lease dropped
    await openWave(client, "r1", 2);
    expect(await releaseWrite(client, "r1", 1, "d")).toBe("late");
    expect(await client.zcard(runKeys("r1").leases)).toBe(0);

    // the run removed (committed or cancelled): no lease, and a writer still out is late
    expect(await acquireWrite(client, "r1", 2, "e", 5000)).toBe(true);
    expect(await runEnded(client, "r1", 0)).toBe(false);
    await client.del(runKeys("r1").run);
    expect(await runEnded(client, "r1", 0)).toBe(true);
    expect(await acquireWrite(client, "r1", 2, "f", 5000)).toBe(false);
    expect(await releaseWrite(client, "r1", 2, "e")).toBe("late");
  });

  it("stray files of unfinished local writes are removed from a committed store, nothing else", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      await mkdir(join(dir, "c.zarr/v"), { recursive: true });
      for (const f of [".zmetadata", "v/.zarray", "v/0.0", "v/0.1.tmp-4484-ztiz8jolm8"]) await writeFile(join(dir, "c.zarr", f), "x");
      expect(await removeStrayPutFiles(new FileFileSystem(dir), "c.zarr")).toBe(1);
      expect((await readdir(join(dir, "c.zarr/v"))).sort()).toEqual([".zarray", "0.0"]);
    } finally {
      await cleanup();
    }
  });

  it("a run of a coordinator without waves (a document, no 'open' field) is always open", async () => {
    await client.hset(runKeys("legacy").run, "doc", "{}");
    expect(await acquireWrite(client, "legacy", 0, "a", 5000)).toBe(true);
    expect(await releaseWrite(client, "legacy", 0, "a")).toBe("open");
    await client.del(...Object.values(runKeys("legacy")));
  });
});
