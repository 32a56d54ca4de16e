// xcube's S3 emulation (/s3/datasets, /s3/pyramids) against a real server on 127.0.0.1: Debian's xarray reads a
// served Zarr cube, NetCDF and GeoTIFF through it with the source's values; eocube's own s3 file system (the AWS SDK:
// ListObjectsV2, HEAD, GET, ranges) lists and opens it; ListObjects v1/v2 paging, prefixes and delimiters; 404s as S3.
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { S3FileSystem } from "../../src/fs/s3.js";
import { buildApp } from "../../src/server/app.js";
import { openDataset } from "../../src/stores/open.js";
import { DATA } from "./helpers.js";
import { runPython } from "./python-clients.js";

const OLCI = `${DATA}zarr/cube-1-250-250.zarr`;
const OSTIA = `${DATA}netcdf3/20170605120000-UKMO-L4_GHRSST-SSTfnd-OSTIAanom-GLOB-v02.0-fv02.0.nc`;
const RGB = `${DATA}geotiff/RGB.byte.tif`;

let app: FastifyInstance;
let url: string;
beforeAll(async () => {
  app = await buildApp(
    {
      Datasets: [
        { Identifier: "olci", Path: OLCI },
        { Identifier: "ostia", Path: OSTIA },
        { Identifier: "rgb", Path: RGB },
      ],
    },
    {},
    { warmUp: false },
  );
  url = await app.listen({ port: 0, host: "127.0.0.1" });
}, 30_000);
afterAll(async () => {
  await app?.close();
});

const text = async (path: string) => {
  const r = await fetch(`${url}${path}`);
  return { status: r.status, type: r.headers.get("content-type"), body: await r.text() };
};
const keysOf = (xml: string) => [...xml.matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => m[1]);
const prefixesOf = (xml: string) => [...xml.matchAll(/<CommonPrefixes><Prefix>([^<]*)<\/Prefix>/g)].map((m) => m[1]);

interface XrOut {
  vars: string[];
  dims: Record<string, number>;
  values: Record<string, { shape: number[]; equal: boolean; valid: number }>;
  coords_equal?: Record<string, boolean>;
}

describe("xarray through /s3", () => {
  it("opens served Zarr, NetCDF and GeoTIFF datasets as Zarr with the sources' values and coordinates", async () => {
    const out = await runPython<Record<string, XrOut>>("xr_s3.py", {
      endpoint: `${url}/s3/datasets`,
      datasets: {
        "olci.zarr": [OLCI, { conc_chl: { time: 0, lat: [300, 600], lon: [1100, 1420] } }],
        "ostia.zarr": [OSTIA, { analysed_sst: {} }],
        "rgb.zarr": [RGB, { band_1: {} }],
      },
    });
    const olci = out["olci.zarr"]!;
    expect(olci.vars).toEqual(["c2rcc_flags", "conc_chl", "conc_tsm", "kd489", "quality_flags"]);
    expect(olci.dims).toMatchObject({ time: 5, lat: 1000, lon: 2000 });
    expect(olci.values.conc_chl).toMatchObject({ shape: [300, 320], equal: true });
    expect(olci.values.conc_chl!.valid).toBeGreaterThan(1000);
    expect(olci.coords_equal).toEqual({ time: true, lat: true, lon: true });
    expect(out["ostia.zarr"]!.values.analysed_sst).toMatchObject({ shape: [1, 720, 1440], equal: true });
    expect(out["ostia.zarr"]!.coords_equal).toEqual({ time: true, lat: true, lon: true });
    expect(out["rgb.zarr"]!.values.band_1).toMatchObject({ shape: [718, 791], equal: true });
  }, 60_000);
});

describe("S3 clients", () => {
  it("eocube's s3 store (AWS SDK, path style, unsigned) lists the bucket and opens a served cube", async () => {
    const fs = new S3FileSystem("datasets", { endpointUrl: `${url}/s3`, anon: true, region: "us-east-1" });
    expect(await fs.list("")).toEqual(["olci.zarr/", "ostia.zarr/", "rgb.zarr/"]);
    expect(await fs.list("olci.zarr")).toEqual(expect.arrayContaining([".zmetadata", "conc_chl/", "time/"]));
    const ds = await openDataset(`s3://datasets/ostia.zarr`, {
      storeParams: { storage_options: { endpoint_url: `${url}/s3`, anon: true } },
    });
    const src = await openDataset(OSTIA);
    const a = await ds.data_vars.analysed_sst!.read([0, [100, 120], [300, 340]]);
    const b = await src.data_vars.analysed_sst!.read([0, [100, 120], [300, 340]]);
    expect(Array.from(a.data as Float32Array)).toEqual(Array.from(b.data as Float32Array));
  }, 30_000);

  it("lists with ListObjects v1 and v2: prefix, delimiter, max-keys, continuation token and marker", async () => {
    const root = await text("/s3/datasets?list-type=2&delimiter=/");
    expect(root.type).toMatch(/application\/xml/);
    expect(prefixesOf(root.body)).toEqual(["olci.zarr/", "ostia.zarr/", "rgb.zarr/"]);
    expect(keysOf(root.body)).toEqual([]);
    // paging through one dataset's top level, two entries a page, collects what one page of 1000 gives
    const all = await text("/s3/datasets?list-type=2&prefix=ostia.zarr/&delimiter=/");
    const want = [...keysOf(all.body), ...prefixesOf(all.body)].sort();
    expect(want).toEqual(expect.arrayContaining(["ostia.zarr/.zmetadata", "ostia.zarr/analysed_sst/", "ostia.zarr/lat/"]));
    const got: string[] = [];
    let token: string | undefined;
    for (let page = 0; page < 20; page++) {
      const q = `/s3/datasets?list-type=2&prefix=ostia.zarr/&delimiter=/&max-keys=2${token ? `&continuation-token=${encodeURIComponent(token)}` : ""}`;
      const r = await text(q);
      got.push(...keysOf(r.body), ...prefixesOf(r.body));
      token = /<NextContinuationToken>([^<]*)</.exec(r.body)?.[1];
      if (!/<IsTruncated>true</.test(r.body)) break;
    }
    expect(got.sort()).toEqual(want);
    // v1 with a marker: the keys after it
    const v1 = await text("/s3/datasets?prefix=ostia.zarr/lat/&marker=ostia.zarr/lat/.zarray");
    expect(keysOf(v1.body)).toEqual(["ostia.zarr/lat/.zattrs", "ostia.zarr/lat/0"]);
    expect(v1.body).toMatch(/<Size>2880<\/Size>/); // 720 float32 latitudes, uncompressed
    expect((await text("/s3/datasets?list-type=3")).status).toBe(400);
  });

  it("answers HEAD, GET, ranges and S3's 404 documents; the pyramids bucket has one Zarr per level", async () => {
    const head = await fetch(`${url}/s3/datasets/olci.zarr/conc_chl/0.0.0`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe(String(250 * 250 * 8));
    const range = await fetch(`${url}/s3/datasets/olci.zarr/.zgroup`, { headers: { range: "bytes=0-3" } });
    expect(range.status).toBe(206);
    expect(await range.text()).toBe("{\n  ");
    const noKey = await text("/s3/datasets/olci.zarr/nope/.zarray");
    expect(noKey.status).toBe(404);
    expect(noKey.body).toMatch(/<Code>NoSuchKey<\/Code>/);
    const noBucket = await text("/s3/buckets?list-type=2");
    expect(noBucket.status).toBe(404);
    expect(noBucket.body).toMatch(/<Code>NoSuchBucket<\/Code>/);
    const buckets = await text("/s3/pyramids?delimiter=/&list-type=2");
    expect(prefixesOf(buckets.body)).toEqual(["olci.levels/", "ostia.levels/", "rgb.levels/"]);
    const inside = await text("/s3/pyramids?prefix=olci.levels/&delimiter=/&list-type=2");
    expect(prefixesOf(inside.body)).toEqual(["olci.levels/0.zarr/", "olci.levels/1.zarr/", "olci.levels/2.zarr/", "olci.levels/3.zarr/"]);
    const l2 = JSON.parse((await text("/s3/pyramids/olci.levels/2.zarr/conc_chl/.zarray")).body);
    expect(l2.shape).toEqual([5, 250, 500]);
  });
});
