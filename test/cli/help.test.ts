// The top-level `eocube --help`, `--version`, `help <command>` and an unknown command, through the built CLI.
import { readFileSync } from "node:fs";
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

  it("answers an unknown command with exit 2 and the command list", async () => {
    const r = await runCli(["frob"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown command 'frob'");
    expect(r.stderr).toContain("describe");
  });
});
