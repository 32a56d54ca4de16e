// Lossless JSON edits (jsonc-parser): appended links, set members and retitled links leave every other byte of the file as it was.
import { describe, expect, it } from "vitest";
import {
  appendToArray,
  parseJsonText,
  removeFromArray,
  replaceString,
  retitleInArray,
  setMember,
} from "../../../src/catalog/osc/json-text.js";

describe("appendToArray", () => {
  it("appends after the last element with the file's indentation, keeping number spellings", () => {
    const text = '{\n    "bbox": [-180.0, 90.0],\n    "links": [\n        {"rel": "root"}\n    ]\n}';
    const out = appendToArray(parseJsonText(text, "f.json"), "links", [{ rel: "child", href: "./a.json" }], "f.json").text;
    expect(out).toBe(
      '{\n    "bbox": [-180.0, 90.0],\n    "links": [\n        {"rel": "root"},\n        {\n            "rel": "child",\n            "href": "./a.json"\n        }\n    ]\n}',
    );
    expect(JSON.parse(out).links).toHaveLength(2);
  });

  it("fills an empty array and keeps CRLF line ends", () => {
    const text = '{\r\n  "links": []\r\n}\r\n';
    const out = appendToArray(parseJsonText(text, "f.json"), "links", [{ rel: "a" }], "f.json").text;
    expect(out).toBe('{\r\n  "links": [\r\n    {\r\n      "rel": "a"\r\n    }\r\n  ]\r\n}\r\n');
  });

  it("appends to a one-line array on one line", () => {
    const text = '{"osc:workflows": ["a"], "x": 1}';
    expect(appendToArray(parseJsonText(text, "f.json"), "osc:workflows", ["b"], "f.json").text).toBe(
      '{"osc:workflows": ["a", "b"], "x": 1}',
    );
  });

  it("handles strings holding brackets and escaped quotes", () => {
    const text = '{\n  "d": "a ] \\" [ }",\n  "links": [\n    {"t": "]"}\n  ]\n}\n';
    const out = appendToArray(parseJsonText(text, "f.json"), "links", [{ t: "x" }], "f.json").text;
    expect(JSON.parse(out)).toEqual({ d: 'a ] " [ }', links: [{ t: "]" }, { t: "x" }] });
    expect(out.startsWith('{\n  "d": "a ] \\" [ }",\n  "links": [\n    {"t": "]"},\n')).toBe(true);
  });

  it("refuses a missing array and non-JSON text", () => {
    expect(() => appendToArray(parseJsonText("{}", "f.json"), "links", [1], "f.json")).toThrow(/no top-level array/);
    expect(() => parseJsonText("{", "f.json")).toThrow(/not valid JSON/);
    expect(() => parseJsonText("[]", "f.json")).toThrow(/does not hold a JSON object/);
  });
});

describe("setMember", () => {
  it("replaces a value in place or appends a new member last", () => {
    const text = '{\n  "a": 1.0,\n  "b": "x"\n}';
    expect(setMember(parseJsonText(text, "f.json"), "b", "y", "f.json").text).toBe('{\n  "a": 1.0,\n  "b": "y"\n}');
    expect(setMember(parseJsonText(text, "f.json"), "c", ["z"], "f.json").text).toBe(
      '{\n  "a": 1.0,\n  "b": "x",\n  "c": [\n    "z"\n  ]\n}',
    );
  });
});

describe("removeFromArray", () => {
  const isB = (x: unknown) => (x as { rel?: string })?.rel === "b" || x === "b";
  it("removes a middle, the first and the last element, keeping every other byte", () => {
    const text =
      '{\r\n    "x": -180.0,\r\n    "links": [\r\n        {"rel": "a"},\r\n        {"rel": "b", "t": "]"},\r\n        {"rel": "c"}\r\n    ]\r\n}\r\n';
    expect(removeFromArray(parseJsonText(text, "f.json"), "links", isB, "f.json").text).toBe(
      '{\r\n    "x": -180.0,\r\n    "links": [\r\n        {"rel": "a"},\r\n        {"rel": "c"}\r\n    ]\r\n}\r\n',
    );
    const first = '{"links": [{"rel": "b"}, {"rel": "a"}]}';
    expect(removeFromArray(parseJsonText(first, "f.json"), "links", isB, "f.json").text).toBe('{"links": [{"rel": "a"}]}');
    const last = '{"l": ["a", "b"], "y": 1}';
    expect(removeFromArray(parseJsonText(last, "f.json"), "l", isB, "f.json").text).toBe('{"l": ["a"], "y": 1}');
  });

  it("leaves [] when all go, and returns the same text when none match", () => {
    const text = '{\n  "links": [\n    "b",\n    "b"\n  ]\n}\n';
    expect(removeFromArray(parseJsonText(text, "f.json"), "links", isB, "f.json").text).toBe('{\n  "links": []\n}\n');
    const none = '{"links": ["a"]}';
    expect(removeFromArray(parseJsonText(none, "f.json"), "links", isB, "f.json").text).toBe(none);
  });
});

describe("retitleInArray and replaceString", () => {
  it("changes only the matching titles, byte for byte elsewhere", () => {
    const text =
      '{\n    "links": [\n        {"rel": "child", "title": "Old",  "href": "./a"},\n        {"rel": "child", "href": "./b"},\n        {"rel": "item", "title": "Old"}\n    ],\n    "n": -180.0\n}\n';
    const isChild = (l: unknown) => (l as { rel?: string }).rel === "child";
    expect(retitleInArray(parseJsonText(text, "f.json"), "links", isChild, 'New "one"', "f.json").text).toBe(
      text.replace('"title": "Old",  "href": "./a"', '"title": "New \\"one\\"",  "href": "./a"'),
    );
    const none = parseJsonText(text, "f.json");
    expect(retitleInArray(none, "links", () => false, "x", "f.json")).toBe(none);
  });

  it("replaces a string member in place and leaves a missing or non-string member alone", () => {
    const text = '{\r\n  "updated": "2020-01-01T00:00:00Z",\r\n  "n": 1.0\r\n}\r\n';
    expect(replaceString(parseJsonText(text, "f.json"), "updated", "2026-11-22T10:00:00Z", "f.json").text).toBe(
      text.replace("2020-01-01T00:00:00Z", "2026-11-22T10:00:00Z"),
    );
    const p = parseJsonText(text, "f.json");
    expect(replaceString(p, "n", "x", "f.json")).toBe(p);
    expect(replaceString(p, "created", "x", "f.json")).toBe(p);
  });

  it("adds a member to an empty object", () => {
    expect(setMember(parseJsonText("{}\n", "f.json"), "a", 1, "f.json").text).toBe('{\n  "a": 1\n}\n');
  });
});
