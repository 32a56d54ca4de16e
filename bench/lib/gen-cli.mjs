// Runs eocube's CLI from the TypeScript sources (for bench/gen.ts, which times it as a child process).
const { main } = await import("../../src/cli/index.ts");
process.exitCode = await main(process.argv);
