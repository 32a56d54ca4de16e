// Defaults of the generator that the command line shows in its help: a module of its own, without imports, so that
// `eocube gen --help` does not load the generator (gen/run.ts and the ~100 modules it pulls in).

/** Default of `RunGenOptions.maxOutputBytes` (`--max-output-size`): 100 GiB of estimated uncompressed output. */
export const DEFAULT_MAX_OUTPUT_BYTES = 100 * 1024 ** 3;
