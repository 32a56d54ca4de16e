// The gen request's schema precompiled at build (src/core/config/precompiled.ts): the standalone validator gives the
// same verdicts and the same errors (hence the same messages) as the schema compiled at run time.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newAjv } from "../../src/core/config/ajv.js";
import { precompiledValidator, schemaDigest, writePrecompiledConfigs } from "../../src/core/config/precompiled.js";
import { GEN_REQUEST_SCHEMA } from "../../src/gen/schema.js";

const require = createRequire(import.meta.url);
let dir: string;
let validators: Record<string, { digest: string; validate: ((v: unknown) => boolean) & { errors?: unknown } }>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "eocube-precompiled-"));
  const file = join(dir, "configs.cjs");
  writePrecompiledConfigs(file, [GEN_REQUEST_SCHEMA], newAjv({ code: { source: true } }));
  // run with this package's require (the file sits outside the package, where ajv's runtime helpers are not found)
  const module = { exports: {} as { validators?: typeof validators } };
  new Function("exports", "require", "module", await readFile(file, "utf8"))(module.exports, require, module);
  validators = module.exports.validators!;
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("precompiled config schemas", () => {
  it("the gen request's validator agrees with the run-time compiled one, errors included", async () => {
    const pre = validators[GEN_REQUEST_SCHEMA.$id]!;
    expect(pre.digest).toBe(schemaDigest(GEN_REQUEST_SCHEMA));
    const runtime = newAjv().compile({ ...GEN_REQUEST_SCHEMA, $id: "https://eocube.dev/schemas/gen-request-runtime.json" });
    const good = parse(await readFile(new URL("../../examples/gen-request.yaml", import.meta.url), "utf8"));
    const docs = [
      good,
      { ...good, output_config: { ...good.output_config, foo: 1 } },
      { input_config: { store_id: 3, data_id: "x" }, cube_config: { tile_size: "x", time_period: 8 }, output_config: {} },
      { cube_config: { bbox: [1, 2, 3] }, output_config: { data_id: "y.zarr", format_version: 4 } },
      [],
      null,
    ];
    for (const doc of docs) {
      expect(pre.validate(doc)).toBe(runtime(doc));
      const strip = (e: unknown) => JSON.parse(JSON.stringify(e ?? null, (k, v) => (k === "$id" ? undefined : v)));
      expect(strip(pre.validate.errors)).toEqual(strip(runtime.errors));
    }
    expect(pre.validate(good)).toBe(true);
  });

  it("running from the sources (no module built beside precompiled.ts): no precompiled validator, compiled as before", () => {
    expect(precompiledValidator(GEN_REQUEST_SCHEMA)).toBeUndefined();
  });
});
