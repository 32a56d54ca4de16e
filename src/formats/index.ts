// The formats layer's public API: the format registry and the opening funnel.
export {
  getFormatReader,
  listFormatIds,
  formatFromPath,
  sniffFormat,
  type FormatId,
  type FormatOpenOptions,
  type FormatReader,
} from "./registry.js";
export { openFormatDataset, displayPath, type OpenFormatOptions } from "./open.js";
