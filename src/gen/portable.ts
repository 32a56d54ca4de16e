// A normalised gen request as a self-contained gen2 request document (absolute file roots, no credentials):
// what `eocube publish` writes into an experiment's input.yaml so that `eocube reproduce` can run it again.
import { basename, dirname, extname } from "node:path";
import { EocubeError } from "../core/errors.js";
import type { GenRequest } from "./request.js";
import type { GenRequestDoc } from "./schema.js";

/** Keys of `store_params.storage_options` (and of `store_params`) that hold credentials and are never written. */
const SECRET_KEY = /(^|_)(key|secret|token|password|passwd|credentials?|session_token|sas_token|account_key)$/i;

/** A portable request document and the credential fields that were left out of it. */
export interface PortableGenRequest {
  /** The gen2 request (input_configs, cube_config, output_config[, code_config]). */
  doc: GenRequestDoc;
  /** Slash paths of the fields left out because they hold credentials, e.g. `input_configs/0/store_params/storage_options/secret`. */
  dropped: string[];
}

function withoutSecrets(params: Record<string, unknown>, path: string, dropped: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(params)) {
    if (SECRET_KEY.test(k)) {
      dropped.push(`${path}/${k}`);
      continue;
    }
    out[k] = v && typeof v === "object" && !Array.isArray(v) ? withoutSecrets(v as Record<string, unknown>, `${path}/${k}`, dropped) : v;
  }
  return out;
}

/**
 * The gen2 document of a normalised request: every input with its explicit store id, store params (file roots
 * absolute, as {@link GenRequest} holds them) and open params; the cube config with its defaults filled in
 * (`tile_size` [width, height], `spatial_res` [x, y]); the output config; `code_config` as the module's folder
 * and `module:function`. Loading the document with `normalizeGenRequest` gives the same request (but its source).
 * Credentials in store params (`key`, `secret`, `token`, `password`, … at any depth) are left out and named in
 * `dropped`: a reader supplies them again through the environment (e.g. AWS_* variables).
 * @throws EocubeError UNSUPPORTED for legacy `xcube gen` configs with processed variables (expressions evaluated
 *   per input have no gen2 form) or an output size instead of a pixel size.
 */
export function portableGenRequest(req: GenRequest): PortableGenRequest {
  if (req.format === "legacy" && (req.processed !== undefined || req.cube.size !== undefined)) {
    throw new EocubeError("UNSUPPORTED", `${req.source} is a legacy xcube gen config, which cannot be written as a gen2 request`, {
      path: req.source,
      hint: "write the request in gen2 form (input_configs, cube_config with spatial_res, output_config), see examples/gen-request.yaml",
    });
  }
  const dropped: string[] = [];
  const { size: _size, ...cube } = req.cube;
  const doc: GenRequestDoc = {
    input_configs: req.inputs.map((i, n) => ({
      store_id: i.store_id,
      store_params: withoutSecrets(i.store_params, `input_configs/${n}/store_params`, dropped),
      data_id: i.data_id,
      ...(Object.keys(i.open_params).length > 0 ? { open_params: i.open_params } : {}),
    })),
    cube_config: cube as GenRequestDoc["cube_config"],
    output_config: {
      store_id: req.output.store_id,
      store_params: withoutSecrets(req.output.store_params, "output_config/store_params", dropped),
      data_id: req.output.data_id,
      format_version: req.output.format_version,
      ...(req.output.compressor ? { compressor: req.output.compressor as NonNullable<GenRequestDoc["output_config"]["compressor"]> } : {}),
      ...(req.output.format && req.output.format !== "zarr" ? { format: req.output.format } : {}),
    },
  };
  if (req.code) {
    const module = basename(req.code.path, extname(req.code.path));
    doc.code_config = {
      callable_ref: `${module}:${req.code.callable}`,
      callable_params: req.code.params,
      file_set: { path: dirname(req.code.path) },
    };
  }
  return { doc, dropped };
}
