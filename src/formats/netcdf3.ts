// Reader of the netcdf3 format (placeholder until implemented).
import { EocubeError } from "../core/errors.js";
import type { FormatReader } from "./registry.js";

/** Reader of the netcdf3 format. */
export const netcdf3Reader: FormatReader = {
  id: "netcdf3",
  async open(_fs, path) {
    throw new EocubeError("UNSUPPORTED", "the netcdf3 reader is not implemented yet", { path });
  },
};
