// Reports a supervisor reads at the desk: how fast calls are answered (response times, first unit on
// scene) and what alerts turned out to be (precision per period). Both come from live data on the server;
// this panel only asks and lays them out.

import { ApiError, get } from "../api";
import { h } from "../ui";

interface Interval {
  interval: string;
  count: number;
  median_s: number | null;
  p90_s: number | null;
}

interface Group {
  group: string;
  calls: number;
  intervals: Interval[];
}

interface PeriodLine {
  period: string;
  alerts: number;
  with_outcome: number;
  confirmed: number;
  precision: number | null;
  outcomes: Record<string, number>;
}

interface OutcomeReport {
  kind: string | null;
  period: string;
  lines: PeriodLine[];
}

const INTERVALS: [string, string, string][] = [
  ["received_to_dispatched", "To dispatch", "Received to dispatched"],
  ["dispatched_to_on_scene", "Travel", "Dispatched to first unit on scene"],
  ["received_to_on_scene", "To scene", "Received to first unit on scene"],
];

const WINDOWS: [string, number | null][] = [
  ["Last 24 hours", 1],
  ["Last 7 days", 7],
  ["Last 30 days", 30],
  ["All calls", null],
];

const ALERT_KINDS: [string, string][] = [
  ["", "All alerts"],
  ["gunshot", "Gunshots"],
  ["alpr.hit", "Plate hits"],
  ["camera.down", "Cameras down"],
];

/** Seconds as minutes and seconds ("4:05"), or a dash when there is nothing to measure. */
export function duration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return "–";
  const s = Math.round(seconds);
  const m = Math.floor(s / 60);
  return `${m}:${String(s % 60).padStart(2, "0")}`;
}

function select(name: string, options: [string, string][], value: string, onchange: (v: string) => void): HTMLSelectElement {
  const el = h("select", { name, onchange: () => onchange(el.value) }, ...options.map(([v, label]) => h("option", { value: v }, label)));
  el.value = value;
  return el;
}

export class Reports {
  private by = "";
  private days: number | null = 7;
  private kind = "";
  private period = "week";
  private timesBox = h("div", { class: "report report-times" });
  private outcomesBox = h("div", { class: "report report-outcomes" });

  constructor(root: HTMLElement) {
    root.replaceChildren(
      h("div", { class: "panel-head" }, h("strong", {}, "Response times"), h("span", { class: "hint" }, "First unit on scene; median and 90th percentile (minutes:seconds).")),
      h(
        "div",
        { class: "report-controls" },
        select("by", [["", "All calls"], ["priority", "By priority"], ["type", "By call type"]], this.by, (v) => {
          this.by = v;
          void this.loadTimes();
        }),
        select("window", WINDOWS.map(([label, d]) => [String(d ?? ""), label]), String(this.days ?? ""), (v) => {
          this.days = v ? Number(v) : null;
          void this.loadTimes();
        }),
      ),
      this.timesBox,
      h("div", { class: "panel-head" }, h("strong", {}, "Alert outcomes"), h("span", { class: "hint" }, "Precision: confirmed ÷ alerts with a recorded outcome.")),
      h(
        "div",
        { class: "report-controls" },
        select("kind", ALERT_KINDS, this.kind, (v) => {
          this.kind = v;
          void this.loadOutcomes();
        }),
        select("period", [["day", "By day"], ["week", "By week"], ["month", "By month"]], this.period, (v) => {
          this.period = v;
          void this.loadOutcomes();
        }),
      ),
      this.outcomesBox,
    );
  }

  /** Fetch both reports again (when the tab is opened: the figures move with the city). */
  refresh(): void {
    void this.loadTimes();
    void this.loadOutcomes();
  }

  private failed(box: HTMLElement, what: string, err: unknown): void {
    const why = err instanceof ApiError ? err.message : String(err);
    box.replaceChildren(h("p", { class: "error" }, `${what} could not be loaded: ${why}`));
  }

  async loadTimes(): Promise<void> {
    const q = new URLSearchParams();
    if (this.by) q.set("by", this.by);
    if (this.days !== null) q.set("since", new Date(Date.now() - this.days * 86_400_000).toISOString());
    let groups: Group[];
    try {
      groups = await get<Group[]>(`/api/v1/reports/response-times?${q}`);
    } catch (err) {
      this.failed(this.timesBox, "Response times", err);
      return;
    }
    if (groups.length === 0 || groups.every((g) => g.calls === 0)) {
      this.timesBox.replaceChildren(h("p", { class: "quiet" }, "No calls in this window."));
      return;
    }
    this.timesBox.replaceChildren(
      h(
        "table",
        { class: "response-times" },
        h("thead", {}, h("tr", {}, h("th", {}, this.by ? (this.by === "type" ? "Call type" : "Priority") : ""), h("th", { class: "num" }, "Calls"), ...INTERVALS.map(([, label, title]) => h("th", { class: "num", title }, label)))),
        h(
          "tbody",
          {},
          ...groups.map((g) =>
            h(
              "tr",
              { "data-group": g.group },
              h("td", {}, g.group === "all" ? "All calls" : g.group),
              h("td", { class: "num" }, String(g.calls)),
              ...INTERVALS.map(([name]) => {
                const i = g.intervals.find((x) => x.interval === name);
                if (!i || i.count === 0) return h("td", { class: "num quiet", "data-interval": name }, "–");
                return h(
                  "td",
                  { class: "num", "data-interval": name, title: `${i.count} calls measured` },
                  h("strong", {}, duration(i.median_s)),
                  h("span", { class: "quiet p90" }, ` · p90 ${duration(i.p90_s)}`),
                );
              }),
            ),
          ),
        ),
      ),
    );
  }

  async loadOutcomes(): Promise<void> {
    const q = new URLSearchParams({ period: this.period });
    if (this.kind) q.set("kind", this.kind);
    let report: OutcomeReport;
    try {
      report = await get<OutcomeReport>(`/api/v1/reports/alert-outcomes?${q}`);
    } catch (err) {
      this.failed(this.outcomesBox, "Alert outcomes", err);
      return;
    }
    if (report.lines.length === 0) {
      this.outcomesBox.replaceChildren(h("p", { class: "quiet" }, "No alerts yet."));
      return;
    }
    this.outcomesBox.replaceChildren(
      h(
        "table",
        { class: "alert-outcomes" },
        h("thead", {}, h("tr", {}, h("th", {}, "Period"), h("th", { class: "num" }, "Alerts"), h("th", { class: "num" }, "With outcome"), h("th", { class: "num" }, "Confirmed"), h("th", { class: "num" }, "Precision"))),
        h(
          "tbody",
          {},
          // Newest period first, the whole span last.
          ...[...report.lines.filter((l) => l.period !== "total").reverse(), ...report.lines.filter((l) => l.period === "total")].map((l) =>
            h(
              "tr",
              { "data-period": l.period },
              h("td", {}, l.period === "total" ? "All periods" : l.period),
              h("td", { class: "num" }, String(l.alerts)),
              h("td", { class: "num" }, String(l.with_outcome)),
              h("td", { class: "num" }, String(l.confirmed)),
              h("td", { class: "num", title: Object.entries(l.outcomes).map(([k, n]) => `${k}: ${n}`).join(", ") }, l.precision === null ? "–" : `${(l.precision * 100).toFixed(1)}%`),
            ),
          ),
        ),
      ),
    );
  }
}
