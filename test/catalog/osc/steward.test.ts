// What a catalog steward would otherwise fix by hand, on copies of the real Zarr cube and the real OSC sample:
// variable reuse (GCMD keyword, standard_name, title; close titles warned about or asked), readable titles, a default
// description, time_range ends, a new project's status, case-only id collisions, swapped lat/lon, deep-code's
// workflow_id normalisation, properties.osc_project and empty fields.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildPublication } from "../../../src/catalog/osc/build/index.js";
import { parseDatasetConfig, parseWorkflowConfig } from "../../../src/catalog/osc/config.js";
import { oscTitleCase, titleFromId } from "../../../src/catalog/osc/texts.js";
import { isEocubeError } from "../../../src/core/errors.js";
import { applyPlan, ciErrors, freshCatalog as freshCatalogAt, type Json, readJson, sampleCopy as sampleCopyOf } from "./catalogs.js";
import { cubeCopy, deepCodeReadyCube, SHARED_DATA } from "./cube-copy.js";

const OSTIA = join(SHARED_DATA, "netcdf3/20170605120000-UKMO-L4_GHRSST-SSTfnd-OSTIAanom-GLOB-v02.0-fv02.0.nc");
const UTM = join(SHARED_DATA, "geotiff/RGB.byte.tif");
const NOW = new Date("2026-11-22T10:00:00Z");
/** sea-ice's GCMD keyword page in the sample, with another query string. */
const SEA_ICE_GCMD =
  "https://gcmd.earthdata.nasa.gov/KeywordViewer/scheme/Earth%20Science/860e2af9-ce29-4f3f-b027-ae3747eb3e01?gtm_keyword=SEA%20ICE";

const sampleCopy = () => sampleCopyOf("eocube-steward-");
const freshCatalog = () => freshCatalogAt(NOW, "eocube-steward-");
const apply = applyPlan;
const json = readJson;

async function expectError(p: Promise<unknown>, code: string, field: string): Promise<{ message: string; hint?: string }> {
  try {
    await p;
  } catch (err) {
    if (!isEocubeError(err)) throw err;
    expect(err.code).toBe(code);
    expect(err.field).toBe(field);
    return err;
  }
  throw new Error("expected an error");
}

/** A dataset config for a cube in the sample's project. */
const sampleConfig = (cube: string, extra = "") => `
dataset_id: ${cube}
collection_id: north-sea-demo
license_type: CC-BY-4.0
osc_themes: [oceans]
osc_project: cerulean-information-factory
access_link: https://example.org/north-sea-demo
${extra}`;

describe("titles", () => {
  it("title case as the OSC's own variables; ids in words", () => {
    expect(oscTitleCase("analysed sea surface temperature")).toBe("Analysed Sea Surface Temperature");
    expect(oscTitleCase("fraction of absorbed PAR")).toBe("Fraction of Absorbed PAR");
    expect(oscTitleCase("NO2 mole fraction (near surface)")).toBe("NO2 Mole Fraction (Near Surface)");
    expect(oscTitleCase("Irradiance attenuation coefficient at 489 nm")).toBe("Irradiance Attenuation Coefficient at 489 nm");
    expect(titleFromId("Predicted-Land-Surface-Temperature-and-Anomalies")).toBe("Predicted Land Surface Temperature and Anomalies");
    expect(titleFromId("cube_v2-1-250")).toBe("Cube V2 1 250");
    expect(oscTitleCase("foF2 and pH")).toBe("foF2 and pH");
  });
});

describe("variable reuse in a copy of the real sample", () => {
  let cube: string;
  const edit = (attrs: Json, v: string) => {
    if (v === "conc_chl") attrs.gcmd_keyword_url = SEA_ICE_GCMD; // the sample's sea-ice keyword
    if (v === "conc_tsm") attrs.long_name = "lightning"; // the title of the sample's lightning
    if (v === "kd489") attrs.long_name = "Ocean heat budget anomaly"; // close to the sample's Ocean Heat Budget
  };

  it("uses the existing variable with the same GCMD keyword or title, and warns about a close title with its candidates", async () => {
    cube = await deepCodeReadyCube("north-sea.zarr", edit);
    const dir = await sampleCopy();
    const plan = await buildPublication(parseDatasetConfig(sampleConfig(cube), "d.yaml"), undefined, dir, { mode: "dataset", now: NOW });
    await apply(dir, plan);
    const p = await json(dir, "products/north-sea-demo/collection.json");
    expect(p["osc:variables"]).toEqual(["c2rcc-flags", "sea-ice", "lightning", "kd489", "quality-flags"]);
    expect(plan.warnings).toContain(
      'data variable conc_chl is published as the existing OSC variable sea-ice ("Sea Ice", same gcmd keyword); set variables.conc_chl.id to choose another',
    );
    expect(plan.warnings).toContain(
      'data variable conc_tsm is published as the existing OSC variable lightning ("Lightning", same title); set variables.conc_tsm.id to choose another',
    );
    expect(plan.warnings).toContain(
      'data variable kd489 becomes the new variable kd489, but the catalog has variables with a close title: ocean-heat-budget ("Ocean Heat Budget", close title); set variables.kd489.id to one of them to reuse it (or run with --interactive)',
    );
    // the reused variables list the product; no twin catalogs were made
    expect(plan.files.map((f) => f.path)).not.toContain("variables/conc-chl/catalog.json");
    expect(
      (await json(dir, "variables/sea-ice/catalog.json")).links.some(
        (l: Json) => l.href === "../../products/north-sea-demo/collection.json",
      ),
    ).toBe(true);
    expect((await json(dir, "variables/kd489/catalog.json")).title).toBe("Ocean Heat Budget Anomaly");
    expect(await ciErrors(dir)).toEqual([]);
  });

  it("asks with --interactive: a number picks a candidate, an empty answer makes a new variable", async () => {
    cube ??= await deepCodeReadyCube("north-sea.zarr", edit);
    const asked: string[] = [];
    const answers = ["", "1", ""]; // conc_chl (GCMD match): new; conc_tsm: lightning; kd489: new
    const plan = await buildPublication(parseDatasetConfig(sampleConfig(cube), "d.yaml"), undefined, await sampleCopy(), {
      mode: "dataset",
      now: NOW,
      prompt: async (q) => {
        asked.push(q);
        return answers.shift() ?? "";
      },
    });
    expect(asked).toEqual([
      'data variable conc_chl may be an existing OSC variable: 1) sea-ice ("Sea Ice", gcmd keyword); its number or id to use it, Enter for a new variable conc-chl: ',
      'data variable conc_tsm may be an existing OSC variable: 1) lightning ("Lightning", title); its number or id to use it, Enter for a new variable conc-tsm: ',
      'data variable kd489 may be an existing OSC variable: 1) ocean-heat-budget ("Ocean Heat Budget", close title); its number or id to use it, Enter for a new variable kd489: ',
    ]);
    const p = JSON.parse(plan.files.find((f) => f.path === "products/north-sea-demo/collection.json")!.content);
    expect(p["osc:variables"]).toEqual(["c2rcc-flags", "conc-chl", "lightning", "kd489", "quality-flags"]);
  });

  it("names the candidates when a new variable lacks its GCMD keyword", async () => {
    const bare = await cubeCopy("no-gcmd.zarr", (attrs, v) => {
      if (v === "") attrs.description = "d";
      if (v === "kd489") attrs.long_name = "Ocean heat budget anomaly";
    });
    const cfg = sampleConfig(
      bare,
      "variables:\n  c2rcc_flags: {skip: true}\n  quality_flags: {skip: true}\n  conc_chl: {skip: true}\n  conc_tsm: {skip: true}\n",
    );
    const e = await expectError(
      buildPublication(parseDatasetConfig(cfg, "d.yaml"), undefined, await sampleCopy(), { mode: "dataset", now: NOW }),
      "INVALID_CONFIG",
      "variables.kd489.gcmd_keyword_url",
    );
    expect(e.message).toBe(
      'new variable kd489 (data variable kd489) needs a GCMD keyword URL; existing variables it may be: ocean-heat-budget ("Ocean Heat Budget", close title)',
    );
  });
});

describe("variable reuse by CF standard_name", () => {
  it("a second product's variable with the standard_name of an eocube-made variable links that variable", async () => {
    const dir = await freshCatalog();
    const project = `osc_project: eocube-demo
osc_project_url: https://example.org
osc_project_technical_officer: {name: Jane Doe, email: jane@esa.int}
access_link: https://example.org/x
`;
    const ostia = `dataset_id: ${OSTIA}
collection_id: ostia
license_type: CC-BY-4.0
osc_themes: [oceans]
${project}variables:
  analysed_sst: {gcmd_keyword_url: "https://gcmd.earthdata.nasa.gov/KeywordViewer/scheme/all/bd24a9a9-7d52-4c29-b2a0-6cefd216ae78"}
  sst_anomaly: {skip: true}
`;
    await apply(dir, await buildPublication(parseDatasetConfig(ostia, "o.yaml"), undefined, dir, { mode: "dataset", now: NOW }));
    expect((await json(dir, "variables/analysed-sst/catalog.json")).description).toContain("sea_surface_foundation_temperature");
    const cube = await cubeCopy("sst-cube.zarr", (attrs, v) => {
      if (v === "conc_chl") attrs.standard_name = "sea_surface_foundation_temperature";
    });
    const cfg = `dataset_id: ${cube}
collection_id: second
license_type: CC-BY-4.0
osc_themes: [oceans]
description: A second product.
${project}variables:
  c2rcc_flags: {skip: true}
  quality_flags: {skip: true}
  conc_tsm: {skip: true}
  kd489: {skip: true}
`;
    const plan = await buildPublication(parseDatasetConfig(cfg, "s.yaml"), undefined, dir, { mode: "dataset", now: NOW });
    expect(plan.warnings.some((w) => w.startsWith("data variable conc_chl is published as the existing OSC variable analysed-sst"))).toBe(
      true,
    );
    await apply(dir, plan);
    expect((await json(dir, "products/second/collection.json"))["osc:variables"]).toEqual(["analysed-sst"]);
    expect(await ciErrors(dir)).toEqual([]);
  });
});

describe("product, project and extent", () => {
  it("a cube without title or description: the id in words, deep-code's default description (warned); a planned project's status", async () => {
    const cube = await cubeCopy("plain.zarr", (attrs, v) => {
      if (v !== "" && v !== "lat" && v !== "lon" && v !== "time" && !v.endsWith("_bnds")) {
        attrs.gcmd_keyword_url = "https://gcmd.earthdata.nasa.gov/KeywordViewer/scheme/all/78f5a84f-1b5b-44a9-97e7-4a1996cd2e36";
      }
    });
    const dir = await freshCatalog();
    const cfg = `dataset_id: ${cube}
collection_id: north_sea-water-quality
license_type: CC-BY-4.0
osc_themes: [oceans]
osc_region:
dataset_status: planned
osc_project: new-project
osc_project_url: https://example.org
osc_project_technical_officer: {name: Jane Doe, email: jane@esa.int}
access_link: s3://my.dotted.bucket/plain.zarr
time_range: ["2017-01-01", "2017-01-31"]
`;
    const plan = await buildPublication(parseDatasetConfig(cfg, "d.yaml"), undefined, dir, { mode: "dataset", now: NOW });
    await apply(dir, plan);
    const p = await json(dir, "products/north_sea-water-quality/collection.json");
    expect(p.title).toBe("North Sea Water Quality");
    expect(p.description).toBe("No description available.");
    expect(plan.warnings.some((w) => w.includes('deep-code\'s "No description available." is used; set description'))).toBe(true);
    expect(p["osc:region"]).toBeUndefined(); // osc_region left empty (null) as deep-code allows
    // a time_range end date includes its whole day
    expect(p.extent.temporal.interval).toEqual([["2017-01-01T00:00:00Z", "2017-01-31T23:59:59Z"]]);
    // a bucket with dots: path-style https URL
    expect(p.links.find((l: Json) => l.rel === "via")?.href).toBe("https://s3.amazonaws.com/my.dotted.bucket/plain.zarr");
    expect((await json(dir, "projects/new-project/collection.json"))["osc:status"]).toBe("planned");
    expect(await ciErrors(dir)).toEqual([]);
  });

  it("refuses an id that differs from an existing one only in case (products/Polaris beside products/polaris)", async () => {
    const cube = await deepCodeReadyCube();
    const e = await expectError(
      buildPublication(
        parseDatasetConfig(sampleConfig(cube).replace("north-sea-demo", "Polaris"), "d.yaml"),
        undefined,
        await sampleCopy(),
        {
          mode: "dataset",
          now: NOW,
        },
      ),
      "INVALID_CONFIG",
      "collection_id",
    );
    expect(e.message).toMatch(/^products\/Polaris would sit beside products\/polaris: ids that differ only in case/);
    expect(e.hint).toBe("publish into the existing one (collection_id: polaris) or choose another id");
  });

  it("warns when latitude and longitude look swapped (the ACDD geospatial attributes match the bbox only swapped)", async () => {
    const swappedAttrs = await deepCodeReadyCube("swapped-attrs.zarr", (attrs, v) => {
      if (v === "")
        Object.assign(attrs, { geospatial_lon_min: 50, geospatial_lon_max: 52.5, geospatial_lat_min: 0, geospatial_lat_max: 5 });
    });
    const plan = await buildPublication(parseDatasetConfig(sampleConfig(swappedAttrs), "d.yaml"), undefined, await sampleCopy(), {
      mode: "dataset",
      now: NOW,
    });
    expect(plan.warnings.filter((w) => w.includes("latitude and longitude swapped"))).toHaveLength(1);
    // the real cube: no such warning
    const ok = await buildPublication(
      parseDatasetConfig(sampleConfig(await deepCodeReadyCube()), "d.yaml"),
      undefined,
      await sampleCopy(),
      {
        mode: "dataset",
        now: NOW,
      },
    );
    expect(ok.warnings.some((w) => w.includes("swapped"))).toBe(false);
  });

  it("a time_range with an open end is kept open, as the OSC allows", async () => {
    const dir = await freshCatalog();
    const cfg = `dataset_id: ${UTM}
collection_id: utm
license_type: CC0-1.0
osc_themes: [land]
description: d
osc_project: p
osc_project_url: https://example.org
osc_project_technical_officer: {name: Jane Doe, email: jane@esa.int}
access_link: https://example.org/utm
time_range: ["2001-05-05T10:00:00Z", null]
variables:
  band_data: {id: rgb, description: RGB reflectance, gcmd_keyword_url: "https://gcmd.earthdata.nasa.gov/KeywordViewer/scheme/all/f043c0a8-9cee-4c51-bf64-a4aaa34ab75d"}
`;
    const plan = await buildPublication(parseDatasetConfig(cfg, "d.yaml"), undefined, dir, { mode: "dataset", now: NOW });
    await apply(dir, plan);
    // an open interval from the config, as the OSC allows
    expect((await json(dir, "products/utm/collection.json")).extent.temporal.interval).toEqual([["2001-05-05T10:00:00Z", null]]);
    expect(await ciErrors(dir)).toEqual([]);
  });
});

describe("deep-code's workflow config as deep-code reads it", () => {
  it("normalises workflow_id (noted), takes properties.osc_project, drops empty fields, and lists the workflow in the project", async () => {
    const dir = await sampleCopy();
    const cube = await deepCodeReadyCube();
    const wc = parseWorkflowConfig(
      `workflow_id: North Sea Demo
properties:
  title: North Sea demo workflow
  license: MIT
  osc_project: cerulean-information-factory
  description:
  themes: [Oceans]
jupyter_notebook_url:
`,
      "workflow_config.yaml",
    );
    expect(wc.workflow_id).toBe("north-sea-demo");
    const plan = await buildPublication(
      parseDatasetConfig(sampleConfig(cube).replace("osc_project: cerulean-information-factory\n", ""), "d.yaml"),
      wc,
      dir,
      {
        mode: "all",
        now: NOW,
      },
    );
    expect(plan.warnings).toContain(
      `workflow_id "North Sea Demo" is published as "north-sea-demo" (deep-code's normalisation: spaces → '-', lower case)`,
    );
    await apply(dir, plan);
    const wf = await json(dir, "workflows/north-sea-demo/record.json");
    expect(wf.properties["osc:project"]).toBe("cerulean-information-factory");
    expect((await json(dir, "projects/cerulean-information-factory/collection.json"))["osc:workflows"]).toEqual([
      "polaris",
      "north-sea-demo",
    ]);
    expect(await ciErrors(dir)).toEqual([]);
  });
});

describe("deep-code's DeepESDL buckets for a bare dataset_id (s3rver)", () => {
  it("falls back to the team bucket of S3_USER_STORAGE_BUCKET/KEY/SECRET; the secret reaches no message or file", async () => {
    const { startS3Server, uploadFolder, S3RVER_KEY, S3RVER_SECRET } = await import("../../helpers/s3.js");
    const s3 = await startS3Server("team-bucket");
    try {
      await uploadFolder(s3, await deepCodeReadyCube(), "north-sea.zarr");
      const cfg = `dataset_id: north-sea.zarr
collection_id: north-sea-demo
license_type: CC-BY-4.0
osc_themes: [oceans]
osc_project: cerulean-information-factory
store_params:
  storage_options: {endpoint_url: "${s3.endpoint}", region: us-east-1}
`;
      const env = { S3_USER_STORAGE_BUCKET: "team-bucket", S3_USER_STORAGE_KEY: S3RVER_KEY, S3_USER_STORAGE_SECRET: S3RVER_SECRET };
      const dir = await sampleCopy();
      const plan = await buildPublication(parseDatasetConfig(cfg, "d.yaml"), undefined, dir, { mode: "dataset", now: NOW, env });
      expect(plan.warnings).toContain(
        "dataset_id north-sea.zarr is no local file; reading it from s3://deep-esdl-public/north-sea.zarr, then s3://team-bucket/north-sea.zarr as deep-code does",
      );
      expect(plan.warnings.some((w) => w.startsWith("could not open s3://deep-esdl-public/north-sea.zarr"))).toBe(true);
      const p = JSON.parse(plan.files.find((f) => f.path === "products/north-sea-demo/collection.json")!.content);
      // the data are linked where they were read (under the configured endpoint), with a hint to check it is public
      expect(p.links.find((l: Json) => l.rel === "via")?.href).toBe(`${s3.endpoint}/team-bucket/north-sea.zarr`);
      expect(plan.warnings.some((w) => w.includes("set access_link if that is not public"))).toBe(true);
      for (const text of [...plan.warnings, ...plan.files.map((f) => f.content)]) expect(text).not.toContain(S3RVER_SECRET);
      await apply(dir, plan);
      expect(await ciErrors(dir)).toEqual([]);
      // without the team bucket, deep-code's public bucket is all there is
      const err = await buildPublication(parseDatasetConfig(cfg, "d.yaml"), undefined, await sampleCopy(), {
        mode: "dataset",
        now: NOW,
        env: {},
      }).catch((x: unknown) => x);
      expect(isEocubeError(err) ? `${err.code} ${err.message}` : String(err)).toBe(
        "NOT_FOUND no such bucket: s3://deep-esdl-public/north-sea.zarr/.zmetadata",
      );
    } finally {
      await s3.close();
    }
  });
});
