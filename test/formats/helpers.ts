// Helpers shared by the format tests.
import type { FileSystem } from "../../src/fs/types.js";

/** A FileSystem wrapper that records every get/getRange key (the counting wrapper of the brief). */
export function countingFs(inner: FileSystem): FileSystem & { calls: string[] } {
  const calls: string[] = [];
  return {
    root: inner.root,
    calls,
    get: (k, o) => {
      calls.push(`get ${k}`);
      return inner.get(k, o);
    },
    getRange: (k, a, b, o) => {
      calls.push(`getRange ${k}`);
      return inner.getRange(k, a, b, o);
    },
    put: (k, d, o) => inner.put(k, d, o),
    list: (k, o) => {
      calls.push(`list ${k}`);
      return inner.list(k, o);
    },
    delete: (k, o) => inner.delete(k, o),
    exists: (k, o) => {
      calls.push(`exists ${k}`);
      return inner.exists(k, o);
    },
  };
}
