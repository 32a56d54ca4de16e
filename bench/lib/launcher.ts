// The settings the installed `eocube` command starts node with, read from bin/eocube.js's launcher line, so that a
// bench can run eocube in-process or as `node …` with the same settings as the command.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const BIN = fileURLToPath(new URL("../../bin/eocube.js", import.meta.url));

/**
 * The environment defaults and node flags of bin/eocube.js's launcher (line 2, a POSIX sh line:
 * `':' //; NAME="${NAME:-value}" … exec node --flag … "$0" "$@"`): `env` holds each NAME with its default value
 * (the command keeps a value the user has set; a bench sets the default), `flags` the node flags.
 * @throws Error when the launcher line has not that form (the bench would otherwise run without the settings).
 */
export function commandSettings(): { env: Record<string, string>; flags: string[] } {
  const line = readFileSync(BIN, "utf8").split("\n", 2)[1] ?? "";
  const m = /^':' \/\/;(.*)\bexec node (.*?)"\$0" "\$@"\s*$/.exec(line);
  if (!m) throw new Error(`bench: ${BIN} line 2 is not the launcher line (':' //; NAME="\${NAME:-value}" … exec node … "$0" "$@")`);
  const env: Record<string, string> = {};
  for (const a of m[1]!.matchAll(/([A-Za-z_][A-Za-z0-9_]*)="\$\{\1:-([^}]*)\}"/g)) env[a[1]!] = a[2]!;
  return { env, flags: m[2]!.split(/\s+/).filter(Boolean) };
}
