#!/usr/bin/python3
"""Independent STAC validator for the PRR tests: Debian's python3-jsonschema over eocube's bundled schema files.

Usage: /usr/bin/python3 validate_stac.py SCHEMAS_DIR CATALOG_DIR
Validates CATALOG_DIR/collection.json and every document its item/child links reach (relative hrefs;
copied asset files such as a Zarr v3 zarr.json are not STAC documents and are not checked) against the STAC core schema of its type and stac_version and
every schema in its stac_extensions, resolving $refs offline through a local store built from
SCHEMAS_DIR/schema-map.json (URL prefix -> folder). Prints {"documents": N, "errors": [...]} as JSON;
exit status 1 when any document is invalid.
"""
import json
import os
import sys

import jsonschema

schemas_dir, catalog_dir = sys.argv[1], sys.argv[2]
mapping = json.load(open(os.path.join(schemas_dir, "schema-map.json")))
store = {}
for rel in mapping["files"]:
    doc = json.load(open(os.path.join(schemas_dir, rel)))
    for prefix, folder in mapping["map"].items():
        if rel.startswith(folder):
            url = prefix + rel[len(folder):]
            store[url] = doc
            store[url + "#"] = doc
    if isinstance(doc.get("$id"), str):
        store[doc["$id"]] = doc
        store[doc["$id"].rstrip("#")] = doc


def core_url(version, kind):
    k = {"Feature": "item", "Collection": "collection", "Catalog": "catalog"}[kind]
    return f"https://schemas.stacspec.org/v{version}/{k}-spec/json-schema/{k}.json"


def check(instance, url):
    schema = store.get(url)
    if schema is None:
        return [{"schema": url, "pointer": "", "message": "schema not bundled"}]
    cls = jsonschema.validators.validator_for(schema)
    resolver = jsonschema.RefResolver(base_uri=url, referrer=schema, store=store)
    validator = cls(schema, resolver=resolver, format_checker=jsonschema.FormatChecker())
    return [
        {"schema": url, "pointer": "/" + "/".join(str(p) for p in e.absolute_path), "message": e.message[:300]}
        for e in validator.iter_errors(instance)
    ]


errors = []
count = 0
todo = [os.path.join(catalog_dir, "collection.json")]
seen = set()
while todo:
    path = os.path.normpath(todo.pop(0))
    if path in seen:
        continue
    seen.add(path)
    doc = json.load(open(path))
    count += 1
    rel = os.path.relpath(path, catalog_dir)
    for url in [core_url(doc["stac_version"], doc["type"])] + list(doc.get("stac_extensions", [])):
        for e in check(doc, url):
            errors.append({"document": rel, **e})
    for link in doc.get("links", []):
        if link.get("rel") in ("item", "child") and "://" not in link["href"]:
            todo.append(os.path.join(os.path.dirname(path), link["href"]))
print(json.dumps({"documents": count, "errors": errors}, indent=1))
sys.exit(1 if errors else 0)
