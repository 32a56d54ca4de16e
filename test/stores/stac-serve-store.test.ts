// eocube serve with datasets from the stac store: a `Datasets` entry with StoreId stac (a collection in stack_mode)
// and a `DataStores` entry listing a STAC API's items; their metadata and a tile come from the items' assets.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "../../src/server/app.js";
import { startHttpServer, type TestHttpServer } from "../helpers/http-server.js";
import { SHARED_DATA } from "../helpers/paths.js";
import { type FakeStacApi, startStacApi } from "./stac-api.js";

const NAME = (d: string) => `201706${d}120000-UKMO-L4_GHRSST-SSTfnd-OSTIAanom-GLOB-v02.0-fv02.0.nc`;
let files: TestHttpServer;
let api: FakeStacApi;
let server: RunningServer;

beforeAll(async () => {
  files = await startHttpServer(SHARED_DATA);
  api = await startStacApi(
    ["05", "06", "07"].map((d) => ({
      id: `sst-201706${d}`,
      collection: "sst",
      bbox: [-180, -90, 180, 90],
      datetime: `2017-06-${d}T12:00:00Z`,
      assets: { sst: { href: `${files.url}/netcdf3/${NAME(d)}`, type: "application/x-netcdf", roles: ["data"] } },
    })),
    [{ id: "sst", title: "GHRSST" }],
  );
  server = await startServer(
    {
      Datasets: [{ Identifier: "sst-stack", StoreId: "stac", StoreParams: { url: api.url, stack_mode: true }, Path: "sst" }],
      DataStores: [{ Identifier: "items", StoreId: "stac", StoreParams: { url: api.url } }],
    } as never,
    { port: 0, address: "127.0.0.1", logger: false, handleSignals: false, warmUp: false },
  );
}, 60_000);
afterAll(async () => {
  await server?.close();
  await files?.close();
  await api?.close();
});

describe("eocube serve with stac store datasets", () => {
  it("serves the stacked collection and the API's items", async () => {
    const res = await fetch(`${server.url}/datasets`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { datasets: { id: string }[] };
    const ids = body.datasets.map((d) => d.id);
    expect(ids).toEqual([
      "sst-stack",
      "items~collections_sst_items_sst-20170605",
      "items~collections_sst_items_sst-20170606",
      "items~collections_sst_items_sst-20170607",
    ]);
    const d = (await (await fetch(`${server.url}/datasets/sst-stack`)).json()) as { timeRange: string[]; spatialRef: string };
    expect(d).toMatchObject({ spatialRef: "EPSG:4326", timeRange: ["2017-06-05T12:00:00Z", "2017-06-07T12:00:00Z"] });
    const tile = await fetch(`${server.url}/tiles/sst-stack/analysed_sst/2/1/2?crs=EPSG:3857&time=2017-06-06T12:00:00Z`);
    expect(tile.status).toBe(200);
    expect(tile.headers.get("content-type")).toBe("image/png");
    const item = (await (await fetch(`${server.url}/datasets/items~collections_sst_items_sst-20170606`)).json()) as { timeRange: string[] };
    expect(item.timeRange).toEqual(["2017-06-06T12:00:00Z", "2017-06-06T12:00:00Z"]);
  });
});
