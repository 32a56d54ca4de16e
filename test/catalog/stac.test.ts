// The offline schema registry and STAC validation over the bundled schemas (schemas/, made by
// scripts/bundle-schemas.mjs from ../shared/fixtures/osc-schemas and ../shared/data/stac-schemas).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { isEocubeError } from "../../src/core/errors.js";
import {
  assertValidStac,
  bundledSchemaDir,
  formatAjvErrors,
  getSchemaRegistry,
  getStacValidator,
  isIri,
  isIriReference,
  SchemaRegistry,
  sectionLabel,
  validateStacObject,
} from "../../src/catalog/stac/index.js";

const SAMPLE = fileURLToPath(new URL("../../../shared/fixtures/osc-catalog-sample/", import.meta.url));
const read = (rel: string) => JSON.parse(readFileSync(join(SAMPLE, rel), "utf8"));
const REPO = fileURLToPath(new URL("../../", import.meta.url));

describe("schema registry", () => {
  it("ships the schemas in the package folder schemas/ and maps URLs to files", () => {
    expect(bundledSchemaDir()).toBe(join(REPO, "schemas"));
    const reg = getSchemaRegistry();
    expect(reg.fileFor("https://schemas.stacspec.org/v1.0.0/collection-spec/json-schema/collection.json")).toBe(
      join(REPO, "schemas/stac-spec/v1.0.0/collection-spec/json-schema/collection.json"),
    );
    expect(reg.fileFor("https://testing.earthcode.eox.at/schemas/products/children.json")).toBe(
      join(REPO, "schemas/osc-validation/products/children.json"),
    );
    expect(reg.fileFor("https://esa-earthcode.github.io/open-science-catalog-validation/schemas/osc.json")).toBe(
      join(REPO, "schemas/osc-validation/osc.json"),
    );
    expect(reg.fileFor("https://example.com/schema.json")).toBeUndefined();
    expect(reg.fileFor("https://stac-extensions.github.io/../../etc/passwd")).toBeUndefined();
    for (const url of [
      "https://schemas.stacspec.org/v1.1.0/item-spec/json-schema/item.json",
      "https://stac-extensions.github.io/osc/v1.0.0/schema.json",
      "https://stac-extensions.github.io/themes/v1.0.0/schema.json",
      "https://stac-extensions.github.io/contacts/v0.1.1/schema.json",
      "https://stac-extensions.github.io/cf/v0.2.0/schema.json",
      "https://stac-extensions.github.io/datacube/v2.2.0/schema.json",
      "https://geojson.org/schema/Feature.json",
    ]) {
      expect(reg.has(url)).toBe(true);
    }
    expect(reg.has("https://stac-extensions.github.io/osc/v9.9.9/schema.json")).toBe(false);
  });

  it("compiles each schema once and caches the validator", () => {
    const reg = new SchemaRegistry();
    const url = "https://stac-extensions.github.io/datacube/v2.2.0/schema.json";
    const a = reg.getValidator(url);
    expect(reg.getValidator(url)).toBe(a);
  });

  it("raises NOT_FOUND with the CI's message for a schema it does not bundle", () => {
    const err = (() => {
      try {
        getSchemaRegistry().getValidator("https://stac-extensions.github.io/nope/v1.0.0/schema.json");
      } catch (e) {
        return e;
      }
    })();
    expect(isEocubeError(err, "NOT_FOUND")).toBe(true);
    expect((err as Error).message).toBe(
      "Schema at 'https://stac-extensions.github.io/nope/v1.0.0/schema.json' not found. Please ensure all entries in 'stac_extensions' are valid.",
    );
  });

  it("gives a schema without $id its URL, so relative $refs resolve (OSC UI schemas)", () => {
    const schema = getSchemaRegistry().getSchema("https://testing.earthcode.eox.at/schemas/products/children.json");
    expect(schema.$id).toBe("https://testing.earthcode.eox.at/schemas/products/children.json");
    const fn = getSchemaRegistry().getValidator("https://testing.earthcode.eox.at/schemas/products/children.json");
    expect(fn(read("products/polaris/collection.json"))).toBe(true);
  });
});

describe("validateStacObject", () => {
  it("accepts the real sample's STAC files (1.0.0 and 1.1.0, with extensions)", () => {
    const v = getStacValidator();
    for (const f of [
      "catalog.json",
      "products/polaris/collection.json",
      "products/4d-atlantic-ohc-global/collection.json",
      "products/polaris/item.json",
      "projects/4datlantic-ohc/collection.json",
      "variables/sea-ice/catalog.json",
    ]) {
      expect(v.validate(read(f), { extensions: true }), f).toEqual([]);
    }
  });

  it("reports core and extension errors in the CI's words and sections", () => {
    const c = read("products/polaris/collection.json");
    c["osc:status"] = "finished";
    delete c.extent;
    const problems = validateStacObject(c, { extensions: true });
    expect(problems.map((p) => p.section)).toEqual(expect.arrayContaining(["Collection", "osc (1.0.0)"]));
    expect(problems).toContainEqual({
      schema: "https://stac-extensions.github.io/osc/v1.0.0/schema.json",
      section: "osc (1.0.0)",
      instancePath: "/osc:status",
      message: "/osc:status must be equal to one of the allowed values (allowed values: planned,ongoing,completed)",
    });
    expect(problems.find((p) => p.section === "Collection")?.message).toBe(
      "must have required property 'extent' (missing property: extent), for schema #/required",
    );
    expect(validateStacObject(c, { extensions: false }).every((p) => p.section === "Collection")).toBe(true);
  });

  it("names a missing extension schema and a non-URL extension entry", () => {
    const c = read("variables/sea-ice/catalog.json");
    c.stac_extensions = ["https://stac-extensions.github.io/unknown/v1.0.0/schema.json", "themes"];
    const problems = validateStacObject(c);
    expect(problems.find((p) => p.section === "unknown (1.0.0)")?.message).toBe(
      "Schema at 'https://stac-extensions.github.io/unknown/v1.0.0/schema.json' not found. Please ensure all entries in 'stac_extensions' are valid.",
    );
    expect(problems.find((p) => p.section === "themes")?.message).toBe("'stac_extensions' must contain a valid HTTP(S) URL to a schema.");
    // The core schema also rejects the non-IRI entry.
    expect(problems.find((p) => p.section === "Catalog")?.instancePath).toBe("/stac_extensions/1");
  });

  it("rejects non-STAC input without throwing", () => {
    expect(validateStacObject([])[0].message).toBe("must be a JSON object");
    expect(validateStacObject({ type: "Catalog" })[0].message).toBe("No STAC version found");
    expect(validateStacObject({ type: "Thing", stac_version: "1.0.0" })[0].instancePath).toBe("/type");
  });

  it("assertValidStac throws VALIDATION_FAILED with the problems as details", () => {
    const c = read("catalog.json");
    delete c.description;
    try {
      assertValidStac(c, "catalog.json");
      expect.unreachable();
    } catch (err) {
      expect(isEocubeError(err, "VALIDATION_FAILED")).toBe(true);
      expect((err as { details: unknown[] }).details.length).toBeGreaterThan(0);
    }
  });
});

describe("messages and formats", () => {
  it("labels extension sections as stac-node-validator does", () => {
    expect(sectionLabel("https://stac-extensions.github.io/osc/v1.0.0/schema.json")).toBe("osc (1.0.0)");
    expect(sectionLabel("https://stac-extensions.github.io/processing/v1.1.0/item-assets/schema.json")).toBe(
      "processing - Item Assets (1.1.0)",
    );
    expect(sectionLabel("https://testing.earthcode.eox.at/schemas/products/children.json")).toBe(
      "https://testing.earthcode.eox.at/schemas/products/children.json",
    );
  });

  it("drops oneOf summaries, moves branch errors last and removes duplicates", () => {
    const msgs = formatAjvErrors([
      {
        keyword: "required",
        instancePath: "",
        schemaPath: "#/oneOf/0/required",
        params: { missingProperty: "properties" },
        message: "must have required property 'properties'",
      },
      {
        keyword: "enum",
        instancePath: "/osc:status",
        schemaPath: "#/properties/osc:status/enum",
        params: { allowedValues: ["a", "b"] },
        message: "must be equal to one of the allowed values",
      },
      {
        keyword: "oneOf",
        instancePath: "",
        schemaPath: "#/oneOf",
        params: { passingSchemas: null },
        message: "must match exactly one schema in oneOf",
      },
      {
        keyword: "enum",
        instancePath: "/osc:status",
        schemaPath: "#/properties/osc:status/enum",
        params: { allowedValues: ["a", "b"] },
        message: "must be equal to one of the allowed values",
      },
    ]).map((m) => m.message);
    expect(msgs).toEqual([
      "/osc:status must be equal to one of the allowed values (allowed values: a,b)",
      "must have required property 'properties' (missing property: properties), for schema #/oneOf/0/required",
    ]);
  });

  it("iri and iri-reference", () => {
    expect(isIri("https://stac-extensions.github.io/osc/v1.0.0/schema.json")).toBe(true);
    expect(isIri("https://例え.jp/パス")).toBe(true);
    expect(isIri("file:///data/x.json")).toBe(true);
    expect(isIri("./item.json")).toBe(false);
    expect(isIri("mailto:a@b.c")).toBe(false);
    expect(isIri("")).toBe(false);
    expect(isIriReference("./item.json")).toBe(true);
    expect(isIriReference("../../themes/oceans/catalog.json")).toBe(true);
    expect(isIriReference("s3://bucket/cube.zarr")).toBe(true);
    expect(isIriReference("#frag")).toBe(false);
    expect(isIriReference("")).toBe(false);
    expect(isIriReference("a b.json")).toBe(false);
  });
});

describe("schema drafts", () => {
  it("compiles 2020-12 and 2019-09 schemas with the matching ajv, draft-07 by default", async () => {
    const { mkdtempSync, mkdirSync, writeFileSync, rmSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const dir = mkdtempSync(join(tmpdir(), "eocube-schemas-"));
    try {
      mkdirSync(join(dir, "x"));
      writeFileSync(join(dir, "schema-map.json"), JSON.stringify({ map: { "https://example.org/s/": "x/" } }));
      writeFileSync(
        join(dir, "x", "pair.json"),
        JSON.stringify({
          $schema: "https://json-schema.org/draft/2020-12/schema",
          type: "array",
          prefixItems: [{ type: "number" }, { type: "string" }],
          items: false,
        }),
      );
      writeFileSync(
        join(dir, "x", "dep.json"),
        JSON.stringify({
          $schema: "https://json-schema.org/draft/2019-09/schema",
          type: "object",
          dependentRequired: { a: ["b"] },
          properties: { link: { $ref: "link.json" } },
        }),
      );
      writeFileSync(join(dir, "x", "link.json"), JSON.stringify({ type: "string", format: "iri-reference" }));
      const reg = new SchemaRegistry({ dir });
      const pair = reg.getValidator("https://example.org/s/pair.json");
      expect(pair([1, "a"])).toBe(true);
      expect(pair([1, 2])).toBe(false);
      expect(pair([1, "a", 3])).toBe(false);
      const dep = reg.getValidator("https://example.org/s/dep.json");
      expect(dep({ a: 1, b: 2, link: "./x.json" })).toBe(true);
      expect(dep({ a: 1 })).toBe(false);
      expect(dep({ link: "" })).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
