// WMTS as real clients use it, against a real server process on 127.0.0.1 serving ../shared/data: OWSLib
// (Debian's python3-owslib) reads the capabilities and fetches tiles with `gettile(..., time=...)` (KVP, the time
// filled as a parameter), and GDAL's WMTS driver reads a layer with real pixels through the ResourceURL template.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startChildServer, type ChildServer } from "./serve-process.js";
import { DATA, decodePng } from "./helpers.js";
import { runPython } from "./python-clients.js";

/** Runs a helper of fixtures/ (GDAL's WMS driver caches tiles in ./gdalwmscache unless told otherwise). */
const py = <T = Record<string, unknown>>(name: string, arg: unknown) => runPython<T>(name, arg, { GDAL_DEFAULT_WMS_CACHE_PATH: wmsCache });

interface OwsOut {
  title: string;
  layers: string[];
  tilematrixsets: string[];
  restonly: boolean;
  layerTilematrixsets: string[];
  resourceURLs: { template: string }[];
  tiles: { url: string; contentType: string; body: string }[];
  bad: ({ type: string; text: string } | null)[];
}

/** Web Mercator tile (z, row, col) over a lon/lat point. */
function mercTile(z: number, lon: number, lat: number): { row: number; column: number } {
  const n = 2 ** z;
  const r = (lat * Math.PI) / 180;
  return {
    column: Math.floor(((lon + 180) / 360) * n),
    row: Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n),
  };
}

/** Opaque pixels of a PNG. */
function opaque(b64: string): number {
  const png = decodePng(Buffer.from(b64, "base64"));
  let n = 0;
  for (let k = 3; k < png.pixels.length; k += 4) if (png.pixels[k]! > 0) n++;
  return n;
}

let server: ChildServer;
let wmsCache: string;
beforeAll(async () => {
  wmsCache = await mkdtemp(join(tmpdir(), "eocube-wmscache-"));
  server = await startChildServer({
    ServerTitle: "eocube WMTS test",
    Datasets: [
      { Identifier: "olci", Path: `${DATA}zarr/cube-1-250-250.zarr`, Variables: ["conc_chl", "kd489"] },
      { Identifier: "rgb", Path: `${DATA}geotiff/RGB.byte.tif` },
      { Identifier: "ostia", Path: `${DATA}netcdf3/20170605120000-UKMO-L4_GHRSST-SSTfnd-OSTIAanom-GLOB-v02.0-fv02.0.nc` },
    ],
  });
}, 60_000);
afterAll(async () => {
  await server?.stop();
  await rm(wmsCache, { recursive: true, force: true });
});

// the OLCI cube: lon 0…5, lat 50…52.5; 5 time steps 2017-01-16 … 2017-01-30
const T1 = "2017-01-16T10:09:21.834Z";
const T4 = "2017-01-28T09:58:11.350Z";
const T5 = "2017-01-30T10:46:33.837Z";

describe("OWSLib", () => {
  it("reads the capabilities (KVP /wmts/kvp and RESTful) and fetches tiles with time filled, as REST gives them", async () => {
    const z = 6;
    const t = mercTile(z, 2.5, 51.25);
    const tile = (time?: string) => ({ tilematrixset: "WorldWebMercatorQuad", tilematrix: String(z), ...t, ...(time ? { time } : {}) });
    for (const url of [`${server.url}/wmts/kvp`, `${server.url}/wmts/1.0.0/WMTSCapabilities.xml`]) {
      const out = await py<OwsOut>("owslib_wmts.py", {
        url,
        layer: "olci.conc_chl",
        tiles: [tile(T1), tile(T4), tile(), tile(T5)],
        bad: [
          { ...tile(T1), time: "1999-01-01" },
          { ...tile(T1), tilematrix: "21" },
          { ...tile(), row: 999999 },
        ],
      });
      expect(out.title).toBe("eocube WMTS test");
      expect(out.layers).toEqual(expect.arrayContaining(["olci.conc_chl", "olci.kd489", "rgb.band_data"]));
      expect(out.tilematrixsets).toEqual(["WorldCRS84Quad", "WorldWebMercatorQuad"]);
      expect(out.restonly).toBe(false); // KVP is offered, so gettile passes time as a KVP parameter
      expect(out.layerTilematrixsets).toEqual(["WorldCRS84Quad", "WorldWebMercatorQuad"]);
      expect(out.resourceURLs[0]!.template).toContain(
        "/wmts/1.0.0/tile/olci/conc_chl/{TileMatrixSet}/{TileMatrix}/{TileRow}/{TileCol}.png?time={time}",
      );
      const [a, b, c, d] = out.tiles;
      expect(a!.url).toContain(`time=${encodeURIComponent(T1)}`);
      expect(a!.contentType).toBe("image/png");
      expect(opaque(a!.body)).toBeGreaterThan(5000);
      expect(opaque(b!.body)).toBeGreaterThan(5000);
      expect(a!.body).not.toBe(b!.body); // two time steps, two pictures
      expect(opaque(c!.body)).toBeGreaterThan(500);
      expect(c!.body).toBe(d!.body); // no time: the last step (Default "current")
      // the same pixels as the RESTful tile of that time
      const rest = await fetch(`${server.url}/wmts/1.0.0/tile/olci/conc_chl/WorldWebMercatorQuad/${z}/${t.row}/${t.column}.png?time=${T1}`);
      expect(Buffer.from(await rest.arrayBuffer()).toString("base64")).toBe(a!.body);
      // errors come back as OWS exception reports, which OWSLib raises as ServiceException with their text
      expect(out.bad[0]).toMatchObject({ type: "ServiceException" });
      expect(out.bad[0]!.text).toMatch(/exceptionCode="InvalidParameterValue" locator="time"/);
      expect(out.bad[1]!.text).toMatch(/exceptionCode="InvalidParameterValue" locator="TileMatrix"/);
      expect(out.bad[2]!.text).toMatch(/exceptionCode="TileOutOfRange" locator="TileRow"/);
    }
  }, 120_000);

  it("reads one tile matrix set's capabilities and fetches CRS84 tiles", async () => {
    const out = await py<OwsOut>("owslib_wmts.py", {
      url: `${server.url}/wmts/1.0.0/WorldCRS84Quad/WMTSCapabilities.xml`,
      layer: "olci.kd489",
      // lon 2.5, lat 51.25 at TileMatrix 6 (128 × 64 tiles of 2.8125°): column 65, row 13
      tiles: [{ tilematrixset: "WorldCRS84Quad", tilematrix: "6", row: 13, column: 65, time: "2017-01-25" }],
    });
    expect(out.tilematrixsets).toEqual(["WorldCRS84Quad"]);
    expect(out.layerTilematrixsets).toEqual(["WorldCRS84Quad"]);
    expect(opaque(out.tiles[0]!.body)).toBeGreaterThan(1000);
  }, 60_000);
});

describe("GDAL WMTS driver", () => {
  interface GdalOut {
    driver: string;
    count: number;
    subdatasets: Record<string, string>;
    bands: { values: number[]; shape: number[] }[];
  }
  it("lists the layers and reads a layer's pixels through the ResourceURL template (time filled with its Default)", async () => {
    const caps = `WMTS:${server.url}/wmts/1.0.0/WMTSCapabilities.xml`;
    const all = await py<GdalOut>("gdal_read.py", { name: caps });
    expect(Object.values(all.subdatasets).join("\n")).toContain("layer=olci.conc_chl");
    // OSTIA (one time step, global): the template's {time} is filled with the Default "current"; a 256 × 256
    // picture of the North Atlantic (lon −40…−20, lat 20…40) from the tiles GDAL chooses
    const out = await py<GdalOut>("gdal_read.py", {
      name: `${caps},layer=ostia.analysed_sst,tilematrixset=WorldCRS84Quad`,
      projwin: [-40, 40, -20, 20],
      outsize: [256, 256],
      bands: [1, 4],
    });
    expect(out.driver).toBe("WMTS");
    expect(out.count).toBe(4); // RGBA
    const [red, alpha] = out.bands;
    expect(alpha!.values.filter((a) => a === 255).length).toBe(256 * 256); // all ocean
    expect(new Set(red!.values).size).toBeGreaterThan(5); // a colour ramp, not one colour
  }, 120_000);

  it("reads a layer of a projected GeoTIFF through the KVP capabilities", async () => {
    const out = await py<GdalOut>("gdal_read.py", {
      name: `WMTS:${server.url}/wmts/kvp?service=WMTS&request=GetCapabilities,layer=rgb.band_data,tilematrixset=WorldCRS84Quad`,
      // RGB.byte.tif lies at about 78.1…76.1 W, 23.2…25.6 N
      projwin: [-78.0, 25.4, -76.2, 23.4],
      outsize: [128, 128],
      bands: [4],
    });
    expect(out.bands[0]!.values.filter((a) => a > 0).length).toBeGreaterThan(128 * 128 * 0.3);
  }, 120_000);
});

describe("KVP errors", () => {
  const get = async (q: string) => {
    const r = await fetch(`${server.url}/wmts/kvp?${q}`);
    return { status: r.status, type: r.headers.get("content-type"), text: await r.text() };
  };
  it("answer OWS exception reports with the code, locator and HTTP status of OWS Common", async () => {
    const cases: [string, number, string, string?][] = [
      ["request=GetCapabilities", 400, "MissingParameterValue", "service"],
      ["service=WMS&request=GetCapabilities", 400, "InvalidParameterValue", "service"],
      ["service=WMTS", 400, "MissingParameterValue", "request"],
      ["service=WMTS&request=GetMap", 501, "OperationNotSupported", "request"],
      ["service=WMTS&request=GetCapabilities&AcceptVersions=2.0.0", 400, "VersionNegotiationFailed", "AcceptVersions"],
      ["SERVICE=WMTS&REQUEST=GetTile&TILEMATRIXSET=WorldCRS84Quad&TILEMATRIX=0&TILEROW=0&TILECOL=0", 400, "MissingParameterValue", "layer"],
      [
        "service=WMTS&request=GetTile&layer=olci.conc_chl&tilematrixset=Nope&tilematrix=0&tilerow=0&tilecol=0",
        400,
        "InvalidParameterValue",
        "TileMatrixSet",
      ],
      [
        "service=WMTS&request=GetTile&layer=olci.conc_chl&tilematrixset=WorldCRS84Quad&tilematrix=21&tilerow=0&tilecol=0",
        400,
        "InvalidParameterValue",
        "TileMatrix",
      ],
      [
        "service=WMTS&request=GetTile&layer=olci.conc_chl&tilematrixset=WorldCRS84Quad&tilematrix=0&tilerow=0&tilecol=2",
        400,
        "TileOutOfRange",
        "TileCol",
      ],
      [
        "service=WMTS&request=GetTile&layer=olci.conc_chl&tilematrixset=WorldCRS84Quad&tilematrix=0&tilerow=x&tilecol=0",
        400,
        "InvalidParameterValue",
        "TileRow",
      ],
      [
        "service=WMTS&request=GetTile&layer=olci.conc_chl&format=image/jpeg&tilematrixset=WorldCRS84Quad&tilematrix=0&tilerow=0&tilecol=0",
        400,
        "InvalidParameterValue",
        "format",
      ],
      [
        "service=WMTS&request=GetTile&layer=olci.conc_chl&style=fancy&tilematrixset=WorldCRS84Quad&tilematrix=0&tilerow=0&tilecol=0",
        400,
        "InvalidParameterValue",
        "style",
      ],
      [
        "service=WMTS&request=GetTile&layer=olci.conc_chl&tilematrixset=WorldCRS84Quad&tilematrix=0&tilerow=0&tilecol=1&vmin=a",
        400,
        "InvalidParameterValue",
        "vmin",
      ],
      [
        "service=WMTS&request=GetTile&version=2.0.0&layer=olci.conc_chl&tilematrixset=WorldCRS84Quad&tilematrix=0&tilerow=0&tilecol=1",
        400,
        "InvalidParameterValue",
        "version",
      ],
    ];
    for (const [q, status, code, locator] of cases) {
      const r = await get(q);
      expect(r.status, q).toBe(status);
      expect(r.type, q).toMatch(/^application\/xml/);
      expect(r.text, q).toContain("<ows:ExceptionReport");
      expect(r.text, q).toContain(`exceptionCode="${code}"`);
      if (locator) expect(r.text, q).toContain(`locator="${locator}"`);
    }
  });

  it("GetFeatureInfo gives the value under a tile pixel (GeoJSON and text), as /statistics does", async () => {
    // TileMatrix 9 of WorldCRS84Quad: 1024 × 512 tiles of 0.3515625°; lon 2.5 → col 519, lat 51.25 → row 110
    const q =
      "service=WMTS&request=GetFeatureInfo&layer=olci.conc_chl&tilematrixset=WorldCRS84Quad&tilematrix=9&tilerow=110&tilecol=519&i=100&j=120";
    const lon = -180 + 519 * 0.3515625 + ((100 + 0.5) * 0.3515625) / 256;
    const lat = 90 - 110 * 0.3515625 - ((120 + 0.5) * 0.3515625) / 256;
    const ref = await (await fetch(`${server.url}/statistics/olci/conc_chl?lon=${lon}&lat=${lat}&time=${T1}`)).json();
    expect(typeof ref.result.value).toBe("number");
    const r = await fetch(`${server.url}/wmts/kvp?${q}&infoformat=application/json&TIME=${T1}`);
    expect(r.status).toBe(200);
    const fc = await r.json();
    expect(fc.features[0].properties).toMatchObject({ layer: "olci.conc_chl", value: ref.result.value, time: T1 });
    expect(fc.features[0].geometry.coordinates[0]).toBeCloseTo(lon, 9);
    const text = await (await fetch(`${server.url}/wmts/kvp?${q}&infoformat=text/plain&time=${T1}`)).text();
    expect(text).toContain(`value = ${ref.result.value}`);
    const bad = await get(`${q.replace("i=100", "i=300")}`);
    expect(bad.text).toContain('exceptionCode="PointIJOutOfRange"');
  });
});
