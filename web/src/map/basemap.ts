// The basemap: the city's own street network, drawn in the browser tile by tile, so the console needs no
// tile server and no internet. Streets are styled by class; minor ones appear as you zoom in, and names
// at street level. An agency with its own tile server can set RTCC_MAP_TILE_URL instead.

import L from "leaflet";
import { get } from "../api";

interface StreetsJson {
  classes: string[];
  names: string[];
  bbox: [number, number, number, number];
  lines: [number, number, number[]][];
  attribution: string;
}

interface Style {
  color: string;
  width: number;
  minZoom: number;
}

const STYLES: Record<string, Style> = {
  motorway: { color: "#b07a2a", width: 4, minZoom: 0 },
  trunk: { color: "#a27a40", width: 3.5, minZoom: 0 },
  primary: { color: "#8f7a4e", width: 3, minZoom: 0 },
  secondary: { color: "#77705e", width: 2.5, minZoom: 11 },
  tertiary: { color: "#5c6270", width: 2, minZoom: 12 },
  unclassified: { color: "#434a56", width: 1.4, minZoom: 13 },
  residential: { color: "#434a56", width: 1.4, minZoom: 13 },
  living_street: { color: "#434a56", width: 1.2, minZoom: 14 },
  service: { color: "#323842", width: 1, minZoom: 15 },
};
const LINK_OF = (cls: string) => cls.replace(/_link$/, "");
const LABEL_ZOOM = 16;
const CELL_DEG = 0.01;

/** Decoded network: one Float64Array of [lat, lon, lat, lon, ...] per street piece, with a grid index. */
export class Streets {
  readonly coords: Float64Array[] = [];
  readonly style: Style[] = [];
  readonly name: string[] = [];
  readonly rank: number[] = [];
  private grid = new Map<string, number[]>();

  constructor(readonly data: StreetsJson) {
    const order = ["service", "living_street", "residential", "unclassified", "tertiary", "secondary", "primary", "trunk", "motorway"];
    for (const [cls, nameIdx, packed] of data.lines) {
      const c = new Float64Array(packed.length);
      let lat = 0;
      let lon = 0;
      for (let i = 0; i < packed.length; i += 2) {
        lat += packed[i];
        lon += packed[i + 1];
        c[i] = lat / 1e5;
        c[i + 1] = lon / 1e5;
      }
      const clsName = data.classes[cls];
      const base = LINK_OF(clsName);
      const s = STYLES[base] ?? STYLES.residential;
      const link = base !== clsName;
      const idx = this.coords.length;
      this.coords.push(c);
      this.style.push(link ? { ...s, width: Math.max(1, s.width * 0.6), minZoom: Math.max(s.minZoom, 13) } : s);
      this.name.push(data.names[nameIdx] ?? "");
      this.rank.push(order.indexOf(base));
      const seen = new Set<string>();
      for (let i = 0; i < c.length; i += 2) {
        const key = `${Math.floor(c[i] / CELL_DEG)}:${Math.floor(c[i + 1] / CELL_DEG)}`;
        if (seen.has(key)) continue;
        seen.add(key);
        let cell = this.grid.get(key);
        if (!cell) this.grid.set(key, (cell = []));
        cell.push(idx);
      }
    }
  }

  /** Street pieces that may cross a box, lower classes first so major streets are drawn on top. */
  within(south: number, west: number, north: number, east: number): number[] {
    const found = new Set<number>();
    for (let a = Math.floor(south / CELL_DEG) - 1; a <= Math.floor(north / CELL_DEG) + 1; a++) {
      for (let b = Math.floor(west / CELL_DEG) - 1; b <= Math.floor(east / CELL_DEG) + 1; b++) {
        for (const i of this.grid.get(`${a}:${b}`) ?? []) found.add(i);
      }
    }
    return [...found].sort((x, y) => this.rank[x] - this.rank[y]);
  }

  bounds(): L.LatLngBounds {
    const [s, w, n, e] = this.data.bbox;
    return L.latLngBounds([s, w], [n, e]);
  }
}

// Web Mercator in pixels at a zoom level (what Leaflet's default CRS uses).
function px(lat: number, lon: number, scale: number): [number, number] {
  const s = Math.sin((lat * Math.PI) / 180);
  return [((lon + 180) / 360) * scale, (0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI)) * scale];
}

function tileBox(coords: L.Coords, size: number): [number, number, number, number] {
  const scale = size * 2 ** coords.z;
  const lonAt = (x: number) => (x / scale) * 360 - 180;
  const latAt = (y: number) => (Math.atan(Math.sinh(Math.PI * (1 - (2 * y) / scale))) * 180) / Math.PI;
  const x0 = coords.x * size;
  const y0 = coords.y * size;
  return [latAt(y0 + size), lonAt(x0), latAt(y0), lonAt(x0 + size)];
}

export class StreetTiles extends L.GridLayer {
  constructor(private streets: Streets) {
    super({ tileSize: 256, updateWhenZooming: false, keepBuffer: 4, className: "street-tiles", attribution: streets.data.attribution });
  }

  createTile(coords: L.Coords): HTMLElement {
    const size = 256;
    const ratio = window.devicePixelRatio || 1;
    const canvas = document.createElement("canvas");
    canvas.width = size * ratio;
    canvas.height = size * ratio;
    const ctx = canvas.getContext("2d");
    if (!ctx) return canvas;
    ctx.scale(ratio, ratio);
    const [s, w, n, e] = tileBox(coords, size);
    const pad = 0.002;
    const scale = size * 2 ** coords.z;
    const ox = coords.x * size;
    const oy = coords.y * size;
    const pieces = this.streets.within(s - pad, w - pad, n + pad, e + pad);
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    const widthScale = coords.z >= 17 ? 2.2 : coords.z >= 16 ? 1.6 : coords.z >= 15 ? 1.25 : 1;
    for (const i of pieces) {
      const st = this.streets.style[i];
      if (coords.z < st.minZoom) continue;
      const c = this.streets.coords[i];
      ctx.beginPath();
      for (let k = 0; k < c.length; k += 2) {
        const [x, y] = px(c[k], c[k + 1], scale);
        if (k === 0) ctx.moveTo(x - ox, y - oy);
        else ctx.lineTo(x - ox, y - oy);
      }
      ctx.strokeStyle = st.color;
      ctx.lineWidth = st.width * widthScale;
      ctx.stroke();
    }
    if (coords.z >= LABEL_ZOOM) this.label(ctx, pieces, scale, ox, oy, size);
    return canvas;
  }

  // Names along the longest straight stretch of each street piece that fits wholly inside this tile.
  private label(ctx: CanvasRenderingContext2D, pieces: number[], scale: number, ox: number, oy: number, size: number): void {
    ctx.font = "600 11px system-ui, sans-serif";
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    const done = new Set<string>();
    for (let p = pieces.length - 1; p >= 0; p--) {
      const i = pieces[p];
      const name = this.streets.name[i];
      if (!name || done.has(name)) continue;
      const c = this.streets.coords[i];
      let best: [number, number, number, number, number] | null = null;
      for (let k = 0; k + 3 < c.length; k += 2) {
        const [x1, y1] = px(c[k], c[k + 1], scale);
        const [x2, y2] = px(c[k + 2], c[k + 3], scale);
        const len = Math.hypot(x2 - x1, y2 - y1);
        if (!best || len > best[4]) best = [x1 - ox, y1 - oy, x2 - ox, y2 - oy, len];
      }
      if (!best) continue;
      const [x1, y1, x2, y2, len] = best;
      const textW = ctx.measureText(name).width;
      if (len < textW + 12) continue;
      const cx = (x1 + x2) / 2;
      const cy = (y1 + y2) / 2;
      const half = textW / 2 + 4;
      if (cx - half < 0 || cx + half > size || cy - half < 0 || cy + half > size) continue;
      let angle = Math.atan2(y2 - y1, x2 - x1);
      if (angle > Math.PI / 2) angle -= Math.PI;
      if (angle < -Math.PI / 2) angle += Math.PI;
      ctx.save();
      ctx.translate(cx, cy);
      ctx.rotate(angle);
      ctx.lineWidth = 3;
      ctx.strokeStyle = "#0b0f14";
      ctx.strokeText(name, 0, 0);
      ctx.fillStyle = "#aab4c0";
      ctx.fillText(name, 0, 0);
      ctx.restore();
      done.add(name);
    }
  }
}

export interface MapConfig {
  tile_url: string | null;
  tile_attribution: string | null;
  center: [number, number];
  zoom: number;
}

/** The basemap the agency configured: its own tile server, or the shipped street network. */
export async function addBasemap(map: L.Map): Promise<{ config: MapConfig; streets: Streets | null; layer: L.GridLayer }> {
  const config = await get<MapConfig>("/api/v1/map/config");
  if (config.tile_url) {
    const layer = L.tileLayer(config.tile_url, { attribution: config.tile_attribution ?? "", maxZoom: 19 }).addTo(map);
    return { config, streets: null, layer };
  }
  const streets = new Streets(await get<StreetsJson>("/api/v1/map/streets"));
  const layer = new StreetTiles(streets).addTo(map);
  return { config, streets, layer };
}
