// searchDescribed: searchData for stores without an index: describe each data id and keep those the query matches.
import type { ReadOptions } from "../core/variable.js";
import type { DatasetDescriptor, SearchQuery } from "./types.js";

/**
 * The descriptors of `ids` (in order) whose WGS 84 bbox (else native bbox) overlaps `query.bbox`
 * (`[west, south, east, north]`), at most `query.limit`; `describe` is called per id, errors pass through.
 */
export async function searchDescribed(
  ids: string[],
  describe: (id: string) => Promise<DatasetDescriptor>,
  query: SearchQuery = {},
  options?: ReadOptions,
): Promise<DatasetDescriptor[]> {
  const out: DatasetDescriptor[] = [];
  for (const id of ids) {
    options?.signal?.throwIfAborted();
    if (query.limit !== undefined && out.length >= query.limit) break;
    const d = await describe(id);
    const b = d.bbox_wgs84 ?? d.bbox;
    const q = query.bbox;
    if (q && (!b || b[0] > q[2] || b[2] < q[0] || b[1] > q[3] || b[3] < q[1])) continue;
    out.push(d);
  }
  return out;
}
