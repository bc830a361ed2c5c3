// The camera viewer and the video wall. A wall is 4, 9 or 16 tiles; a camera is put on it by dragging it
// from the map (or with "To wall" in a list). A down camera shows as down with its reason, never as a
// black tile. Pictures come through the server, which keeps the cameras' addresses and credentials.

import { ApiError, snapshot } from "../api";
import type { LivePicture } from "../picture";
import type { Camera } from "../types";
import { h, toast, words } from "../ui";
import { LivePlayer } from "../video";

const STORE = "rtcc-wall";
const REFRESH_MS = 2000;

/** A camera as the API gives it, with its stream address (shown without credentials) when it has one. */
type StreamingCamera = Camera & { stream_url?: string | null };

/** One camera's picture in a box: live video when asked for and the camera has a stream, otherwise (or
 * when the live video fails) still pictures refreshed while shown; shows why when there is no picture. */
class CameraTile {
  private timer = 0;
  private url: string | null = null;
  private player: LivePlayer | null = null;
  private liveFailure: string | null = null;
  readonly el: HTMLElement;
  private body: HTMLElement;

  constructor(
    private picture: LivePicture,
    public cameraId: string | null,
    private slot: number,
    private onClear: (() => void) | null,
    public live = false,
    private onLive: ((live: boolean) => void) | null = null,
  ) {
    this.body = h("div", { class: "tile-body" });
    this.el = h("div", { class: "wall-tile", "data-slot": String(slot) });
    this.render();
  }

  render(): void {
    const cam = this.cameraId ? (this.picture.cameras.get(this.cameraId) as StreamingCamera | undefined) : undefined;
    this.el.dataset.cameraId = this.cameraId ?? "";
    this.el.dataset.state = !this.cameraId ? "empty" : !cam ? "unknown" : cam.status === "down" ? "down" : "up";
    if (!this.cameraId) {
      this.stop();
      this.el.replaceChildren(h("div", { class: "tile-empty" }, `Slot ${this.slot + 1}: drag a camera here from the map`));
      return;
    }
    const streams = !!cam?.stream_url;
    const head = h(
      "div",
      { class: "tile-head" },
      h("span", { class: "tile-name" }, cam ? cam.name : this.cameraId),
      cam ? h("span", { class: "tile-kind" }, words(cam.kind)) : null,
      // A choice between live video and still pictures only where there are both.
      streams && cam?.snapshot_url && this.onLive
        ? h("button", { class: "tile-live secondary", "aria-pressed": String(this.live), title: "Live video", onclick: () => this.toggleLive() }, "● Live")
        : null,
      this.onClear ? h("button", { class: "tile-clear", "aria-label": "Take off the wall", onclick: () => this.onClear?.() }, "✕") : null,
    );
    this.el.replaceChildren(head, this.body);
    if (!cam) {
      this.stop();
      this.body.replaceChildren(h("div", { class: "tile-msg" }, "This camera is not in the registry any more."));
    } else if (cam.status === "down") {
      this.stop();
      this.body.replaceChildren(h("div", { class: "tile-down" }, h("strong", {}, "CAMERA DOWN"), h("div", {}, cam.status_reason ?? "not answering")));
    } else if (streams && (this.live || !cam.snapshot_url) && this.liveFailure === null) {
      this.startLive(cam);
    } else if (!cam.snapshot_url) {
      this.stop();
      const why = this.liveFailure ? `No live video: ${this.liveFailure}. ` : "";
      this.body.replaceChildren(h("div", { class: "tile-msg" }, `${why}No picture address is on record for this camera.`));
    } else {
      this.stopLive();
      this.start(cam);
    }
  }

  /** Show another camera (or none) in this box. */
  show(cameraId: string | null): void {
    this.stop();
    this.cameraId = cameraId;
    this.liveFailure = null;
    this.render();
  }

  private toggleLive(): void {
    this.live = !this.live;
    this.liveFailure = null;
    this.onLive?.(this.live);
    this.stop();
    this.render();
  }

  private startLive(cam: StreamingCamera): void {
    if (this.player) return;
    this.stopStills();
    const player = new LivePlayer(cam.id, cam.name, (reason) => {
      // Still pictures instead, saying why there is no live video.
      this.player = null;
      this.liveFailure = reason;
      this.render();
    });
    this.player = player;
    this.body.replaceChildren(player.el);
    void player.start();
  }

  private start(cam: Camera): void {
    if (this.timer) return;
    const note = () => (this.liveFailure ? h("div", { class: "live-note" }, `No live video: ${this.liveFailure}`) : null);
    const load = async () => {
      try {
        const blob = await snapshot(cam.id);
        if (this.url) URL.revokeObjectURL(this.url);
        this.url = URL.createObjectURL(blob);
        const img = this.body.querySelector("img") ?? h("img", { alt: `Picture from ${cam.name}` });
        (img as HTMLImageElement).src = this.url;
        this.body.replaceChildren(img, h("span", { class: "tile-time" }, new Date().toLocaleTimeString([], { hour12: false })), note() ?? "");
      } catch (err) {
        this.body.replaceChildren(h("div", { class: "tile-msg" }, `No picture: ${(err as Error).message}`), note() ?? "");
        // No address on record, or no such camera: asking again will not help. A camera that did not
        // answer (502) is asked again on the next round.
        if (err instanceof ApiError && (err.status === 404 || err.status === 409 || err.status === 403)) this.stopStills();
      }
    };
    void load();
    this.timer = window.setInterval(load, REFRESH_MS);
  }

  private stopStills(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = 0;
    if (this.url) URL.revokeObjectURL(this.url);
    this.url = null;
  }

  private stopLive(): void {
    this.player?.stop();
    this.player = null;
  }

  stop(): void {
    this.stopStills();
    this.stopLive();
  }
}

export class VideoWall {
  private size: number;
  private slots: (string | null)[];
  private live: boolean[];
  private tiles: CameraTile[] = [];
  private grid: HTMLElement;
  private ghost: HTMLElement | null = null;

  constructor(
    root: HTMLElement,
    private picture: LivePicture,
  ) {
    const saved = JSON.parse(localStorage.getItem(STORE) ?? "null") as { size: number; slots: (string | null)[]; live?: boolean[] } | null;
    this.size = saved?.size ?? 4;
    this.slots = saved?.slots ?? [];
    this.live = saved?.live ?? [];
    this.grid = h("div", { class: "wall-grid" });
    const picker = h(
      "select",
      {
        "aria-label": "Wall size",
        name: "wall-size",
        onchange: (ev: Event) => this.resize(Number((ev.target as HTMLSelectElement).value)),
      },
      ...[4, 9, 16].map((n) => h("option", { value: String(n), selected: n === this.size }, `${n} cameras`)),
    );
    root.replaceChildren(h("div", { class: "panel-head" }, h("strong", {}, "Video wall"), picker, h("button", { class: "secondary", onclick: () => this.clearAll() }, "Clear")), this.grid);
    picture.on("cameras", () => this.tiles.forEach((t) => t.render()));
    this.layout();
  }

  private save(): void {
    localStorage.setItem(STORE, JSON.stringify({ size: this.size, slots: this.slots, live: this.live }));
  }

  resize(n: number): void {
    this.size = n;
    this.layout();
    this.save();
  }

  private clearAll(): void {
    this.slots = [];
    this.live = [];
    this.layout();
    this.save();
  }

  private layout(): void {
    for (const t of this.tiles) t.stop();
    this.grid.style.setProperty("--cols", String(Math.sqrt(this.size)));
    this.tiles = Array.from({ length: this.size }, (_, i) => {
      const tile = new CameraTile(this.picture, this.slots[i] ?? null, i, () => this.put(i, null), this.live[i] ?? false, (live) => {
        this.live[i] = live;
        this.save();
      });
      return tile;
    });
    this.grid.replaceChildren(...this.tiles.map((t) => t.el));
  }

  put(slot: number, cameraId: string | null): void {
    this.slots[slot] = cameraId;
    this.save();
    const tile = this.tiles[slot];
    tile?.show(cameraId);
  }

  /** Put a camera in the first free slot (or the last one when the wall is full). */
  add(cameraId: string): void {
    let slot = this.tiles.findIndex((t) => !t.cameraId);
    if (slot < 0) slot = this.size - 1;
    this.put(slot, cameraId);
    toast(`${this.picture.cameras.get(cameraId)?.name ?? cameraId} is on the wall`);
  }

  /** A drag that started on a camera on the map: follow the pointer, drop on the tile under it. */
  beginDrag(cameraId: string, x: number, y: number): void {
    const cam = this.picture.cameras.get(cameraId);
    this.ghost = h("div", { class: "drag-ghost" }, `📷 ${cam?.name ?? cameraId}`);
    document.body.append(this.ghost);
    document.body.classList.add("dragging-camera");
    const move = (ev: MouseEvent) => {
      if (!this.ghost) return;
      this.ghost.style.left = `${ev.clientX + 12}px`;
      this.ghost.style.top = `${ev.clientY + 12}px`;
      for (const t of this.tiles) t.el.classList.toggle("drop-target", t.el.contains(document.elementFromPoint(ev.clientX, ev.clientY)));
    };
    const up = (ev: MouseEvent) => {
      window.removeEventListener("mousemove", move, true);
      window.removeEventListener("mouseup", up, true);
      this.ghost?.remove();
      this.ghost = null;
      document.body.classList.remove("dragging-camera");
      const target = document.elementFromPoint(ev.clientX, ev.clientY)?.closest<HTMLElement>(".wall-tile");
      for (const t of this.tiles) t.el.classList.remove("drop-target");
      if (target?.dataset.slot !== undefined) this.put(Number(target.dataset.slot), cameraId);
    };
    window.addEventListener("mousemove", move, true);
    window.addEventListener("mouseup", up, true);
    move(new MouseEvent("mousemove", { clientX: x, clientY: y }));
  }
}

/** One camera large, over everything, until closed (Escape). */
export function showCamera(picture: LivePicture, cameraId: string): void {
  document.querySelector(".camera-viewer")?.remove();
  // The viewer plays live video at once (still pictures when the camera has no stream or it fails).
  const tile = new CameraTile(picture, cameraId, 0, null, true, () => undefined);
  const box = h(
    "div",
    { class: "camera-viewer", role: "dialog", "aria-label": "Camera viewer" },
    h("div", { class: "viewer-inner" }, h("button", { class: "viewer-close", onclick: () => close() }, "Close ✕"), tile.el),
  );
  const close = () => {
    tile.stop();
    box.remove();
    window.removeEventListener("keydown", esc);
  };
  const esc = (ev: KeyboardEvent) => ev.key === "Escape" && close();
  window.addEventListener("keydown", esc);
  document.body.append(box);
}
