// The time-series chart (uPlot): several series over time, mean lines with a ± std band for polygons,
// a data table beside it for keyboard and screen-reader users, CSV export, and clicks that pick a time.
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

/** One plotted series: a place (point or polygon) × dataset × variable, filled in chunk by chunk. */
export interface Series {
  id: number;
  label: string;
  kind: "point" | "polygon";
  dataset: string;
  variable: string;
  units: string;
  color: string;
  /** Times (epoch ms), ascending, and the values at them (null = no valid data). */
  times: number[];
  mean: (number | null)[];
  std: (number | null)[];
  /** True once the whole time axis has been loaded. */
  complete: boolean;
  /** True when loading stopped on an error (the values loaded before it stay). */
  failed?: boolean;
}

const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2"];

/** The colour of the n-th series. */
export function seriesColor(n: number): string {
  return COLORS[n % COLORS.length]!;
}

/** Merges entries into a series keeping times ascending and unique. */
export function mergeEntries(s: Series, entries: { time: number; mean: number | null; std: number | null }[]): void {
  const byTime = new Map<number, { mean: number | null; std: number | null }>();
  s.times.forEach((t, i) => {
    byTime.set(t, { mean: s.mean[i]!, std: s.std[i]! });
  });
  for (const e of entries) byTime.set(e.time, { mean: e.mean, std: e.std });
  const times = [...byTime.keys()].sort((a, b) => a - b);
  s.times = times;
  s.mean = times.map((t) => byTime.get(t)!.mean);
  s.std = times.map((t) => byTime.get(t)!.std);
}

/** CSV of all series: one row per series and time (`series,dataset,variable,kind,time,mean,std`). */
export function seriesCsv(series: Series[]): string {
  const q = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const rows = ["series,dataset,variable,kind,time,mean,std"];
  for (const s of series) {
    s.times.forEach((t, i) => {
      const m = s.mean[i];
      const d = s.std[i];
      rows.push(
        [
          q(s.label),
          q(s.dataset),
          q(s.variable),
          s.kind,
          new Date(t).toISOString(),
          m === null || m === undefined ? "" : String(m),
          d === null || d === undefined ? "" : String(d),
        ].join(","),
      );
    });
  }
  return `${rows.join("\n")}\n`;
}

/** Options of {@link TimeSeriesChart}. */
export interface ChartOptions {
  /** Called with a time (epoch ms) when a chart point is clicked. */
  onPickTime: (ms: number) => void;
  /** Called when the user removes a series (its id). */
  onRemove: (id: number) => void;
}

/** The chart panel: uPlot canvas plus an accessible data table. */
export class TimeSeriesChart {
  private plot: uPlot | undefined;
  private xs: number[] = [];
  private readonly plotEl: HTMLElement;
  private readonly legendEl: HTMLElement;
  private readonly tableBody: HTMLTableSectionElement;
  private readonly resize: ResizeObserver;
  private series: Series[] = [];
  private markerMs: number | undefined;

  constructor(
    private readonly root: HTMLElement,
    private readonly opts: ChartOptions,
  ) {
    this.plotEl = root.querySelector<HTMLElement>(".chart-plot")!;
    this.legendEl = root.querySelector<HTMLElement>(".chart-legend")!;
    this.tableBody = root.querySelector<HTMLTableSectionElement>("tbody")!;
    this.resize = new ResizeObserver(() => {
      if (this.plot && Math.abs(this.plot.width - this.size().width) > 1) this.plot.setSize(this.size());
    });
    this.resize.observe(this.plotEl);
  }

  private size(): { width: number; height: number } {
    return { width: Math.max(200, this.plotEl.clientWidth), height: 180 };
  }

  /** Shows a vertical marker at the map's time. */
  setMarker(ms: number | undefined): void {
    this.markerMs = ms;
    this.plot?.redraw(false, false);
  }

  /** Redraws with the given series. */
  update(series: Series[]): void {
    this.series = series;
    this.root.hidden = series.length === 0;
    this.renderTable();
    this.renderLegend();
    if (series.length === 0) {
      this.plot?.destroy();
      this.plot = undefined;
      return;
    }
    const xsSet = new Set<number>();
    for (const s of series) for (const t of s.times) xsSet.add(t);
    this.xs = [...xsSet].sort((a, b) => a - b);
    // no values yet (the first chunk is loading): no plot, since uPlot cannot draw axes without data
    this.plotEl.dataset.empty = String(this.xs.length === 0);
    if (this.xs.length === 0) {
      this.plot?.destroy();
      this.plot = undefined;
      this.plotEl.textContent = series.some((s) => !s.complete && !s.failed) ? "Loading the time series…" : "No values to plot.";
      return;
    }
    if (!this.plot) this.plotEl.textContent = "";
    const idx = new Map(this.xs.map((t, i) => [t, i]));
    const data: (number | null)[][] = [this.xs.map((t) => t / 1000)];
    const uSeries: uPlot.Series[] = [{ label: "time" }];
    const bands: uPlot.Band[] = [];
    for (const s of series) {
      const col = (vals: (number | null)[]) => {
        const out = new Array<number | null>(this.xs.length).fill(null);
        s.times.forEach((t, i) => {
          out[idx.get(t)!] = vals[i] ?? null;
        });
        return out;
      };
      const mean = col(s.mean);
      data.push(mean);
      uSeries.push({
        label: s.label,
        stroke: s.color,
        width: 2,
        spanGaps: true,
        points: { show: true, size: 7, fill: s.color },
        value: (_u, v) => (v === null || v === undefined ? "–" : fmt(v)),
      });
      if (s.kind === "polygon") {
        const std = col(s.std);
        const hi = mean.map((m, i) => (m === null || std[i] === null ? null : m + std[i]!));
        const lo = mean.map((m, i) => (m === null || std[i] === null ? null : m - std[i]!));
        data.push(hi, lo);
        const iHi = uSeries.length;
        uSeries.push({ label: `${s.label} +σ`, stroke: `${s.color}55`, width: 1, spanGaps: true, points: { show: false } });
        uSeries.push({ label: `${s.label} −σ`, stroke: `${s.color}55`, width: 1, spanGaps: true, points: { show: false } });
        bands.push({ series: [iHi, iHi + 1], fill: `${s.color}22` });
      }
    }
    const units = [...new Set(series.map((s) => s.units).filter(Boolean))].join(", ");
    const opts: uPlot.Options = {
      ...this.size(),
      series: uSeries,
      bands,
      scales: { x: { time: true } },
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), "Etc/UTC"),
      // ISO 8601 tick labels (UTC): the date alone at midnight, else date and time
      axes: [
        { label: "time (UTC)", space: 120, values: (_u, splits) => splits.map(isoTick) },
        { label: units, size: 60 },
      ],
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      hooks: {
        draw: [
          (u) => {
            if (this.markerMs === undefined) return;
            const x = u.valToPos(this.markerMs / 1000, "x", true);
            const ctx = u.ctx;
            ctx.save();
            ctx.strokeStyle = "#444";
            ctx.setLineDash([4, 4]);
            ctx.beginPath();
            ctx.moveTo(x, u.bbox.top);
            ctx.lineTo(x, u.bbox.top + u.bbox.height);
            ctx.stroke();
            ctx.restore();
          },
        ],
      },
    };
    this.plot?.destroy();
    this.plot = new uPlot(opts, data as uPlot.AlignedData, this.plotEl);
    this.plot.over.addEventListener("click", () => {
      const i = this.plot?.cursor.idx;
      if (i !== null && i !== undefined && this.xs[i] !== undefined) this.opts.onPickTime(this.xs[i]!);
    });
  }

  private renderLegend(): void {
    this.legendEl.innerHTML = "";
    for (const s of this.series) {
      const li = document.createElement("li");
      li.innerHTML = `<span class="swatch" style="background:${s.color}"></span><span>${esc(s.label)}${s.kind === "polygon" ? " (mean ± std)" : ""}${s.failed ? " – could not be loaded completely" : s.complete ? "" : " – loading…"}</span>`;
      const b = document.createElement("button");
      b.type = "button";
      b.className = "linklike";
      b.textContent = "remove";
      b.setAttribute("aria-label", `Remove series ${s.label}`);
      b.addEventListener("click", () => this.opts.onRemove(s.id));
      li.appendChild(b);
      this.legendEl.appendChild(li);
    }
  }

  private renderTable(): void {
    const rows: string[] = [];
    for (const s of this.series) {
      s.times.forEach((t, i) => {
        const iso = new Date(t).toISOString();
        const m = s.mean[i];
        const d = s.std[i];
        rows.push(
          `<tr data-series="${s.id}" data-time="${iso}" data-mean="${m ?? ""}"><td>${esc(s.label)}</td><td><button type="button" class="linklike" data-pick="${t}" aria-label="Show ${iso} on the map">${iso}</button></td><td>${m === null || m === undefined ? "–" : fmt(m)}</td><td>${s.kind === "polygon" && d !== null && d !== undefined ? fmt(d) : ""}</td></tr>`,
        );
      });
    }
    this.tableBody.innerHTML = rows.join("");
    this.tableBody.querySelectorAll<HTMLButtonElement>("button[data-pick]").forEach((b) => {
      b.addEventListener("click", () => this.opts.onPickTime(Number(b.dataset.pick)));
    });
  }
}

function fmt(v: number): string {
  return Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : v.toPrecision(4);
}

function esc(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);
}

/** A time-axis tick (seconds since 1970) as ISO 8601 UTC: "2017-06-05" at midnight, else "2017-06-05 12:00". */
function isoTick(seconds: number): string {
  const iso = new Date(seconds * 1000).toISOString();
  return iso.slice(11, 16) === "00:00" ? iso.slice(0, 10) : `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
}
