// A chunk task of a distributed pyramid (`eocube level --executor redis://…`), computed in a worker thread: the
// chunks of the data variables of one level at one chunk position, from the input (levels 0, 1) or the level
// before as written (levels ≥ 2), encoded exactly as the in-process writer does.
import type { Dataset } from "../core/dataset.js";
import { EocubeError } from "../core/errors.js";
import { chunkKey, encodeChunk } from "../formats/zarr/writer.js";
import { loadStorePlugins } from "../stores/plugins.js";
import { type LevelsPlan, levelDataset, levelWritePlan, openLevelSource } from "./level.js";
import { type ChunkItem, chunkSelection } from "./plan.js";
import type { GenRequest } from "./request.js";
import { outputFs } from "./run.js";
import type { WorkerResult } from "./worker.js";

/** What a worker thread receives for one level task. */
export interface LevelWorkerTask {
  kind: "level";
  /** The run's id (datasets are cached per run and level). */
  run: string;
  plan: LevelsPlan;
  /** The output's parent folder as a store (where the temporary pyramid folder lies). */
  output: GenRequest["output"];
  /** The temporary pyramid folder (key in the output store) holding the levels written so far. */
  folder: string;
  level: number;
  items: ChunkItem[];
}

interface Built {
  ds: Dataset;
  plans: ReturnType<typeof levelWritePlan>["byName"];
  close(): Promise<unknown>;
}

const built = new Map<string, Promise<Built>>();

async function build(task: LevelWorkerTask): Promise<Built> {
  await loadStorePlugins();
  const src = await openLevelSource(task.plan, outputFs({ output: task.output }), task.folder, task.level);
  try {
    const ds = await levelDataset(task.plan, src.ds, task.level);
    return { ds, plans: levelWritePlan(ds).byName, close: src.close };
  } catch (err) {
    await src.close();
    throw err;
  }
}

/**
 * Computes and encodes the chunks of a level task (keys relative to the level's Zarr store). The level's
 * dataset is built once per thread, run and level (the last 4 kept).
 * @throws EocubeError from reading the input or the level before; INTERNAL for an unknown variable.
 */
export async function computeLevelTask(task: LevelWorkerTask): Promise<WorkerResult> {
  const key = `${task.run}|${task.level}`;
  let b = built.get(key);
  if (!b) {
    b = build(task);
    built.set(key, b);
    b.catch(() => built.delete(key));
    if (built.size > 4) {
      const oldest = built.keys().next().value!;
      const old = built.get(oldest)!;
      built.delete(oldest);
      void old.then((o) => o.close()).catch(() => undefined);
    }
  }
  const { ds, plans } = await b;
  const chunks: WorkerResult["chunks"] = [];
  let raw = 0;
  for (const item of task.items) {
    const v = ds.variables[item.name];
    const p = plans.get(item.name);
    if (!v || !p) throw new EocubeError("INTERNAL", `level worker: variable ${item.name} missing from level ${task.level}`);
    const values = p.convert(await v.read(chunkSelection(p.spec, item.index)));
    raw += (values.data as ArrayLike<number>).length * ((values.data as { BYTES_PER_ELEMENT?: number }).BYTES_PER_ELEMENT ?? 8);
    // as ZarrWriter.writeChunk: the default writer of writeDataset (Zarr v2, blosc)
    chunks.push({ key: chunkKey(p.spec, item.index, 2), bytes: await encodeChunk(p.spec, values, { compressor: "blosc" }) });
  }
  return { chunks, raw };
}
