// Benchmark `validate`: `eocube validate` as a cold CLI process beside the real OSC validator (cold, same schemas,
// offline) on the same copy of the real OSC metadata catalog, alternating; and eocube's in-process throughput on a
// 50× synthetic enlargement of the catalog sample. Goal: ≥ 3× faster than the real validator, cold.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { validateCatalog } from "../src/catalog/osc/validate/index.js";

const SHARED = fileURLToPath(new URL("../../shared/", import.meta.url));
const SAMPLE = join(SHARED, "fixtures", "osc-catalog-sample");
const OSC_SCHEMAS = join(SHARED, "fixtures", "osc-schemas");
const BIN = fileURLToPath(new URL("../bin/eocube.js", import.meta.url));
const PRECOMPILED = fileURLToPath(new URL("../dist/catalog/stac/precompiled-schemas.cjs", import.meta.url));
/**
 * The real catalog: OSC_CATALOG (a checkout of ESA-EarthCODE/open-science-catalog-metadata), else the git snapshot
 * of it under /work/.mirror (exported into a temp folder).
 */
const CATALOG_GIT = "/work/.mirror/ESA-EarthCODE+open-science-catalog-metadata/repo";
/** The real validator: OSC_VALIDATOR, a checkout of ESA-EarthCODE/open-science-catalog-validation with its npm dependencies installed. */
const VALIDATOR = process.env.OSC_VALIDATOR;
/**
 * The real validator as the catalog's CI runs it (`npx open-science-catalog-validation <catalog>`): OSC_VALIDATOR_CI, a
 * folder where that package is installed (npm install <checkout>) with a config.js whose schemaMap reads the schemas
 * offline (../shared/fixtures/osc-schemas); without network the CI's own config.js would fetch them.
 */
const VALIDATOR_CI = process.env.OSC_VALIDATOR_CI;
const REPEATS = 5;
const ENTITY_FOLDERS = ["products", "projects", "variables", "workflows", "experiments", "eo-missions"];
/** The osc:* fields naming other entities, and the folder of those entities. */
const REF_FIELDS: Record<string, string> = {
  "osc:project": "projects",
  "osc:variables": "variables",
  "osc:missions": "eo-missions",
  "osc:workflow": "workflows",
  "osc:workflows": "workflows",
  "osc:experiment": "experiments",
};

// biome-ignore lint/suspicious/noExplicitAny: arbitrary parsed JSON, walked by field name
type Json = any;

interface ProcessRun {
  /** Wall time, s. */
  s: number;
  /** User + system CPU time of the process and its children, s (NaN without /usr/bin/time). */
  cpu: number;
  code: number | null;
  stdout: string;
}

/** Runs a command to its end; times it with GNU time when present (CPU), else wall clock only. */
function timeProcess(cmd: string, args: string[], cwd?: string): ProcessRun {
  const gnuTime = existsSync("/usr/bin/time");
  const timing = join(tmpdir(), `eocube-bench-time-${process.pid}.txt`);
  const t0 = performance.now();
  const r = gnuTime
    ? spawnSync("/usr/bin/time", ["-f", "%U %S", "-o", timing, cmd, ...args], { cwd, encoding: "utf8", maxBuffer: 1 << 28 })
    : spawnSync(cmd, args, { cwd, encoding: "utf8", maxBuffer: 1 << 28 });
  const s = (performance.now() - t0) / 1000;
  let cpu = Number.NaN;
  if (gnuTime && existsSync(timing)) {
    const [u, sys] = readFileSync(timing, "utf8").trim().split(/\s+/).slice(-2).map(Number);
    cpu = (u ?? Number.NaN) + (sys ?? Number.NaN);
    rmSync(timing, { force: true });
  }
  return { s, cpu, code: r.status, stdout: r.stdout ?? "" };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

/** A copy of the real catalog in a temp folder, or undefined when neither OSC_CATALOG nor the snapshot is here. */
function realCatalog(): { dir: string; source: string; temp: boolean } | undefined {
  if (process.env.OSC_CATALOG) return { dir: resolve(process.env.OSC_CATALOG), source: process.env.OSC_CATALOG, temp: false };
  if (!existsSync(CATALOG_GIT)) return undefined;
  const dir = mkdtempSync(join(tmpdir(), "eocube-bench-osc-real-"));
  const head = spawnSync("git", ["--git-dir", CATALOG_GIT, "log", "-1", "--format=%h %cs"], { encoding: "utf8" }).stdout.trim();
  const archive = spawnSync("sh", ["-c", `git --git-dir '${CATALOG_GIT}' archive HEAD | tar -x -C '${dir}'`]);
  if (archive.status !== 0) throw new Error(`git archive of ${CATALOG_GIT} failed`);
  return { dir, source: `ESA-EarthCODE/open-science-catalog-metadata ${head}`, temp: true };
}

/** The real validator's config (its own config.js, with the schemas read offline from the shared fixtures' schema map). */
function validatorConfig(validator: string): string {
  const schemaMap: Record<string, string> = {};
  const map = JSON.parse(readFileSync(join(OSC_SCHEMAS, "schema-map.json"), "utf8")).map as Record<string, string>;
  for (const [prefix, folder] of Object.entries(map)) schemaMap[prefix] = resolve(OSC_SCHEMAS, folder) + sep;
  const file = join(mkdtempSync(join(tmpdir(), "eocube-bench-oscval-")), "config.json");
  writeFileSync(
    file,
    JSON.stringify({
      lint: false,
      custom: join(validator, "validate.js"),
      schemaMap,
      SCHEMA_URL: "https://testing.earthcode.eox.at/schemas/",
    }),
  );
  return file;
}

/** "N files, N valid, N invalid" from eocube's last line / stac-node-validator's summary. */
function verdict(stdout: string): string {
  const eo = /(\d+) files, (\d+) valid, (\d+) invalid/.exec(stdout);
  if (eo) return `${eo[2]}/${eo[1]} valid`;
  const total = /Summary \((\d+)\)/.exec(stdout)?.[1];
  const valid = /Valid: (\d+)/.exec(stdout)?.[1];
  return total && valid ? `${valid}/${total} valid` : "?";
}

/** Entity ids per folder in the sample. */
function entities(root: string): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const f of ENTITY_FOLDERS) {
    out.set(f, new Set(readdirSync(join(root, f)).filter((n) => statSync(join(root, f, n)).isDirectory())));
  }
  return out;
}

/** Rewrites every reference to an entity (hrefs, osc:* fields, id) to its copy number `k`. */
function renameRefs(json: Json, ids: Map<string, Set<string>>, k: number, ownId?: string, subCatalogOf?: string): Json {
  const sfx = (id: string) => `${id}-x${k}`;
  const hrefRe = new RegExp(`/(${ENTITY_FOLDERS.join("|")})/([^/]+)/`, "g");
  const fixHref = (href: string) => {
    if (subCatalogOf) {
      // A sub-catalog links its entities as ./<id>/<file>.json
      return href.replace(/^\.\/([^/]+)\//, (m, id: string) => (ids.get(subCatalogOf)!.has(id) ? `./${sfx(id)}/` : m));
    }
    return href.replace(hrefRe, (m, folder: string, id: string) => (ids.get(folder)!.has(id) ? `/${folder}/${sfx(id)}/` : m));
  };
  const walkLinks = (links: unknown) => {
    if (Array.isArray(links)) for (const l of links) if (l && typeof l.href === "string") l.href = fixHref(l.href);
  };
  walkLinks(json.links);
  const fixFields = (obj: Json) => {
    if (!obj || typeof obj !== "object") return;
    for (const [f, folder] of Object.entries(REF_FIELDS)) {
      const v = obj[f];
      if (typeof v === "string" && ids.get(folder)!.has(v)) obj[f] = sfx(v);
      else if (Array.isArray(v)) obj[f] = v.map((x) => (typeof x === "string" && ids.get(folder)!.has(x) ? sfx(x) : x));
    }
  };
  fixFields(json);
  fixFields(json.properties);
  if (ownId !== undefined && json.id === ownId) json.id = sfx(ownId);
  return json;
}

/** Makes `copies` extra copies of every entity of the sample in a temp folder, with every catalog linking them. */
export function enlargeSample(copies: number): string {
  const dir = mkdtempSync(join(tmpdir(), "eocube-bench-validate-"));
  cpSync(SAMPLE, dir, { recursive: true });
  const ids = entities(SAMPLE);
  for (let k = 1; k <= copies; k++) {
    for (const [folder, set] of ids) {
      for (const id of set) {
        const src = join(SAMPLE, folder, id);
        const dst = join(dir, folder, `${id}-x${k}`);
        cpSync(src, dst, { recursive: true });
        for (const name of readdirSync(dst)) {
          if (!name.endsWith(".json")) continue;
          const p = join(dst, name);
          const json = JSON.parse(readFileSync(p, "utf8"));
          writeFileSync(p, JSON.stringify(renameRefs(json, ids, k, id), null, 2));
        }
      }
    }
  }
  // Catalogs that are not copied (root, sub-catalogs, themes) and every copy-0 entity: one more link per copy
  // for each link to an entity, so that sub-catalogs list all copies and theme/mission children stay complete.
  const originals = [
    "catalog.json",
    ...ENTITY_FOLDERS.map((f) => `${f}/catalog.json`),
    ...readdirSync(join(SAMPLE, "themes"))
      .filter((n) => statSync(join(SAMPLE, "themes", n)).isDirectory())
      .map((n) => `themes/${n}/catalog.json`),
  ];
  for (const rel of originals) {
    const p = join(dir, rel);
    const json = JSON.parse(readFileSync(p, "utf8"));
    const sub = ENTITY_FOLDERS.find((f) => rel === `${f}/catalog.json`);
    const extra: Json[] = [];
    for (const link of json.links ?? []) {
      if (!["child", "item"].includes(link.rel) || typeof link.href !== "string") continue;
      for (let k = 1; k <= copies; k++) {
        const copy = renameRefs({ links: [{ ...link }] }, ids, k, undefined, sub).links[0];
        if (copy.href !== link.href) extra.push(copy);
      }
    }
    json.links = [...json.links, ...extra];
    writeFileSync(p, JSON.stringify(json, null, 2));
  }
  return dir;
}

/** Cold CLI on the real catalog (eocube and the real validator, alternating), then eocube in-process on the sample ×50. */
export async function run(): Promise<{ name: string; rows: Array<Record<string, string | number>>; notes?: string }> {
  if (!existsSync(PRECOMPILED))
    throw new Error("run `npm run build` first: the cold rows time bin/eocube.js (dist/, with its precompiled schemas)");
  const rows: Array<Record<string, string | number>> = [];
  const notes: string[] = [];
  const real = realCatalog();
  try {
    if (!real) {
      notes.push("The real OSC catalog is not here (set OSC_CATALOG to a checkout): no cold row.");
    } else {
      const files = spawnSync("sh", ["-c", `find '${real.dir}' -name '*.json' -not -path '*/.git/*' | wc -l`], {
        encoding: "utf8",
      }).stdout.trim();
      const eocube = () => timeProcess(process.execPath, [BIN, "validate", real.dir]);
      const config = VALIDATOR ? validatorConfig(VALIDATOR) : undefined;
      const peerCli = VALIDATOR ? join(VALIDATOR, "node_modules", "stac-node-validator", "bin", "cli.js") : "";
      const peers: Array<{ name: string; run: () => ProcessRun; runs: ProcessRun[] }> = [];
      if (VALIDATOR) {
        peers.push({
          name: "real validator: its validator process (`node stac-node-validator/bin/cli.js --config config <catalog>`)",
          run: () => timeProcess(process.execPath, [peerCli, "--config", config!, real.dir], VALIDATOR),
          runs: [],
        });
      }
      if (VALIDATOR_CI) {
        peers.push({
          name: "real validator as the CI runs it (`npx open-science-catalog-validation <catalog>`)",
          run: () => timeProcess("npx", ["--no-install", "open-science-catalog-validation", real.dir], VALIDATOR_CI),
          runs: [],
        });
      }
      eocube(); // warm-up: the file cache, for all
      for (const p of peers) p.run();
      const eo: ProcessRun[] = [];
      for (let i = 0; i < REPEATS; i++) {
        eo.push(eocube());
        for (const p of peers) p.runs.push(p.run());
      }
      const eoS = median(eo.map((r) => r.s));
      const eoCpu = median(eo.map((r) => r.cpu));
      const row = (peer: string, peS: number, peCpu: number, peVerdict: string) =>
        rows.push({
          catalog: `real OSC catalog (${real.source}, ${files} files)`,
          run: `cold CLI, median of ${REPEATS} alternating`,
          peer,
          "eocube s": Number(eoS.toFixed(2)),
          "eocube CPU s": Number(eoCpu.toFixed(2)),
          "peer s": Number.isNaN(peS) ? "not run" : Number(peS.toFixed(2)),
          "peer CPU s": Number.isNaN(peCpu) ? "not run" : Number(peCpu.toFixed(2)),
          "speed-up": Number.isNaN(peS) ? "" : `${(peS / eoS).toFixed(1)}×`,
          "speed-up (CPU)": Number.isNaN(peCpu) ? "" : `${(peCpu / eoCpu).toFixed(1)}×`,
          verdicts: `eocube ${verdict(eo[0]!.stdout)}${peVerdict ? `; real ${peVerdict}` : ""}`,
          goal: "≥ 3× faster",
        });
      for (const p of peers) row(p.name, median(p.runs.map((r) => r.s)), median(p.runs.map((r) => r.cpu)), verdict(p.runs[0]!.stdout));
      if (peers.length === 0) {
        row("real validator: not run", Number.NaN, Number.NaN, "");
        notes.push(
          "The real validator was not run (set OSC_VALIDATOR to a checkout of open-science-catalog-validation with its dependencies installed).",
        );
      } else {
        const pkg = JSON.parse(
          readFileSync(join(VALIDATOR ?? join(VALIDATOR_CI!, "node_modules", "open-science-catalog-validation"), "package.json"), "utf8"),
        );
        notes.push(
          `Real validator: open-science-catalog-validation ${pkg.version} (validate.js) on stac-node-validator, with the schemas of ` +
            "../shared/fixtures/osc-schemas mapped offline (its config.js's schemaMap; no network here). Its validator process is what " +
            "its `npm run test` starts; the CI's `npx open-science-catalog-validation` adds npx → npm explore → npm run start-ups.",
        );
      }
      if (config) rmSync(join(config, ".."), { recursive: true, force: true });
    }
  } finally {
    if (real?.temp) rmSync(real.dir, { recursive: true, force: true });
  }

  const big = enlargeSample(49);
  try {
    await validateCatalog(big); // warm-up: schemas loaded, JIT warm
    const runs: Array<{ s: number; cpu: number; files: number; invalid: number }> = [];
    for (let i = 0; i < REPEATS; i++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const report = await validateCatalog(big);
      const c = process.cpuUsage(c0);
      runs.push({
        s: (performance.now() - t0) / 1000,
        cpu: (c.user + c.system) / 1e6,
        files: report.summary.files,
        invalid: report.summary.invalid,
      });
    }
    const s = median(runs.map((r) => r.s));
    const cpu = median(runs.map((r) => r.cpu));
    const files = runs[0]!.files;
    rows.push({
      catalog: `sample ×50 (synthetic, ${files} files)`,
      run: `in-process, warm, median of ${REPEATS}`,
      peer: "-",
      "eocube s": Number(s.toFixed(2)),
      "eocube CPU s": Number(cpu.toFixed(2)),
      "peer s": "-",
      "peer CPU s": "-",
      "speed-up": `${Math.round(files / s)} files/s`,
      "speed-up (CPU)": `${Math.round(files / cpu)} files/CPU-s`,
      verdicts: `eocube ${files - runs[0]!.invalid}/${files} valid`,
      goal: "≥ 2,000 files/s",
    });
  } finally {
    rmSync(big, { recursive: true, force: true });
  }
  notes.unshift(
    "Cold: whole processes, start-up included, on the same copy of the real catalog, alternating (eocube, real, eocube, …) after one " +
      "warm-up run of each; eocube = `node bin/eocube.js validate <catalog>` (dist/, its schemas precompiled to ajv standalone code at " +
      "build; STAC core + extensions + the OSC UI schemas where the CI applies them + the CI's custom rules + eocube's warning checks). " +
      "CPU = user + system time (GNU time): the machine is shared (2 cores, several engineers), so wall-clock figures move between runs " +
      "and the CPU ratio is the steadier one. The synthetic row copies every entity of the sample 49 times with consistent links.",
  );
  return { name: "validate", rows, notes: notes.join(" ") };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  run().then((r) => console.log(JSON.stringify(r, null, 2)));
}
