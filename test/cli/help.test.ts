// The top-level `eocube --help`, `--version`, `help <command>` and an unknown command, through the built CLI.
import { execFile, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt } from "../helpers/build.js";
import { runCli } from "../helpers/cli.js";

beforeAll(async () => {
  await ensureBuilt();
}, 300_000);

describe("eocube --help", () => {
  it("lists every command with its summary", async () => {
    const r = await runCli(["--help"]);
    expect(r.code).toBe(0);
    for (const name of ["describe", "publish", "serve", "gen", "level", "worker", "ml", "studio", "reproduce"]) {
      expect(r.stdout).toMatch(new RegExp(`\\n  ${name} +\\S`));
    }
    expect(r.stdout).toContain("eocube <command> --help");
  });

  it("prints the package's version", async () => {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
    const r = await runCli(["--version"]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  it("shows a command's full help with `help <command>`", async () => {
    const r = await runCli(["help", "level"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Usage: eocube level");
    expect(r.stdout).toContain("--executor");
  });

  it("gives gen's default --max-output-size in its help (from gen/defaults.ts, not run.ts)", async () => {
    const { DEFAULT_MAX_OUTPUT_BYTES } = await import("../../src/gen/run.js");
    const { formatBytes } = await import("../../src/core/bytes.js");
    const r = await runCli(["gen", "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout.replace(/\s+/g, " ")).toContain(`(default ${formatBytes(DEFAULT_MAX_OUTPUT_BYTES)})`);
  });

  it("answers an unknown command with exit 2 and the command list", async () => {
    const r = await runCli(["frob"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown command 'frob'");
    expect(r.stderr).toContain("describe");
  });
});

describe("the installed command's launcher (bin/eocube.js run as a program)", () => {
  const bin = new URL("../../bin/eocube.js", import.meta.url).pathname;

  it("runs through the kernel's #! and through dash as /bin/sh", async () => {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
    for (const [cmd, args] of [
      [bin, ["--version"]],
      ["dash", [bin, "--version"]],
    ] as const) {
      const r = await promisify(execFile)(cmd, [...args]);
      expect(r.stdout.trim()).toBe(pkg.version);
      expect(r.stderr).toBe("");
    }
  });

  it("execs node in the same process with the malloc settings and node flags, keeping the user's values", async () => {
    const child = spawn(bin, ["worker", "--redis", "redis://127.0.0.1:9"], {
      stdio: "ignore",
      env: { ...process.env, MALLOC_TRIM_THRESHOLD_: "12345", MALLOC_MMAP_THRESHOLD_: "" },
    });
    try {
      let cmdline = "";
      for (let i = 0; i < 400 && !cmdline.startsWith("node"); i++) {
        await new Promise((r) => setTimeout(r, 25));
        cmdline = readFileSync(`/proc/${child.pid}/cmdline`, "utf8").split("\0").join(" ");
      }
      expect(cmdline).toBe(`node --max-semi-space-size=2 ${bin} worker --redis redis://127.0.0.1:9 `);
      const environ = readFileSync(`/proc/${child.pid}/environ`, "utf8").split("\0");
      expect(environ).toContain("MALLOC_TRIM_THRESHOLD_=12345");
      expect(environ).toContain("MALLOC_MMAP_THRESHOLD_=67108864");
    } finally {
      child.kill("SIGKILL");
    }
  });
});
