// A layer of live points (units, calls, cameras, ...) drawn on one canvas. Thousands of points that move
// many times a second are too many for one DOM marker each; a canvas redrawn at most once per frame keeps
// up. At low zoom, points that fall in the same screen cell are drawn as one cluster with a count.

import L from "leaflet";
import { Samples } from "../samples";

export type Shape = "circle" | "square" | "diamond" | "triangle" | "arrow" | "cross";

export interface Feature {
  id: string;
  lat: number;
  lon: number;
  color: string;
  shape: Shape;
  size: number;
  heading?: number | null;
  /** An uncertainty circle in metres (gunshot locations). */
  ringM?: number | null;
  /** Drawn hollow: a down camera, a cleared call. */
  hollow?: boolean;
  label: string;
  data: unknown;
  // Where the last frame drew it, in map-container pixels (undefined when clustered or off screen).
  drawnX?: number;
  drawnY?: number;
}

const PAD = 0.25; // the canvas reaches a quarter screen beyond each edge, so a short pan shows points at once
const CELL_PX = 56;
const EARTH_M = 40_075_016.686;

/** Event-to-screen latencies (ms) of the most recent updates, for the status bar and the benchmark. */
export const latency = new Samples();
/** How long each redraw of a layer took (ms). */
export const drawTimes = new Samples(20_000);

function project(lat: number, lon: number, scale: number): [number, number] {
  const s = Math.sin((lat * Math.PI) / 180);
  return [((lon + 180) / 360) * scale, (0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI)) * scale];
}

export class PointLayer extends L.Layer {
  readonly features = new Map<string, Feature>();
  private canvas: HTMLCanvasElement | null = null;
  private frame = 0;
  private pendingTimes: number[] = [];
  private origin = L.point(0, 0);
  drawnCount = 0;
  clusterCount = 0;

  constructor(
    readonly key: string,
    readonly title: string,
    readonly swatch: string,
    private clusterBelowZoom = 14,
  ) {
    super();
  }

  onAdd(map: L.Map): this {
    this.canvas = L.DomUtil.create("canvas", `point-layer point-layer-${this.key}`) as HTMLCanvasElement;
    this.canvas.dataset.layer = this.key;
    map.getPane("overlayPane")?.appendChild(this.canvas);
    map.on("moveend zoomend resize viewreset", this.redraw, this);
    map.on("zoomstart", this.hide, this);
    this.redraw();
    return this;
  }

  onRemove(map: L.Map): this {
    map.off("moveend zoomend resize viewreset", this.redraw, this);
    map.off("zoomstart", this.hide, this);
    this.canvas?.remove();
    this.canvas = null;
    for (const f of this.features.values()) f.drawnX = f.drawnY = undefined;
    return this;
  }

  /** Add or move a point; `eventTime` (ms since the epoch) lets the frame that shows it measure latency. */
  upsert(f: Feature, eventTime?: number): void {
    const old = this.features.get(f.id);
    if (old) {
      f.drawnX = old.drawnX;
      f.drawnY = old.drawnY;
    }
    this.features.set(f.id, f);
    if (eventTime !== undefined) this.pendingTimes.push(eventTime);
    this.schedule();
  }

  patch(id: string, change: Partial<Feature>, eventTime?: number): Feature | undefined {
    const f = this.features.get(id);
    if (!f) return undefined;
    Object.assign(f, change);
    if (eventTime !== undefined) this.pendingTimes.push(eventTime);
    this.schedule();
    return f;
  }

  drop(id: string): void {
    if (this.features.delete(id)) this.schedule();
  }

  clear(): void {
    this.features.clear();
    this.schedule();
  }

  private hide(): void {
    if (this.canvas) this.canvas.style.visibility = "hidden";
  }

  private redraw(): void {
    this.schedule();
  }

  private schedule(): void {
    if (this.frame || !this._map || !this.canvas) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  /** The feature nearest a point on the screen, within `maxPx`. */
  nearest(container: L.Point, maxPx = 12): Feature | null {
    let best: Feature | null = null;
    let bestD = maxPx * maxPx;
    for (const f of this.features.values()) {
      if (f.drawnX === undefined || f.drawnY === undefined) continue;
      const d = (f.drawnX - container.x) ** 2 + (f.drawnY - container.y) ** 2;
      if (d <= bestD) {
        best = f;
        bestD = d;
      }
    }
    return best;
  }

  private draw(): void {
    const began = performance.now();
    this.paint();
    drawTimes.add(performance.now() - began);
  }

  private paint(): void {
    const map = this._map;
    const canvas = this.canvas;
    if (!map || !canvas) return;
    const size = map.getSize();
    const padX = Math.round(size.x * PAD);
    const padY = Math.round(size.y * PAD);
    const w = size.x + 2 * padX;
    const hgt = size.y + 2 * padY;
    const ratio = window.devicePixelRatio || 1;
    if (canvas.width !== w * ratio || canvas.height !== hgt * ratio) {
      canvas.width = w * ratio;
      canvas.height = hgt * ratio;
      canvas.style.width = `${w}px`;
      canvas.style.height = `${hgt}px`;
    }
    const topLeft = map.containerPointToLayerPoint([-padX, -padY]);
    L.DomUtil.setPosition(canvas, topLeft);
    canvas.style.visibility = "visible";
    const ctx = canvas.getContext("2d");
    if (!ctx) return;
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, w, hgt);

    const zoom = map.getZoom();
    const scale = 256 * 2 ** zoom;
    const pixelOrigin = map.getPixelOrigin();
    // Canvas pixel = projected pixel - (pixel origin + layer offset of the canvas).
    this.origin = L.point(pixelOrigin.x + topLeft.x, pixelOrigin.y + topLeft.y);
    // Container pixel = canvas pixel - padding.
    const ox = this.origin.x;
    const oy = this.origin.y;
    const cluster = zoom < this.clusterBelowZoom;
    const cells = new Map<number, { n: number; x: number; y: number; f: Feature; sx: number; sy: number }>();
    let drawn = 0;
    for (const f of this.features.values()) {
      const [px, py] = project(f.lat, f.lon, scale);
      const x = px - ox;
      const y = py - oy;
      if (x < -20 || y < -20 || x > w + 20 || y > hgt + 20) {
        f.drawnX = f.drawnY = undefined;
        continue;
      }
      if (cluster) {
        const key = Math.floor(x / CELL_PX) * 100_000 + Math.floor(y / CELL_PX);
        const c = cells.get(key);
        if (c) {
          c.n++;
          c.sx += x;
          c.sy += y;
          f.drawnX = f.drawnY = undefined;
          c.f.drawnX = c.f.drawnY = undefined;
        } else {
          cells.set(key, { n: 1, x, y, f, sx: x, sy: y });
          f.drawnX = x - padX;
          f.drawnY = y - padY;
        }
        continue;
      }
      this.drawOne(ctx, f, x, y, scale);
      f.drawnX = x - padX;
      f.drawnY = y - padY;
      drawn++;
    }
    let clusters = 0;
    if (cluster) {
      for (const c of cells.values()) {
        if (c.n === 1) {
          this.drawOne(ctx, c.f, c.x, c.y, scale);
          drawn++;
        } else {
          this.drawCluster(ctx, c.sx / c.n, c.sy / c.n, c.n);
          clusters++;
        }
      }
    }
    this.drawnCount = drawn;
    this.clusterCount = clusters;
    if (this.pendingTimes.length) {
      const now = Date.now();
      for (const t of this.pendingTimes) latency.add(now - t);
      this.pendingTimes = [];
    }
  }

  private drawCluster(ctx: CanvasRenderingContext2D, x: number, y: number, n: number): void {
    const r = Math.min(26, 10 + Math.log2(n) * 3);
    ctx.beginPath();
    ctx.arc(x, y, r, 0, Math.PI * 2);
    ctx.fillStyle = this.swatch + "cc";
    ctx.fill();
    ctx.lineWidth = 2;
    ctx.strokeStyle = "#0b0f14";
    ctx.stroke();
    ctx.fillStyle = "#0b0f14";
    ctx.font = "700 12px system-ui, sans-serif";
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    ctx.fillText(n > 999 ? `${Math.round(n / 100) / 10}k` : String(n), x, y);
  }

  private drawOne(ctx: CanvasRenderingContext2D, f: Feature, x: number, y: number, scale: number): void {
    if (f.ringM) {
      const mPerPx = (EARTH_M * Math.cos((f.lat * Math.PI) / 180)) / scale;
      ctx.beginPath();
      ctx.arc(x, y, Math.max(4, f.ringM / mPerPx), 0, Math.PI * 2);
      ctx.fillStyle = f.color + "22";
      ctx.fill();
      ctx.lineWidth = 1.5;
      ctx.strokeStyle = f.color + "aa";
      ctx.stroke();
    }
    const s = f.size;
    ctx.beginPath();
    switch (f.shape) {
      case "square":
        ctx.rect(x - s, y - s, 2 * s, 2 * s);
        break;
      case "diamond":
        ctx.moveTo(x, y - s * 1.3);
        ctx.lineTo(x + s * 1.3, y);
        ctx.lineTo(x, y + s * 1.3);
        ctx.lineTo(x - s * 1.3, y);
        ctx.closePath();
        break;
      case "triangle":
        ctx.moveTo(x, y - s * 1.2);
        ctx.lineTo(x + s, y + s * 0.8);
        ctx.lineTo(x - s, y + s * 0.8);
        ctx.closePath();
        break;
      case "arrow": {
        // A unit: a pointer aimed along its heading (a circle when the heading is unknown).
        if (f.heading === null || f.heading === undefined) {
          ctx.arc(x, y, s, 0, Math.PI * 2);
          break;
        }
        const a = ((f.heading - 90) * Math.PI) / 180;
        const tip = [x + Math.cos(a) * s * 1.6, y + Math.sin(a) * s * 1.6];
        const left = [x + Math.cos(a + 2.5) * s, y + Math.sin(a + 2.5) * s];
        const right = [x + Math.cos(a - 2.5) * s, y + Math.sin(a - 2.5) * s];
        ctx.moveTo(tip[0], tip[1]);
        ctx.lineTo(left[0], left[1]);
        ctx.lineTo(x, y);
        ctx.lineTo(right[0], right[1]);
        ctx.closePath();
        break;
      }
      case "cross":
        ctx.moveTo(x - s, y - s);
        ctx.lineTo(x + s, y + s);
        ctx.moveTo(x + s, y - s);
        ctx.lineTo(x - s, y + s);
        break;
      default:
        ctx.arc(x, y, s, 0, Math.PI * 2);
    }
    if (f.shape === "cross") {
      ctx.lineWidth = 3;
      ctx.strokeStyle = f.color;
      ctx.stroke();
      return;
    }
    if (f.hollow) {
      ctx.lineWidth = 2;
      ctx.strokeStyle = f.color;
      ctx.stroke();
    } else {
      ctx.fillStyle = f.color;
      ctx.fill();
      ctx.lineWidth = 1;
      ctx.strokeStyle = "#0b0f14";
      ctx.stroke();
    }
  }
}
