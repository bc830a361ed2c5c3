// The alert queue: open alerts most severe and newest first, then the ones already handled. Every action
// is on the keyboard (J/K or arrows to move, A acknowledge, S assign, O outcome, D dismiss, Enter open) and
// every alert's fate (outcome or dismissal with its reason) is kept for the precision reports.

import { get, post } from "../api";
import { type LivePicture, SEVERITY_RANK } from "../picture";
import type { Alert, Position, User } from "../types";
import { ago, h, toast, words } from "../ui";

const OUTCOMES: Record<string, [string, string][]> = {
  gunshot: [
    ["gunfire_confirmed", "Gunfire confirmed"],
    ["no_evidence", "No evidence found"],
    ["not_gunfire", "Not gunfire"],
  ],
  "alpr.hit": [
    ["plate_confirmed", "Plate confirmed"],
    ["misread", "Misread"],
    ["entry_inactive", "Entry no longer active"],
  ],
};
const GENERIC: [string, string][] = [
  ["confirmed", "Confirmed"],
  ["false_alarm", "False alarm"],
];
const CHECKS: [string, string][] = [
  ["plate", "Plate characters match the read"],
  ["state", "State matches the entry"],
  ["vehicle", "Vehicle in the image matches the entry"],
  ["entry_active", "Entry still active with its source"],
];

const isOpen = (a: Alert) => a.status === "new" || a.status === "acknowledged";

export interface AlertQueueHooks {
  locate(a: Alert): void;
  openCall(callId: string): void;
}

export class AlertQueue {
  private selected: string | null = null;
  private form: { id: string; kind: "outcome" | "dismiss" | "assign" } | null = null;
  private fresh = new Set<string>();
  private positions: Position[] = [];
  private users: string[] = [];
  sound = false;
  filter: "all" | "mine" = "all";

  constructor(
    private root: HTMLElement,
    private picture: LivePicture,
    private me: User,
    private hooks: AlertQueueHooks,
  ) {
    picture.on("alerts", () => this.render());
    picture.on("alert.new", () => this.arrived());
    picture.on("positions", () => void this.loadPositions());
    root.tabIndex = 0;
    root.addEventListener("keydown", (ev) => this.key(ev));
    void this.loadPositions();
  }

  async loadPositions(): Promise<void> {
    this.positions = await get<Position[]>("/api/v1/positions").catch(() => []);
    this.users = [...new Set(this.positions.map((p) => p.occupant).filter((u): u is string => !!u))];
    if (!this.users.includes(this.me.username)) this.users.unshift(this.me.username);
    this.render();
  }

  /** Select an alert (clicked on the map) and bring it into view. */
  select(id: string): void {
    this.selected = id;
    this.filter = "all";
    this.render();
    this.root.querySelector(".alert.selected")?.scrollIntoView({ block: "nearest" });
    this.root.focus();
  }

  /** Open alerts, most severe first and newest first within a severity; then the handled ones, newest first. */
  ordered(): Alert[] {
    const mine = (a: Alert) => {
      if (this.filter === "all") return true;
      const myPos = this.positions.find((p) => p.occupant === this.me.username)?.id;
      return a.assigned_to === this.me.username || (!!myPos && a.position_id === myPos);
    };
    const all = [...this.picture.alerts.values()].filter(mine);
    const open = all
      .filter(isOpen)
      .sort((a, b) => (SEVERITY_RANK[a.severity] ?? 9) - (SEVERITY_RANK[b.severity] ?? 9) || b.raised_at.localeCompare(a.raised_at));
    const done = all.filter((a) => !isOpen(a)).sort((a, b) => b.raised_at.localeCompare(a.raised_at)).slice(0, 30);
    return [...open, ...done];
  }

  private arrived(): void {
    const newest = [...this.picture.alerts.values()].sort((a, b) => b.raised_at.localeCompare(a.raised_at))[0];
    if (newest) {
      this.fresh.add(newest.id);
      setTimeout(() => {
        this.fresh.delete(newest.id);
        this.render();
      }, 4000);
    }
    document.body.classList.add("alert-flash");
    setTimeout(() => document.body.classList.remove("alert-flash"), 900);
    if (this.sound) chime(newest?.severity === "critical" ? 2 : 1);
    this.render();
  }

  render(): void {
    const list = this.ordered();
    if (this.selected && !list.some((a) => a.id === this.selected)) this.selected = null;
    if (!this.selected && list.length) this.selected = list[0].id;
    const openCount = list.filter(isOpen).length;
    const focusInForm = this.root.contains(document.activeElement) && document.activeElement?.closest(".alert-form");
    if (focusInForm) return; // do not pull a form out from under someone typing a reason
    this.root.replaceChildren(
      h(
        "div",
        { class: "panel-head" },
        h("strong", {}, `${openCount} open`),
        h(
          "select",
          {
            "aria-label": "Which alerts",
            onchange: (ev: Event) => {
              this.filter = (ev.target as HTMLSelectElement).value as "all" | "mine";
              this.render();
            },
          },
          h("option", { value: "all", selected: this.filter === "all" }, "All alerts"),
          h("option", { value: "mine", selected: this.filter === "mine" }, "Mine and my position"),
        ),
        h("span", { class: "hint" }, "J/K move · A ack · S assign · O outcome · D dismiss · Enter open"),
      ),
      h("ol", { class: "alert-list", role: "listbox", "aria-label": "Alert queue" }, ...list.map((a) => this.row(a))),
    );
  }

  private row(a: Alert): HTMLElement {
    const sel = a.id === this.selected;
    const pos = this.positions.find((p) => p.id === a.position_id)?.name;
    const who = [a.assigned_to && `→ ${a.assigned_to}`, pos && `→ ${pos}`].filter(Boolean).join(" ");
    const fate = a.outcome
      ? `${words(a.outcome)}${a.outcome_by ? " by " + a.outcome_by : ""}`
      : a.status === "dismissed"
        ? `dismissed: ${a.dismissed_reason ?? ""}`
        : a.status === "acknowledged"
          ? `acknowledged${a.acknowledged_by ? " by " + a.acknowledged_by : ""}`
          : "new";
    const li = h(
      "li",
      {
        class: `alert sev-${a.severity} ${isOpen(a) ? "open" : "done"} ${sel ? "selected" : ""} ${this.fresh.has(a.id) ? "fresh" : ""}`,
        role: "option",
        "aria-selected": sel ? "true" : "false",
        "data-alert-id": a.id,
        "data-status": a.status,
        onclick: () => {
          this.selected = a.id;
          this.render();
          this.root.focus();
        },
      },
      h("div", { class: "alert-top" }, h("span", { class: `sev sev-${a.severity}` }, a.severity), h("span", { class: "kind" }, words(a.kind)), h("span", { class: "when" }, ago(a.raised_at))),
      h("div", { class: "alert-title" }, a.title),
      h("div", { class: "alert-fate" }, fate, who ? " " + who : ""),
    );
    if (sel) li.append(this.actions(a));
    return li;
  }

  private actions(a: Alert): HTMLElement {
    const box = h("div", { class: "alert-actions" });
    if (isOpen(a)) {
      if (a.status === "new") box.append(h("button", { onclick: () => void this.acknowledge(a) }, "Acknowledge (A)"));
      box.append(
        h("button", { onclick: () => this.openForm(a, "assign") }, "Assign (S)"),
        h("button", { onclick: () => this.openForm(a, "outcome") }, "Outcome (O)"),
        h("button", { class: "secondary", onclick: () => this.openForm(a, "dismiss") }, "Dismiss (D)"),
      );
    }
    if (a.detail?.call_id || a.lat !== null) box.append(h("button", { class: "secondary", onclick: () => this.open(a) }, "Open (Enter)"));
    if (this.form?.id === a.id) box.append(this.formFor(a, this.form.kind));
    return box;
  }

  private openForm(a: Alert, kind: "outcome" | "dismiss" | "assign"): void {
    this.form = { id: a.id, kind };
    this.render();
    const first = this.root.querySelector<HTMLElement>(".alert-form select, .alert-form input, .alert-form textarea");
    first?.focus();
  }

  private closeForm(): void {
    this.form = null;
    (document.activeElement as HTMLElement | null)?.blur();
    this.render();
    this.root.focus();
  }

  private formFor(a: Alert, kind: "outcome" | "dismiss" | "assign"): HTMLElement {
    const cancel = h("button", { type: "button", class: "secondary", onclick: () => this.closeForm() }, "Cancel");
    const keys = (ev: KeyboardEvent) => {
      ev.stopPropagation();
      if (ev.key === "Escape") this.closeForm();
    };
    if (kind === "dismiss") {
      const reason = h("input", { name: "reason", placeholder: "Why dismiss (e.g. duplicate of another alert)", required: true, minlength: 3, "aria-label": "Reason" });
      return h(
        "form",
        { class: "alert-form", onkeydown: keys as EventListener, onsubmit: (ev: Event) => (ev.preventDefault(), void this.act(a, "dismiss", { reason: reason.value })) },
        reason,
        h("button", { type: "submit" }, "Dismiss"),
        cancel,
      );
    }
    if (kind === "assign") {
      const user = h("select", { name: "username", "aria-label": "Operator" }, h("option", { value: "" }, "No operator"), ...this.users.map((u) => h("option", { value: u }, u)));
      const pos = h(
        "select",
        { name: "position", "aria-label": "Position" },
        h("option", { value: "" }, "No position"),
        ...this.positions.map((p) => h("option", { value: p.id }, `${p.name}${p.occupant ? " (" + p.occupant + ")" : ""}`)),
      );
      return h(
        "form",
        {
          class: "alert-form",
          onkeydown: keys as EventListener,
          onsubmit: (ev: Event) => {
            ev.preventDefault();
            void this.act(a, "assign", { username: user.value || null, position_id: pos.value || null });
          },
        },
        user,
        pos,
        h("button", { type: "submit" }, "Assign"),
        cancel,
      );
    }
    const options = OUTCOMES[a.kind] ?? GENERIC;
    const outcome = h("select", { name: "outcome", "aria-label": "Outcome" }, ...options.map(([v, label]) => h("option", { value: v }, label)));
    const note = h("input", { name: "note", placeholder: "What was found (optional)", "aria-label": "Note" });
    const form = h(
      "form",
      { class: "alert-form", onkeydown: keys as EventListener, onsubmit: (ev: Event) => (ev.preventDefault(), void this.act(a, "outcome", { outcome: outcome.value, note: note.value || null })) },
      outcome,
      note,
      h("button", { type: "submit" }, "Record outcome"),
      cancel,
    );
    if (a.kind === "alpr.hit") form.prepend(this.checklist(a));
    return form;
  }

  // Verify before acting: each check is recorded with who made it; a plate is confirmed only after all four.
  private checklist(a: Alert): HTMLElement {
    const d = a.detail ?? {};
    const e = d.entry ?? {};
    const box = h(
      "fieldset",
      { class: "checks" },
      h("legend", {}, "Verify before acting"),
      h(
        "div",
        { class: "hint" },
        `Read ${d.plate_read ?? "?"} ${d.state_read ?? "(no state)"} at ${d.reader_id ?? "?"} · matched ${words(d.match ?? "")} · ` +
          `entry ${e.plate ?? "?"} ${e.state ?? ""}: ${e.reason ?? ""} (${e.source ?? "hotlist"})` +
          (d.vehicle_make || d.vehicle_colour ? ` · vehicle read: ${d.vehicle_colour ?? ""} ${d.vehicle_make ?? ""}` : ""),
      ),
      d.image_ref ? h("div", { class: "hint" }, `Image: ${d.image_ref}`) : null,
    );
    for (const [item, label] of CHECKS) {
      box.append(
        h(
          "div",
          { class: "check" },
          h("span", {}, label),
          h("button", { type: "button", onclick: () => void this.check(a, item, "confirmed") }, "Confirmed"),
          h("button", { type: "button", class: "secondary", onclick: () => void this.check(a, item, "mismatch") }, "Does not match"),
        ),
      );
    }
    return box;
  }

  private async check(a: Alert, item: string, result: string): Promise<void> {
    try {
      await post(`/api/v1/alerts/${encodeURIComponent(a.id)}/checks`, { item, result });
      toast(`${words(item)}: ${result}`);
    } catch (err) {
      toast(String((err as Error).message), "error");
    }
  }

  private async acknowledge(a: Alert): Promise<void> {
    await this.act(a, "acknowledge", undefined);
  }

  private async act(a: Alert, what: string, body: unknown): Promise<void> {
    try {
      const updated = await post<Alert>(`/api/v1/alerts/${encodeURIComponent(a.id)}/${what}`, body);
      this.picture.putAlert(updated);
      this.form = null;
      (document.activeElement as HTMLElement | null)?.blur();
      toast(`${a.title}: ${words(updated.outcome ?? updated.status)}`);
      this.render();
      this.root.focus();
    } catch (err) {
      toast(String((err as Error).message), "error");
    }
  }

  private open(a: Alert): void {
    const callId = a.detail?.call_id ?? a.detail?.incident_id;
    if (callId && this.picture.calls.has(callId)) this.hooks.openCall(callId);
    else this.hooks.locate(a);
  }

  private key(ev: KeyboardEvent): void {
    if ((ev.target as HTMLElement).closest("input, select, textarea, .alert-form")) return;
    const list = this.ordered();
    const i = list.findIndex((a) => a.id === this.selected);
    const a = list[i];
    const move = (d: number) => {
      const next = list[Math.max(0, Math.min(list.length - 1, i + d))];
      if (next) this.selected = next.id;
      this.form = null;
      this.render();
      this.root.querySelector(".alert.selected")?.scrollIntoView({ block: "nearest" });
    };
    switch (ev.key.toLowerCase()) {
      case "j":
      case "arrowdown":
        move(1);
        break;
      case "k":
      case "arrowup":
        move(-1);
        break;
      case "a":
        if (a && a.status === "new") void this.acknowledge(a);
        break;
      case "o":
        if (a && isOpen(a)) this.openForm(a, "outcome");
        break;
      case "d":
        if (a && isOpen(a)) this.openForm(a, "dismiss");
        break;
      case "s":
        if (a && isOpen(a)) this.openForm(a, "assign");
        break;
      case "enter":
        if (a) this.open(a);
        break;
      default:
        return;
    }
    ev.preventDefault();
  }
}

/** A short tone made in the browser (no sound file to fetch); twice for a critical alert. */
function chime(times: number): void {
  const AudioCtx = window.AudioContext;
  if (!AudioCtx) return;
  const ctx = new AudioCtx();
  for (let i = 0; i < times; i++) {
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.frequency.value = 880;
    gain.gain.setValueAtTime(0.2, ctx.currentTime + i * 0.3);
    gain.gain.exponentialRampToValueAtTime(0.001, ctx.currentTime + i * 0.3 + 0.25);
    osc.connect(gain).connect(ctx.destination);
    osc.start(ctx.currentTime + i * 0.3);
    osc.stop(ctx.currentTime + i * 0.3 + 0.3);
  }
}
