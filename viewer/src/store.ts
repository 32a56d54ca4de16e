// The viewer's state store: the server connection, the view state kept in the URL, what the link asked for and is
// still to be applied, the shown dataset's facts, and the two events the controls signal each other with.
import type { Api, DatasetInfo, VariableInfo } from "./api.js";
import { parseState, type ViewState } from "./state.js";

const search = new URLSearchParams(location.search);

/** The eocube server: `?server=` (default the viewer's parent path) and `?timeout=` in ms (default 20 s). */
export const api: Api = {
  base: new URL(search.get("server") ?? "../", location.href).toString().replace(/\/?$/, "/"),
  timeoutMs: Number(search.get("timeout")) > 0 ? Number(search.get("timeout")) : 20_000,
};

/** The view state: read from the URL hash at start, changed by the controls, written back by url.ts. */
export const st: ViewState = parseState(location.hash);

/** What the link asked for and has not been applied yet (each field is cleared once used). */
export const requested: { dataset?: string; variable?: string; center?: [number, number]; zoom?: number; dims?: Record<string, string> } = {
  dataset: st.dataset,
  variable: st.variable,
  center: st.center,
  zoom: st.zoom,
  dims: st.dims,
};

/** Labels chosen for non-time, non-spatial dimensions (e.g. level); part of the URL state (`st.dims`). */
export const extraDims: Record<string, string> = {};
st.dims = extraDims;

/** Colour settings of another variable than the shown one (the split view's right side): its own defaults. */
export interface OtherStyle {
  variable: string;
  cmap: string;
  vmin: number;
  vmax: number;
  log: boolean;
}

/** The shown dataset and variable and the dataset's time axis (set by the dataset and variable pickers). */
export const shown: {
  ds?: DatasetInfo;
  variable?: VariableInfo;
  /** Time labels (ISO) of the dataset's time axis, ascending. */
  times: string[];
  /** The same times in epoch ms. */
  timeMs: number[];
  timeDim?: string;
  /** Index of the shown step in `times`. */
  timeIdx: number;
  /** The split view's right variable's colours, once loaded. */
  rightStyle?: OtherStyle;
} = { times: [], timeMs: [], timeIdx: 0 };

/** What the controls tell each other: "render" (redraw layers, legend, URL), "time" (the shown step changed). */
export type ViewerEvent = "render" | "time";

const listeners: Record<ViewerEvent, (() => void)[]> = { render: [], time: [] };

/** Calls `fn` on each `event` (synchronously, in the order registered). */
export function on(event: ViewerEvent, fn: () => void): void {
  listeners[event].push(fn);
}

/** Signals `event` to its listeners. */
export function emit(event: ViewerEvent): void {
  for (const fn of listeners[event]) fn();
}

/** Redraws the map's tile layers, the legend and the URL from the state (layers.ts listens). */
export function render(): void {
  emit("render");
}
