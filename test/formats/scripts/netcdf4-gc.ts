// Child script of test/formats/netcdf4-gc.test.ts (run with `node --expose-gc --import tsx`): opens NetCDF4
// files through openDataset and through the reader + decodeCF directly (as gen does; the reader's raw Dataset
// becomes garbage at once), forces garbage collection between open and read, reads every variable and prints
// one JSON line of results.
import { basename, dirname } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { decodeCF } from "../../../src/core/cf.js";
import type { Dataset } from "../../../src/core/dataset.js";
import { openNetcdf4 } from "../../../src/formats/netcdf4.js";
import { FileFileSystem } from "../../../src/fs/file.js";
import { openDataset } from "../../../src/stores/open.js";

/** Opens a file with the reader and returns only the CF-decoded Dataset (the raw one is dropped). */
async function openDecoded(file: string): Promise<Dataset> {
  return decodeCF(await openNetcdf4(new FileFileSystem(dirname(file), { readOnly: true }), basename(file)));
}

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with node --expose-gc");
const files = process.argv.slice(2);
const rounds = 5;
const errors: string[] = [];
let reads = 0;
for (let r = 0; r < rounds; r++) {
  const opened = [];
  for (const f of files) opened.push(r % 2 === 0 ? await openDecoded(f) : await openDataset(f));
  for (let i = 0; i < 3; i++) {
    gc();
    await sleep(10); // lets FinalizationRegistry callbacks run
  }
  for (const ds of opened) {
    for (const v of Object.values(ds.variables)) {
      try {
        await v.read(v.shape.map(() => 0));
        reads++;
      } catch (err) {
        errors.push(String((err as Error).message));
      }
    }
  }
  // close() still frees: a read after close fails
  const first = opened[0]!;
  await first.close();
  try {
    const v = Object.values(first.data_vars)[0]!;
    await v.read(v.shape.map(() => 0));
    errors.push("read after close() succeeded");
  } catch (err) {
    if (!/after the dataset was closed/.test(String((err as Error).message))) errors.push(String(err));
  }
  for (const ds of opened.slice(1)) await ds.close();
}
process.stdout.write(`${JSON.stringify({ reads, errors })}\n`);
