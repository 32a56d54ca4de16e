// The catalog lock and the publication temp folders on their own: who holds, who is refused, what is taken over.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, utimes, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { isEocubeError } from "../../../src/core/errors.js";
import {
  isProcessAlive,
  lockCatalog,
  makeTempDir,
  reclaimTempDirs,
  releaseOwnedSync,
  removeTempDir,
} from "../../../src/catalog/publish/lock.js";
import { cleanupTempDirs, sampleCatalogRepo, tempDir } from "../../helpers/catalog-repo.js";

afterAll(cleanupTempDirs);

/** The pid of a process that has ended (and been reaped). */
function deadPid(): number {
  const res = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  const pid = Number(res.stdout);
  expect(isProcessAlive(pid)).toBe(false);
  return pid;
}

async function refusal(p: Promise<unknown>) {
  const err = await p.then(
    () => undefined,
    (e) => e,
  );
  expect(isEocubeError(err, "GIT_ERROR"), String(err)).toBe(true);
  return err;
}

describe("lockCatalog", () => {
  it("one holder at a time: the second is refused naming the catalog and the holder's pid; release frees it", async () => {
    const repo = await sampleCatalogRepo();
    const lock = await lockCatalog(repo);
    expect(lock.path).toBe(join(repo, ".git", "eocube-publish.lock"));
    expect(JSON.parse(await readFile(lock.path, "utf8"))).toMatchObject({ pid: process.pid, host: hostname() });
    const err = await refusal(lockCatalog(repo));
    expect(err.message).toMatch(
      new RegExp(`^the catalog ${repo} is locked by another eocube publish \\(pid ${process.pid}, since \\d{4}-`),
    );
    expect(err.hint).toMatch(/wait until that publication has finished/);
    expect(err.path).toBe(lock.path);
    await lock.release();
    expect(existsSync(lock.path)).toBe(false);
    const again = await lockCatalog(repo);
    await again.release();
  });

  it("takes over the lock of a process that has ended, of a reused pid, and a half-written lock left long ago", async () => {
    const repo = await sampleCatalogRepo();
    const path = join(repo, ".git", "eocube-publish.lock");
    await writeFile(path, JSON.stringify({ pid: deadPid(), host: hostname(), since: "2026-01-01T00:00:00.000Z" }));
    let lock = await lockCatalog(repo);
    expect(JSON.parse(await readFile(path, "utf8")).pid).toBe(process.pid);
    await lock.release();
    // our own pid, but another start time: the pid was reused by another process, the holder is gone
    await writeFile(path, JSON.stringify({ pid: process.pid, host: hostname(), start: "1", since: "2026-01-01T00:00:00.000Z" }));
    if (existsSync(`/proc/${process.pid}/stat`)) {
      lock = await lockCatalog(repo);
      await lock.release();
    }
    // an empty lock file: being written (refused for now) unless old
    await writeFile(path, "");
    const old = new Date(Date.now() - 60_000);
    await utimes(path, old, old);
    lock = await lockCatalog(repo);
    await lock.release();
  });

  it("a lock is never seen empty: its record is linked in whole; a record file left by a killed process is removed", async () => {
    const repo = await sampleCatalogRepo();
    const git = join(repo, ".git");
    const dead = deadPid();
    // what a process killed after writing its record and before linking it leaves (and one of a live process)
    await writeFile(join(git, `eocube-publish.lock.${dead}.tmp`), '{"pid":1}\n');
    await writeFile(join(git, `eocube-publish.lock.reclaim.${dead}.tmp`), '{"pid":1}\n');
    await writeFile(join(git, `eocube-publish.lock.${process.ppid}.tmp`), '{"pid":1}\n');
    // many takes and releases while another reader looks: every read of the lock file is a whole record
    const reads: string[] = [];
    let reading = true;
    const reader = (async () => {
      while (reading) {
        const text = await readFile(join(git, "eocube-publish.lock"), "utf8").catch(() => undefined);
        if (text !== undefined) reads.push(text);
        await new Promise((r) => setImmediate(r));
      }
    })();
    for (let i = 0; i < 50; i++) await (await lockCatalog(repo)).release();
    reading = false;
    await reader;
    for (const text of reads) expect(JSON.parse(text)).toMatchObject({ pid: process.pid });
    const left = (await readdir(git)).filter((n) => n.startsWith("eocube-publish.lock"));
    expect(left).toEqual([`eocube-publish.lock.${process.ppid}.tmp`]);
  });

  it("a lock held on another host is refused, with the hint to remove it if no such process runs", async () => {
    const repo = await sampleCatalogRepo();
    const path = join(repo, ".git", "eocube-publish.lock");
    await writeFile(path, JSON.stringify({ pid: deadPid(), host: "elsewhere.example.org", since: "2026-01-01T00:00:00.000Z" }));
    const err = await refusal(lockCatalog(repo));
    expect(err.message).toMatch(/\(pid \d+ on elsewhere\.example\.org, since 2026-01-01T00:00:00\.000Z\)/);
    expect(err.hint).toMatch(/remove the lock file/);
  });

  it("releaseOwnedSync (the exit hook) removes the held lock and temp folders", async () => {
    const repo = await sampleCatalogRepo();
    const lock = await lockCatalog(repo);
    const dir = await makeTempDir();
    releaseOwnedSync();
    expect(existsSync(lock.path)).toBe(false);
    expect(existsSync(dir)).toBe(false);
  });
});

describe("publication temp folders", () => {
  const saved = process.env.TMPDIR;
  afterEach(() => {
    process.env.TMPDIR = saved;
  });

  it("are <tmp>/eocube-publish-<pid>-*; the next run removes those of ended processes only", async () => {
    const tmp = await tempDir("eocube-tmpdirs-");
    process.env.TMPDIR = tmp;
    const mine = await makeTempDir();
    expect(mine).toMatch(new RegExp(`^${tmp}/eocube-publish-${process.pid}-[A-Za-z0-9]{6}$`));
    const dead = join(tmp, `eocube-publish-${deadPid()}-AbC123`);
    const alive = join(tmp, `eocube-publish-${process.ppid}-XyZ789`);
    const other = join(tmp, "eocube-publish-notapid");
    for (const d of [dead, alive, other]) await mkdir(join(d, "catalog"), { recursive: true });
    expect(await reclaimTempDirs()).toEqual([dead]);
    expect((await readdir(tmp)).sort()).toEqual([alive, mine, other].map((d) => d.slice(tmp.length + 1)).sort());
    await removeTempDir(mine);
    expect(existsSync(mine)).toBe(false);
  });
});
