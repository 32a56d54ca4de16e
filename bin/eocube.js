#!/usr/bin/env node
// Entry point of the `eocube` command: runs the compiled CLI from dist/.
import { main } from "../dist/cli/index.js";

main(process.argv).then((code) => {
  process.exitCode = code;
});
