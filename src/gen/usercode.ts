// gen2's code_config: the user's function run on the lazy cube (xcube's CubeUserCodeExecutor). The function
// builds lazy variables; their values are computed chunk by chunk by the workers' tasks.
import { Dataset } from "../core/dataset.js";
import { EocubeError, isEocubeError } from "../core/errors.js";
import { Variable, type Attrs } from "../core/variable.js";
import { computedVariable } from "../expr/variable.js";
import { loadUserFunction, type UserFunction } from "../expr/usercode.js";
import type { GenRequest } from "./request.js";

/** What the user function gets as its third argument: eocube's classes and a user-variable builder over the cube. */
export interface UserCodeToolbox {
  Dataset: typeof Dataset;
  Variable: typeof Variable;
  /** A lazy variable computed by an expression over the cube's data variables (see expr/variable.ts). */
  expression(name: string, expression: string, attrs?: Attrs): Variable;
}

const loaded = new Map<string, Promise<UserFunction>>();

/**
 * Runs the request's `code_config` function on the cube: `fn(cube, callable_params, toolbox)` must return a
 * cube (a Dataset, or an object with `data_vars`, and optionally `coords`/`attrs`). The module must declare
 * itself chunk-wise (`export const chunkwise = true`): the function then only builds lazy variables, runs in
 * every worker when it builds its cube, and the values are computed per task inside the worker threads.
 * @throws EocubeError INVALID_CONFIG naming `code_config/…` (not chunk-wise, not a cube, the function threw),
 *   NOT_FOUND (no such function), plus the errors of expressions it builds.
 */
export async function runUserCode(req: GenRequest, cube: Dataset, options: { signal?: AbortSignal } = {}): Promise<Dataset> {
  const code = req.code!;
  const key = `${code.path}\u0000${code.callable}`;
  let p = loaded.get(key);
  if (!p) {
    p = loadUserFunction(code.path, code.callable, "code_config/callable_ref");
    loaded.set(key, p);
    p.catch(() => loaded.delete(key));
  }
  const fail = (message: string, hint: string, cause?: unknown) =>
    new EocubeError("INVALID_CONFIG", `${req.source}: code_config: ${message}`, {
      path: req.source,
      field: "code_config/callable_ref",
      hint,
      cause,
    });
  let uf: UserFunction;
  try {
    uf = await p;
  } catch (err) {
    throw isEocubeError(err)
      ? new EocubeError(err.code, `${req.source}: ${err.message}`, { path: req.source, field: err.field, hint: err.hint, cause: err })
      : err;
  }
  if (!uf.chunkwise) {
    throw fail(
      `${uf.path} does not declare itself chunk-wise, and eocube runs user code only chunk by chunk in its workers`,
      "when the function only builds lazy variables (their read() computes the selection asked for), add `export const chunkwise = true` to the module; whole-cube computations are not run",
    );
  }
  options.signal?.throwIfAborted();
  const toolbox: UserCodeToolbox = {
    Dataset,
    Variable,
    expression: (name, text, attrs) => computedVariable(cube.data_vars, name, text, { ...(attrs ? { attrs } : {}), field: "code_config" }),
  };
  let result: unknown;
  try {
    result = await uf.fn(cube, { ...code.params }, toolbox);
  } catch (err) {
    if (isEocubeError(err))
      throw new EocubeError(err.code, `${req.source}: code_config: ${code.callable}: ${err.message}`, {
        path: req.source,
        field: "code_config",
        hint: err.hint,
        cause: err,
      });
    throw fail(`${code.callable} failed: ${(err as Error)?.message ?? String(err)}`, `fix ${uf.path}`, err);
  }
  const r = result as { data_vars?: unknown; coords?: unknown; attrs?: unknown } | null;
  if (!r || typeof r !== "object" || !r.data_vars || typeof r.data_vars !== "object") {
    throw fail(
      `${code.callable} returned ${r === null ? "null" : typeof r}, not a cube`,
      "return the cube (a Dataset, e.g. cube.with({data_vars: {...cube.data_vars, ndvi}}))",
    );
  }
  if (r instanceof Dataset) return r;
  return new Dataset({
    coords: (r.coords as Record<string, Variable>) ?? cube.coords,
    data_vars: r.data_vars as Record<string, Variable>,
    attrs: (r.attrs as Attrs) ?? cube.attrs,
  });
}
