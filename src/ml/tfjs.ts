// TensorFlow.js adapter: a tf.data.Dataset of {xs, ys} tensors over the batches of a sampler (pure-JS @tensorflow/tfjs).
import type * as tfTypes from "@tensorflow/tfjs";
import { type Batch, type BatchOptions, batches } from "./batches.js";
import type { Sampler } from "./sampler.js";

/** Options of {@link tfDataset}. */
export interface TfDatasetOptions extends BatchOptions {
  /** Reshape x to [N, features] and y to [N, targets × …] (for dense layers) [default false]. */
  flatten?: boolean;
}

/** The tfjs module, loaded once when first needed (about 0.5 s). */
export async function loadTf(): Promise<typeof tfTypes> {
  return import("@tensorflow/tfjs");
}

/**
 * A `tf.data.Dataset` (through `tf.data.generator`) of `{xs, ys}` float32 tensors, one element per batch of
 * {@link batches} with the same options; each iteration (each `model.fitDataset` epoch) starts a new epoch
 * with `epoch` + the number of iterations so far, so every epoch has its own shuffled order. Shapes are those
 * of {@link Batch} (`flatten`: [N, C·T·H·W]). The sampler needs targets for `ys`.
 */
export async function tfDataset(sampler: Sampler, options: TfDatasetOptions = {}): Promise<tfTypes.data.Dataset<tfTypes.TensorContainer>> {
  const tf = await loadTf();
  let epoch = options.epoch ?? 0;
  const toTensors = (b: Batch) => {
    const xs = options.flatten ? tf.tensor2d(b.x, [b.size, b.x.length / b.size]) : tf.tensor(b.x, b.xShape);
    if (!b.y) return { xs };
    const ys = options.flatten ? tf.tensor2d(b.y, [b.size, b.y.length / b.size]) : tf.tensor(b.y, b.yShape);
    return { xs, ys };
  };
  return tf.data.generator(async function* () {
    const it = batches(sampler, { ...options, epoch: epoch++ });
    for await (const b of it) yield toTensors(b);
  } as unknown as () => Iterator<tfTypes.TensorContainer>);
}
