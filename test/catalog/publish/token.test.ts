import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cleanupTempDirs, tempDir } from "../../helpers/catalog-repo.js";
import { resolveGitHubToken } from "../../../src/catalog/publish/token.js";
import { gitAuthEnv } from "../../../src/catalog/publish/git.js";
import { redactSecrets } from "../../../src/catalog/publish/redact.js";

const dir = () => tempDir("eocube-tok-");
afterAll(cleanupTempDirs);

describe("resolveGitHubToken", () => {
  it("prefers GITHUB_TOKEN, then GH_TOKEN, then .gitaccess in the cwd, then in home", async () => {
    const cwd = await dir();
    const home = await dir();
    await writeFile(join(home, ".gitaccess"), "github-username: alice\ngithub-token: from-home-token\n");
    expect(await resolveGitHubToken({ env: { GITHUB_TOKEN: "a-token", GH_TOKEN: "b-token" }, cwd, home })).toEqual({
      token: "a-token",
      source: "GITHUB_TOKEN",
    });
    expect(await resolveGitHubToken({ env: { GH_TOKEN: "b-token" }, cwd, home })).toEqual({ token: "b-token", source: "GH_TOKEN" });
    expect(await resolveGitHubToken({ env: {}, cwd, home })).toEqual({
      token: "from-home-token",
      source: join(home, ".gitaccess"),
      username: "alice",
    });
    await writeFile(join(cwd, ".gitaccess"), "github-username: bob\ngithub-token: from-cwd-token\n");
    expect((await resolveGitHubToken({ env: {}, cwd, home })).token).toBe("from-cwd-token");
  });

  it("says where it looked when there is no token, and rejects a .gitaccess without a token", async () => {
    const empty = await dir();
    await expect(resolveGitHubToken({ env: {}, cwd: empty, home: empty })).rejects.toMatchObject({
      code: "GITHUB_ERROR",
      hint: expect.stringMatching(/GITHUB_TOKEN.*GH_TOKEN.*\.gitaccess/),
    });
    await writeFile(join(empty, ".gitaccess"), "github-username: bob\n");
    await expect(resolveGitHubToken({ env: {}, cwd: empty, home: empty })).rejects.toMatchObject({
      code: "INVALID_CONFIG",
      field: "github-token",
    });
  });
});

describe("secrets", () => {
  it("redacts the token, its URL encoding and its Basic-auth base64", () => {
    const t = "ghp_secret/+=value";
    const env = gitAuthEnv(t, undefined, {});
    const text = `token ${t} url ${encodeURIComponent(t)} header ${env.GIT_CONFIG_VALUE_0}`;
    const out = redactSecrets(text, [t]);
    expect(out).not.toContain(t);
    expect(out).not.toContain(encodeURIComponent(t));
    expect(out).not.toContain(env.GIT_CONFIG_VALUE_0!.split(" ").pop()!);
    expect(out).toBe("token *** url *** header Authorization: Basic ***");
  });
});

describe("gitAuthEnv", () => {
  it("scopes the header to the git host and keeps GIT_CONFIG_* entries already set", () => {
    const env = gitAuthEnv("tok-12345", "https://github.com", {
      GIT_CONFIG_COUNT: "1",
      GIT_CONFIG_KEY_0: "core.x",
      GIT_CONFIG_VALUE_0: "y",
    });
    expect(env).toEqual({
      GIT_CONFIG_COUNT: "2",
      GIT_CONFIG_KEY_1: "http.https://github.com/.extraHeader",
      GIT_CONFIG_VALUE_1: `Authorization: Basic ${Buffer.from("x-access-token:tok-12345").toString("base64")}`,
    });
    expect(gitAuthEnv(undefined)).toEqual({});
  });
});
