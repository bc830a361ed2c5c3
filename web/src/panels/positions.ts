// Operator positions (booths): who sits at which desk. Alerts can be routed to a position, so whoever
// takes over a desk takes over its alerts.

import { ApiError, get, post } from "../api";
import type { LivePicture } from "../picture";
import type { Position, User } from "../types";
import { ago, h, toast } from "../ui";

export class Positions {
  list: Position[] = [];
  onMine: (p: Position | null) => void = () => {};

  constructor(
    private root: HTMLElement,
    picture: LivePicture,
    private me: User,
  ) {
    picture.on("positions", () => void this.load());
    picture.on("alerts", () => void this.loadSoon());
    void this.load();
  }

  private soon = 0;
  private loadSoon(): void {
    if (this.soon) return;
    this.soon = window.setTimeout(() => {
      this.soon = 0;
      void this.load();
    }, 1500);
  }

  mine(): Position | null {
    return this.list.find((p) => p.occupant === this.me.username) ?? null;
  }

  async load(): Promise<void> {
    try {
      this.list = await get<Position[]>("/api/v1/positions");
    } catch (err) {
      this.root.replaceChildren(h("p", { class: "error" }, `Positions could not be loaded: ${(err as Error).message}`));
      return;
    }
    this.onMine(this.mine());
    this.root.replaceChildren(
      h("div", { class: "panel-head" }, h("strong", {}, "Positions"), h("span", { class: "hint" }, "Alerts can be routed to a position from the queue (S).")),
      h(
        "table",
        { class: "positions" },
        h("thead", {}, h("tr", {}, h("th", {}, "Position"), h("th", {}, "Signed in"), h("th", {}, "Open alerts"), h("th", {}, ""))),
        h(
          "tbody",
          {},
          ...this.list.map((p) =>
            h(
              "tr",
              { "data-position": p.name },
              h("td", {}, h("strong", {}, p.name), p.description ? h("div", { class: "quiet" }, p.description) : null),
              h("td", {}, p.occupant ? `${p.occupant}${p.occupant_since ? " · " + ago(p.occupant_since) : ""}` : h("span", { class: "quiet" }, "empty")),
              h("td", { class: "num" }, String(p.open_alerts)),
              h(
                "td",
                {},
                p.occupant === this.me.username
                  ? h("button", { class: "secondary", onclick: () => void this.leave(p) }, "Leave")
                  : h("button", { onclick: () => void this.take(p) }, p.occupant ? "Take over" : "Sign in here"),
              ),
            ),
          ),
        ),
      ),
    );
  }

  private async take(p: Position): Promise<void> {
    try {
      await post(`/api/v1/positions/${encodeURIComponent(p.id)}/sign-in`, { take_over: !!p.occupant });
      toast(`You are at ${p.name}`);
    } catch (err) {
      toast(err instanceof ApiError ? err.message : String(err), "error");
    }
    await this.load();
  }

  private async leave(p: Position): Promise<void> {
    try {
      await post(`/api/v1/positions/${encodeURIComponent(p.id)}/sign-out`);
    } catch (err) {
      toast((err as Error).message, "error");
    }
    await this.load();
  }
}
