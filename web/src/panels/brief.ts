// The threat brief, shown the same way in the incident workspace and the officer's field view: the level
// with every factor that made it (source record, date, weight), the residents' history, and associates.

import type { ThreatBrief } from "../types";
import { h, words } from "../ui";

export function briefView(b: ThreatBrief): HTMLElement {
  return h(
    "div",
    { class: "brief", "data-level": b.level },
    h(
      "div",
      { class: `level level-${b.level}` },
      h("span", {}, `${b.level.toUpperCase()} threat`),
      h("span", { class: "score" }, `score ${b.score.toFixed(1)}`),
      b.address ? h("span", { class: "addr" }, b.address) : null,
    ),
    b.factors.length
      ? h(
          "table",
          { class: "factors" },
          h("thead", {}, h("tr", {}, h("th", {}, "Factor"), h("th", {}, "Source"), h("th", {}, "Date"), h("th", {}, "Points"))),
          h(
            "tbody",
            {},
            ...b.factors.map((f) =>
              h(
                "tr",
                {},
                h("td", {}, f.label, f.count > 1 ? ` (${f.count})` : ""),
                h("td", {}, `${f.source || words(f.source_kind)} ${f.source_id}`),
                h("td", {}, f.date),
                h("td", { class: "num" }, `${f.points.toFixed(1)} of ${f.weight.toFixed(1)}`),
              ),
            ),
          ),
        )
      : h("p", { class: "quiet" }, "No factors on record at this location."),
    h("h4", {}, `Residents (${b.residents.length})`),
    ...b.residents.map((r) =>
      h(
        "div",
        { class: "person" },
        h("strong", {}, r.person.name),
        r.person.birth_date ? ` b. ${r.person.birth_date}` : "",
        r.active_warrants.length ? h("span", { class: "tag danger" }, `${r.active_warrants.length} active warrant(s)`) : null,
        r.protective_orders.length ? h("span", { class: "tag warn" }, `${r.protective_orders.length} protective order(s)`) : null,
        r.history.length
          ? h("ul", {}, ...r.history.slice(0, 8).map((x) => h("li", {}, `${x.date} ${x.kind} ${x.nibrs_code ?? ""} ${x.description}`)))
          : h("div", { class: "quiet" }, "no criminal history on record"),
      ),
    ),
    h("h4", {}, `Known associates (${b.associates.length})`),
    ...b.associates.slice(0, 20).map((a) =>
      h(
        "div",
        { class: "person" },
        h("strong", {}, a.person.name),
        ` · ${a.hops === 1 ? "direct" : "two links away"} · ${a.via.map((v) => `${words(v.kind)} (${v.source})`).join(" → ")}`,
        a.active_warrants.length ? h("span", { class: "tag danger" }, `${a.active_warrants.length} active warrant(s)`) : null,
        a.relevant_history.length
          ? h("ul", {}, ...a.relevant_history.slice(0, 5).map((x) => h("li", {}, `${x.date} ${x.kind} ${x.nibrs_code ?? ""} ${x.description}`)))
          : null,
      ),
    ),
    h("p", { class: "quiet" }, `As of ${b.as_of}. Records are leads to verify, not grounds for action by themselves.`),
  );
}
