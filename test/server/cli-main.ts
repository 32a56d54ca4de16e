// Runs the eocube CLI from source (tsx loader) with process.argv and exits with its code: lets tests run
// `eocube serve …` as a real process without a build.
import { main } from "../../src/cli/index.js";

process.exitCode = await main(process.argv);
