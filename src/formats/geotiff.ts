// Reader of the geotiff format (placeholder until implemented).
import { EocubeError } from "../core/errors.js";
import type { FormatReader } from "./registry.js";

/** Reader of the geotiff format. */
export const geotiffReader: FormatReader = {
  id: "geotiff",
  async open(_fs, path) {
    throw new EocubeError("UNSUPPORTED", "the geotiff reader is not implemented yet", { path });
  },
};
