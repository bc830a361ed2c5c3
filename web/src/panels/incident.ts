// The incident workspace: everything about one call in one place. Details and timeline, the threat brief,
// cameras that can see the location (with a live view), the nearest units by driving time, a drone sent
// to the scene, notes, and a bulletin to the units on the call.

import { get, post } from "../api";
import "../drones.css";
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
  private droneTimer = 0;
  private droneBox: HTMLElement | null = null;

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
    picture.on("drones", () => {
      // A drone reported in: its flight may have moved on (launched, over the scene, home). At most every 3 s.
      if (!this.callId || !this.droneBox || this.droneTimer) return;
      this.droneTimer = window.setTimeout(() => {
        this.droneTimer = 0;
        if (this.callId && this.droneBox) void this.loadFlights(this.callId, this.droneBox);
      }, 3000);
    });
  }

  close(): void {
    this.callId = null;
    this.droneBox = null;
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
      drone: h("section", { class: "ws-drone", "aria-label": "Drone" }, h("h3", {}, "Drone"), h("p", { class: "quiet" }, "Loading…")),
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
      h("div", { class: "ws-grid" }, sections.details, sections.brief, sections.cameras, sections.units, sections.drone, sections.notes, sections.bulletin),
    );
    const incident = await this.refreshDetails(callId);
    if (!incident || this.callId !== callId) return;
    if (incident.lat !== null && incident.lon !== null) this.hooks.focus(incident.lat, incident.lon);
    void this.loadBrief(callId, sections.brief);
    void this.loadCameras(incident, sections.cameras);
    void this.loadUnits(callId, sections.units);
    this.droneBox = sections.drone;
    void this.loadDrone(incident, sections.drone);
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

  /** The drone that would go (and its time to scene), or why none can; the button sends it. Below, the
   * flights sent to this call with their progress and a live view of the drone's camera. */
  private async loadDrone(c: CadIncident, box: HTMLElement): Promise<void> {
    const choice = h("div", { class: "drone-choice" });
    const flights = h("div", { class: "drone-flights" });
    box.replaceChildren(h("h3", {}, "Drone"), choice, flights);
    if (c.lat === null || c.lon === null) {
      choice.replaceChildren(h("p", { class: "quiet" }, "The call has no location: no drone can be sent to it."));
      return;
    }
    await Promise.all([this.loadDroneChoice(c.call_id, choice), this.loadFlights(c.call_id, box)]);
  }

  private async loadDroneChoice(callId: string, box: HTMLElement, said?: { text: string; kind: "sent" | "refused" }): Promise<void> {
    let options: DroneOptions;
    try {
      options = await get<DroneOptions>(`/api/v1/drones/options?call_id=${encodeURIComponent(callId)}`);
    } catch (err) {
      box.replaceChildren(h("p", { class: "error" }, (err as Error).message));
      return;
    }
    const outcome = h("p", { class: "drone-outcome", role: "status" });
    const send = h("button", { type: "button", class: "drone-send", disabled: !options.best }, "Send drone");
    // When none can go now, one may soon (a drone lands, charges): ask again without reopening the call.
    const again = options.best ? null : h("button", { type: "button", class: "secondary", onclick: () => void this.loadDroneChoice(callId, box) }, "Check again");
    send.addEventListener("click", async () => {
      send.disabled = true;
      try {
        const sent = await post<DroneDispatch>("/api/v1/drones/dispatch", { call_id: callId });
        const when = sent.flight.expected_arrival_at ? ` (over the scene about ${clock(sent.flight.expected_arrival_at)})` : "";
        toast(`${sent.chosen.drone_id} sent, ETA ${mmss(sent.flight.eta_s)}`);
        // What would go next (another drone, or why none can) replaces the choice just used.
        await this.loadDroneChoice(callId, box, { text: `${sent.chosen.drone_id} sent · ETA ${mmss(sent.flight.eta_s)}${when}`, kind: "sent" });
        if (this.droneBox) await this.loadFlights(callId, this.droneBox);
      } catch (err) {
        outcome.className = "drone-outcome refused";
        outcome.replaceChildren(`Not sent: ${(err as Error).message}`);
        send.disabled = false;
      }
    });
    if (said) {
      outcome.className = `drone-outcome ${said.kind}`;
      outcome.textContent = said.text;
    }
    box.replaceChildren(
      options.best
        ? h(
            "p",
            { class: "drone-best" },
            h("strong", {}, options.best.drone_id),
            ` · ETA ${mmss(options.best.eta_s)} · ${km(options.best.distance_m)} in a straight line · battery ${pct(options.best.battery_pct)}`,
          )
        : h("p", { class: "drone-outcome refused" }, options.refusal ?? "No drone can go."),
      send,
      again ?? h("span"),
      outcome,
      options.drones.length > 1 || !options.best
        ? h(
            "details",
            { class: "drone-others" },
            h("summary", {}, `All drones (${options.drones.length})`),
            h(
              "ul",
              {},
              ...options.drones.map((d) =>
                h("li", {}, h("strong", {}, d.drone_id), d.can_go ? ` · can go · ETA ${mmss(d.eta_s)}` : ` · ${d.reason ?? "cannot go"}`),
              ),
            ),
          )
        : h("span"),
    );
  }

  private async loadFlights(callId: string, box: HTMLElement): Promise<void> {
    const list = box.querySelector<HTMLElement>(".drone-flights");
    if (!list) return;
    const flights = await get<DroneFlight[]>(`/api/v1/drone-flights?call_id=${encodeURIComponent(callId)}`).catch(() => [] as DroneFlight[]);
    if (this.callId !== callId) return;
    if (!flights.length) {
      list.replaceChildren();
      return;
    }
    const cameras = new Map<string, string | null>();
    await Promise.all(
      [...new Set(flights.map((f) => f.drone_id))].map(async (id) => {
        const d = await get<RegisteredDrone>(`/api/v1/drones/${encodeURIComponent(id)}`).catch(() => null);
        cameras.set(id, d?.camera_id ?? null);
      }),
    );
    list.replaceChildren(
      h(
        "ul",
        { class: "flights" },
        ...flights.map((f) => {
          const camera = cameras.get(f.drone_id) ?? null;
          return h(
            "li",
            { "data-flight-id": f.id },
            h("strong", {}, f.drone_id),
            h("span", { class: `tag flight-${f.status}` }, words(f.status)),
            ` sent ${clock(f.dispatched_at)}${f.dispatched_by ? " by " + f.dispatched_by : ""}`,
            f.arrived_at ? ` · over the scene ${clock(f.arrived_at)}` : f.eta_s !== null ? ` · ETA ${mmss(f.eta_s)}` : "",
            f.landed_at ? ` · landed ${clock(f.landed_at)}` : "",
            f.battery_used_pct !== null ? ` · battery used ${f.battery_used_pct.toFixed(0)}%` : "",
            camera && !f.landed_at ? h("button", { type: "button", onclick: () => this.hooks.viewCamera(camera) }, "Live view") : null,
          );
        }),
      ),
    );
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

interface DroneOption {
  drone_id: string;
  can_go: boolean;
  reason: string | null;
  distance_m: number | null;
  eta_s: number | null;
  battery_pct: number | null;
  battery_needed_pct: number | null;
}

interface DroneOptions {
  best: DroneOption | null;
  refusal: string | null;
  drones: DroneOption[];
}

interface DroneFlight {
  id: string;
  drone_id: string;
  status: string;
  eta_s: number | null;
  expected_arrival_at: string | null;
  dispatched_at: string;
  dispatched_by: string | null;
  arrived_at: string | null;
  landed_at: string | null;
  battery_used_pct: number | null;
}

interface DroneDispatch {
  flight: DroneFlight;
  chosen: DroneOption;
}

interface RegisteredDrone {
  id: string;
  camera_id: string | null;
}

function mmss(seconds: number | null): string {
  if (seconds === null) return "—";
  const s = Math.round(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

function km(metres: number | null): string {
  return metres === null ? "—" : `${(metres / 1000).toFixed(1)} km`;
}

function pct(value: number | null): string {
  return value === null ? "unknown" : `${Math.round(value)}%`;
}
