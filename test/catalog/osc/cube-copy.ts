// Test helper: a copy of the real xcube demo cube (shared/data) in a temp folder with its attributes edited, e.g.
// made ready for deep-code (a description, a gcmd_keyword_url on every data variable) as its users prepare a cube.
import { cp, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const SHARED_DATA = fileURLToPath(new URL("../../../../shared/data/", import.meta.url));
/** The real Zarr v2 cube (consolidated), see shared/data/README.md. */
export const DEMO_CUBE = join(SHARED_DATA, "zarr/cube-1-250-250.zarr");

type Attrs = Record<string, unknown>;

/** GCMD keyword pages of the cube's data variables (keyword viewer URLs as the real OSC's variables link them). */
export const DEMO_CUBE_GCMD: Readonly<Record<string, string>> = {
  conc_chl:
    "https://gcmd.earthdata.nasa.gov/KeywordViewer/scheme/Earth%20Science/0f816677-9e94-4e3b-b409-513335769af8?gtm_keyword=CHLOROPHYLL%20CONCENTRATION&gtm_scheme=Earth%20Science",
  conc_tsm:
    "https://gcmd.earthdata.nasa.gov/KeywordViewer/scheme/Earth%20Science/69ff701a-674e-4b63-bb93-6ebe6cd95281?gtm_keyword=SUSPENDED%20SOLIDS&gtm_scheme=Earth%20Science",
  kd489:
    "https://gcmd.earthdata.nasa.gov/KeywordViewer/scheme/all/40aacf7a-aba0-4ba2-bf85-ea7c39c3322c?gtm_keyword=IRRADIANCE&gtm_scheme=Earth%20Science",
  c2rcc_flags:
    "https://gcmd.earthdata.nasa.gov/KeywordViewer/scheme/all/78f5a84f-1b5b-44a9-97e7-4a1996cd2e36?gtm_keyword=OCEAN%20COLOR&gtm_scheme=Earth%20Science",
  quality_flags:
    "https://gcmd.earthdata.nasa.gov/KeywordViewer/scheme/all/78f5a84f-1b5b-44a9-97e7-4a1996cd2e36?gtm_keyword=OCEAN%20COLOR&gtm_scheme=Earth%20Science",
};

/**
 * Copies the demo cube to `<temp>/<name>` and edits its attributes in `.zmetadata` and the `.zattrs` files:
 * `edit(attrs, name)` gets the global attributes (name "") and each variable's, and changes them in place.
 * @returns the copy's path.
 */
export async function cubeCopy(name: string, edit: (attrs: Attrs, variable: string) => void): Promise<string> {
  const dir = join(await mkdtemp(join(tmpdir(), "eocube-cube-")), name);
  await cp(DEMO_CUBE, dir, { recursive: true });
  const meta = JSON.parse(await readFile(join(dir, ".zmetadata"), "utf8")) as { metadata: Record<string, Attrs> };
  for (const [key, attrs] of Object.entries(meta.metadata)) {
    if (!key.endsWith(".zattrs")) continue;
    const variable = key === ".zattrs" ? "" : key.slice(0, -"/.zattrs".length);
    edit(attrs, variable);
    await writeFile(join(dir, key), JSON.stringify(attrs, null, 2));
  }
  await writeFile(join(dir, ".zmetadata"), JSON.stringify(meta, null, 2));
  return dir;
}

/** The data variables of the demo cube. */
export const DEMO_DATA_VARS = ["c2rcc_flags", "conc_chl", "conc_tsm", "kd489", "quality_flags"];

/**
 * A copy of the demo cube ready for deep-code (what `deep-code lint-dataset` asks for): a `description` global
 * attribute and a `gcmd_keyword_url` on every data variable; `more` edits further.
 */
export function deepCodeReadyCube(name = "demo-cube.zarr", more?: (attrs: Attrs, variable: string) => void): Promise<string> {
  return cubeCopy(name, (attrs, v) => {
    if (v === "") attrs.description = "Sentinel-3 OLCI C2RCC water quality over the North Sea, January 2017 (xcube's demo cube).";
    const gcmd = DEMO_CUBE_GCMD[v];
    if (gcmd) attrs.gcmd_keyword_url = gcmd;
    more?.(attrs, v);
  });
}
