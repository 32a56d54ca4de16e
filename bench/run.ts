// The benchmark harness: `npm run bench -- [workload...]` runs bench/<workload>.ts (all when none given)
// and writes each result into its own section of bench/RESULTS.md. The contract is in bench/README.md.
import { execSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, platform, release, totalmem } from "node:os";
import { fileURLToPath, pathToFileURL } from "node:url";

/** What a workload's `run()` resolves to. */
export interface BenchResult {
  /** Section title (usually the workload name). */
  name: string;
  /** Table rows; every row should have the same keys (the columns, in order). */
  rows: Array<Record<string, string | number>>;
  /** Free text printed under the table (method, goal, caveats). */
  notes?: string;
}

const HERE = fileURLToPath(new URL("./", import.meta.url));
const RESULTS = `${HERE}RESULTS.md`;
const HEADER =
  "# Benchmark results\n\nWritten by `npm run bench` (bench/run.ts); one section per workload, replaced on each run. See bench/README.md.\n";

/** Workload names: bench/<name>.ts files other than run.ts. */
export function listWorkloads(): string[] {
  return readdirSync(HERE)
    .filter((f) => f.endsWith(".ts") && f !== "run.ts" && !f.endsWith(".d.ts"))
    .map((f) => f.slice(0, -3))
    .sort();
}

/** xarray's version: Debian's package reports "999" as `__version__`, so ask dpkg for the real one. */
export function xarrayVersion(reported: string): string {
  if (reported !== "999") return reported;
  try {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: ${Version} is dpkg-query's format field, not JS
    const deb = execSync("dpkg-query -W -f='${Version}' python3-xarray", { stdio: ["ignore", "pipe", "ignore"] })
      .toString()
      .trim();
    return deb ? `${deb.replace(/-[^-]+$/, "")} (Debian)` : reported;
  } catch {
    return reported;
  }
}

/** One line describing the machine: OS, CPU model and count, memory, Node, Python/xarray if present. */
export function machine(): string {
  const cpu = cpus();
  let py = "";
  try {
    py = execSync('/usr/bin/python3 -c "import sys, xarray; print(sys.version.split()[0], xarray.__version__)"', {
      stdio: ["ignore", "pipe", "ignore"],
    })
      .toString()
      .trim();
  } catch {
    py = "";
  }
  return [
    `${platform()} ${release()}`,
    `${cpu.length} × ${cpu[0]?.model.trim() ?? "cpu"}`,
    `${Math.round(totalmem() / 2 ** 30)} GiB`,
    `Node ${process.version}`,
    py ? `Python ${py.split(" ")[0]} / xarray ${xarrayVersion(py.split(" ")[1] ?? "")}` : "",
  ]
    .filter(Boolean)
    .join(", ");
}

/** A markdown table of rows (columns from the first row's keys). */
export function toMarkdownTable(rows: BenchResult["rows"]): string {
  if (rows.length === 0) return "(no rows)\n";
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cell = (v: unknown) =>
    (typeof v === "number" ? (Number.isInteger(v) ? String(v) : v.toPrecision(3)) : String(v ?? "")).replace(/\|/g, "\\|");
  return `${[
    `| ${cols.join(" | ")} |`,
    `|${cols.map(() => "---").join("|")}|`,
    ...rows.map((r) => `| ${cols.map((c) => cell(r[c])).join(" | ")} |`),
  ].join("\n")}\n`;
}

/** Replaces (or appends) the section of `workload` in the RESULTS.md text. */
export function updateSection(text: string, workload: string, body: string): string {
  const start = `<!-- bench:${workload}:start -->`;
  const end = `<!-- bench:${workload}:end -->`;
  const section = `${start}\n${body.trimEnd()}\n${end}`;
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  if (i >= 0 && j > i) return text.slice(0, i) + section + text.slice(j + end.length);
  return `${text.trimEnd()}\n\n${section}\n`;
}

/**
 * Workloads a named one brings along: `gen` runs `gen-distributed` too (issue 13 asks `npm run bench -- gen` to show
 * the distributed executor's scaling beside the local figures). Each still has its own section, and
 * `npm run bench -- gen-distributed` runs it alone.
 */
export const COMPANIONS: Record<string, string[]> = { gen: ["gen-distributed"] };

/** The asked workloads, each followed by its {@link COMPANIONS} not asked before it; no name twice. */
export function withCompanions(asked: readonly string[]): string[] {
  const out: string[] = [];
  for (const name of asked) for (const n of [name, ...(COMPANIONS[name] ?? [])]) if (!out.includes(n)) out.push(n);
  return out;
}

async function main(): Promise<number> {
  const all = listWorkloads();
  const asked = process.argv.slice(2).filter((a) => a !== "--");
  const unknown = asked.filter((a) => !all.includes(a));
  if (unknown.length > 0) {
    process.stderr.write(`error: unknown workload(s) ${unknown.join(", ")}; available: ${all.join(", ")}\n`);
    return 2;
  }
  const todo = asked.length > 0 ? withCompanions(asked) : all;
  const host = machine();
  let failed = 0;
  for (const name of todo) {
    process.stderr.write(`bench: ${name} …\n`);
    const t0 = performance.now();
    try {
      const mod = (await import(pathToFileURL(`${HERE}${name}.ts`).href)) as { run?: () => Promise<BenchResult> };
      if (typeof mod.run !== "function") throw new Error(`bench/${name}.ts does not export run()`);
      const res = await mod.run();
      const secs = ((performance.now() - t0) / 1000).toFixed(1);
      const body = [
        `## ${res.name}`,
        "",
        `Run ${new Date().toISOString().replace(/\.\d+Z$/, "Z")} on ${host} (workload took ${secs} s).`,
        "",
        toMarkdownTable(res.rows),
        res.notes ? `${res.notes.trim()}\n` : "",
      ].join("\n");
      const text = existsSync(RESULTS) ? readFileSync(RESULTS, "utf8") : HEADER;
      writeFileSync(RESULTS, updateSection(text.startsWith("# ") ? text : HEADER + text, name, body));
      process.stdout.write(`${body}\n`);
    } catch (err) {
      failed++;
      process.stderr.write(`bench: ${name} failed: ${(err as Error)?.stack ?? String(err)}\n`);
    }
  }
  return failed > 0 ? 1 : 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().then((code) => process.exit(code));
}
