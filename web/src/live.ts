// The live stream over /ws: reconnects by itself and, on reconnecting, asks for everything after the last
// event it saw, so a dropped connection loses nothing.

import { token } from "./api";
import { Samples } from "./samples";
import type { RtccEvent } from "./types";

type Handler = (e: RtccEvent) => void;

/** From an event's time to its arrival in this browser (ms): the server's and the network's share of the
 * event-to-screen latency that the map layers measure. */
export const arrival = new Samples();

// Events stamped more than this before the console opened are history arriving (a feed's backlog, a
// catch-up after a reconnect), not a measure of the live path; the margin allows for clocks a little apart.
const OPENED_AT = Date.now() - 2_000;
export const isMeasurable = (eventTime: number): boolean => eventTime >= OPENED_AT;

export type LinkState = "connecting" | "live" | "reconnecting" | "signed-out";

export class LiveStream {
  private ws: WebSocket | null = null;
  private handlers: { prefix: string; fn: Handler }[] = [];
  private lastSeq: number | null = null;
  private retryMs = 500;
  private stopped = false;
  /** How many events arrived in all, and how many came from a catch-up after a reconnect. */
  received = 0;
  reconnects = 0;
  onState: (s: LinkState) => void = () => {};

  constructor(private types: string[]) {}

  on(prefix: string, fn: Handler): void {
    this.handlers.push({ prefix, fn });
  }

  /** Start from a given sequence number (the snapshot's), or from now when null. */
  start(since: number | null = null): void {
    this.lastSeq = since;
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    this.ws?.close();
  }

  /** Drop the connection as a network failure would (used by tests of the reconnect). */
  drop(): void {
    this.ws?.close();
  }

  private connect(): void {
    const t = token();
    if (!t) {
      this.onState("signed-out");
      return;
    }
    const q = new URLSearchParams({ token: t });
    // The server matches "unit.*" style patterns; handlers below match by prefix.
    if (this.types.length) q.set("types", this.types.map((t) => (t.endsWith(".") ? `${t}*` : t)).join(","));
    if (this.lastSeq !== null) q.set("since", String(this.lastSeq));
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(`${scheme}://${location.host}/ws?${q}`);
    this.ws = ws;
    this.onState(this.reconnects ? "reconnecting" : "connecting");
    ws.onmessage = (m) => {
      const msg = JSON.parse(m.data as string);
      if (msg.kind === "hello") {
        // The stream starts after this sequence number: a later reconnect catches up from here at least.
        if (this.lastSeq === null && typeof msg.seq === "number") this.lastSeq = msg.seq;
        this.retryMs = 500;
        this.onState("live");
        return;
      }
      if (msg.kind !== "event") return;
      const e = msg.event as RtccEvent;
      if (this.lastSeq !== null && e.seq <= this.lastSeq) return;
      this.lastSeq = e.seq;
      this.received++;
      const stamped = Date.parse(e.occurred_at);
      if (isMeasurable(stamped)) arrival.add(Date.now() - stamped);
      for (const h of this.handlers) {
        if (e.type.startsWith(h.prefix)) {
          try {
            h.fn(e);
          } catch (err) {
            console.warn("handler failed for", e.type, err);
          }
        }
      }
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (this.stopped) return;
      if (ev.code === 4401 || ev.code === 4403) {
        this.onState("signed-out");
        return;
      }
      this.reconnects++;
      this.onState("reconnecting");
      setTimeout(() => this.connect(), this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, 10_000);
    };
  }
}
