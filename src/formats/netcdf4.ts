// Reader of the netcdf4 format (placeholder until implemented).
import { EocubeError } from "../core/errors.js";
import type { FormatReader } from "./registry.js";

/** Reader of the netcdf4 format. */
export const netcdf4Reader: FormatReader = {
  id: "netcdf4",
  async open(_fs, path) {
    throw new EocubeError("UNSUPPORTED", "the netcdf4 reader is not implemented yet", { path });
  },
};
