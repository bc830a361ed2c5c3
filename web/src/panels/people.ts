// People: looking a person up in the agency's records (family name as on record, narrowed by given name and
// birth date) and reading one person's record. Like a plate search, every lookup carries the purpose and case
// number, which the server keeps in the audit with the terms; the form does not send without them.

import { get } from "../api";
import { h, words } from "../ui";

interface PersonSummary {
  person_id: string;
  family_name: string;
  given_name: string;
  birth_date: string | null;
  addresses: string[];
  history_entries: number;
  active_warrants: number;
  active_protective_orders: number;
}

interface PersonRecord {
  person: PersonSummary;
  residences: { address_id: string; address: string; since: string | null; until: string | null }[];
  history: { entry_id: string; kind: string; nibrs_code: string; description: string; on: string; source: string }[];
  warrants: { warrant_id: string; offense: string; issued: string; status: string; source: string }[];
  protective_orders: { order_id: string; restrained_person_id: string; protected_person_id: string | null; issued: string; expires: string | null; terms: string; source: string }[];
  links: { link_id: string; person_id: string; name: string; kind: string; source: string; entered: string; intelligence: boolean; basis: string | null; review_date: string | null }[];
}

function fullName(p: PersonSummary): string {
  return `${p.given_name} ${p.family_name}`.trim();
}

export class PeoplePanel {
  private results: HTMLElement = h("div", { class: "people-results" });
  private record: HTMLElement = h("div", { class: "person-record" });
  private purpose: HTMLInputElement;
  private caseNo: HTMLInputElement;

  constructor(root: HTMLElement) {
    this.purpose = h("input", { name: "person-purpose", required: true, minlength: 3, placeholder: "Purpose, e.g. warrant service", "aria-label": "Purpose" });
    this.caseNo = h("input", { name: "person-case", required: true, placeholder: "Case number", "aria-label": "Case number" });
    const family = h("input", { name: "family_name", required: true, minlength: 2, placeholder: "Family name (as on record)", "aria-label": "Family name" });
    const given = h("input", { name: "given_name", placeholder: "Given name (its start)", "aria-label": "Given name" });
    const born = h("input", { name: "birth_date", type: "date", "aria-label": "Birth date" });
    const form = h(
      "form",
      {
        class: "person-search",
        onsubmit: (ev: Event) => {
          ev.preventDefault();
          void this.search(family.value.trim(), given.value.trim(), born.value);
        },
      },
      h("strong", {}, "Look up a person"),
      h("p", { class: "hint" }, "Every lookup is logged with who searched, the terms, the purpose and the case number."),
      family,
      given,
      born,
      this.purpose,
      this.caseNo,
      h("button", { type: "submit" }, "Search"),
    );
    root.replaceChildren(form, this.results, this.record);
  }

  private stated(): Record<string, string> {
    return { "X-Purpose": this.purpose.value.trim(), "X-Case-Number": this.caseNo.value.trim() };
  }

  private async search(family: string, given: string, born: string): Promise<void> {
    const params = new URLSearchParams({ family_name: family });
    if (given) params.set("given_name", given);
    if (born) params.set("birth_date", born);
    this.record.replaceChildren();
    try {
      const found = await get<PersonSummary[]>(`/api/v1/persons?${params}`, this.stated());
      this.results.replaceChildren(
        h("h4", {}, `${found.length} person(s) named ${family}${found.length === 50 ? " (first 50: narrow the search)" : ""}`),
        h(
          "table",
          { class: "persons" },
          h("thead", {}, h("tr", {}, h("th", {}, "Name"), h("th", {}, "Born"), h("th", {}, "Lives at"), h("th", {}, "On record"))),
          h(
            "tbody",
            {},
            ...found.map((p) =>
              h(
                "tr",
                { "data-person": p.person_id, class: "clickable", onclick: () => void this.open(p.person_id) },
                h("td", {}, fullName(p)),
                h("td", {}, p.birth_date ?? "—"),
                h("td", {}, p.addresses.join("; ") || "—"),
                h(
                  "td",
                  {},
                  `${p.history_entries} history`,
                  p.active_warrants ? h("span", { class: "tag danger" }, `${p.active_warrants} warrant(s)`) : null,
                  p.active_protective_orders ? h("span", { class: "tag warn" }, `${p.active_protective_orders} order(s)`) : null,
                ),
              ),
            ),
          ),
        ),
      );
    } catch (err) {
      this.results.replaceChildren(h("p", { class: "error" }, (err as Error).message));
    }
  }

  private async open(personId: string): Promise<void> {
    try {
      const r = await get<PersonRecord>(`/api/v1/persons/${encodeURIComponent(personId)}`, this.stated());
      this.record.dataset.person = personId;
      this.record.replaceChildren(
        h("h3", {}, fullName(r.person), r.person.birth_date ? ` b. ${r.person.birth_date}` : ""),
        h("h4", {}, `Residences (${r.residences.length})`),
        h("ul", { class: "residences" }, ...r.residences.map((x) => h("li", {}, x.address, x.until ? ` (until ${x.until})` : " (current)"))),
        h("h4", {}, `Criminal history (${r.history.length})`),
        h("ul", { class: "history" }, ...r.history.map((x) => h("li", {}, `${x.on} ${x.kind} ${x.nibrs_code} ${x.description} · ${x.source}`))),
        h("h4", {}, `Warrants (${r.warrants.length})`),
        h("ul", { class: "warrants" }, ...r.warrants.map((w) => h("li", { class: w.status === "active" ? "danger" : "" }, `${w.issued} ${w.offense} · ${w.status} · ${w.source}`))),
        h("h4", {}, `Protective orders (${r.protective_orders.length})`),
        h(
          "ul",
          { class: "orders" },
          ...r.protective_orders.map((o) =>
            h("li", {}, `${o.issued} to ${o.expires ?? "no end"}: ${o.terms} · ${o.restrained_person_id === personId ? "restrained" : "protected"} · ${o.source}`),
          ),
        ),
        h("h4", {}, `Links (${r.links.length})`),
        h(
          "ul",
          { class: "links" },
          ...r.links.map((lk) =>
            h(
              "li",
              { "data-link": lk.link_id },
              h("a", { href: "#", onclick: (ev: Event) => (ev.preventDefault(), void this.open(lk.person_id)) }, lk.name || lk.person_id),
              ` · ${words(lk.kind)} · ${lk.source} since ${lk.entered}`,
              lk.intelligence ? h("span", { class: "tag warn" }, `intelligence, review by ${lk.review_date ?? "?"}: ${lk.basis ?? ""}`) : null,
            ),
          ),
        ),
        h("p", { class: "quiet" }, "Records are leads to verify, not grounds for action by themselves."),
      );
      this.record.scrollIntoView({ block: "start" });
    } catch (err) {
      this.record.replaceChildren(h("p", { class: "error" }, (err as Error).message));
    }
  }
}
