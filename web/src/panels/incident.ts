// The incident workspace: everything about one call in one place. Details and timeline, the threat brief,
// cameras that can see the location (with a live view), the nearest units by driving time, notes, and a
// bulletin to the units on the call.

import { get, post } from "../api";
import type { LivePicture } from "../picture";
import type { Bulletin, CadIncident, CameraSight, NearestUnit, ThreatBrief } from "../types";
import { clock, h, toast, words } from "../ui";
import { briefView } from "./brief";

export interface WorkspaceHooks {
  viewCamera(cameraId: string): void;
  toWall(cameraId: string): void;
  focus(lat: number, lon: number): void;
}

export class IncidentWorkspace {
  callId: string | null = null;
  private reloadTimer = 0;

  constructor(
    private root: HTMLElement,
    private picture: LivePicture,
    private hooks: WorkspaceHooks,
  ) {
    picture.on("calls", () => {
      // The call moved on (dispatched, on scene, cleared): refresh what is shown, at most once a second.
      if (!this.callId || this.reloadTimer) return;
      this.reloadTimer = window.setTimeout(() => {
        this.reloadTimer = 0;
        if (this.callId) void this.refreshDetails(this.callId);
      }, 1000);
    });
  }

  close(): void {
    this.callId = null;
    this.root.hidden = true;
    this.root.replaceChildren();
    document.body.classList.remove("workspace-open");
  }

  async open(callId: string): Promise<void> {
    this.callId = callId;
    this.root.hidden = false;
    document.body.classList.add("workspace-open");
    const sections = {
      details: h("section", { class: "ws-details", "aria-label": "Details and timeline" }, h("p", { class: "quiet" }, "Loading the call…")),
      brief: h("section", { class: "ws-brief", "aria-label": "Threat brief" }, h("h3", {}, "Threat brief"), h("p", { class: "quiet" }, "Loading…")),
      cameras: h("section", { class: "ws-cameras", "aria-label": "Cameras that can see the location" }, h("h3", {}, "Cameras"), h("p", { class: "quiet" }, "Loading…")),
      units: h("section", { class: "ws-units", "aria-label": "Nearest units" }, h("h3", {}, "Nearest units"), h("p", { class: "quiet" }, "Loading…")),
      notes: h("section", { class: "ws-notes", "aria-label": "Notes" }),
      bulletin: h("section", { class: "ws-bulletin", "aria-label": "Bulletin to the units on the call" }),
    };
    this.root.replaceChildren(
      h(
        "header",
        { class: "ws-head" },
        h("h2", {}, `Call ${callId}`),
        h("button", { class: "secondary", "aria-label": "Close the incident", onclick: () => this.close() }, "Close ✕"),
      ),
      h("div", { class: "ws-grid" }, sections.details, sections.brief, sections.cameras, sections.units, sections.notes, sections.bulletin),
    );
    const incident = await this.refreshDetails(callId);
    if (!incident || this.callId !== callId) return;
    if (incident.lat !== null && incident.lon !== null) this.hooks.focus(incident.lat, incident.lon);
    void this.loadBrief(callId, sections.brief);
    void this.loadCameras(incident, sections.cameras);
    void this.loadUnits(callId, sections.units);
    this.renderNotes(incident, sections.notes);
    void this.loadBulletins(callId, sections.bulletin);
  }

  private async refreshDetails(callId: string): Promise<CadIncident | null> {
    const box = this.root.querySelector<HTMLElement>(".ws-details");
    try {
      const c = await get<CadIncident>(`/api/v1/calls/${encodeURIComponent(callId)}`);
      if (box && this.callId === callId) box.replaceChildren(...details(c, this.picture.briefLevels.get(callId)));
      return c;
    } catch (err) {
      box?.replaceChildren(h("p", { class: "error" }, `The call could not be loaded: ${(err as Error).message}`));
      return null;
    }
  }

  private async loadBrief(callId: string, box: HTMLElement): Promise<void> {
    try {
      const b = await get<ThreatBrief>(`/api/v1/calls/${encodeURIComponent(callId)}/brief`);
      box.replaceChildren(h("h3", {}, "Threat brief"), briefView(b));
    } catch (err) {
      box.replaceChildren(h("h3", {}, "Threat brief"), h("p", { class: "error" }, (err as Error).message));
    }
  }

  private async loadCameras(c: CadIncident, box: HTMLElement): Promise<void> {
    if (c.lat === null || c.lon === null) {
      box.replaceChildren(h("h3", {}, "Cameras"), h("p", { class: "quiet" }, "The call has no location."));
      return;
    }
    const sights = await get<CameraSight[]>(`/api/v1/cameras/near?lat=${c.lat}&lon=${c.lon}&radius_m=400`).catch(() => []);
    box.replaceChildren(
      h("h3", {}, `Cameras that can see it (${sights.filter((s) => s.view === "in_view").length} in view, ${sights.length} within 400 m)`),
      sights.length
        ? h(
            "ul",
            { class: "cams" },
            ...sights.slice(0, 12).map((s) =>
              h(
                "li",
                { "data-camera-id": s.camera.id, class: s.camera.status === "down" ? "down" : "" },
                h("strong", {}, s.camera.name),
                ` · ${Math.round(s.distance_m)} m · ${words(s.view)}`,
                s.pan_deg !== null ? ` · pan ${s.pan_deg.toFixed(0)}° tilt ${(s.tilt_deg ?? 0).toFixed(0)}°` : "",
                s.camera.status === "down" ? h("span", { class: "tag danger" }, "DOWN") : null,
                h("button", { onclick: () => this.hooks.viewCamera(s.camera.id) }, "View"),
                h("button", { class: "secondary", onclick: () => this.hooks.toWall(s.camera.id) }, "To wall"),
              ),
            ),
          )
        : h("p", { class: "quiet" }, "No registered camera within 400 m."),
    );
  }

  private async loadUnits(callId: string, box: HTMLElement): Promise<void> {
    try {
      const units = await get<NearestUnit[]>(`/api/v1/calls/${encodeURIComponent(callId)}/units/nearest?limit=5`);
      box.replaceChildren(
        h("h3", {}, "Nearest available units"),
        units.length
          ? h(
              "table",
              {},
              h("thead", {}, h("tr", {}, h("th", {}, "Unit"), h("th", {}, "ETA"), h("th", {}, "Route"), h("th", {}, "Status"))),
              h(
                "tbody",
                {},
                ...units.map((u) =>
                  h("tr", {}, h("td", {}, u.unit_id), h("td", { class: "num" }, `${Math.floor(u.eta_s / 60)}:${String(Math.round(u.eta_s % 60)).padStart(2, "0")}`), h("td", { class: "num" }, `${(u.route_m / 1000).toFixed(1)} km`), h("td", {}, words(u.status))),
                ),
              ),
            )
          : h("p", { class: "quiet" }, "No available unit has a known position."),
      );
    } catch (err) {
      box.replaceChildren(h("h3", {}, "Nearest available units"), h("p", { class: "error" }, (err as Error).message));
    }
  }

  private renderNotes(c: CadIncident, box: HTMLElement): void {
    const text = h("textarea", { name: "note", rows: 2, placeholder: "Add a note to the call", "aria-label": "Note", required: true });
    box.replaceChildren(
      h("h3", {}, `Notes (${c.notes.length})`),
      h("ul", { class: "notes" }, ...c.notes.map((n) => h("li", {}, h("span", { class: "when" }, `${clock(n.at)} ${n.author}`), " ", n.text))),
      h(
        "form",
        {
          onsubmit: async (ev: Event) => {
            ev.preventDefault();
            try {
              const updated = await post<CadIncident>(`/api/v1/calls/${encodeURIComponent(c.call_id)}/notes`, { text: text.value });
              this.renderNotes(updated, box);
            } catch (err) {
              toast((err as Error).message, "error");
            }
          },
        },
        text,
        h("button", { type: "submit" }, "Add note"),
      ),
    );
  }

  private async loadBulletins(callId: string, box: HTMLElement): Promise<void> {
    const sent = await get<Bulletin[]>(`/api/v1/calls/${encodeURIComponent(callId)}/bulletins`).catch(() => [] as Bulletin[]);
    const text = h("textarea", { name: "bulletin", rows: 3, placeholder: "What the units on this call need to know", "aria-label": "Bulletin text", required: true });
    box.replaceChildren(
      h("h3", {}, "Bulletin to the units on the call"),
      h(
        "form",
        {
          onsubmit: async (ev: Event) => {
            ev.preventDefault();
            try {
              await post<Bulletin>(`/api/v1/calls/${encodeURIComponent(callId)}/bulletins`, { text: text.value });
              toast("Bulletin sent");
              await this.loadBulletins(callId, box);
            } catch (err) {
              toast((err as Error).message, "error");
            }
          },
        },
        text,
        h("button", { type: "submit" }, "Send bulletin"),
      ),
      h(
        "ul",
        { class: "bulletins" },
        ...sent.map((b) =>
          h(
            "li",
            {},
            h("span", { class: "when" }, `${clock(b.sent_at)} ${b.sent_by}`),
            " ",
            b.text,
            h("div", { class: "receipts" }, ...b.receipts.map((r) => h("span", { class: `tag ${r.read_at ? "ok" : r.delivered_at ? "" : "warn"}` }, `${r.unit_id}: ${r.read_at ? "read" : r.delivered_at ? "delivered" : "waiting"}`))),
          ),
        ),
      ),
    );
  }
}

function details(c: CadIncident, level: string | undefined): HTMLElement[] {
  const steps: [string, string | null][] = [
    ["Received", c.received_at],
    ["Dispatched", c.dispatched_at],
    ["En route", c.en_route_at],
    ["On scene", c.on_scene_at],
    ["Cleared", c.cleared_at],
  ];
  return [
    h("h3", {}, `${c.call_type}${c.type_code ? " (" + c.type_code + ")" : ""} · ${words(c.priority)} priority · ${words(c.status)}`),
    h("p", { class: "addr" }, c.address ?? (c.lat !== null ? `${c.lat.toFixed(5)}, ${c.lon?.toFixed(5)}` : "no location")),
    c.description ? h("p", {}, c.description) : h("span"),
    level ? h("p", {}, h("span", { class: `tag level-${level}` }, `threat ${level}`)) : h("span"),
    h("ol", { class: "timeline" }, ...steps.map(([label, at]) => h("li", { class: at ? "done" : "pending" }, h("span", { class: "when" }, at ? clock(at) : "—"), " ", label))),
    h(
      "div",
      { class: "units-on-call" },
      h("strong", {}, "Units: "),
      c.units.length ? c.units.map((u) => `${u.unit_id}${u.on_scene_at ? " (on scene)" : u.en_route_at ? " (en route)" : u.dispatched_at ? " (dispatched)" : ""}`).join(", ") : "none yet",
    ),
    c.disposition ? h("p", {}, `Disposition: ${c.disposition}`) : h("span"),
  ];
}
