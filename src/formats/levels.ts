// Reader of the levels format (placeholder until implemented).
import { EocubeError } from "../core/errors.js";
import type { FormatReader } from "./registry.js";

/** Reader of the levels format. */
export const levelsReader: FormatReader = {
  id: "levels",
  async open(_fs, path) {
    throw new EocubeError("UNSUPPORTED", "the levels reader is not implemented yet", { path });
  },
};
