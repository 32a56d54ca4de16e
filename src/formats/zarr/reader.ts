// Reader of the zarr format (placeholder until implemented).
import { EocubeError } from "../../core/errors.js";
import type { FormatReader } from "../registry.js";

/** Reader of the zarr format. */
export const zarrReader: FormatReader = {
  id: "zarr",
  async open(_fs, path) {
    throw new EocubeError("UNSUPPORTED", "the zarr reader is not implemented yet", { path });
  },
};
