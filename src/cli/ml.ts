// `eocube ml`: training data from cubes — `ml split` writes a leak-free split, `ml export` a training set in Zarr.
import type { Command } from "commander";
import { EocubeError } from "../core/errors.js";
import {
  createSampler,
  exportTrainingSet,
  makeSplit,
  readSplit,
  writeSplit,
  type Layout,
  type NanPolicy,
  type NormMethod,
  type SampleKind,
  type SamplerOptions,
  type SplitOptions,
  type SplitSpec,
} from "../ml/index.js";
import { openDataset } from "../stores/open.js";
import { parseJsonOption, printJson, runAction, withInterrupt, type GlobalOptions } from "./run.js";

interface SamplerFlags extends GlobalOptions {
  inputs: string;
  targets?: string;
  kind: string;
  size?: string;
  mask?: string;
  minValid: string;
}
interface SplitFlags extends GlobalOptions {
  blockSize?: string;
  buffer: string;
  fractions?: string;
  periods?: string;
  timeBuffer: string;
  seed: string;
}
interface ExportFlags extends SamplerFlags, SplitFlags {
  output: string;
  split?: string;
  splitOut?: string;
  batchSize: string;
  layout: string;
  nan: string;
  normalize: string;
  replace?: boolean;
}

/** Comma-separated positive whole numbers of `option`. */
function ints(value: string, option: string, count: number[]): number[] {
  const out = value.split(",").map((s) => Number(s.trim()));
  if (!count.includes(out.length) || out.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new EocubeError(
      "INVALID_ARGUMENT",
      `${option} must be ${count.join(" or ")} positive whole number(s) separated by commas, got ${value}`,
      {
        field: option,
      },
    );
  }
  return out;
}

function num(value: string, option: string): number {
  const n = Number(value);
  if (!Number.isFinite(n)) throw new EocubeError("INVALID_ARGUMENT", `${option} must be a number, got ${value}`, { field: option });
  return n;
}

function oneOf<T extends string>(value: string, option: string, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) {
    throw new EocubeError("INVALID_ARGUMENT", `${option} must be one of ${allowed.join(", ")}, got ${value}`, { field: option });
  }
  return value as T;
}

function samplerOptions(o: SamplerFlags): SamplerOptions {
  const kind = oneOf<SampleKind>(o.kind, "--kind", ["pixel", "patch", "block"]);
  let size: SamplerOptions["size"];
  if (o.size) {
    if (kind === "pixel") size = { time: ints(o.size, "--size", [1])[0]! };
    else if (kind === "patch") {
      const [y, x] = ints(o.size, "--size", [1, 2]);
      size = { y: y!, x: x ?? y! };
    } else {
      const [time, y, x] = ints(o.size, "--size", [3]);
      size = { time: time!, y: y!, x: x! };
    }
  }
  return {
    inputs: o.inputs.split(",").map((s) => s.trim()),
    targets: o.targets ? o.targets.split(",").map((s) => s.trim()) : [],
    kind,
    ...(size ? { size } : {}),
    ...(o.mask ? { mask: o.mask } : {}),
    minValid: num(o.minValid, "--min-valid"),
  };
}

function splitOptions(o: SplitFlags): SplitOptions {
  const fr = o.fractions ? o.fractions.split(",").map((s) => num(s, "--fractions")) : undefined;
  if (fr && fr.length !== 3) throw new EocubeError("INVALID_ARGUMENT", "--fractions must be train,val,test", { field: "--fractions" });
  return {
    ...(o.blockSize ? { blockSize: blockSizeOf(o.blockSize) } : {}),
    buffer: num(o.buffer, "--buffer"),
    ...(fr ? { fractions: { train: fr[0]!, val: fr[1]!, test: fr[2]! } } : {}),
    ...(o.periods ? { periods: parseJsonOption(o.periods, "--periods") as SplitOptions["periods"] } : {}),
    timeBuffer: num(o.timeBuffer, "--time-buffer"),
    seed: num(o.seed, "--seed"),
  };
}

function blockSizeOf(value: string): [number, number] {
  const [h, w] = ints(value, "--block-size", [1, 2]);
  return [h!, w ?? h!];
}

function addSamplerFlags(cmd: Command): Command {
  return cmd
    .requiredOption("--inputs <names>", "input variables, comma-separated (dims [time, y, x])")
    .option("--targets <names>", "target variables, comma-separated")
    .option("--kind <kind>", "pixel | patch | block", "patch")
    .option("--size <n,…>", "sample size: pixel T; patch H,W (or N); block T,H,W [default: pixel all steps, 16×16, 2×16×16]")
    .option("--mask <expr>", "valid pixels: a variable (≠ 0) or an expression, e.g. 'conc_chl > 0 and kd489 < 5'")
    .option("--min-valid <share>", "minimum share of valid pixels per sample (0…1)", "0.5");
}

function addSplitFlags(cmd: Command): Command {
  return cmd
    .option("--block-size <rows,cols>", "spatial blocks in pixels dealt to train/val/test")
    .option("--buffer <px>", "buffer in pixels between blocks of different splits", "0")
    .option("--fractions <train,val,test>", "shares of blocks", "0.7,0.15,0.15")
    .option(
      "--periods <json>",
      'time periods per split, e.g. \'{"train": ["2017-01-16", "2017-01-25"], "val": ["2017-01-26", "2017-01-30"]}\'',
    )
    .option("--time-buffer <days>", "buffer in days between periods", "0")
    .option("--seed <n>", "seed of the block assignment and of the order", "0");
}

/** Registers `eocube ml split` and `eocube ml export` on the program. */
export function register(program: Command): void {
  const ml = program.command("ml").description("Training data for machine learning from a cube: leak-free splits and training sets");
  addSplitFlags(
    ml
      .command("split")
      .description("Write a leak-free split (spatial blocks and/or time periods, with a buffer) of a dataset's grid as JSON")
      .argument("<input>", "dataset path or URL")
      .requiredOption("-o, --output <file>", "the split file (JSON)")
      .option("--variable <name>", "the variable whose [time, y, x] grid is split [default: the first 3-D data variable]"),
  )
    .option("--json", "print the result as JSON")
    .option("--verbose", "show stack traces of errors")
    .addHelpText(
      "after",
      "\nExample:\n  eocube ml split ../shared/data/zarr/cube-1-250-250.zarr -o split.json --block-size 125,125 --buffer 8",
    )
    .action(async (input: string, opts: SplitFlags & { output: string; variable?: string }) => {
      await runAction(opts, async () => {
        const ds = await openDataset(input);
        try {
          const v = opts.variable ? ds.variable(opts.variable) : Object.values(ds.data_vars).find((d) => d.ndim === 3);
          if (!v)
            throw new EocubeError("INVALID_ARGUMENT", `${input} has no 3-D data variable to split`, { path: input, field: "--variable" });
          const spec = makeSplit(v.shape as [number, number, number], splitOptions(opts));
          await writeSplit(spec, opts.output);
          const counts = Object.fromEntries(["train", "val", "test"].map((s) => [s, spec.blocks.filter((b) => b === s).length]));
          if (opts.json) printJson({ output: opts.output, shape: spec.shape, blockGrid: spec.blockGrid, blocks: counts });
          else
            process.stdout.write(
              `wrote ${opts.output}: grid [${spec.shape}], ${spec.blocks.length} blocks (train ${counts.train}, val ${counts.val}, test ${counts.test}), buffer ${spec.buffer} px\n`,
            );
        } finally {
          await ds.close();
        }
      });
    });
  addSplitFlags(
    addSamplerFlags(
      ml
        .command("export")
        .description("Write a sampled, shuffled, split training set to Zarr (one float32 array per split, chunked by batch)")
        .argument("<input>", "dataset path or URL")
        .requiredOption("-o, --output <path>", "output Zarr store (.zarr)"),
    ),
  )
    .option("--split <file>", "reuse a split written by `eocube ml split` (else made from --block-size/--periods, if given)")
    .option("--split-out <file>", "also write the split made here")
    .option("--batch-size <n>", "samples per chunk", "32")
    .option("--layout <layout>", "NCHW | NHWC", "NCHW")
    .option("--nan <policy>", "drop | fill | mask", "fill")
    .option("--normalize <method>", "standard | minmax | none (statistics of the train split)", "standard")
    .option("--replace", "replace an existing output")
    .option("--json", "print the result as JSON")
    .option("--verbose", "show stack traces of errors")
    .addHelpText(
      "after",
      "\nExample:\n  eocube ml export ../shared/data/zarr/cube-1-250-250.zarr -o train.zarr --inputs kd489,conc_tsm --targets conc_chl \\\n    --size 32,32 --block-size 125,125 --buffer 8 --batch-size 64",
    )
    .action(async (input: string, opts: ExportFlags) => {
      await runAction(opts, async () => {
        const sopts = samplerOptions(opts);
        const normalize = oneOf(opts.normalize, "--normalize", ["standard", "minmax", "none"] as const);
        const ds = await openDataset(input);
        try {
          const sampler = await createSampler(ds, sopts);
          let spec: SplitSpec | undefined;
          if (opts.split) spec = await readSplit(opts.split);
          else if (opts.blockSize || opts.periods) spec = makeSplit(sampler.shape, splitOptions(opts));
          if (spec && opts.splitOut) await writeSplit(spec, opts.splitOut);
          const result = await withInterrupt(
            (signal) =>
              exportTrainingSet(sampler, opts.output, {
                splitSpec: spec,
                batchSize: ints(opts.batchSize, "--batch-size", [1])[0]!,
                layout: oneOf<Layout>(opts.layout, "--layout", ["NCHW", "NHWC"]),
                nan: oneOf<NanPolicy>(opts.nan, "--nan", ["drop", "fill", "mask"]),
                normalizeValues: normalize !== "none",
                ...(normalize !== "none" ? { normalize: normalize as NormMethod } : {}),
                seed: num(opts.seed, "--seed"),
                replace: opts.replace,
                signal,
              }),
            { what: "eocube ml export" },
          );
          if (opts.json) printJson(result);
          else {
            const counts = Object.entries(result.counts).map(([k, n]) => `${k} ${n}`);
            process.stdout.write(
              `wrote ${opts.output}: ${counts.join(", ")} samples of [${sampler.channels}] ${sampler.kind} ${sampler.sampleShape.join("×")}\n`,
            );
          }
        } finally {
          await ds.close();
        }
      });
    });
}
