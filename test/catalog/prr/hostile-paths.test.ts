// `eocube prr` as a real process (from source; the many small cases in this process) on crafted trees: nothing outside what the user named is
// shipped. Links out of a copied folder, dangling links and links to folders are refused naming the link
// (exit 2, no stack trace, nothing written, an existing output kept); globs never match outside base_dir
// ('..', absolute, or through a linked folder); explicit assets outside base_dir are listed in ONE warning.
import { execFile } from "node:child_process";
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it, vi } from "vitest";
import { main } from "../../../src/cli/index.js";
import { REPO_ROOT } from "../../helpers/paths.js";

const CLI = fileURLToPath(new URL("../../server/cli-main.ts", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "eocube-prr-hostile-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Runs `eocube prr …args` in its own process (tsx loader); resolves to the exit code and what it printed. */
function prr(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = execFile(
      process.execPath,
      ["--import", "tsx", CLI, "prr", ...args],
      { cwd: REPO_ROOT, timeout: 60_000 },
      (_e, stdout, stderr) => done({ code: child.exitCode, stdout, stderr }),
    );
  });
}

/** The same CLI in this process (for the many small cases: a process costs seconds on a loaded machine). */
async function prrHere(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const o = vi.spyOn(process.stdout, "write").mockImplementation((x) => {
    stdout += String(x);
    return true;
  });
  const e = vi.spyOn(process.stderr, "write").mockImplementation((x) => {
    stderr += String(x);
    return true;
  });
  try {
    return { code: await main(["node", "eocube", "prr", ...args]), stdout, stderr };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

const SECRET = `SECRET-${process.pid}-${Date.now()}`;
const secretFile = join(work, "secret.txt");
writeFileSync(secretFile, SECRET);
// a folder outside base_dir holding a "hostname" with the secret (stands for /etc)
const etc = join(work, "etc");
mkdirSync(etc);
writeFileSync(join(etc, "hostname"), SECRET);

const base = join(work, "base");
const zarrWith = (name: string, extra: (dir: string) => void): string => {
  const dir = join(base, "data", name);
  mkdirSync(join(dir, "v"), { recursive: true });
  writeFileSync(join(dir, ".zgroup"), '{"zarr_format":2}');
  writeFileSync(join(dir, "v", "0.0"), "chunk bytes");
  extra(dir);
  return dir;
};
zarrWith("leak.zarr", (d) => symlinkSync(secretFile, join(d, "v", "1.0")));
zarrWith("dangling.zarr", (d) => symlinkSync(join(d, "nowhere"), join(d, "v", "1.0")));
zarrWith("dirlink.zarr", (d) => symlinkSync(join(d, "v"), join(d, "w")));
zarrWith("inner.zarr", (d) => symlinkSync(join(d, "v", "0.0"), join(d, "v", "1.0")));
symlinkSync(etc, join(base, "data", "etclink"));
symlinkSync(join(base, "data", "inner.zarr"), join(base, "data", "linked.zarr"));
symlinkSync(join(base, "nowhere.tif"), join(base, "data", "dangling.tif"));
writeFileSync(join(base, "data", "notes.txt"), "inside");
symlinkSync(secretFile, join(base, "data", "secret-link.txt"));

let n = 0;
/** Writes a config with base_dir = base and the given item lines; returns its path. */
function config(...items: string[]): string {
  const f = join(work, `prr${n++}.yaml`);
  writeFileSync(
    f,
    `${["id: hostile", "title: T", "description: D", "license: MIT", `base_dir: ${base}`, "datetime: 2020-01-01", "items:", ...items].join(
      "\n",
    )}\n`,
  );
  return f;
}

/** Every file below `dir` as text, to search for the secret. */
function allText(dir: string): string {
  if (!existsSync(dir)) return "";
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => readFileSync(join(e.parentPath, e.name), "utf8"))
    .join("\n");
}

/** No temporary or half-written output beside `out`. */
function noLeftovers(): string[] {
  return readdirSync(work).filter((x) => /\.(tmp|old)-/.test(x));
}

describe("eocube prr on hostile trees (real process)", () => {
  it("refuses a copied Zarr folder holding a link to a file outside it; an existing output is kept (--force)", async () => {
    const out = join(work, "out-leak");
    mkdirSync(out);
    writeFileSync(join(out, "keep.txt"), "old");
    const r = await prr(config("  - { id: z, assets: [{ key: data, path: data/leak.zarr }] }"), "-o", out, "--force");
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`items[0].assets[0]: ${join(base, "data", "leak.zarr", "v", "1.0")} in the copied folder`);
    expect(r.stderr).toContain(`is a symbolic link to ${secretFile}, outside that folder`);
    expect(r.stderr).toMatch(/field: items\[0\]\.assets\[0\]\.path/);
    expect(r.stderr).not.toMatch(/\n\s+at |internal error/);
    expect(readdirSync(out)).toEqual(["keep.txt"]);
    expect(allText(out)).not.toContain(SECRET);
    expect(noLeftovers()).toEqual([]);
    const j = await prrHere(
      config("  - { id: z, assets: [{ key: data, path: data/leak.zarr }] }"),
      "-o",
      join(work, "out-leak-json"),
      "--json",
    );
    expect(JSON.parse(j.stderr).error).toMatchObject({ code: "UNSAFE_ID", field: "items[0].assets[0].path" });
    expect(existsSync(join(work, "out-leak-json"))).toBe(false);
  });

  it("a dangling link, a link to a folder, and an asset that is a linked folder are clear errors, never 'internal error'", async () => {
    const cases: Array<[string, string, RegExp]> = [
      [
        "data/dangling.zarr",
        "NOT_FOUND",
        /dangling\.zarr\/v\/1\.0 in the copied folder .* is a symbolic link to a missing file \(dangling link\)/,
      ],
      ["data/dirlink.zarr", "UNSUPPORTED", /dirlink\.zarr\/w in the copied folder .* is a symbolic link to a folder/],
      [
        "data/etclink",
        "UNSUPPORTED",
        /data\/etclink is a symbolic link to a folder \(.*\/etc\); eocube does not copy folders through links/,
      ],
      ["data/linked.zarr", "UNSUPPORTED", /data\/linked\.zarr is a symbolic link to a folder/],
      ["data/dangling.tif", "NOT_FOUND", /data\/dangling\.tif is a symbolic link to a missing file \(dangling link\)/],
    ];
    for (const [path, code, message] of cases) {
      const out = join(work, `out-${code}-${n}`);
      const r = await prrHere(config(`  - { id: z, assets: [{ key: data, path: ${path} }] }`), "-o", out, "--json");
      expect(r.code, `${path}: ${r.stderr}`).toBe(2);
      const err = JSON.parse(r.stderr).error;
      expect(err, path).toMatchObject({ code, field: "items[0].assets[0].path" });
      expect(err.message, path).toMatch(message);
      expect(r.stderr, path).not.toMatch(/\n\s+at |internal error/);
      expect(existsSync(out), path).toBe(false);
    }
    expect(noLeftovers()).toEqual([]);
  });

  it("copies a folder whose links stay inside it (the link's target bytes, as a plain file)", async () => {
    const out = join(work, "out-inner");
    const r = await prr(config("  - { id: z, assets: [{ key: data, path: data/inner.zarr }] }"), "-o", out);
    expect(r.code, r.stderr).toBe(0);
    const copied = join(out, "z", "inner.zarr", "v", "1.0");
    expect(lstatSync(copied).isFile()).toBe(true);
    expect(readFileSync(copied, "utf8")).toBe("chunk bytes");
  });

  it("globs never match outside base_dir: '..' and absolute globs are refused, linked folders and links are left out", async () => {
    for (const glob of ["../../../../../etc/host*", "../secret.txt", `${etc}/host*`, "{data/*.txt,../secret.txt}"]) {
      const out = join(work, `out-glob-${n}`);
      const r = await prrHere(config(`  - { glob: "${glob}" }`), "-o", out, "--json");
      expect(r.code, `${glob}: ${r.stderr}`).toBe(2);
      const err = JSON.parse(r.stderr).error;
      expect(err, glob).toMatchObject({ code: "INVALID_CONFIG", field: "items[0].glob" });
      expect(err.message, glob).toMatch(/leaves base_dir/);
      expect(existsSync(out)).toBe(false);
    }
    // through a linked folder: nothing left to match, and the error says why
    const through = await prrHere(config('  - { glob: "data/etclink/host*" }'), "-o", join(work, "out-glob-etc"), "--json");
    expect(through.code).toBe(2);
    expect(JSON.parse(through.stderr).error.message).toMatch(/matches no file .*left out: data\/etclink → .*\/etc\)/);
    // a glob matching a file inside and a link to a file outside: only the inside one, with a warning
    const out = join(work, "out-glob-mixed");
    const mixed = await prr(config('  - { glob: "data/*.txt", asset: { type: text/plain } }'), "-o", out);
    expect(mixed.code, mixed.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual(["collection.json", "notes"]);
    expect(mixed.stderr).toMatch(
      /warning: hostile: items\[0\]\.glob "data\/\*\.txt": 1 match\(es\) lead out of base_dir through symbolic links and were left out: data\/secret-link\.txt → .*secret\.txt/,
    );
    expect(allText(out)).not.toContain(SECRET);
  });

  it("lists every explicitly named asset outside base_dir in ONE warning (and ships them: they were named)", async () => {
    const out = join(work, "out-outside");
    const r = await prr(
      config(
        "  - { id: a, assets: [{ key: s, path: ../secret.txt, type: text/plain }, { key: h, path: " +
          join(etc, "hostname") +
          ", type: text/plain }] }",
        "  - { id: b, assets: [{ key: n, path: data/notes.txt, type: text/plain }] }",
        "  - { id: c, assets: [{ key: l, path: data/secret-link.txt, type: text/plain }] }",
      ),
      "-o",
      out,
    );
    expect(r.code, r.stderr).toBe(0);
    const outside = r.stderr.split("\n").filter((l) => /outside base_dir/.test(l));
    expect(outside).toHaveLength(1);
    expect(outside[0]).toMatch(/^warning: hostile: 3 asset\(s\) named in the config lie outside base_dir /);
    expect(outside[0]).toContain(`items[0].assets[0] ${secretFile}`);
    expect(outside[0]).toContain(`items[0].assets[1] ${join(etc, "hostname")}`);
    expect(outside[0]).toContain(`items[2].assets[0] ${join(base, "data", "secret-link.txt")} (→ ${secretFile})`);
    expect(outside[0]).not.toContain("notes.txt");
  });
});
