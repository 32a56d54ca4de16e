// `eocube list`: lists the data ids of a data store (xcube's list_data_ids).
import type { Command } from "commander";
import { EocubeError } from "../core/errors.js";
import { schemeOf } from "../fs/url.js";
import { storeForRoot } from "../stores/root.js";
import { listDataStoreIds } from "../stores/registry.js";
import { parseJsonOption, printJson, runAction, type GlobalOptions } from "./run.js";

interface ListOptions extends GlobalOptions {
  store?: string;
  storeParams?: string;
}

/** Registers `eocube list <root>` on the program. */
export function register(program: Command): void {
  program
    .command("list")
    .description("List the datasets (data ids) under a root folder, s3://bucket/prefix, abfs://container/prefix or memory:// store")
    .argument(
      "<root>",
      "local folder, s3://bucket/prefix, abfs://container/prefix, memory://id or https:// URL (https cannot list: prints nothing)",
    )
    .option("--store <id>", `data store id: ${listDataStoreIds().join(", ")} (eocube store list; default: from the URL scheme)`)
    .option("--store-params <json>", "store params as JSON, e.g. '{\"max_depth\": 2}'")
    .option("--json", "print {store_id, root, data_ids} as JSON")
    .option("--verbose", "show stack traces of errors")
    .action(async (root: string, opts: ListOptions) => {
      await runAction(opts, async () => {
        const params = parseJsonOption(opts.storeParams, "--store-params");
        if (params !== undefined && (typeof params !== "object" || params === null || Array.isArray(params))) {
          throw new EocubeError("INVALID_ARGUMENT", "--store-params must be a JSON object", { field: "--store-params" });
        }
        if (!opts.store) schemeOf(root); // rejects ftp:// and other schemes instead of taking them for local paths
        const store = storeForRoot(root, opts.store, params as Record<string, unknown> | undefined);
        if (store.storeId === "file") {
          const folder = store.root.replace(/^file:\/\//, "");
          const st = (await import("node:fs")).statSync(folder, { throwIfNoEntry: false });
          if (!st) throw new EocubeError("NOT_FOUND", `no such folder: ${root}`, { path: root, hint: "check the path" });
          if (!st.isDirectory()) {
            throw new EocubeError("INVALID_ARGUMENT", `${root} is not a folder: list needs a root folder`, {
              path: root,
              hint: `to see what the file holds: eocube describe ${root}`,
            });
          }
        }
        const ids = await store.listDataIds();
        if (opts.json) {
          printJson({ store_id: store.storeId, root: store.root, data_ids: ids });
          return;
        }
        if (ids.length > 0) process.stdout.write(`${ids.join("\n")}\n`);
        if (store.storeId === "https") process.stderr.write("note: an https store cannot list its datasets; describe them by URL\n");
      });
    });
}
