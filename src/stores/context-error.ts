// One error shape for network stores: the store, the data id and the cause in one message, the cause's code kept.
import { EocubeError, isEocubeError } from "../core/errors.js";

/**
 * `err` re-raised as `{store} store {where}, data id "{id}": {cause}` with the cause's code, path, field and hint
 * (CANCELLED and errors already naming the store pass unchanged; anything else becomes REMOTE_ERROR).
 * Secrets must not be in `where` (pass a redacted root).
 */
export function storeError(storeId: string, where: string, dataId: string | undefined, err: unknown): unknown {
  const prefix = `${storeId} store${where ? ` ${where}` : ""}`;
  if (isEocubeError(err) && (err.code === "CANCELLED" || err.message.startsWith(`${storeId} store`))) return err;
  const ids = dataId === undefined ? "" : `, data id ${JSON.stringify(dataId)}`;
  if (!isEocubeError(err)) {
    return new EocubeError("REMOTE_ERROR", `${prefix}${ids}: ${(err as Error)?.message ?? String(err)}`, { cause: err });
  }
  return new EocubeError(err.code, `${prefix}${ids}: ${err.message}`, { path: err.path, field: err.field, hint: err.hint, cause: err });
}
