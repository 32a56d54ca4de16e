// The fs layer's public API: the FileSystem contract, its backends and wrappers.
export type { FileSystem } from "./types.js";
export { FileFileSystem, type FileFileSystemOptions } from "./file.js";
export { checkKey, joinKey } from "./keys.js";
export { MemoryFileSystem, sharedMemoryFileSystem } from "./memory.js";
export { HttpsFileSystem, redactUrl, type HttpsFileSystemOptions } from "./https.js";
export { S3FileSystem, type S3FileSystemOptions } from "./s3.js";
export { withCounting, type CountingFileSystem, type FsCounts } from "./counting.js";
export { fsFromUrl, fsAndPathFromUrl, schemeOf, subFileSystem, type StorageOptions, type UrlScheme } from "./url.js";
