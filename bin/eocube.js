#!/bin/sh
':' //; MALLOC_MMAP_THRESHOLD_="${MALLOC_MMAP_THRESHOLD_:-67108864}" MALLOC_TRIM_THRESHOLD_="${MALLOC_TRIM_THRESHOLD_:-134217728}" exec node --max-semi-space-size=2 "$0" "$@"
// Entry point of the `eocube` command: runs the compiled CLI from dist/. Run as a program (the installed `eocube`), the
// two lines above are a POSIX sh script (any /bin/sh: dash, bash, busybox on Alpine, where `env -S` does not exist)
// that starts node on this file with the settings below, as one exec (same process); to node, line 2 is a string
// statement and a comment. Values the user has set for the two variables win.
// --max-semi-space-size=2 (MiB; Node 20 grows it to 16): the chunk work keeps its data in typed arrays outside the JS
// heap, so a large young generation only holds garbage longer; measured on `eocube gen` (8-day mean of 153–916 MiB):
// peak RSS −28 MiB (113 → 84 with the other changes of issue 13), no slower. Run as `node bin/eocube.js` it is not applied.
// MALLOC_MMAP_THRESHOLD_ / MALLOC_TRIM_THRESHOLD_ (glibc's names for glibc.malloc.mmap_threshold / trim_threshold; a
// GLIBC_TUNABLES of the user's wins over them): results up to 64 MiB come from malloc's heap, and up to 128 MiB of freed
// memory is kept, so a new 16 MB result reuses the pages of results V8 has freed instead of faulting in fresh ones
// (≈45 ms per 16 MB on this VM against ≈2 ms). See docs/performance.md. Ignored where the C library is not glibc.
import { main } from "../dist/cli/index.js";

main(process.argv).then((code) => {
  process.exitCode = code;
});
