// The config edge (core/config): real files in a tmp dir → YAML/JSON with lines → one ajv validator per $id →
// problems worded once (file:line, field in each notation, did-you-mean, allowed values, choices folded).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  checkConfig,
  configError,
  fieldName,
  loadYamlConfig,
  newAjv,
  parseConfigText,
  readConfigText,
  schemaValidator,
  type ConfigType,
} from "../../src/core/config/index.js";
import { EocubeError } from "../../src/core/errors.js";

const work = mkdtempSync(join(tmpdir(), "eocube-core-config-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const SCHEMA = {
  $id: "https://eocube.dev/schemas/test-core-config.json",
  type: "object",
  additionalProperties: false,
  required: ["name", "layers"],
  properties: {
    name: { type: "string", pattern: "^[a-z]+$", description: "lower-case letters only" },
    colour: { enum: ["red", "green", "blue"] },
    licence: { enum: Array.from({ length: 20 }, (_, i) => `L-${i}`), description: "one of the L-n licences" },
    size: {
      oneOf: [{ type: "number" }, { type: "array", items: [{ type: "number" }, { type: "number" }], minItems: 2, additionalItems: false }],
    },
    layers: {
      type: "array",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["id"],
        properties: { id: { type: "string" }, url: { type: "string", format: "uri" } },
      },
    },
    a: { type: "string" },
    b: { type: "string" },
  },
  oneOf: [{ required: ["a"] }, { required: ["b"] }],
} as const;
type Config = ConfigType<typeof SCHEMA>;

function write(name: string, text: string): string {
  const f = join(work, name);
  writeFileSync(f, text);
  return f;
}
function failure(fn: () => unknown): EocubeError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(EocubeError);
    return err as EocubeError;
  }
  throw new Error("expected an error");
}
/** The EocubeError a promise rejects with (fails when it resolves). */
async function rejection(p: Promise<unknown>): Promise<EocubeError> {
  const err = await p.then(
    () => new Error("expected a rejection"),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(EocubeError);
  return err as EocubeError;
}

describe("loadYamlConfig", () => {
  it("returns the typed value and a locator giving each field's line", async () => {
    const f = write("ok.yaml", "name: abc\nlayers:\n  - id: x\n  - id: y\n    url: https://example.org/y\na: one\nsize: [1, 2]\n");
    const { value, locate, file } = await loadYamlConfig<Config>(f, SCHEMA);
    expect(file).toBe(f);
    expect(value.layers[1]!.url).toBe("https://example.org/y");
    expect(value.size).toEqual([1, 2]);
    expect(locate(["layers", 1, "url"])).toBe(5);
    expect(locate(["layers", 1, "nothing", "here"])).toBe(4); // the nearest existing parent
  });

  it("names file:line, the field, a did-you-mean and the allowed fields; every problem with its line", async () => {
    const f = write("bad.yaml", "name: abc\nlayers:\n  - id: x\n    urll: https://example.org\na: one\ncolour: gren\n");
    const e = await rejection(loadYamlConfig<Config>(f, SCHEMA));
    expect(e.code).toBe("INVALID_CONFIG");
    expect(e.path).toBe(f);
    expect(e.field).toBe("layers[0].urll");
    expect(e.message).toBe(
      `${f}:4: unknown field "urll" in layers[0]; line 6: colour has value "gren", which is not one of the allowed values`,
    );
    expect(e.hint).toBe('did you mean "url"? allowed fields: id, url');
    expect(e.details).toEqual([
      {
        field: "layers[0].urll",
        message: 'unknown field "urll" in layers[0]',
        hint: 'did you mean "url"? allowed fields: id, url',
        line: 4,
      },
      {
        field: "colour",
        message: 'colour has value "gren", which is not one of the allowed values',
        hint: 'did you mean "green"? allowed values: red, green, blue',
        line: 6,
      },
    ]);
  });

  it("reads JSON as YAML, so JSON configs get lines too", async () => {
    const f = write("bad.json", '{\n\t"name": "abc",\n\t"a": "x",\n\t"layers": [{"id": 3}]\n}\n');
    const e = await rejection(loadYamlConfig<Config>(f, SCHEMA));
    expect(e.message).toBe(`${f}:4: layers[0].id must be string, not number`);
    const g = write("broken.json", '{\n\t"name": "abc",\n');
    expect((await rejection(loadYamlConfig<Config>(g, SCHEMA))).message).toMatch(
      /broken\.json is not valid JSON at line \d+, column \d+: /,
    );
  });

  it("refuses a missing file, a folder and a top level that is not a mapping", async () => {
    const missing = await rejection(readConfigText(join(work, "none.yaml"), { what: "the request file", hint: "h" }));
    expect(missing).toMatchObject({ code: "NOT_FOUND", message: `the request file ${join(work, "none.yaml")} does not exist`, hint: "h" });
    mkdirSync(join(work, "dir.yaml"));
    expect(await readConfigText(join(work, "dir.yaml")).catch((err: EocubeError) => err.message)).toBe(
      `config file ${join(work, "dir.yaml")} is a folder, not a file`,
    );
    const list = await rejection(loadYamlConfig<Config>(write("list.yaml", "- a\n"), SCHEMA, { mappingHint: "write a template" }));
    expect(list).toMatchObject({ code: "INVALID_CONFIG", hint: "write a template" });
    expect(list.message).toMatch(/list\.yaml must hold a YAML mapping \(key: value lines\), not a list$/);
    expect(parseConfigText("", "empty.yaml", { topLevel: "any", emptyAs: {} }).value).toEqual({});
  });

  it("reports YAML syntax errors with line and column, duplicate keys included", () => {
    const e = failure(() => parseConfigText("name: a\nname: b\n", "dup.yaml"));
    expect(e.message).toMatch(/^dup\.yaml is not valid YAML at line 2, column 1: Map keys must be unique/);
    expect(e.details).toEqual({ line: 2, column: 1 });
  });
});

describe("schema problems", () => {
  const check = (value: unknown, notation?: "dotted" | "slash" | "dots") =>
    failure(() => checkConfig<Config>(SCHEMA, value, "c.yaml", { notation, rootName: "the test config" }));
  const ok = { name: "abc", layers: [], a: "x" };

  it("folds a choice of required fields into one problem", () => {
    expect(check({ name: "abc", layers: [] }).message).toBe("c.yaml: the test config needs one of the fields a, b");
    const both = check({ ...ok, b: "y" });
    expect(both.message).toBe("c.yaml: the test config has both a and b: give only one");
    expect(both.hint).toBe("give exactly one of a or b");
  });

  it("keeps the branch whose type matched, or says which types would do", () => {
    expect(check({ ...ok, size: [1, 2, 3] }).message).toBe("c.yaml: size must NOT have more than 2 items");
    expect(check({ ...ok, size: "big" }).message).toBe("c.yaml: size must be number or array, not string");
  });

  it("shortens a long enum list to the schema's description, with a did-you-mean", () => {
    expect(check({ ...ok, licence: "l-3" }).hint).toBe('did you mean "L-3"? allowed values: one of the L-n licences');
  });

  it("gives a missing field's description as the hint and names fields in the config's notation", () => {
    const e = check({ layers: [{}], a: "x" }, "slash");
    expect(e.field).toBe("name");
    expect(e.hint).toBe("lower-case letters only");
    expect(e.details).toContainEqual(expect.objectContaining({ field: "layers/0/id", message: "missing required field layers/0/id" }));
    expect(check({ ...ok, layers: [{ id: "x", url: "not a url" }] }, "dots").message).toBe(
      'c.yaml: layers.0.url "not a url" is not a valid uri',
    );
    expect(fieldName(["items", 2, "assets", 0], "dotted")).toBe("items[2].assets[0]");
  });

  it("words patterns as the config says and suggests a valid value", () => {
    const e = failure(() =>
      checkConfig<Config>(SCHEMA, { ...ok, name: "My Name" }, "c.yaml", {
        patterns: { "^[a-z]+$": { what: "a plain name", hint: "use a-z", suggest: (v) => v.toLowerCase().replace(/[^a-z]/g, "") } },
      }),
    );
    expect(e.message).toBe('c.yaml: name "My Name" is not a plain name');
    expect(e.hint).toBe('use a-z, e.g. "myname"');
  });

  it("lists five problems and counts the rest", () => {
    const problems = Array.from({ length: 8 }, (_, i) => ({ field: `f${i}`, message: `p${i}`, line: i + 1 }));
    expect(configError("c.yaml", problems).message).toBe(
      "c.yaml:1: p0; line 2: p1; line 3: p2; line 4: p3; line 5: p4 (and 3 more problems)",
    );
  });
});

describe("one ajv factory", () => {
  it("compiles a schema once per $id and validates formats", () => {
    const v = schemaValidator(SCHEMA);
    expect(schemaValidator({ ...SCHEMA })).toBe(v);
    const ajv = newAjv({ draft: "2020-12" });
    expect(ajv.validate({ type: "string", format: "email" }, "not-an-email")).toBe(false);
    expect(newAjv({ useDefaults: true }).compile({ type: "object", properties: { a: { default: 1 } } })).toBeTypeOf("function");
  });
});
