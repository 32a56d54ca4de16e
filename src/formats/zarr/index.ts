// The Zarr room's public API: reader, writer, chunk codecs and the FileSystem → zarrita store adapter.
export { openZarr, zarrReader } from "./reader.js";
export {
  chunkKey,
  createZarrWriter,
  encodeChunk,
  writeDataset,
  type ZarrArraySpec,
  type ZarrStoreSpec,
  type ZarrWriteOptions,
  type WriteDatasetOptions,
  type ZarrWriter,
} from "./writer.js";
export { compress, v2Compressor, v3Codecs, type ZarrCompressorName } from "./codecs.js";
export { readGroupMetadata, dtypeOf, type ZarrGroupMeta, type ZarrArrayMeta } from "./metadata.js";
export { FileSystemStore, MetadataOverlayStore, joinStoreKey } from "./store.js";
export { parseZarrJson, stringifyZarrJson } from "./json.js";
