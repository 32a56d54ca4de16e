// YAML 1.1 timestamps as Python writes them (PyYAML safe_dump: `2017-01-01 00:00:00+00:00`) in every config:
// PRR, OSC dataset and workflow configs, gen requests and the server config all read them as ISO 8601 UTC strings.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { parseDatasetConfig, parseWorkflowConfig } from "../../src/catalog/osc/config.js";
import { loadPrrConfig } from "../../src/catalog/prr/config.js";
import { parseConfigText, yamlTimestampToIso } from "../../src/core/config/index.js";
import { loadGenRequest } from "../../src/gen/request.js";
import { loadServerConfig } from "../../src/server/config.js";

const DATA = fileURLToPath(new URL("../../../shared/data/", import.meta.url));
const TEMPLATES = fileURLToPath(new URL("../../../shared/fixtures/deep-code/templates/", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "eocube-yaml-ts-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/**
 * Runs `code` in Debian's python3 with PyYAML, `datetime` imported; `code` assigns `doc` (a dict that may hold
 * datetime objects), which is written with `yaml.safe_dump` to the returned file, as a Python script writes configs.
 */
function pythonYaml(name: string, code: string): string {
  const file = join(work, name);
  const script = `import datetime, sys, yaml\nutc = datetime.timezone.utc\n${code}\nwith open(sys.argv[1], "w") as f:\n    yaml.safe_dump(doc, f, sort_keys=False)\n`;
  const r = spawnSync("/usr/bin/python3", ["-c", script, file], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`python3 failed: ${r.stderr}`);
  return file;
}

describe("yamlTimestampToIso: every YAML 1.1 timestamp form with a time of day", () => {
  // The examples of https://yaml.org/type/timestamp.html, PyYAML's output, and the edge cases.
  const cases: Array<[string, string | undefined]> = [
    ["2001-12-14t21:59:43.10-05:00", "2001-12-15T02:59:43.10Z"], // canonical (lower-case t)
    ["2001-12-14 21:59:43.10 -5", "2001-12-15T02:59:43.10Z"], // space separated, short offset
    ["2001-12-15 2:59:43.10", "2001-12-15T02:59:43.10Z"], // no time zone: UTC
    ["2017-01-01 00:00:00+00:00", "2017-01-01T00:00:00Z"], // PyYAML, aware datetime
    ["2017-01-01 12:30:00.500000", "2017-01-01T12:30:00.500000Z"], // PyYAML, naive datetime with microseconds
    ["2017-01-01 00:00:00+02:00", "2016-12-31T22:00:00Z"],
    ["2017-1-5 3:04:05 Z", "2017-01-05T03:04:05Z"], // one-digit month, day and hour; blank before Z
    ["2017-01-01\t00:00:00", "2017-01-01T00:00:00Z"],
    ["2017-01-01 00:00:00.", "2017-01-01T00:00:00Z"], // an empty fraction
    // Left as written: dates, ISO date-times with a zone, impossible times, other text.
    ["2002-12-14", undefined],
    ["2001-12-14T21:59:43.10-05:00", undefined],
    ["2017-01-01T00:00:00Z", undefined],
    ["2017-06-05T12:00:00", undefined], // ISO without a zone: eocube reads it as UTC anyway
    ["2017-02-30 00:00:00", undefined],
    ["2017-13-01 00:00:00", undefined],
    ["2017-01-01 24:00:00", undefined],
    ["2017-01-01 00:00", undefined],
    ["on 2017-01-01 00:00:00", undefined],
  ];
  for (const [text, iso] of cases) {
    it(`${JSON.stringify(text)} → ${iso ?? "unchanged"}`, () => expect(yamlTimestampToIso(text)).toBe(iso));
  }

  it("converts plain values only: quoted strings, keys and JSON strings stay as written", () => {
    const yaml = parseConfigText(
      "a: 2017-01-01 00:00:00+00:00\nb: '2017-01-01 00:00:00+00:00'\nc: [2017-01-01 00:00:00, null]\n2017-01-01 00:00:00: x\n",
      "c.yaml",
    );
    expect(yaml.value).toEqual({
      a: "2017-01-01T00:00:00Z",
      b: "2017-01-01 00:00:00+00:00",
      c: ["2017-01-01T00:00:00Z", null],
      "2017-01-01 00:00:00": "x",
    });
    expect(yaml.locate(["c", 0])).toBe(3);
    expect(parseConfigText('{"a": "2017-01-01 00:00:00+00:00"}', "c.json").value).toEqual({ a: "2017-01-01 00:00:00+00:00" });
  });
});

describe("configs written by Python (PyYAML safe_dump) are accepted", () => {
  it("PRR: items[].datetime and start/end_datetime", async () => {
    const file = pythonYaml(
      "prr.yaml",
      `doc = {"id": "c1", "title": "T", "description": "D", "license": "CC-BY-4.0", "base_dir": ${JSON.stringify(DATA)},
  "datetime": datetime.datetime(2017, 1, 1, tzinfo=utc),
  "items": [{"id": "a", "datetime": datetime.datetime(2017, 1, 1, tzinfo=utc), "assets": [{"key": "d", "path": "geotiff/sample-cog.tif"}]},
            {"id": "b", "start_datetime": datetime.datetime(2017, 1, 1, 6), "end_datetime": datetime.datetime(2017, 1, 2, 6, 30, 0, 250000, tzinfo=utc),
             "assets": [{"key": "d", "path": "geotiff/cogeo.tif"}]}]}`,
    );
    expect(readFileSync(file, "utf8")).toContain("datetime: 2017-01-01 00:00:00+00:00");
    const config = (await loadPrrConfig(file)).config;
    expect(config.datetime).toBe("2017-01-01T00:00:00Z");
    expect(config.items[0]).toMatchObject({ datetime: "2017-01-01T00:00:00Z" });
    expect(config.items[1]).toMatchObject({ start_datetime: "2017-01-01T06:00:00Z", end_datetime: "2017-01-02T06:30:00.250000Z" });
  });

  it("OSC dataset config (deep-code's template filled in by Python): time_range and the project's start/end", () => {
    const file = pythonYaml(
      "dataset_config.yaml",
      `doc = yaml.safe_load(open(${JSON.stringify(join(TEMPLATES, "dataset_config.yaml"))}))
doc.update({"dataset_id": "cube.zarr", "collection_id": "my-cube", "license_type": "CC-BY-4.0", "osc_themes": ["land"],
  "dataset_status": "completed", "osc_region": "Global", "stac_catalog_s3_root": "s3://bucket/stac/",
  "time_range": [datetime.datetime(2017, 1, 1, tzinfo=utc), datetime.datetime(2017, 12, 31, 23, 59, 59, tzinfo=utc)],
  "osc_project_start": datetime.datetime(2016, 6, 1, tzinfo=utc), "osc_project_end": datetime.date(2018, 1, 1)})
for k in ["osc_project_url", "description", "documentation_link", "visualisation_link", "osc_project", "osc_project_title", "access_link", "cf_parameter"]:
    doc.pop(k)`,
    );
    const config = parseDatasetConfig(readFileSync(file, "utf8"), file);
    expect(config.time_range).toEqual(["2017-01-01T00:00:00Z", "2017-12-31T23:59:59Z"]);
    expect(config.osc_project_start).toBe("2016-06-01T00:00:00Z");
    expect(config.osc_project_end).toBe("2018-01-01");
  });

  it("OSC workflow config: datetimes in the experiment's parameters", () => {
    const file = pythonYaml(
      "workflow_config.yaml",
      `doc = {"workflow_id": "my-workflow", "properties": {"title": "My workflow", "license": "MIT", "themes": ["land"]},
  "parameters": {"start": datetime.datetime(2017, 1, 1, tzinfo=utc), "end": datetime.datetime(2017, 1, 31, 12)}}`,
    );
    const config = parseWorkflowConfig(readFileSync(file, "utf8"), file);
    expect(config.parameters).toEqual({ start: "2017-01-01T00:00:00Z", end: "2017-01-31T12:00:00Z" });
  });

  it("gen request: cube_config.time_range", async () => {
    const file = pythonYaml(
      "gen.yaml",
      `doc = {"input_config": {"store_id": "file", "store_params": {"root": ${JSON.stringify(`${DATA}zarr`)}}, "data_id": "cube-1-250-250.zarr"},
  "cube_config": {"crs": "EPSG:4326", "bbox": [0, 50, 5, 52.5], "spatial_res": 0.01,
                  "time_range": [datetime.datetime(2017, 1, 16, tzinfo=utc), datetime.datetime(2017, 1, 20, 23, 59, 59)]},
  "output_config": {"store_id": "file", "store_params": {"root": ${JSON.stringify(work)}}, "data_id": "out.zarr"}}`,
    );
    const req = await loadGenRequest(file);
    expect(req.cube.time_range).toEqual(["2017-01-16T00:00:00Z", "2017-01-20T23:59:59Z"]);
  });

  it("server config: a datetime written into a text field reads as ISO text", async () => {
    const file = pythonYaml(
      "server.yaml",
      `doc = {"Datasets": [{"Identifier": "cube", "Title": datetime.datetime(2017, 1, 16, tzinfo=utc), "Path": ${JSON.stringify(`${DATA}zarr/cube-1-250-250.zarr`)}}]}`,
    );
    const config = await loadServerConfig(file);
    expect(config.Datasets?.[0]?.Title).toBe("2017-01-16T00:00:00Z");
  });
});
