// `eocube prr --init`: the annotated config template.
import { writeFile } from "node:fs/promises";
import { EocubeError } from "../../core/errors.js";

/** The annotated template of a PRR config (YAML, valid as is once the paths exist). */
export const PRR_CONFIG_TEMPLATE = `# eocube prr: one STAC Collection for the ESA Project Results Repository (PRR).
# Run: eocube prr prr-config.yaml -o out/   (every document is validated before anything is written)
# Every field is described at https://github.com/radiantearth/stac-spec/tree/v1.0.0 and in the extensions named.

# Collection id: becomes the folder name in the PRR; letters, digits and single - _ . between them.
id: my-project-results
title: My project results
description: >-
  What the collection holds, how it was made and how to use it (Markdown allowed).
# SPDX licence id (https://spdx.org/licenses/), or "various" / "proprietary".
license: CC-BY-4.0
# Folder the asset paths and globs below are relative to, itself relative to this file [default: .].
# Globs never match outside it; assets named by path outside it are listed in a warning.
base_dir: .
# What happens to the local files of the assets (override per item or per asset with asset_files: …):
#   copy: copied into out/<item-id>/ with hrefs ./<file name>: the output folder is self-contained and is
#         what you upload to the PRR as is [default]; symbolic links in a copied folder must point to files
#         inside it;
#   link: left where they are, hrefs relative to each item's JSON file (../../data/x.nc): upload them at
#         that relative place yourself (a warning names every href that leaves the output folder).
# file:size and file:checksum are always those of the local files.
asset_files: copy
# The URL the output folder will have once uploaded: local asset hrefs become absolute URLs under it
# (https://…/my-project-results/<item-id>/<file name>) instead of relative ones [default: relative hrefs].
# asset_base_url: https://example.org/prr/my-project-results/
keywords: [sea surface temperature, example]
providers:
  - name: My Institute
    roles: [producer, licensor]   # licensor | producer | processor | host
    url: https://example.org
# contacts extension v0.1.1
contacts:
  - name: Jane Doe
    organization: My Institute
    emails: [{ value: jane.doe@example.org }]
    roles: [principal-investigator]
# OSC theme ids (themes extension, scheme https://github.com/stac-extensions/osc#theme)
themes: [oceans]
# Open Science Catalog project id (osc extension: osc:type product, osc:status)
"osc:project": my-project
"osc:status": completed
# scientific extension
"sci:doi": 10.5281/zenodo.0000000
"sci:citation": Doe, J. (2025). My project results. Zenodo.
# Time of items whose files hold none (GeoTIFFs, documents); else they take the collection's time extent.
# datetime: 2020-01-01T00:00:00Z
items:
  # One item per file: the id is the file name without extension, sanitised.
  - glob: data/*.nc
    description: Daily fields
    asset: { key: data, title: NetCDF file, roles: [data] }
  # An item with several assets.
  - id: documentation
    title: Product user manual
    description: How the product was made
    datetime: 2020-01-01T00:00:00Z
    assets:
      - { key: manual, path: docs/manual.pdf, title: Product user manual, roles: [documentation] }
      - { key: insitu, path: docs/insitu.tgz, title: In-situ data package, roles: [data], type: application/gzip }
      # a large file already online: a remote href (never copied; read only with extract: true)
      - { key: archive, href: https://example.org/data/archive.zip, title: Full archive, roles: [data], type: application/zip }
`;

/**
 * Writes {@link PRR_CONFIG_TEMPLATE} to `path`.
 * @throws EocubeError ALREADY_EXISTS when the file exists and `force` is not set.
 */
export async function writePrrTemplate(path: string, options: { force?: boolean } = {}): Promise<void> {
  try {
    await writeFile(path, PRR_CONFIG_TEMPLATE, { flag: options.force ? "w" : "wx" });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") {
      throw new EocubeError("ALREADY_EXISTS", `${path} exists`, { path, hint: "choose another file, or pass --force to overwrite it" });
    }
    throw err;
  }
}
