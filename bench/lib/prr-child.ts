// Child process of bench/prr.ts: runs writePrrCollection once on a config and prints
// {"items", "ms", "maxrss_mb", "cpu_ms"} as JSON (module loading and schema compilation included in ms).
import { writePrrCollection } from "../../src/catalog/prr/index.js";

const [config, out] = process.argv.slice(2);
const t0 = performance.now();
const cpu0 = process.cpuUsage();
const result = await writePrrCollection(config!, { outDir: out!, force: true });
const ms = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
process.stdout.write(
  `${JSON.stringify({
    items: result.files.length - 1,
    ms,
    cpu_ms: (cpu.user + cpu.system) / 1000,
    maxrss_mb: process.resourceUsage().maxRSS / 1024,
    warnings: result.warnings.length,
  })}\n`,
);
