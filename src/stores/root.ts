// storeForRoot: the data store whose root is a path or URL (`eocube list`, catalog tools).
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { schemeOf } from "../fs/url.js";
import { findDataStoreIds, getDataStoreInfo, newDataStore } from "./registry.js";
import type { DataStore } from "./types.js";

/**
 * The data store rooted at `root`: with `storeId`, `newDataStore(storeId, {root, ...storeParams})`
 * (storeParams.root wins; a store whose params have `url` and no `root`, as `stac`, gets `{url: root}`); else from the scheme: `https://h/p` → https store, `s3://bucket/p` → s3 store
 * (root `bucket/p`), `abfs://container/p` → abfs store (root `container/p`), `memory://id` → memory store, anything else → file store at that folder.
 * @throws EocubeError UNKNOWN_STORE, INVALID_PARAMS, INVALID_ARGUMENT (an unsupported URL scheme).
 */
export function storeForRoot(root: string, storeId?: string, storeParams: Record<string, unknown> = {}): DataStore {
  if (storeId) {
    // stores whose location parameter is `url` (stac) get the root there
    const props = (getDataStoreInfo(storeId).paramsSchema.properties ?? {}) as Record<string, unknown>;
    const key = !("root" in props) && "url" in props ? "url" : "root";
    return newDataStore(storeId, { [key]: root, ...storeParams });
  }
  schemeOf(root); // an unsupported scheme (ftp://…) is an error, not a local folder
  const id = findDataStoreIds(root)[0]!;
  switch (id) {
    case "https":
      return newDataStore("https", { ...storeParams, root: root.replace(/\/+$/, "") });
    case "s3":
      return newDataStore("s3", { ...storeParams, root: root.replace(/^s3:\/\//i, "").replace(/\/+$/, "") });
    case "abfs":
      return newDataStore("abfs", { ...storeParams, root: root.replace(/^(abfs|az):\/\//i, "").replace(/\/+$/, "") });
    case "memory":
      return newDataStore("memory", { ...storeParams, root: root.replace(/^memory:\/\//i, "").replace(/\/+$/, "") || "default" });
    default:
      return newDataStore("file", { ...storeParams, root: resolve(/^file:\/\//i.test(root) ? fileURLToPath(root) : root) });
  }
}
