// The worked example of the ML toolkit: a tiny TensorFlow.js model (pure JS, cpu backend) learns conc_chl from
// kd489 and conc_tsm on one chunk of the real cube, through tfDataset; a few epochs must lower the loss.
import { describe, expect, it } from "vitest";
import { computeStats, createSampler, loadTf, makeSplit, tfDataset } from "../../src/ml/index.js";
import { openDataset } from "../../src/stores/open.js";
import { ZARR_CUBE } from "../helpers/paths.js";

describe("TensorFlow.js adapter", () => {
  it("trains a small dense model on pixels of the real cube and the loss falls", async () => {
    const tf = await loadTf();
    await tf.setBackend("cpu");
    // a quarter of a stored chunk (125 × 125 px) of the first time step, in the southern North Sea (almost all water pixels valid)
    const ds = await openDataset(ZARR_CUBE, {
      openParams: { bbox: [1.5625, 51.5625, 1.875, 51.875], time_range: ["2017-01-16", "2017-01-17"] },
    });
    const sampler = await createSampler(ds, {
      inputs: ["kd489", "conc_tsm"],
      targets: ["conc_chl"],
      kind: "pixel",
      size: { time: 1 },
      minValid: 1,
    });
    const split = makeSplit(sampler.shape, { blockSize: [50, 50], buffer: 2, seed: 1 });
    const stats = await computeStats(sampler, { splitSpec: split });
    const train = await tfDataset(sampler, {
      split: "train",
      splitSpec: split,
      stats,
      batchSize: 512,
      seed: 5,
      flatten: true,
      layout: "NHWC",
    });
    const model = tf.sequential({
      layers: [tf.layers.dense({ inputShape: [2], units: 16, activation: "relu" }), tf.layers.dense({ units: 1 })],
    });
    model.compile({ optimizer: tf.train.adam(0.01), loss: "meanSquaredError" });
    const history = await model.fitDataset(train, { epochs: 3, verbose: 0 });
    const loss = history.history.loss as number[];
    expect(loss).toHaveLength(3);
    // targets are standardised: the mean predictor has loss 1
    expect(loss[2]!).toBeLessThan(loss[0]!);
    expect(loss[2]!).toBeLessThan(0.5);
    model.dispose();
    await ds.close();
  }, 15_000);
});
