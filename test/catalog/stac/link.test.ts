// The STAC link model (catalog/stac/link.ts): one builder per relation, pure toJSON/fromJSON in the field order
// the catalog files and the server's STAC API have always had.
import { describe, expect, it } from "vitest";
import { Link, MediaType, RelType, type LinkJson } from "../../../src/catalog/stac/link.js";

describe("Link", () => {
  it("builders set the relation; toJSON writes rel, href, type, title, method, then other fields, leaving absent ones out", () => {
    expect(Link.root("./catalog.json", { type: MediaType.JSON, title: "Open Science Catalog" }).toJSON()).toEqual({
      rel: "root",
      href: "./catalog.json",
      type: "application/json",
      title: "Open Science Catalog",
    });
    expect(JSON.stringify(Link.next("https://x/search?token=10", { type: MediaType.GEOJSON, method: "GET" }))).toBe(
      '{"rel":"next","href":"https://x/search?token=10","type":"application/geo+json","method":"GET"}',
    );
    expect(JSON.stringify(Link.via("https://gcmd", { title: "Description" }))).toBe(
      '{"rel":"via","href":"https://gcmd","title":"Description"}',
    );
    const nb = Link.application("nb.ipynb", {
      type: MediaType.IPYNB,
      title: "NB",
      extra: { "application:type": "jupyter-notebook", dropped: undefined, kept: null },
    });
    expect(Object.keys(nb.toJSON())).toEqual(["rel", "href", "type", "title", "application:type", "kept"]);
    expect({ ...nb }).toEqual(nb.toJSON()); // own fields are the JSON's
    const builders: Array<[(href: string) => Link, string]> = [
      [Link.self, RelType.SELF],
      [Link.parent, "parent"],
      [Link.child, "child"],
      [Link.item, "item"],
      [Link.items, "items"],
      [Link.collection, "collection"],
      [Link.related, "related"],
      [Link.license, "license"],
      [Link.citeAs, "cite-as"],
      [Link.describedBy, "describedby"],
      [Link.preview, "preview"],
      [Link.prev, "prev"],
      [Link.conformance, "conformance"],
      [Link.data, "data"],
      [Link.search, "search"],
      [Link.serviceDesc, "service-desc"],
      [Link.visualisation, "visualisation"],
      [Link.input, "input"],
      [Link.environment, "environment"],
    ];
    for (const [build, rel] of builders) expect(build("h").toJSON(), rel).toEqual({ rel, href: "h" });
  });

  it("fromJSON keeps every field and does not change its input; with replaces fields", () => {
    const json: LinkJson = { href: "./a.json", title: "A", rel: "child", "proj:epsg": null, type: "application/json" };
    const copy = structuredClone(json);
    const link = Link.fromJSON(json);
    expect(json).toEqual(copy);
    expect(Object.keys(link.toJSON())).toEqual(["rel", "href", "type", "title", "proj:epsg"]);
    expect(link.with({ title: "B" }).toJSON()).toEqual({
      rel: "child",
      href: "./a.json",
      type: "application/json",
      title: "B",
      "proj:epsg": null,
    });
    expect(link.toJSON()).not.toBe(link.toJSON());
  });
});
