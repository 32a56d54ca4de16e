// Routes of `eocube studio`: the studio page (/studio → the viewer build's studio.html), the catalog browser's API
// (/studio/api/summary, search, entity, file) and the publishing form's API (inspect, check, preview, publish).
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { EocubeError, isEocubeError } from "../../core/errors.js";
import { OSC_STATUSES } from "../../catalog/osc/constants.js";
import type { DatasetConfig, WorkflowConfig } from "../../catalog/osc/config.js";
import type { GitHubSessionOptions } from "../../catalog/publish/github.js";
import { runGit } from "../../catalog/publish/git.js";
import { OSC_LICENSES } from "../../catalog/osc/licenses.js";
import { OSC_THEMES } from "../../catalog/osc/themes.js";
import {
  type CatalogEntry,
  type CatalogIndex,
  type CatalogQuery,
  type EntityKind,
  ENTITY_KINDS,
  loadCatalogIndex,
  linkTarget,
  resolveLink,
} from "../../studio/catalog-index.js";
import { absoluteFormPaths, checkConfigs, configFiles, inspectDataset, withConfigFiles } from "../../studio/form.js";

/** Options of {@link studioRoutes}. */
export interface StudioOptions {
  /** The local OSC catalog (a git repository for publishing). */
  catalogDir: string;
  /** URL prefix of the server [default ""]. */
  prefix?: string;
  /** The catalog's index when already loaded [default: loaded from catalogDir]. */
  index?: CatalogIndex;
  /** Dataset ids the server serves (product ids whose data the viewer can preview). */
  served?: string[];
  /** Time of publications (tests) [default now]. */
  now?: () => Date;
  /**
   * GitHub endpoints and fork polling of publications to GitHub [default: EOCUBE_GITHUB_API_URL / EOCUBE_GIT_URL,
   * else github.com]. The token never comes from here: each publication sends its own.
   */
  github?: Omit<GitHubSessionOptions, "noFork">;
  /** Folder that relative paths typed into the form (dataset, gen request) are read from [default process.cwd()]. */
  cwd?: string;
}

const KINDS = new Set<string>(Object.values(ENTITY_KINDS).map((k) => k.kind));

function kindOf(v: unknown): EntityKind {
  if (typeof v !== "string" || !KINDS.has(v))
    throw new EocubeError("INVALID_PARAMS", `unknown entity kind ${JSON.stringify(String(v)).slice(0, 60)}`, {
      field: "kind",
      hint: [...KINDS].join(", "),
    });
  return v as EntityKind;
}

function bboxOf(v: unknown): [number, number, number, number] | undefined {
  if (v === undefined || v === "") return undefined;
  const b = String(v).split(",").map(Number);
  if (b.length !== 4 || b.some((x) => !Number.isFinite(x)))
    throw new EocubeError("INVALID_PARAMS", "bbox must be west,south,east,north in degrees", { field: "bbox" });
  return b as [number, number, number, number];
}

/** A product's data a browser-side preview can read: its first http(s) link to a .zarr, .nc, .tif or .levels, else undefined. */
export function productData(e: CatalogEntry): { href: string } | undefined {
  return e.links.find((l) => /^https?:\/\//.test(l.href) && /\.(zarr|nc|tiff?|levels)\/?$/i.test(l.href.split("?")[0]!));
}

/** The body of check/preview/publish: the form's two configs. */
interface FormBody {
  dataset?: unknown;
  workflow?: unknown;
  /** publish: "local" (a branch with one commit in the catalog repository) or a GitHub environment. */
  target?: "local" | "production" | "staging" | "testing";
  /** publish to GitHub: the token of this session (never stored or logged). */
  token?: string;
}

/**
 * The files a publication's commit holds that the checked-out branch does not: the publication's own files, or, for a
 * no-op naming an earlier publication branch, the files that branch changes against HEAD. Read with git from the commit.
 */
async function publishedFiles(
  repo: string,
  commit: string,
  files: Array<{ path: string }>,
): Promise<Array<{ path: string; text: string }>> {
  let paths = files.map((f) => f.path);
  if (paths.length === 0) {
    const head = (await runGit(["rev-parse", "-q", "--verify", "HEAD^{commit}"], { cwd: repo, okCodes: [0, 1] })).stdout.trim();
    if (!head) return [];
    const out = await runGit(["diff", "--name-only", "-z", "--no-renames", "--diff-filter=AM", head, commit], { cwd: repo });
    paths = out.stdout.split("\0").filter(Boolean);
  }
  const texts: Array<{ path: string; text: string }> = [];
  let next = 0;
  const worker = async () => {
    while (next < paths.length) {
      const path = paths[next++]!;
      texts.push({ path, text: (await runGit(["show", `${commit}:${path}`], { cwd: repo })).stdout });
    }
  };
  await Promise.all(Array.from({ length: Math.min(4, paths.length) }, worker));
  return texts;
}

/**
 * The catalog repository's git state: HEAD and the tips of its publication branches (`refs/heads/publish/*`), as
 * `<ref> <commit>` lines; undefined when the folder is not a git work tree.
 */
async function gitState(repo: string): Promise<string | undefined> {
  const refs = await runGit(["for-each-ref", "--format=%(refname) %(objectname)", "refs/heads/publish/"], {
    cwd: repo,
    okCodes: [0, 128],
  }).catch(() => undefined);
  if (refs?.code !== 0) return undefined;
  const head = (await runGit(["rev-parse", "-q", "--verify", "HEAD^{commit}"], { cwd: repo, okCodes: [0, 1] })).stdout.trim();
  return `HEAD ${head}\n${refs.stdout}`;
}

/**
 * Adds to `index` the files of every publication branch (`publish/*`) that HEAD does not contain: the files each
 * changes against its merge base with HEAD, oldest branch first (so a later publication of the same id wins), with the
 * branch, its commit and the pull request `pullRequests` knows for it as their origin.
 */
async function addPublicationBranches(index: CatalogIndex, repo: string, pullRequests: Map<string, string>): Promise<void> {
  const head = (await runGit(["rev-parse", "-q", "--verify", "HEAD^{commit}"], { cwd: repo, okCodes: [0, 1] })).stdout.trim();
  if (!head) return;
  const refs = await runGit(
    ["for-each-ref", "--sort=committerdate", "--no-merged", head, "--format=%(refname:short) %(objectname)", "refs/heads/publish/"],
    { cwd: repo },
  );
  for (const line of refs.stdout.split("\n").filter(Boolean)) {
    const [branch, commit] = line.split(" ") as [string, string];
    const diff = await runGit(["diff", "--name-only", "-z", "--no-renames", "--diff-filter=AM", `${head}...${commit}`], { cwd: repo });
    const paths = diff.stdout.split("\0").filter(Boolean);
    if (paths.length === 0) continue;
    const pullRequest = pullRequests.get(branch);
    index.addFiles(
      await publishedFiles(
        repo,
        commit,
        paths.map((path) => ({ path })),
      ),
      {
        branch,
        commit,
        ...(pullRequest ? { pullRequest } : {}),
      },
    );
  }
}

/**
 * Registers the studio on a built app (before it listens): loads the catalog index and adds the routes. A
 * publication's files (its commit on a new branch, locally or in a pull request) are added to the index at once, so the
 * new product is browsed and searched without a restart. Publications made elsewhere (`eocube publish`, deep-code) and
 * a changed checkout (`git pull`, `git switch`) are seen too: before answering, the studio compares the repository's
 * HEAD and `publish/*` branch tips with those it indexed (at most once a second) and reloads the index when they
 * changed; the files of unmerged publication branches are indexed with their branch as origin. The GitHub token of a publication comes in the request body
 * and is used for that request only: never stored, logged or answered.
 * @throws EocubeError NOT_FOUND when the catalog folder has no catalog.json.
 */
export async function studioRoutes(app: FastifyInstance, options: StudioOptions): Promise<{ index: () => CatalogIndex }> {
  let index = options.index ?? (await loadCatalogIndex(options.catalogDir));
  const repo = index.dir;
  /** Pull requests opened from the form, by branch (kept across reloads). */
  const pullRequests = new Map<string, string>();
  let state = await gitState(repo);
  if (state !== undefined) await addPublicationBranches(index, repo, pullRequests);
  let checked = Date.now();
  let refreshing: Promise<void> | undefined;
  /** Reloads the index when the repository's git state changed since it was indexed (checked at most once a second). */
  const fresh = async (): Promise<void> => {
    if (state === undefined || Date.now() - checked < 1000) return refreshing;
    refreshing ??= (async () => {
      checked = Date.now();
      const now = await gitState(repo);
      if (now === undefined || now === state) return;
      const next = await loadCatalogIndex(repo);
      await addPublicationBranches(next, repo, pullRequests);
      index = next;
      state = now;
    })().finally(() => {
      refreshing = undefined;
    });
    return refreshing;
  };
  const prefix = options.prefix ?? "";
  const served = new Set(options.served ?? []);
  const cwd = options.cwd ?? process.cwd();
  /** The form's configs with relative paths made absolute (they are published from a temp folder). */
  const formOf = (body: FormBody) => absoluteFormPaths(body.dataset, body.workflow, cwd);

  app.get("/studio", { schema: { summary: "The catalog browser and publishing form" } }, async (_request, reply) =>
    reply.redirect(`${prefix}/viewer/studio.html`),
  );

  app.get(
    "/studio/api/summary",
    { schema: { summary: "Counts, facets and the form's choices (themes, licences, statuses, projects)" } },
    async () => {
      await fresh();
      const all = index.search({ limit: 1 });
      return {
        catalog: index.dir,
        counts: index.counts(),
        problems: index.problems,
        facets: all.facets,
        titles: {
          theme: Object.fromEntries(index.list("theme").map((e) => [e.id, e.title])),
          variable: Object.fromEntries(index.list("variable").map((e) => [e.id, e.title])),
          mission: Object.fromEntries(index.list("eo-mission").map((e) => [e.id, e.title])),
          project: Object.fromEntries(index.list("project").map((e) => [e.id, e.title])),
        },
        themes: OSC_THEMES.map((t) => ({ id: t.id, title: t.title })),
        licenses: OSC_LICENSES,
        statuses: OSC_STATUSES,
      };
    },
  );

  app.get("/studio/api/search", { schema: { summary: "Search entities by text, facets, bbox (w,s,e,n) and time" } }, async (request) => {
    await fresh();
    const q = request.query as Record<string, string | undefined>;
    const query: CatalogQuery = {
      ...(q.q ? { q: q.q } : {}),
      kind: q.kind ? kindOf(q.kind) : "product",
      ...(q.theme ? { theme: q.theme } : {}),
      ...(q.variable ? { variable: q.variable } : {}),
      ...(q.mission ? { mission: q.mission } : {}),
      ...(q.project ? { project: q.project } : {}),
      ...(bboxOf(q.bbox) ? { bbox: bboxOf(q.bbox) } : {}),
      ...(q.start ? { start: q.start } : {}),
      ...(q.end ? { end: q.end } : {}),
      ...(q.limit ? { limit: Number(q.limit) } : {}),
      ...(q.offset ? { offset: Number(q.offset) } : {}),
    };
    return index.search(query);
  });

  app.get(
    "/studio/api/entity/:kind/:id",
    { schema: { summary: "One entity: its fields, links (entity links resolved) and related entities" } },
    async (request) => {
      await fresh();
      const { kind, id } = request.params as { kind: string; id: string };
      const e = index.get(kindOf(kind), id);
      if (!e) throw new EocubeError("NOT_FOUND", `no ${kind} ${id} in the catalog`, { field: "id" });
      const links = e.links.map((l) => {
        const path = resolveLink(e, l.href);
        const target = path ? linkTarget(path) : undefined;
        const kindOfTarget = target ? ENTITY_KINDS[target.folder as keyof typeof ENTITY_KINDS]?.kind : undefined;
        return { ...l, ...(path ? { path } : {}), ...(kindOfTarget && target ? { entity: { kind: kindOfTarget, id: target.id } } : {}) };
      });
      const files: Array<{ rel: string; path: string; text?: string }> = [];
      for (const l of links) {
        if ((l.rel === "input" || l.rel === "environment") && l.path) {
          files.push({ rel: l.rel, path: l.path, text: await index.readText(l.path).catch(() => undefined) });
        }
      }
      // a product's data a browser can read (Zarr, NetCDF, GeoTIFF over http(s)): previewed through the viewer
      const data = e.kind === "product" ? productData(e) : undefined;
      const { text: _t, ...entry } = e;
      const preview = data && served.has(e.id) ? `${prefix}/viewer/#ds=${encodeURIComponent(e.id)}` : undefined;
      return { ...entry, links, files, ...(data ? { data: data.href } : {}), ...(preview ? { preview } : {}) };
    },
  );

  app.post(
    "/studio/api/inspect",
    { schema: { summary: "Read a dataset's metadata and variables (path or URL) and pre-fill the dataset config" } },
    async (request) => {
      await fresh();
      const source = (request.body as { source?: unknown } | undefined)?.source;
      if (typeof source !== "string" || !source.trim())
        throw new EocubeError("INVALID_PARAMS", "give the dataset as a path or URL", { field: "source" });
      return inspectDataset(source.trim(), index);
    },
  );

  app.post(
    "/studio/api/check",
    { schema: { summary: "Check the form's configs field by field (the OSC rules of the configs)" } },
    async (request) => {
      await fresh();
      const { dataset, workflow } = formOf((request.body ?? {}) as FormBody);
      const problems = checkConfigs(dataset, workflow, index);
      return {
        valid: problems.length === 0,
        problems,
        ...(problems.length === 0 ? { files: configFiles(dataset as DatasetConfig, workflow as WorkflowConfig) } : {}),
      };
    },
  );

  const planned = async (request: FastifyRequest, dryRun: boolean) => {
    await fresh();
    const body = (request.body ?? {}) as FormBody;
    const { dataset, workflow } = formOf(body);
    const problems = checkConfigs(dataset, workflow, index);
    if (problems.length) return { valid: false, problems };
    const dc = dataset as DatasetConfig;
    const wc = workflow as WorkflowConfig;
    const target = body.target ?? "local";
    if (target !== "local" && !["production", "staging", "testing"].includes(target))
      throw new EocubeError("INVALID_PARAMS", `unknown publication target ${String(target).slice(0, 40)}`, { field: "target" });
    if (!dryRun && target !== "local" && (typeof body.token !== "string" || !body.token))
      throw new EocubeError("INVALID_PARAMS", "publishing on GitHub needs a token", {
        field: "token",
        hint: "paste a GitHub token with repo scope; it is used for this publication only",
      });
    const { publish } = await import("../../catalog/publish/publish.js");
    const result = await withConfigFiles(dc, wc, async (paths) =>
      publish({
        datasetConfig: paths.dataset,
        workflowConfig: paths.workflow,
        catalogDir: options.catalogDir,
        dryRun: dryRun || undefined,
        ...(options.now ? { now: options.now() } : {}),
        ...(!dryRun && target !== "local" ? { environment: target, github: { ...options.github, token: body.token } } : {}),
      }).catch((err: unknown) => {
        // a config problem the builder finds (OSC rules needing the catalog) goes next to its field in the form
        if (isEocubeError(err, "INVALID_CONFIG") && err.field) {
          const which = err.path === paths.workflow ? "workflow" : "dataset";
          return { problem: { field: `${which}.${err.field}`, message: err.message, ...(err.hint ? { hint: err.hint } : {}) } };
        }
        throw err;
      }),
    );
    if ("problem" in result) return { valid: false, problems: [result.problem] };
    // the publication's files are on a branch (and in a pull request), not checked out: add them to the index now
    if (!dryRun && result.commit && result.catalog) {
      const files = await publishedFiles(result.catalog, result.commit, result.noop ? [] : result.files);
      if (result.branch && result.pullRequest) pullRequests.set(result.branch, result.pullRequest.url);
      index.addFiles(files, {
        ...(result.branch ? { branch: result.branch } : {}),
        commit: result.commit,
        ...(result.pullRequest ? { pullRequest: result.pullRequest.url } : {}),
      });
    }
    // the whole catalog's validation problems (files, not form fields) as catalogProblems
    const { problems: catalogProblems, ...rest } = result;
    return { ...rest, valid: true, problems: [], catalogProblems: catalogProblems ?? [], configs: configFiles(dc, wc) };
  };

  app.post(
    "/studio/api/preview",
    { schema: { summary: "Plan the publication (dry run): the files, their diffs and the catalog's validation" } },
    async (request) => planned(request, true),
  );
  app.post(
    "/studio/api/publish",
    { schema: { summary: "Publish: one commit on a new branch of the local catalog, or a GitHub pull request" } },
    async (request, reply) => {
      const out = await planned(request, false);
      if (!out.valid) return (reply as FastifyReply).code(400).send(out);
      return out;
    },
  );

  return { index: () => index };
}
