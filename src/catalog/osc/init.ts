// `catalog init`: a new, valid, empty OSC catalog git repository (root, seven sub-catalogs, the six themes).
import { readdir, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { EocubeError, throwIfAborted } from "../../core/errors.js";
import { identityArgs, runGit } from "../publish/git.js";
import { STAC_VERSION, SUB_CATALOGS, ROOT_TITLE } from "./constants.js";
import { folderError, makeFolders } from "./folders.js";
import { formatJson } from "./json-text.js";
import { parentLink, rootLink, selfLink, subCatalogEntryLink, viaLink } from "./links.js";
import { Link, MediaType, type LinkJson } from "../stac/link.js";
import { OSC_THEMES, PREVIEW_SHAPE, THEME_PREVIEWS } from "./themes.js";

/** Description of the root catalog, as in the real OSC. */
const ROOT_DESCRIPTION =
  "A catalog of publicly available geoscience products, datasets, workflows, experiments, and resources developed in the frame of scientific research Projects funded by ESA EO (Earth Observation)";

/** Options of {@link initCatalog}. */
export interface InitCatalogOptions {
  /** Time stamp of `updated` fields and of the commit (default: now). */
  now?: Date;
  /** Create the git repository and first commit (default true). */
  git?: boolean;
  signal?: AbortSignal;
}

/** What {@link initCatalog} made. */
export interface InitCatalogResult {
  /** Absolute path of the catalog. */
  dir: string;
  /** Files written, relative to `dir`, sorted. */
  files: string[];
  /** Hash of the first commit (when git is used). */
  commit?: string;
}

/** The files of an empty OSC catalog: catalog-relative path → content (JSON text or bytes). */
export function emptyCatalogFiles(now: Date = new Date()): Map<string, string | Uint8Array> {
  const updated = now.toISOString();
  const files = new Map<string, string | Uint8Array>();
  const rootLinks: LinkJson[] = [rootLink(0)];
  for (const sub of SUB_CATALOGS) {
    rootLinks.push(Link.child(`./${sub.id}/catalog.json`, { type: MediaType.JSON, title: sub.title }).toJSON());
  }
  rootLinks.push(selfLink("catalog.json"));
  files.set(
    "catalog.json",
    formatJson({
      type: "Catalog",
      id: "osc",
      stac_version: STAC_VERSION,
      description: ROOT_DESCRIPTION,
      links: rootLinks,
      updated,
      title: ROOT_TITLE,
    }),
  );
  for (const sub of SUB_CATALOGS) {
    const links: LinkJson[] = [selfLink(`${sub.id}/catalog.json`), rootLink(1), parentLink(ROOT_TITLE)];
    if (sub.id === "themes") {
      for (const theme of OSC_THEMES) links.push(subCatalogEntryLink("themes", theme.id, theme.title));
    }
    files.set(
      `${sub.id}/catalog.json`,
      formatJson({
        type: "Catalog",
        id: sub.id,
        stac_version: STAC_VERSION,
        description: sub.description,
        links,
        updated,
        title: sub.title,
      }),
    );
  }
  for (const theme of OSC_THEMES) {
    files.set(
      `themes/${theme.id}/catalog.json`,
      formatJson({
        type: "Catalog",
        id: theme.id,
        stac_version: STAC_VERSION,
        description: theme.description,
        links: [
          selfLink(`themes/${theme.id}/catalog.json`),
          rootLink(2),
          Link.preview(`./${theme.image}`, {
            type: MediaType.WEBP,
            title: "Image",
            extra: { "proj:epsg": null, "proj:shape": [...PREVIEW_SHAPE] },
          }).toJSON(),
          viaLink(theme.via, "Description", "text/html"),
          parentLink("Themes"),
        ],
        updated: theme.updated,
        keywords: [],
        title: theme.title,
      }),
    );
    files.set(`themes/${theme.id}/${theme.image}`, Buffer.from(THEME_PREVIEWS[theme.id]!, "base64"));
  }
  return files;
}

/**
 * Creates a new, valid OSC catalog in `dir` (created when missing): the root catalog, the seven
 * sub-catalogs (products, projects, variables, themes, eo-missions, workflows, experiments) and the six
 * OSC themes with preview images, then `git init` and a first commit. The committer identity is the
 * user's git configuration; when none is set, eocube's (DEFAULT_IDENTITY of catalog/publish/git, the one publish
 * commits with) is used for this commit only.
 * On failure nothing is left behind.
 * Folders are made one level at a time (bounded; never Node's recursive mkdir, which loops under /proc).
 * @throws EocubeError ALREADY_EXISTS when `dir` exists and is not empty (or is a file, or a parent is a file);
 *   READ_ONLY when it cannot be written; INVALID_ARGUMENT when it cannot be made (e.g. under /proc); GIT_ERROR when git fails.
 */
export async function initCatalog(dir: string, options: InitCatalogOptions = {}): Promise<InitCatalogResult> {
  const abs = resolve(dir);
  throwIfAborted(options.signal);
  let existed = false;
  try {
    const st = await stat(abs);
    existed = true;
    if (!st.isDirectory()) {
      throw new EocubeError("ALREADY_EXISTS", `${dir} exists and is not a folder`, { path: dir, hint: "choose a new folder name" });
    }
    const entries = await readdir(abs);
    if (entries.length > 0) {
      throw new EocubeError("ALREADY_EXISTS", `${dir} is not empty (${entries.length} entr${entries.length === 1 ? "y" : "ies"})`, {
        path: dir,
        hint: "catalog init needs a new or empty folder",
      });
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw folderError(err, dir, "initialising a catalog");
  }
  const files = emptyCatalogFiles(options.now ?? new Date());
  const action = "initialising a catalog";
  const made = await makeFolders(abs, action, dir);
  try {
    for (const [path, content] of files) {
      throwIfAborted(options.signal);
      const target = join(abs, path);
      await makeFolders(dirname(target), action, target);
      await writeFile(target, content).catch((err) => {
        throw folderError(err, target, action);
      });
    }
    let commit: string | undefined;
    if (options.git !== false) commit = await gitInitAndCommit(abs, options.now, options.signal);
    return { dir: abs, files: [...files.keys()].sort(), commit };
  } catch (err) {
    // leave nothing half-made: remove what was written
    if (existed || !made) {
      for (const entry of await readdir(abs).catch(() => [] as string[])) await rm(join(abs, entry), { recursive: true, force: true });
    } else {
      await rm(made, { recursive: true, force: true });
    }
    throw err;
  }
}

async function gitInitAndCommit(dir: string, now: Date | undefined, signal?: AbortSignal): Promise<string> {
  const git = async (args: string[], env?: Record<string, string>) => (await runGit(args, { cwd: dir, signal, env })).stdout;
  await git(["init", "--quiet", "--initial-branch=main"]);
  await git(["add", "--all"]);
  const env = now ? { GIT_AUTHOR_DATE: now.toISOString(), GIT_COMMITTER_DATE: now.toISOString() } : undefined;
  await git(
    [...(await identityArgs(dir)), "commit", "--quiet", "--no-verify", "-m", "Initialise an Open Science Catalog (eocube catalog init)"],
    env,
  );
  return (await git(["rev-parse", "HEAD"])).trim();
}
