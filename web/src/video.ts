// Live video from a camera, through the server: the server pulls the camera's stream and serves it as HLS
// under a view opened for this user (every view is audited). The browser never learns the camera's
// address or credentials; the playlist and segments are fetched with the session cookie.
//
// Chromium (like Safari) plays HLS in a <video> element by itself, so no player library is loaded; a
// browser that cannot is told so, and the caller shows still pictures instead.

import "./video.css";
import { ApiError, post } from "./api";
import { h } from "./ui";

export interface LiveView {
  view_id: string;
  camera_id: string;
  playlist: string;
}

const HLS_TYPE = "application/vnd.apple.mpegurl";

export function playsHls(): boolean {
  return document.createElement("video").canPlayType(HLS_TYPE) !== "";
}

/** One camera's live video. `onFail` gets the reason when there is none (no stream address, the camera
 * not answering, a browser without HLS, the stream ending); the caller then falls back to still pictures. */
export class LivePlayer {
  readonly el: HTMLElement;
  readonly video: HTMLVideoElement;
  private badge: HTMLElement;
  private stopped = false;
  private failed = false;

  constructor(
    private cameraId: string,
    label: string,
    private onFail: (reason: string) => void,
  ) {
    this.video = h("video", { class: "live-video", muted: true, autoplay: true, playsinline: true, "aria-label": `Live video from ${label}` }) as HTMLVideoElement;
    this.video.muted = true; // autoplay needs it; the gateway relays no audio anyway
    this.badge = h("span", { class: "live-badge", "data-live": "connecting" }, "CONNECTING");
    this.el = h("div", { class: "live-box" }, this.video, this.badge);
    this.video.addEventListener("playing", () => this.mark("playing", "LIVE"));
    this.video.addEventListener("waiting", () => this.mark("waiting", "BUFFERING"));
    this.video.addEventListener("error", () => this.fail(`the stream stopped (${this.video.error?.message || "media error"})`));
  }

  async start(): Promise<void> {
    if (!playsHls()) {
      this.fail("this browser cannot play HLS video");
      return;
    }
    let view: LiveView;
    try {
      view = await post<LiveView>(`/api/v1/cameras/${encodeURIComponent(this.cameraId)}/live`);
    } catch (err) {
      this.fail(err instanceof ApiError ? err.message : `the server could not be reached (${(err as Error).message})`);
      return;
    }
    if (this.stopped) return;
    this.video.dataset.viewId = view.view_id;
    this.video.src = view.playlist;
    this.video.play().catch(() => undefined); // autoplay does the same; a refusal shows as no "playing"
  }

  stop(): void {
    this.stopped = true;
    this.video.removeAttribute("src");
    this.video.load(); // stops fetching: the server lets go of the camera once nobody fetches
  }

  private mark(state: string, text: string): void {
    this.badge.dataset.live = state;
    this.badge.textContent = text;
  }

  private fail(reason: string): void {
    if (this.stopped || this.failed) return;
    this.failed = true;
    this.stop();
    this.onFail(reason);
  }
}
