// The write leases of distributed runs (run-state.ts) on a real redis-server: a task writes only while its wave is
// open, the coordinator's close waits for live leases, and a writer whose lease expired across a close is told
// its writes came late.
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseRedisUrl, runKeys } from "../../src/gen/executors/redis.js";
import { acquireWrite, closeWave, openWave, releaseWrite, renewWrite, runEnded } from "../../src/gen/executors/run-state.js";
import { startRedis, type TestRedis } from "../helpers/redis.js";

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
    const closing = closeWave(client, "r1", { pollMs: 20 }).then(() => (closed = true));
    await sleep(150);
    expect(closed).toBe(false);
    expect(await acquireWrite(client, "r1", 0, "c", 5000)).toBe(false); // no new writer once closing
    expect(await releaseWrite(client, "r1", 0, "b")).toBe("waited");
    await closing;
    expect(closed).toBe(true);

    // a writer whose lease expired (frozen): the close does not wait for it, and it learns its writes were late
    await openWave(client, "r1", 1);
    expect(await acquireWrite(client, "r1", 1, "d", 100)).toBe(true);
    await sleep(150);
    expect(await renewWrite(client, "r1", "d", 100)).toBe(false);
    await closeWave(client, "r1", { pollMs: 20 });
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

  it("a run of a coordinator without waves (a document, no 'open' field) is always open", async () => {
    await client.hset(runKeys("legacy").run, "doc", "{}");
    expect(await acquireWrite(client, "legacy", 0, "a", 5000)).toBe(true);
    expect(await releaseWrite(client, "legacy", 0, "a")).toBe("open");
    await client.del(...Object.values(runKeys("legacy")));
  });
});
