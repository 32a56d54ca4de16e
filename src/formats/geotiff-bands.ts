// The bands of a GeoTIFF written from a dataset: which variable and time step each band holds, the one sample type
// and nodata all bands share, each band's description/units/scale/offset, and reading a band as north-up samples.
// GDAL conventions: one data type and one GDAL_NODATA per dataset; band metadata in GDAL_METADATA
// (https://gdal.org/drivers/raster/gtiff.html#metadata).
import type { Dataset } from "../core/dataset.js";
import { EocubeError } from "../core/errors.js";
import type { GridMapping } from "../core/gridmapping.js";
import type { DType, NdData } from "../core/ndarray.js";
import type { Selection } from "../core/selection.js";
import { toIsoString } from "../core/time.js";
import type { ReadOptions, Variable } from "../core/variable.js";

/** Sample types a written GeoTIFF band can have. */
export type SampleDType = "uint8" | "int8" | "uint16" | "int16" | "uint32" | "int32" | "float32" | "float64";

/** One band of a written GeoTIFF, as GDAL reports it. */
export interface GeoTiffBand {
  /** Band description: the variable's name, or the band's time (ISO 8601) / `dim=label` for the bands of one variable. */
  description: string;
  variable: string;
  /** Labels of the variable's non-spatial dimensions at this band (times as ISO 8601). */
  labels: Record<string, string>;
  /** Value = sample × scale + offset (packed integers), when not 1 and 0. */
  scale?: number;
  offset?: number;
  units?: string;
}

type NumArray = Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float32Array | Float64Array;

/** A planned band: its description and how to read it. */
export interface PlannedBand {
  info: GeoTiffBand;
  /** Flag/category values: overviews take a pixel instead of a mean. */
  categorical: boolean;
  /** Reads the band as `height × width` samples in rows north → south, columns west → east. */
  read(ctor: new (n: number) => NumArray, flipY: boolean, flipX: boolean, options?: ReadOptions): Promise<NumArray>;
}

/** The bands of a GeoTIFF and what they share. */
export interface BandPlan {
  dtype: SampleDType;
  /** The nodata sample (NaN for floats), when there is one. */
  nodata?: number;
  /** GDAL_NODATA text: `nan` or an integer. */
  nodataText?: string;
  bands: PlannedBand[];
  /** GDAL_METADATA items `[name, value, sample (0-based band), role]`; without a sample they belong to the dataset. */
  items: Array<[string, string, number?, string?]>;
  skipped: string[];
}

const RANGE: Partial<Record<DType, [number, number]>> = {
  uint8: [0, 255],
  int8: [-128, 127],
  uint16: [0, 65535],
  int16: [-32768, 32767],
  uint32: [0, 4294967295],
  int32: [-2147483648, 2147483647],
};
const WIDE = new Set<DType>(["uint32", "int32", "int64", "uint64", "float64"]);

const num = (x: unknown) => (typeof x === "number" ? x : typeof x === "bigint" ? Number(x) : undefined);

/** How one variable would be stored on its own. */
interface Candidate {
  dtype: SampleDType;
  fill?: number;
  pack?: { scale: number; offset: number };
  /** Needs float64 when the bands fall back to floats. */
  wide: boolean;
  /** Cannot be stored as it is (64-bit integers). */
  floatOnly?: boolean;
  /** The source's own fill value (integers not CF-decoded): NaN in a float fallback. */
  srcFill?: number;
}

function candidate(v: Variable): Candidate {
  const enc = v.encoding;
  const stored = enc.dtype;
  if ((v.dtype === "float32" || v.dtype === "float64") && stored && RANGE[stored] && enc._Unsigned === undefined) {
    const fill = num(enc._FillValue ?? enc.missing_value);
    const scale = num(enc.scale_factor) ?? 1;
    const offset = num(enc.add_offset) ?? 0;
    const [lo, hi] = RANGE[stored]!;
    if (fill !== undefined && Number.isInteger(fill) && fill >= lo && fill <= hi && scale !== 0)
      return { dtype: stored as SampleDType, fill, pack: { scale, offset }, wide: WIDE.has(stored) || v.dtype === "float64" };
  }
  if (RANGE[v.dtype] || v.dtype === "bool") {
    const dtype = (v.dtype === "bool" ? "uint8" : v.dtype) as SampleDType;
    const fill = num(v.attrs._FillValue ?? v.encoding._FillValue);
    const [lo, hi] = RANGE[dtype]!;
    const ok = fill !== undefined && Number.isInteger(fill) && fill >= lo && fill <= hi;
    return { dtype, ...(ok ? { fill, srcFill: fill } : {}), wide: WIDE.has(dtype) };
  }
  if (v.dtype === "float32" || v.dtype === "float64") return { dtype: v.dtype, wide: v.dtype === "float64" };
  if (v.dtype === "int64" || v.dtype === "uint64") {
    const fill = num(v.attrs._FillValue ?? v.encoding._FillValue);
    return { dtype: "float64", wide: true, floatOnly: true, ...(fill !== undefined ? { srcFill: fill } : {}) };
  }
  throw new EocubeError("UNSUPPORTED", `variable ${v.name} holds ${v.dtype} values, which a GeoTIFF band cannot`, {
    field: v.name,
    hint: "leave it out (--variables / properties)",
  });
}

/** Text of a label of a non-spatial dimension. */
function labelTexts(ds: Dataset, dim: string, size: number, options?: ReadOptions): Promise<string[]> {
  const c = ds.coords[dim];
  if (c?.ndim !== 1 || c.dims[0] !== dim) return Promise.resolve(Array.from({ length: size }, (_, i) => String(i)));
  return c.read([], options).then((a) =>
    Array.from({ length: size }, (_, i) => {
      const x = (a.data as ArrayLike<unknown>)[i];
      return c.dtype === "datetime64[ns]" ? toIsoString(Number(x)) : String(x);
    }),
  );
}

/**
 * Plans the bands of a GeoTIFF of `ds` on grid `gm`: the data variables with both x and y dimensions (others are
 * `skipped`). One variable: a band per label of its other dimensions (time steps; C order for several dimensions).
 * Several variables: a band each, and each must have one label per other dimension. Sample type: the variables'
 * common stored type (CF-packed integers kept packed, with scale/offset per band and `_FillValue` as nodata) when
 * they agree on type and fill value, else float32 (float64 when a source is float64 or a 32/64-bit integer) with NaN.
 * @throws EocubeError INVALID_ARGUMENT (field `bands`) when no variable is on the grid or several variables have
 *   several time steps; UNSUPPORTED for datetime/string variables; TOO_LARGE past 65,535 bands.
 */
export async function planBands(ds: Dataset, gm: GridMapping, options: ReadOptions = {}): Promise<BandPlan> {
  const { xDim, yDim } = gm;
  const all = Object.values(ds.data_vars);
  const gridded = all.filter((v) => v.dims.includes(xDim) && v.dims.includes(yDim));
  const skipped = all.filter((v) => !gridded.includes(v)).map((v) => v.name);
  if (gridded.length === 0)
    throw new EocubeError("INVALID_ARGUMENT", `no data variable has the dimensions ${yDim} and ${xDim}, so there is no band to write`, {
      field: "bands",
      hint: `variables: ${all.map((v) => v.name).join(", ") || "none"}`,
    });
  const others = (v: Variable) => v.dims.map((d, i) => ({ d, i, n: v.shape[i]! })).filter(({ d }) => d !== xDim && d !== yDim);
  const steps = (v: Variable) => others(v).reduce((n, o) => n * o.n, 1);
  if (gridded.length > 1) {
    const multi = gridded.filter((v) => steps(v) > 1);
    if (multi.length > 0) {
      const o = others(multi[0]!).find((x) => x.n > 1)!;
      throw new EocubeError(
        "INVALID_ARGUMENT",
        `a GeoTIFF holds one band per variable at one ${o.d} step, or the ${o.d} steps of one variable; ${multi.map((v) => v.name).join(", ")} ${multi.length > 1 ? "have" : "has"} ${o.n} ${o.d} steps`,
        { field: "bands", hint: `select one ${o.d} step, or one variable` },
      );
    }
  }
  const count = gridded.length === 1 ? steps(gridded[0]!) : gridded.length;
  if (count > 65535)
    throw new EocubeError("TOO_LARGE", `the GeoTIFF would hold ${count.toLocaleString("en-US")} bands, more than a TIFF holds (65,535)`, {
      field: "bands",
      hint: "select fewer time steps",
    });
  const cands = gridded.map(candidate);
  const c0 = cands[0]!;
  const exact = cands.every(
    (c) => !c.floatOnly && c.dtype === c0.dtype && (c.fill === c0.fill || (Number.isNaN(c.fill) && Number.isNaN(c0.fill))),
  );
  const dtype: SampleDType = exact ? c0.dtype : cands.some((c) => c.wide) ? "float64" : "float32";
  const isFloatType = dtype === "float32" || dtype === "float64";
  const nodata = isFloatType ? Number.NaN : c0.fill;
  const labels = new Map<string, string[]>();
  for (const v of gridded) for (const o of others(v)) if (!labels.has(o.d)) labels.set(o.d, await labelTexts(ds, o.d, o.n, options));

  const bands: PlannedBand[] = [];
  const items: BandPlan["items"] = [];
  for (const [k, value] of Object.entries(ds.attrs)) {
    const text =
      typeof value === "string" ? value : typeof value === "number" ? String(value) : Array.isArray(value) ? value.join(" ") : undefined;
    if (text !== undefined && /^[A-Za-z_][\w.:-]*$/.test(k)) items.push([k, text]);
  }
  for (const [vi, v] of gridded.entries()) {
    const c = cands[vi]!;
    const dims = others(v);
    const pack = exact ? c.pack : undefined;
    const yFirst = v.dims.indexOf(yDim) < v.dims.indexOf(xDim);
    const units = typeof v.attrs.units === "string" ? v.attrs.units : undefined;
    const categorical = ["flag_values", "flag_masks", "flag_meanings"].some((a) => a in v.attrs);
    for (let k = 0; k < steps(v); k++) {
      const index: Record<string, number> = {};
      let rest = k;
      for (let j = dims.length - 1; j >= 0; j--) {
        index[dims[j]!.d] = rest % dims[j]!.n;
        rest = Math.floor(rest / dims[j]!.n);
      }
      const lab = Object.fromEntries(dims.map((o) => [o.d, labels.get(o.d)![index[o.d]!]!]));
      const description =
        gridded.length > 1 || dims.length === 0
          ? v.name
          : dims.length === 1 && ds.coords[dims[0]!.d]?.dtype === "datetime64[ns]"
            ? lab[dims[0]!.d]!
            : dims.map((o) => `${o.d}=${lab[o.d]}`).join(", ");
      const info: GeoTiffBand = {
        description,
        variable: v.name,
        labels: lab,
        ...(pack && (pack.scale !== 1 || pack.offset !== 0) ? { scale: pack.scale, offset: pack.offset } : {}),
        ...(units ? { units } : {}),
      };
      const s = bands.length;
      items.push([`DESCRIPTION`, description, s, "description"]);
      if (info.scale !== undefined) items.push(["SCALE", String(info.scale), s, "scale"], ["OFFSET", String(info.offset), s, "offset"]);
      if (units) items.push(["UNITTYPE", units, s, "unittype"]);
      items.push(["variable", v.name, s]);
      for (const a of ["long_name", "standard_name"]) if (typeof v.attrs[a] === "string") items.push([a, v.attrs[a] as string, s]);
      for (const [d, l] of Object.entries(lab)) items.push([d, l, s]);
      const selection: Selection = v.dims.map((d) => (d === xDim || d === yDim ? null : index[d]!));
      const srcFill = exact ? undefined : c.srcFill;
      const [lo, hi] = RANGE[dtype] ?? [-Infinity, Infinity];
      bands.push({
        info,
        categorical,
        async read(ctor, flipY, flipX, opts) {
          const { data } = await v.read(selection, opts);
          const W = gm.width;
          const H = gm.height;
          const out = new ctor(W * H);
          const at = (i: number) => {
            const x = (data as NdData as ArrayLike<number | bigint>)[i]!;
            return typeof x === "bigint" ? Number(x) : x;
          };
          for (let r = 0; r < H; r++) {
            const sr = flipY ? H - 1 - r : r;
            for (let col = 0; col < W; col++) {
              const sc = flipX ? W - 1 - col : col;
              const x = at(yFirst ? sr * W + sc : sc * H + sr);
              let y: number;
              if (pack) y = x !== x ? nodata! : Math.min(hi, Math.max(lo, Math.round((x - pack.offset) / pack.scale)));
              else if (srcFill !== undefined && x === srcFill) y = Number.NaN;
              else y = x;
              out[r * W + col] = y;
            }
          }
          return out;
        },
      });
    }
  }
  return {
    dtype,
    ...(nodata !== undefined ? { nodata, nodataText: Number.isNaN(nodata) ? "nan" : String(nodata) } : {}),
    bands,
    items,
    skipped,
  };
}
