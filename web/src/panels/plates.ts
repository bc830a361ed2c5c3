// Plates: searching reads (full or partial, with the purpose and case number the law requires for every
// search, logged with it), a plate's movements drawn on the map in time order, vehicles seen travelling
// with it, and the agency's own hotlist entries (entered here by hand, removed here).

import L from "leaflet";
import { get, post, request } from "../api";
import { clock, h, toast } from "../ui";

interface Read {
  event_id: string;
  plate: string;
  state: string | null;
  reader_id: string;
  occurred_at: string;
  lat: number | null;
  lon: number | null;
  image_ref: string | null;
}

interface Entry {
  entry_id: string;
  plate: string;
  state: string | null;
  reason: string;
  source: string;
  entered: string;
  expires: string | null;
  added_by: string;
  list_name: string;
}

interface Companion {
  plate: string;
  readers: string[];
  sightings: number;
}

const SOURCES = ["agency BOLO", "NCIC stolen vehicle", "NCIC wanted person", "Amber alert", "Silver alert"];

export class PlatesPanel {
  private results: HTMLElement = h("div", { class: "plate-results" });
  private hotlist: HTMLElement = h("div", { class: "hotlist" });
  private purpose: HTMLInputElement;
  private caseNo: HTMLInputElement;
  readonly track = L.layerGroup();

  constructor(
    root: HTMLElement,
    private map: L.Map,
  ) {
    this.track.addTo(map);
    this.purpose = h("input", { name: "purpose", required: true, minlength: 3, placeholder: "Purpose, e.g. stolen vehicle investigation", "aria-label": "Purpose" });
    this.caseNo = h("input", { name: "case_number", required: true, placeholder: "Case number", "aria-label": "Case number" });
    const pattern = h("input", { name: "plate", required: true, placeholder: "Plate: ABC1234, AB?12*, *7X9", "aria-label": "Plate or pattern" });
    const hours = h(
      "select",
      { name: "hours", "aria-label": "Time window" },
      ...[
        ["24", "last 24 hours"],
        ["168", "last 7 days"],
        ["720", "last 30 days"],
      ].map(([v, label]) => h("option", { value: v }, label)),
    );
    const search = h(
      "form",
      {
        class: "plate-search",
        onsubmit: (ev: Event) => {
          ev.preventDefault();
          void this.search(pattern.value.trim(), Number(hours.value));
        },
      },
      h("strong", {}, "Search plate reads"),
      h("p", { class: "hint" }, "Every search is logged with who searched, the terms, the purpose and the case number."),
      pattern,
      hours,
      this.purpose,
      this.caseNo,
      h("button", { type: "submit" }, "Search"),
    );
    root.replaceChildren(search, this.results, this.hotlist);
    void this.loadHotlist();
  }

  private stated(): Record<string, string> {
    return { "X-Purpose": this.purpose.value.trim(), "X-Case-Number": this.caseNo.value.trim() };
  }

  private async search(pattern: string, hours: number): Promise<void> {
    const since = new Date(Date.now() - hours * 3600_000).toISOString();
    try {
      const reads = await get<Read[]>(`/api/v1/plates/search?${new URLSearchParams({ plate: pattern, since, limit: "500" })}`, this.stated());
      this.results.replaceChildren(
        h("h4", {}, `${reads.length} read(s) of ${pattern}`),
        h(
          "table",
          { class: "reads" },
          h("thead", {}, h("tr", {}, h("th", {}, "Time"), h("th", {}, "Plate"), h("th", {}, "Reader"), h("th", {}, ""))),
          h(
            "tbody",
            {},
            ...reads.slice(0, 200).map((r) =>
              h(
                "tr",
                { "data-plate": r.plate },
                h("td", {}, `${new Date(r.occurred_at).toLocaleDateString()} ${clock(r.occurred_at)}`),
                h("td", {}, `${r.plate} ${r.state ?? ""}`),
                h("td", {}, r.reader_id),
                h(
                  "td",
                  {},
                  h("button", { class: "secondary", onclick: () => void this.showTrack(r.plate, since) }, "Track"),
                  h("button", { class: "secondary", onclick: () => void this.companions(r.plate, since) }, "With"),
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

  /** The plate's reads in time order, joined by a line and numbered, on the map. */
  private async showTrack(plate: string, since: string): Promise<void> {
    try {
      const reads = await get<Read[]>(`/api/v1/plates/${encodeURIComponent(plate)}/track?${new URLSearchParams({ since })}`, this.stated());
      this.track.clearLayers();
      const pts = reads.filter((r) => r.lat !== null && r.lon !== null).map((r) => L.latLng(r.lat as number, r.lon as number));
      if (pts.length > 1) L.polyline(pts, { color: "#db61a2", weight: 3, opacity: 0.8 }).addTo(this.track);
      reads.forEach((r, i) => {
        if (r.lat === null || r.lon === null) return;
        L.circleMarker([r.lat, r.lon], { radius: 7, color: "#db61a2", fillColor: "#db61a2", fillOpacity: 0.9, weight: 1 })
          .bindTooltip(`${i + 1}. ${clock(r.occurred_at)} ${r.plate} at ${r.reader_id}`, { permanent: i === reads.length - 1 })
          .addTo(this.track);
      });
      if (pts.length) this.map.fitBounds(L.latLngBounds(pts).pad(0.2));
      this.results.dataset.track = String(pts.length);
      toast(`${plate}: ${reads.length} read(s) on the map, oldest to newest`);
    } catch (err) {
      toast((err as Error).message, "error");
    }
  }

  private async companions(plate: string, since: string): Promise<void> {
    try {
      const found = await get<Companion[]>(`/api/v1/plates/${encodeURIComponent(plate)}/companions?${new URLSearchParams({ since })}`, this.stated());
      this.results.append(
        h(
          "div",
          { class: "companions" },
          h("h4", {}, `Seen travelling with ${plate}: ${found.length}`),
          h("ul", {}, ...found.map((c) => h("li", {}, `${c.plate}: ${c.sightings} sightings at ${c.readers.join(", ")}`))),
        ),
      );
    } catch (err) {
      toast((err as Error).message, "error");
    }
  }

  private async loadHotlist(): Promise<void> {
    const plate = h("input", { name: "hot-plate", required: true, placeholder: "Plate", "aria-label": "Hotlist plate" });
    const state = h("input", { name: "hot-state", placeholder: "State", maxlength: 8, "aria-label": "State", size: 4 });
    const reason = h("input", { name: "hot-reason", required: true, placeholder: "Reason, e.g. armed robbery suspect vehicle", "aria-label": "Reason" });
    const source = h("select", { name: "hot-source", "aria-label": "Source" }, ...SOURCES.map((s) => h("option", { value: s }, s)));
    const days = h("select", { name: "hot-expires", "aria-label": "Expires" }, ...[["1", "1 day"], ["7", "7 days"], ["30", "30 days"]].map(([v, l]) => h("option", { value: v }, `expires in ${l}`)));
    let entries: Entry[] = [];
    try {
      entries = (await get<Entry[]>("/api/v1/hotlists")).filter((e) => e.list_name === "manual");
    } catch (err) {
      this.hotlist.replaceChildren(h("p", { class: "error" }, (err as Error).message));
      return;
    }
    this.hotlist.replaceChildren(
      h(
        "form",
        {
          class: "hotlist-entry",
          onsubmit: async (ev: Event) => {
            ev.preventDefault();
            try {
              const expires = new Date(Date.now() + Number(days.value) * 86400_000).toISOString();
              await post<Entry>("/api/v1/hotlists", { plate: plate.value, state: state.value || null, reason: reason.value, source: source.value, expires });
              toast(`${plate.value.toUpperCase()} is on the hotlist: the next read of it raises an alert`);
              await this.loadHotlist();
            } catch (err) {
              toast((err as Error).message, "error");
            }
          },
        },
        h("strong", {}, "Enter a plate on the hotlist"),
        plate,
        state,
        reason,
        source,
        days,
        h("button", { type: "submit" }, "Add"),
      ),
      h(
        "table",
        { class: "hot-entries" },
        h("thead", {}, h("tr", {}, h("th", {}, "Plate"), h("th", {}, "Reason"), h("th", {}, "By"), h("th", {}, "Expires"), h("th", {}, ""))),
        h(
          "tbody",
          {},
          ...entries.slice(0, 100).map((e) =>
            h(
              "tr",
              { "data-entry": e.plate },
              h("td", {}, `${e.plate} ${e.state ?? ""}`),
              h("td", {}, `${e.reason} (${e.source})`),
              h("td", {}, e.added_by),
              h("td", {}, e.expires ? new Date(e.expires).toLocaleDateString() : "never"),
              h(
                "td",
                {},
                h(
                  "button",
                  {
                    class: "secondary",
                    onclick: async () => {
                      try {
                        await request("DELETE", `/api/v1/hotlists/${encodeURIComponent(e.entry_id)}`);
                        await this.loadHotlist();
                      } catch (err) {
                        toast((err as Error).message, "error");
                      }
                    },
                  },
                  "Remove",
                ),
              ),
            ),
          ),
        ),
      ),
    );
  }
}
