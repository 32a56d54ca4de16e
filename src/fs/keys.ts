// Store keys: the one checked way a key is used on, or joined to, a root (no '..', no absolute key, no NUL).
import { EocubeError } from "../core/errors.js";

/** Why a key is refused, or undefined when it is safe. */
function unsafeReason(key: string): string | undefined {
  if (key.includes("\u0000")) return "contains a NUL character";
  if (/^[/\\]/.test(key) || /^[A-Za-z]:[/\\]/.test(key)) return "is absolute";
  if (key.split(/[/\\]/).some((seg) => seg === "..")) return "has a '..' segment";
  return undefined;
}

/**
 * Checks a FileSystem key (see {@link FileSystem}): relative, '/'-separated. Refused are keys holding a NUL
 * character, absolute keys (a leading '/' or '\', a drive letter `C:/`) and keys with a `..` segment
 * (split at '/' and '\', so no server or platform can read one as a parent folder), so that no key reaches
 * outside the root it is used on, whatever the backend (file, memory, https, s3). `""` is the root.
 * @param root the root the key is used on, named in the error (`file:///data`, `s3://bucket/prefix`).
 * @returns the key unchanged.
 * @throws EocubeError UNSAFE_ID naming the key (JSON-quoted, so a NUL shows as `\u0000`) and the root.
 */
export function checkKey(key: string, root?: string): string {
  const why = unsafeReason(key);
  if (why !== undefined) {
    throw new EocubeError(
      "UNSAFE_ID",
      `key ${JSON.stringify(key)} ${why}${root ? ` (under ${root})` : ""}: it could reach outside the store`,
      {
        path: key,
        hint: "keys are paths relative to the store root, '/'-separated, without '..' segments; check the metadata or id that named it",
      },
    );
  }
  return key;
}

/**
 * Joins key parts with one '/' and checks the result with {@link checkKey}: empty parts are dropped, every
 * part loses its leading slashes (zarrita's keys are rooted at the store: `/sst/0.0`) and every part but the
 * last its trailing ones (the last keeps a trailing '/': a folder prefix). `joinKey("cube.zarr", "/sst/0.0")` → `cube.zarr/sst/0.0`. This is the one join of keys to a root in
 * eocube (FileSystem backends, sub file systems, the Zarr store adapter and writer): a part with a `..`
 * segment or a NUL is refused, never normalised away.
 * @throws EocubeError UNSAFE_ID (see {@link checkKey}) naming the joined key.
 */
export function joinKey(...parts: string[]): string {
  const kept: string[] = [];
  parts.forEach((part, i) => {
    let p = part.replace(/^\/+/, "");
    if (i < parts.length - 1) p = p.replace(/\/+$/, "");
    if (p !== "" && p !== "/") kept.push(p);
  });
  return checkKey(kept.join("/"));
}
