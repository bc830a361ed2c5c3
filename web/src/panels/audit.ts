// The auditor's screen: the audit log newest first, narrowed by who, what, resource, outcome, time, agency and
// the purpose or case number stated; each entry opened to everything recorded with it and its place in the
// hash chain; the chain checked; the filtered entries exported as CSV. Every read made here is itself
// audited by the server, and an export gets an entry of its own.

import { download, get } from "../api";
import type { AuditEntry, AuditPage, AuditPickerValues, ChainCheck } from "../types";
import { h, toast, words } from "../ui";

const PAGE_SIZE = 50;
const NO_AGENCY = "none"; // the server's agency filter value for entries of no agency
const OUTCOMES = ["success", "failure", "denied"];

type Filters = Record<string, string>;

function when(iso: string): string {
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

function query(params: Filters): string {
  const q = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== ""));
  const s = q.toString();
  return s ? `?${s}` : "";
}

function options(select: HTMLSelectElement, anyLabel: string, values: string[], label: (v: string) => string = (v) => v): void {
  const chosen = select.value;
  select.replaceChildren(h("option", { value: "" }, anyLabel), ...values.map((v) => h("option", { value: v }, label(v))));
  select.value = values.includes(chosen) ? chosen : "";
}

export class AuditScreen {
  private form: HTMLFormElement;
  private fields: Record<string, HTMLInputElement | HTMLSelectElement>;
  private users = h("datalist", { id: "audit-usernames" });
  private summary = h("p", { class: "audit-summary", role: "status" });
  private rows = h("tbody");
  private pager = h("div", { class: "audit-pager" });
  private chain = h("div", { class: "audit-chain", role: "status", "aria-live": "polite" });
  private applied: Filters = {};
  private offset = 0;
  private upto: number | null = null; // the newest entry the pages are taken against, kept while paging
  private total = 0;
  /** The page on the screen and how many pages were shown so far, for the browser tests. */
  page: AuditEntry[] = [];
  loads = 0;
  private broken = new Set<number>(); // entries the last chain check named
  private asked = 0; // the latest page asked for: an answer to an earlier question is not shown over it

  constructor(private root: HTMLElement) {
    const input = (name: string, label: string, attrs: Record<string, string> = {}) =>
      h("input", { name, placeholder: label, "aria-label": label, ...attrs });
    const select = (name: string, label: string) => h("select", { name, "aria-label": label }, h("option", { value: "" }, label));
    this.fields = {
      username: input("username", "Who (user)", { list: "audit-usernames", autocomplete: "off" }),
      action: select("action", "any action"),
      resource: input("resource", "Resource contains"),
      outcome: select("outcome", "any outcome"),
      agency_id: select("agency_id", "any agency"),
      purpose_or_case: input("purpose_or_case", "Purpose or case number contains"),
      since: input("since", "From", { type: "datetime-local", step: "1" }),
      until: input("until", "Until", { type: "datetime-local", step: "1" }),
    };
    const labelled = (text: string, el: HTMLElement) => h("label", {}, h("span", {}, text), el);
    this.form = h(
      "form",
      {
        class: "audit-filters",
        "aria-label": "Filter the audit log",
        onsubmit: (ev: Event) => {
          ev.preventDefault();
          void this.apply();
        },
      },
      labelled("Who", this.fields.username),
      labelled("Action", this.fields.action),
      labelled("Resource", this.fields.resource),
      labelled("Outcome", this.fields.outcome),
      labelled("Agency", this.fields.agency_id),
      labelled("Purpose or case", this.fields.purpose_or_case),
      labelled("From", this.fields.since),
      labelled("Until", this.fields.until),
      h(
        "div",
        { class: "audit-buttons" },
        h("button", { type: "submit", name: "apply" }, "Apply filters"),
        h("button", { type: "button", class: "secondary", name: "clear", onclick: () => void this.clear() }, "Clear"),
        h("button", { type: "button", class: "secondary", name: "export", onclick: () => void this.exportCsv() }, "Export CSV"),
        h("button", { type: "button", class: "secondary", name: "verify", onclick: () => void this.verify() }, "Verify chain"),
      ),
      this.users,
    );
    const table = h(
      "table",
      { class: "audit-table" },
      h("thead", {}, h("tr", {}, ...["#", "When", "Who", "Action", "Resource", "Outcome", "Purpose", "Case"].map((t) => h("th", {}, t)))),
      this.rows,
    );
    root.replaceChildren(
      h("div", { class: "audit-head" }, h("h2", {}, "Audit log"), h("p", { class: "hint" }, "Who did what, when, from where, with what outcome and why. Your own reading of the log is recorded in it too.")),
      this.form,
      this.chain,
      this.summary,
      table,
      this.pager,
    );
  }

  /** Fill the pickers and show the newest entries. */
  async start(): Promise<void> {
    await Promise.all([this.loadPickers(), this.load()]);
  }

  private async loadPickers(): Promise<void> {
    try {
      const v = await get<AuditPickerValues>("/api/v1/audit/values");
      options(this.fields.action as HTMLSelectElement, "any action", v.actions, words);
      options(this.fields.outcome as HTMLSelectElement, "any outcome", [...new Set([...OUTCOMES, ...v.outcomes])]);
      options(this.fields.agency_id as HTMLSelectElement, "any agency", [...v.agencies, NO_AGENCY], (a) => (a === NO_AGENCY ? "no agency (system, unknown names)" : a));
      this.users.replaceChildren(...v.usernames.map((u) => h("option", { value: u })));
    } catch (err) {
      toast(`Could not load the filter choices: ${(err as Error).message}`, "error");
    }
  }

  private filters(): Filters {
    const out: Filters = {};
    for (const [name, el] of Object.entries(this.fields)) {
      const value = el.value.trim();
      if (!value) continue;
      // datetime-local is the browser's local time: the server takes times with their offset.
      out[name] = name === "since" || name === "until" ? new Date(value).toISOString() : value;
    }
    return out;
  }

  async apply(): Promise<void> {
    // New actions and users appear as the log grows: the pickers are refreshed with every look.
    await Promise.all([this.load(this.filters(), 0, null), this.loadPickers()]);
  }

  private async clear(): Promise<void> {
    this.form.reset();
    await this.apply();
  }

  /** Show the log from one entry down, with no filters: where a break in the chain is. */
  async showFrom(seq: number): Promise<void> {
    this.form.reset();
    await this.load({}, 0, seq, seq);
  }

  /** Show one page. The filters, page and newest entry on the screen change only when the server answers:
   * a refused filter leaves the entries shown as they were, with the reason. */
  private async load(filters: Filters = this.applied, offset = this.offset, upto = this.upto, open?: number): Promise<void> {
    const params: Filters = { ...filters, offset: String(offset), limit: String(PAGE_SIZE) };
    if (upto !== null) params.upto = String(upto);
    const ticket = ++this.asked;
    let page: AuditPage;
    try {
      page = await get<AuditPage>(`/api/v1/audit/entries${query(params)}`);
    } catch (err) {
      if (ticket !== this.asked) return;
      this.summary.textContent = `Could not read the audit log: ${(err as Error).message}`;
      this.summary.classList.add("error");
      return;
    }
    if (ticket !== this.asked) return;
    this.summary.classList.remove("error");
    this.applied = filters;
    this.offset = offset;
    this.upto = page.upto;
    this.total = page.total;
    this.page = page.entries;
    const first = page.total ? page.offset + 1 : 0;
    const last = page.offset + page.entries.length;
    this.summary.textContent = `${page.total.toLocaleString()} ${page.total === 1 ? "entry matches" : "entries match"} · showing ${first}–${last}, newest first · as of entry ${page.upto}`;
    this.rows.replaceChildren(...page.entries.flatMap((e) => this.row(e)));
    if (!page.entries.length) this.rows.append(h("tr", {}, h("td", { colspan: 8, class: "quiet" }, "No entries match these filters.")));
    this.renderPager();
    this.root.dataset.loads = String(++this.loads);
    if (open !== undefined) this.rows.querySelector<HTMLElement>(`tr.audit-row[data-seq="${open}"]`)?.click();
  }

  private renderPager(): void {
    const pages = Math.max(1, Math.ceil(this.total / PAGE_SIZE));
    const current = Math.floor(this.offset / PAGE_SIZE) + 1;
    const go = (offset: number, upto = this.upto) => void this.load(this.applied, offset, upto);
    this.pager.replaceChildren(
      h("button", { class: "secondary", name: "newer", disabled: this.offset === 0, onclick: () => go(Math.max(0, this.offset - PAGE_SIZE)) }, "← Newer"),
      h("span", { class: "page-no" }, `page ${current} of ${pages}`),
      h("button", { class: "secondary", name: "older", disabled: this.offset + PAGE_SIZE >= this.total, onclick: () => go(this.offset + PAGE_SIZE) }, "Older →"),
      h(
        "button",
        {
          class: "secondary",
          name: "refresh",
          title: "Take the newest entries in",
          onclick: () => go(0, null),
        },
        "Refresh",
      ),
    );
  }

  private row(e: AuditEntry): HTMLElement[] {
    const outcomeClass = e.outcome === "success" || e.outcome === "intact" ? "ok" : e.outcome === "denied" ? "warn" : "danger";
    const detail = h("tr", { class: "audit-detail", hidden: true }, h("td", { colspan: 8 }, this.detail(e)));
    const toggle = () => {
      detail.hidden = !detail.hidden;
      tr.setAttribute("aria-expanded", String(!detail.hidden));
    };
    const tr = h(
      "tr",
      {
        class: this.broken.has(e.seq) ? "audit-row chain-problem" : "audit-row",
        "data-seq": e.seq,
        tabindex: 0,
        "aria-expanded": "false",
        onclick: toggle,
        onkeydown: (ev: Event) => {
          if ((ev as KeyboardEvent).key === "Enter") toggle();
        },
      },
      h("td", { class: "num" }, e.seq),
      h("td", { class: "when-col" }, when(e.at)),
      h("td", {}, e.username ?? h("span", { class: "quiet" }, "system")),
      h("td", {}, words(e.action)),
      h("td", { class: "resource" }, e.resource),
      h("td", {}, h("span", { class: `tag ${outcomeClass}` }, e.outcome)),
      h("td", {}, e.purpose ?? ""),
      h("td", {}, e.case_number ?? ""),
    );
    return [tr, detail];
  }

  private detail(e: AuditEntry): HTMLElement {
    const item = (term: string, value: string | Node | null, key: string) => [h("dt", {}, term), h("dd", { "data-field": key }, value ?? h("span", { class: "quiet" }, "—"))];
    return h(
      "dl",
      { class: "audit-entry" },
      ...item("Entry", String(e.seq), "seq"),
      ...item("When", `${when(e.at)} (${e.at})`, "at"),
      ...item("Who", e.username ? `${e.username}${e.user_id ? ` (user ${e.user_id})` : ""}` : "system or unknown", "who"),
      ...item("Agency", e.agency_id, "agency_id"),
      ...item("What", `${e.action} · ${e.resource}`, "what"),
      ...item("From", e.source_ip, "source_ip"),
      ...item("Outcome", e.outcome, "outcome"),
      ...item("Purpose", e.purpose, "purpose"),
      ...item("Case number", e.case_number, "case_number"),
      ...item("Detail", h("pre", {}, JSON.stringify(e.detail, null, 2)), "detail"),
      ...item("Hash", h("code", {}, e.hash), "hash"),
      ...item("Previous hash", h("code", {}, e.prev_hash), "prev_hash"),
    );
  }

  async verify(): Promise<void> {
    this.chain.replaceChildren(h("span", { class: "quiet" }, "Checking the whole chain…"));
    this.chain.dataset.state = "checking";
    let check: ChainCheck;
    try {
      check = await get<ChainCheck>("/api/v1/audit/verify");
    } catch (err) {
      this.chain.dataset.state = "error";
      this.chain.replaceChildren(h("span", { class: "error" }, `Could not check the chain: ${(err as Error).message}`));
      return;
    }
    this.chain.dataset.state = check.intact ? "intact" : "broken";
    this.broken = new Set(check.findings.filter((f) => f.kind !== "deleted").map((f) => f.first_seq));
    for (const row of this.rows.querySelectorAll<HTMLElement>("tr.audit-row")) row.classList.toggle("chain-problem", this.broken.has(Number(row.dataset.seq)));
    if (check.intact) {
      this.chain.replaceChildren(
        h("strong", { class: "tag ok" }, "Chain intact"),
        ` ${check.checked.toLocaleString()} entries checked; none altered, removed or inserted. Last hash `,
        h("code", {}, check.last_hash),
        h("span", { class: "hint" }, " (keep it elsewhere: removing entries from the end shows only against it)"),
      );
      return;
    }
    this.chain.replaceChildren(
      h("strong", { class: "tag danger" }, "Chain broken"),
      ` ${check.findings.length} problem(s) in ${check.checked.toLocaleString()} entries:`,
      h(
        "ul",
        {},
        ...check.findings.map((f) =>
          h(
            "li",
            { "data-kind": f.kind, "data-seq": f.first_seq },
            f.message,
            " ",
            h("button", { class: "secondary", onclick: () => void this.showFrom(f.kind === "deleted" ? f.last_seq + 1 : f.first_seq) }, f.kind === "deleted" ? "show the entries around it" : `show entry ${f.first_seq}`),
          ),
        ),
      ),
    );
  }

  /** The entries matching the filters on the screen (as of the same newest entry), as a CSV file. */
  async exportCsv(): Promise<void> {
    const params: Filters = { ...this.applied };
    if (this.upto !== null) params.upto = String(this.upto);
    try {
      const file = await download(`/api/v1/audit/export.csv${query(params)}`);
      const url = URL.createObjectURL(file.blob);
      const a = h("a", { href: url, download: file.filename ?? "audit.csv", hidden: true });
      this.root.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      toast(`Exported ${file.count ?? "the"} entries; the export is recorded in the audit log.`);
    } catch (err) {
      toast(`Export failed: ${(err as Error).message}`, "error");
    }
  }
}
