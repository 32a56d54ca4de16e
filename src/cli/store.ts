// `eocube store list` / `eocube store info <id>`: the registered data stores (built-in and plugins) and their params.
import type { Command } from "commander";
import { getDataStoreInfo, listDataStoreIds } from "../stores/registry.js";
import { loadStorePlugins } from "../stores/plugins.js";
import type { JsonSchema } from "../stores/types.js";
import { printJson, runAction, type GlobalOptions } from "./run.js";

interface StoreOptions extends GlobalOptions {
  json?: boolean;
}

/** Registers `eocube store list|info` on the program. */
export function register(program: Command): void {
  const store = program.command("store").description("Data stores: list the registered stores (built-in and plugins), show one's params");
  store
    .command("list")
    .description("List the data store ids, their titles and where they come from (eocube or a plugin package)")
    .option("--json", "print [{store_id, title, mutable, source}] and the plugin packages as JSON")
    .option("--verbose", "show stack traces of errors")
    .action(async (opts: StoreOptions) => {
      await runAction(opts, async () => {
        const plugins = await loadStorePlugins();
        const stores = listDataStoreIds().map((id) => {
          const info = getDataStoreInfo(id);
          return { store_id: id, title: info.title, mutable: info.mutable, source: info.source ?? "eocube" };
        });
        if (opts.json) {
          printJson({ stores, plugins });
          return;
        }
        const w = Math.max(...stores.map((s) => s.store_id.length));
        for (const s of stores) {
          process.stdout.write(`${s.store_id.padEnd(w)}  ${s.title}${s.source === "eocube" ? "" : `  [${s.source}]`}\n`);
        }
        for (const p of plugins) if (p.error) process.stderr.write(`warning: store plugin ${p.package} (${p.path}): ${p.error}\n`);
      });
    });
  store
    .command("info")
    .description("Show a data store's params schema (like xcube io store info)")
    .argument("<store_id>", "a store id from `eocube store list`")
    .option("--json", "print {store_id, title, mutable, source, params_schema} as JSON")
    .option("--verbose", "show stack traces of errors")
    .action(async (storeId: string, opts: StoreOptions) => {
      await runAction(opts, async () => {
        await loadStorePlugins();
        const info = getDataStoreInfo(storeId);
        if (opts.json) {
          printJson({ store_id: storeId, title: info.title, mutable: info.mutable, source: info.source, params_schema: info.paramsSchema });
          return;
        }
        process.stdout.write(formatStoreInfo(storeId, info.title, info.mutable, info.source ?? "eocube", info.paramsSchema));
      });
    });
}

/** The human text of `eocube store info`: title, then one line per parameter (type, required, default, description). */
export function formatStoreInfo(storeId: string, title: string, mutable: boolean, source: string, schema: JsonSchema): string {
  const lines = [`Data store ${storeId}: ${title}`, `  source: ${source}${mutable ? "; writable" : "; read-only"}`, "", "Parameters:"];
  const props = (schema.properties ?? {}) as Record<string, Record<string, unknown>>;
  const required = new Set((schema.required ?? []) as string[]);
  const rows = Object.entries(props);
  if (rows.length === 0) lines.push("  (none)");
  const w = Math.max(0, ...rows.map(([k]) => k.length));
  for (const [k, p] of rows) {
    const type = Array.isArray(p.type) ? p.type.join("|") : String(p.type ?? "any");
    const extra = [
      required.has(k) ? "required" : "",
      "default" in p ? `default ${JSON.stringify(p.default)}` : "",
      p.enum ? `one of ${(p.enum as unknown[]).map((v) => JSON.stringify(v)).join(", ")}` : "",
    ]
      .filter(Boolean)
      .join(", ");
    lines.push(`  ${k.padEnd(w)}  ${type}${extra ? ` (${extra})` : ""}${p.description ? `: ${p.description}` : ""}`);
  }
  return `${lines.join("\n")}\n`;
}
