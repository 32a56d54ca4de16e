// The one glob matcher (picomatch): `*`, `?` within one path segment, `**` across folders, everything else literal.
import { createRequire } from "node:module";
import type Picomatch from "picomatch";

/**
 * picomatch (a CommonJS package), loaded on the first glob: most commands (e.g. `eocube gen` without input patterns)
 * never match one, and loading it costs ~5–10 ms of their start.
 */
let picomatchFn: typeof Picomatch | undefined;
const requireCjs = createRequire(import.meta.url);

/** Options of {@link globMatcher}. */
export interface GlobOptions {
  /** Whether `*`, `?` and `**` match names starting with '.' [default true, as fnmatch and the server's `Variables`]. */
  dot?: boolean;
}

/**
 * A test for the glob `pattern` (picomatch, POSIX paths): `*` matches any run of characters within one path segment
 * (no "/"), `?` one character other than "/", `**` as a whole segment any number of folders (`a/**\/b` also matches
 * `a/b`), `\` escapes the next character; every other character — `[ ] { } ( ) ! + @ ,` included — is literal (no
 * bracket sets, braces, extglobs or negation: callers that want `{a,b}` expand it themselves, see catalog/prr).
 * Used by the server's `Variables`/`DataStores[].Datasets[].Path`, PRR globs (per path segment) and gen input paths.
 */
export function globMatcher(pattern: string, options: GlobOptions = {}): (name: string) => boolean {
  const literal = pattern.replace(/[^*?/\\A-Za-z0-9_]/g, "\\$&");
  picomatchFn ??= requireCjs("picomatch") as typeof Picomatch;
  return picomatchFn(literal, { dot: options.dot ?? true, windows: false, strictSlashes: true });
}

/** True when `name` matches the glob `pattern` (see {@link globMatcher}). */
export function globMatch(pattern: string, name: string, options: GlobOptions = {}): boolean {
  return globMatcher(pattern, options)(name);
}
