// Store plugins: real plugin packages written into a temporary node_modules folder are found, imported and
// registered (by name `eocube-store-*` and by the package.json `eocube.stores` field); broken ones are reported.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  getDataStoreInfo,
  listDataStoreIds,
  loadStorePlugins,
  newDataStore,
  registerDataStore,
  unregisterDataStore,
  type StorePluginRecord,
} from "../../src/stores/index.js";

let dir: string;

/** Writes a package (package.json + files) into `node_modules/<name>`. */
function writePackage(nm: string, name: string, pkg: Record<string, unknown>, files: Record<string, string>): void {
  const p = join(nm, name);
  mkdirSync(p, { recursive: true });
  writeFileSync(join(p, "package.json"), JSON.stringify({ name, version: "1.2.3", type: "module", ...pkg }));
  for (const [f, text] of Object.entries(files)) writeFileSync(join(p, f), text);
}

/** A self-contained store module: ids come from the params; describe answers a descriptor without data. */
const DEMO_STORE = (id: string) => `
export const stores = [{
  storeId: ${JSON.stringify(id)},
  title: "Demo store ${id}",
  mutable: false,
  paramsSchema: { type: "object", properties: { ids: { type: "array", items: { type: "string" }, default: ["a", "b"], description: "data ids" } }, additionalProperties: false },
  create(params) {
    return {
      storeId: ${JSON.stringify(id)}, storeParams: params, root: "demo://",
      async listDataIds() { return params.ids; },
      async hasData(d) { return params.ids.includes(d); },
      async describeData(d) { return { data_id: d, data_type: "dataset", dims: {}, coords: {}, data_vars: {}, attrs: {} }; },
      async searchData() { return []; },
      async openData() { throw new Error("no data"); },
      async getOpenDataParamsSchema() { return { type: "object" }; },
    };
  },
}];`;

let records: StorePluginRecord[];
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "eocube-plugins-"));
  const nm = join(dir, "node_modules");
  writePackage(nm, "eocube-store-demo", { main: "index.js" }, { "index.js": DEMO_STORE("demo") });
  writePackage(nm, "@acme/eocube-store-scoped", { exports: { ".": { import: "./lib.js" } } }, { "lib.js": DEMO_STORE("acme") });
  writePackage(nm, "other-pkg", { eocube: { stores: "./stores.js" } }, { "stores.js": DEMO_STORE("field") });
  writePackage(nm, "not-a-dependency", { eocube: { stores: "./stores.js" } }, { "stores.js": DEMO_STORE("ignored") });
  writePackage(nm, "eocube-store-broken", { main: "index.js" }, { "index.js": "export const nothing = 1;" });
  writePackage(nm, "eocube-store-clash", { main: "index.js" }, { "index.js": DEMO_STORE("file") });
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "project", dependencies: { "other-pkg": "*" } }));
  records = await loadStorePlugins({ nodeModules: [nm], reload: true });
});
afterAll(() => {
  for (const id of ["demo", "acme", "field"]) unregisterDataStore(id);
  rmSync(dir, { recursive: true, force: true });
});

describe("store plugins", () => {
  it("registers the stores of eocube-store-* packages and of dependencies with an eocube.stores field", () => {
    const byName = Object.fromEntries(records.map((r) => [r.package, r]));
    expect(Object.keys(byName).sort()).toEqual([
      "@acme/eocube-store-scoped",
      "eocube-store-broken",
      "eocube-store-clash",
      "eocube-store-demo",
      "other-pkg",
    ]);
    expect(byName["eocube-store-demo"]).toMatchObject({ storeIds: ["demo"], version: "1.2.3" });
    expect(byName["@acme/eocube-store-scoped"]!.storeIds).toEqual(["acme"]);
    expect(byName["other-pkg"]!.storeIds).toEqual(["field"]);
    expect(listDataStoreIds()).toEqual(expect.arrayContaining(["file", "memory", "https", "s3", "demo", "acme", "field"]));
    expect(listDataStoreIds()).not.toContain("ignored");
    expect(getDataStoreInfo("demo").source).toBe("eocube-store-demo@1.2.3");
    expect(getDataStoreInfo("file").source).toBe("eocube");
  });

  it("reports broken plugins and id clashes without stopping the others", () => {
    const broken = records.find((r) => r.package === "eocube-store-broken")!;
    expect(broken.storeIds).toEqual([]);
    expect(broken.error).toMatch(/exports no "stores" array/);
    const clash = records.find((r) => r.package === "eocube-store-clash")!;
    expect(clash.error).toMatch(/data store id "file" \(from eocube-store-clash@1\.2\.3\) is taken by eocube/);
    expect(getDataStoreInfo("file").source).toBe("eocube");
  });

  it("creates plugin stores through newDataStore with their params validated", async () => {
    const store = newDataStore("demo", {});
    expect(await store.listDataIds()).toEqual(["a", "b"]);
    expect(await newDataStore("demo", { ids: ["x"] }).listDataIds()).toEqual(["x"]);
    expect(() => newDataStore("demo", { ids: "x" })).toThrow("store_params/ids must be array");
  });

  it("checks registrations", () => {
    expect(() =>
      registerDataStore({ storeId: "Bad Id", title: "x", mutable: false, paramsSchema: { type: "object" }, create: () => ({}) as never }),
    ).toThrow(/storeId "Bad Id" must match/);
    expect(() =>
      registerDataStore({ storeId: "nofactory", title: "x", mutable: false, paramsSchema: { type: "object" } } as never),
    ).toThrow(/create must be a function/);
    expect(() =>
      registerDataStore({ storeId: "noschema", title: "x", mutable: false, paramsSchema: {}, create: () => ({}) as never }),
    ).toThrow(/paramsSchema must be an object schema/);
  });
});
