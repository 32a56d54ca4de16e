#!/usr/bin/env node
// Copies the JSON Schemas that STAC and OSC validation need from ../shared into schemas/ (shipped in the
// npm package), so that `eocube validate` works offline. Run: node scripts/bundle-schemas.mjs [SHARED_DIR]
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const shared = resolve(process.argv[2] ?? join(repo, "..", "shared"));
const oscSchemas = join(shared, "fixtures", "osc-schemas");
const dataSchemas = join(shared, "data", "stac-schemas");
const out = join(repo, "schemas");

if (!existsSync(oscSchemas)) {
  console.error(`error: ${oscSchemas} not found (pass the shared folder as the first argument)`);
  process.exit(2);
}

/** URL prefix → folder under schemas/ (longest prefix wins; same semantics as stac-node-validator's schemaMap). */
const MAP = {
  "https://testing.earthcode.eox.at/schemas/": "osc-validation/",
  "https://esa-earthcode.github.io/open-science-catalog-validation/schemas/": "osc-validation/",
  "https://schemas.stacspec.org/": "stac-spec/",
  "https://stac-extensions.github.io/": "stac-extensions/",
  "https://geojson.org/schema/": "geojson/",
  "https://proj.org/schemas/": "proj/",
};

const tmp = `${out}.tmp-${process.pid}`;
rmSync(tmp, { recursive: true, force: true });
mkdirSync(tmp, { recursive: true });
for (const folder of ["osc-validation", "stac-spec", "stac-extensions", "geojson", "proj"]) {
  cpSync(join(oscSchemas, folder), join(tmp, folder), { recursive: true });
}
// Extra released versions of the extensions (never overwrite the CI's copies).
const extSrc = join(dataSchemas, "stac-extensions");
if (existsSync(extSrc)) cpSync(extSrc, join(tmp, "stac-extensions"), { recursive: true, force: false, errorOnExist: false });
// Schemas that ../shared lacks, kept in this repository (see scripts/schemas-extra/README.md); never over the CI's copies.
const extra = join(repo, "scripts", "schemas-extra", "stac-extensions");
if (existsSync(extra)) cpSync(extra, join(tmp, "stac-extensions"), { recursive: true, force: false, errorOnExist: false });
const beta = join(dataSchemas, "stacspec", "v1.1.0-beta.1");
if (existsSync(beta)) cpSync(beta, join(tmp, "stac-spec", "v1.1.0-beta.1"), { recursive: true });

// Normalise every file to compact JSON (smaller package, faster parse), keeping the content.
const files = [];
const walk = (dir) => {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith(".json")) {
      const json = JSON.parse(readFileSync(p, "utf8"));
      writeFileSync(p, `${JSON.stringify(json)}\n`);
      files.push(relative(tmp, p).split("\\").join("/"));
    }
  }
};
walk(tmp);

// The digest of the bundled schemas (sha256 over each file's path, a NUL, its bytes, a NUL, in `files` order): the
// precompiled validators (scripts/precompile-schemas.mjs) carry it, and the registry uses them only when both match.
const hash = createHash("sha256");
for (const f of files)
  hash
    .update(`${f}\0`)
    .update(readFileSync(join(tmp, f)))
    .update("\0");
const digest = hash.digest("hex");

const provenance = JSON.parse(readFileSync(join(oscSchemas, "schema-map.json"), "utf8"))._provenance ?? {};
writeFileSync(
  join(tmp, "schema-map.json"),
  `${JSON.stringify(
    { comment: "URL prefix -> folder of this directory; written by scripts/bundle-schemas.mjs", map: MAP, digest, files },
    null,
    2,
  )}\n`,
);
const notice = `# Bundled JSON Schemas

Written by \`scripts/bundle-schemas.mjs\` (do not edit by hand; re-run the script). eocube's schema registry
(\`src/catalog/stac/schemas.ts\`) resolves a schema URL to a file here with \`schema-map.json\`
(URL prefix → folder), so STAC and OSC validation work offline. \`npm run build\` precompiles every schema to ajv
standalone code (\`scripts/precompile-schemas.mjs\` → \`dist/catalog/stac/precompiled-schemas.cjs\` and its V8 code
cache), used while its digest is \`schema-map.json\`'s \`digest\` (re-bundling changes the digest: rebuild).

| folder | URL prefix | source | licence |
|---|---|---|---|
| \`osc-validation/\` | https://testing.earthcode.eox.at/schemas/ (alias https://esa-earthcode.github.io/open-science-catalog-validation/schemas/) | ESA-EarthCODE/open-science-catalog-validation, folder \`schemas/\`: ${provenance["osc-validation"] ?? ""} | ISC (the repository's package.json) |
| \`stac-spec/v1.0.0/\` | https://schemas.stacspec.org/v1.0.0/ | ${provenance["stac-spec/v1.0.0"] ?? "radiantearth/stac-spec v1.0.0"} | Apache-2.0 |
| \`stac-spec/v1.1.0/\` | https://schemas.stacspec.org/v1.1.0/ | ${provenance["stac-spec/v1.1.0"] ?? ""} | Apache-2.0 |
| \`stac-spec/v1.1.0-beta.1/\` | https://schemas.stacspec.org/v1.1.0-beta.1/ | radiantearth/stac-spec master@2e6947df | Apache-2.0 |
| \`stac-extensions/\` | https://stac-extensions.github.io/ | ${provenance["stac-extensions"] ?? ""}; extra released tags of cf, themes, contacts, datacube | Apache-2.0 |
| \`stac-extensions/file/v2.1.0/\` | https://stac-extensions.github.io/file/v2.1.0/schema.json | eocube's stand-in written from the extension's README field table (scripts/schemas-extra/README.md), not the upstream file | MIT (eocube) |
| \`geojson/\` | https://geojson.org/schema/ | ${provenance.geojson ?? "geojson/schema"} | MIT |
| \`proj/\` | https://proj.org/schemas/ | ${provenance.proj ?? "offline stub"} | (stub, no content) |

Files: ${files.length}.
`;
writeFileSync(join(tmp, "README.md"), notice);
rmSync(out, { recursive: true, force: true });
cpSync(tmp, out, { recursive: true });
rmSync(tmp, { recursive: true, force: true });
console.log(`bundled ${files.length} schemas into ${relative(process.cwd(), out) || "."}`);
