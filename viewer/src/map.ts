// OpenLayers pieces of the viewer: the offline base (plain background + graticule), the tile sources
// of eocube's XYZ routes in EPSG:3857 and EPSG:4326, the dataset outline and the swipe clip.
import type { Map as OlMap } from "ol";
import type ImageTile from "ol/ImageTile.js";
import type Tile from "ol/Tile.js";
import TileState from "ol/TileState.js";
import { getRenderPixel } from "ol/render.js";
import type RenderEvent from "ol/render/Event.js";
import type TileLayer from "ol/layer/Tile.js";
import XYZ from "ol/source/XYZ.js";
import TileGrid from "ol/tilegrid/TileGrid.js";
import { createXYZ } from "ol/tilegrid.js";

/** The view projections the viewer offers. */
export type ViewProjection = "EPSG:3857" | "EPSG:4326";

/** What a tile layer shows: dataset, variable and the query of /tiles (time, colour, other dims). */
export interface TileQuery {
  base: string;
  dataset: string;
  variable: string;
  params: Record<string, string>;
  /** Deepest zoom the server has data for (tileLevelMax); deeper zooms are upsampled in the browser. */
  maxZoom: number;
}

/** Holds tile loads back while the map moves and releases them when it stops. */
export class StillGate {
  private moving = false;
  private waiting: (() => void)[] = [];
  /** Runs `fn` now, or after the current movement ends. */
  whenStill(fn: () => void): void {
    if (this.moving) this.waiting.push(fn);
    else fn();
  }
  setMoving(moving: boolean): void {
    this.moving = moving;
    if (!moving) {
      const w = this.waiting;
      this.waiting = [];
      for (const f of w) f();
    }
  }
}

/** Tile-load callbacks (for messages and tests) and the gate that defers loads while moving. */
export interface TileEvents {
  gate: StillGate;
  /** Aborted when the source is replaced: its pending tile fetches stop quietly. */
  signal: AbortSignal;
  onError(message: string): void;
  onLoaded(): void;
}

/** The tile grid of eocube's WorldCRS84Quad: two 256-px tiles of 180° at zoom 0, y down from 90°N. */
export function crs84Grid(maxZoom: number): TileGrid {
  const resolutions = Array.from({ length: maxZoom + 1 }, (_, z) => 180 / 256 / 2 ** z);
  return new TileGrid({ extent: [-180, -90, 180, 90], origin: [-180, 90], resolutions, tileSize: 256 });
}

/** The URL of one tile (z, y, x as the server counts them: y down from the top). */
export function tileUrl(q: TileQuery, projection: ViewProjection, z: number, x: number, y: number): string {
  const p = new URLSearchParams(q.params);
  p.set("crs", projection === "EPSG:4326" ? "CRS84" : "EPSG:3857"); // the server's default is CRS84, as xcube's
  return new URL(`tiles/${encodeURIComponent(q.dataset)}/${encodeURIComponent(q.variable)}/${z}/${y}/${x}?${p}`, q.base).toString();
}

/**
 * An XYZ source of eocube tiles. Tiles are fetched with fetch() so that an error answer's JSON message
 * reaches {@link TileEvents.onError}.
 */
export function tileSource(q: TileQuery, projection: ViewProjection, events: TileEvents): XYZ {
  const tileGrid = projection === "EPSG:4326" ? crs84Grid(Math.max(q.maxZoom, 1)) : createXYZ({ maxZoom: Math.max(q.maxZoom, 1) });
  return new XYZ({
    projection,
    tileGrid,
    wrapX: false,
    transition: 0,
    tileUrlFunction: (c) => tileUrl(q, projection, c[0], c[1], c[2]),
    tileLoadFunction: (tile: Tile, src: string) => loadTile(tile as ImageTile, src, events),
  });
}

function loadTile(tile: ImageTile, src: string, events: TileEvents): void {
  events.gate.whenStill(() => fetchTile(tile, src, events));
}

function fetchTile(tile: ImageTile, src: string, events: TileEvents): void {
  const img = tile.getImage() as HTMLImageElement;
  if (events.signal.aborted) {
    tile.setState(TileState.ERROR);
    return;
  }
  fetch(src, { signal: events.signal })
    .then(async (res) => {
      if (!res.ok) {
        let msg = `HTTP ${res.status}`;
        try {
          const body = (await res.json()) as { message?: string; hint?: string };
          if (body.message) msg = body.message + (body.hint ? ` (hint: ${body.hint})` : "");
        } catch {
          /* not JSON */
        }
        throw new Error(msg);
      }
      const blob = await res.blob();
      const objectUrl = URL.createObjectURL(blob);
      img.onload = () => {
        URL.revokeObjectURL(objectUrl);
        events.onLoaded();
      };
      img.onerror = () => {
        URL.revokeObjectURL(objectUrl);
        events.onError("a tile could not be decoded");
        tile.setState(TileState.ERROR);
      };
      img.src = objectUrl;
    })
    .catch((err: unknown) => {
      tile.setState(TileState.ERROR);
      if (events.signal.aborted) return;
      events.onError(err instanceof TypeError ? "the server could not be reached" : (err as Error).message);
    });
}

/** Clips `layer` to the part of the map right of `fraction()` (0…1 of the width): the swipe of a split view. */
export function clipRightOf(layer: TileLayer<XYZ>, map: OlMap, fraction: () => number): void {
  layer.on("prerender", (e: RenderEvent) => {
    const ctx = e.context as CanvasRenderingContext2D | undefined;
    const size = map.getSize();
    if (!ctx || !size) return;
    const w = size[0]! * fraction();
    const tl = getRenderPixel(e, [w, 0]);
    const tr = getRenderPixel(e, [size[0]!, 0]);
    const bl = getRenderPixel(e, [w, size[1]!]);
    const br = getRenderPixel(e, size);
    ctx.save();
    ctx.beginPath();
    ctx.moveTo(tl[0]!, tl[1]!);
    ctx.lineTo(bl[0]!, bl[1]!);
    ctx.lineTo(br[0]!, br[1]!);
    ctx.lineTo(tr[0]!, tr[1]!);
    ctx.closePath();
    ctx.clip();
  });
  layer.on("postrender", (e: RenderEvent) => {
    (e.context as CanvasRenderingContext2D | undefined)?.restore();
  });
}
