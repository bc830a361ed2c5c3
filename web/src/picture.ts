// The live picture: what the console knows about the city now (calls, units, cameras, alerts, sensors,
// drones), filled from the API once and then kept current by the live stream. Each map layer is one entry
// in LAYERS; a new kind of thing on the map is one more entry and its event handlers.

import { get } from "./api";
import { isMeasurable, LiveStream } from "./live";
import { type Feature, PointLayer } from "./map/points";
import type { Alert, Call, Camera, Drone, RtccEvent, Sensor, Unit } from "./types";

export const UNIT_COLOURS: Record<string, string> = {
  available: "#3fb950",
  dispatched: "#e3b341",
  en_route: "#f0883e",
  on_scene: "#f85149",
  out_of_service: "#6e7681",
};
export const PRIORITY_COLOURS: Record<string, string> = {
  highest: "#ff4d4f",
  high: "#ff8c42",
  normal: "#f2cc60",
  low: "#8b949e",
  lowest: "#8b949e",
};
export const SEVERITY_RANK: Record<string, number> = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };

type Listener = () => void;

/** An event's time in ms since the epoch, as the source stamped it (for event-to-screen latency); none for
 * events that happened before this console opened (a feed's backlog or a catch-up), whose age is the
 * feed's lateness, not how fast the system shows what happens. */
const stamp = (e: RtccEvent): number | undefined => {
  const t = Date.parse(e.occurred_at);
  return isMeasurable(t) ? t : undefined;
};

export class LivePicture {
  readonly calls = new Map<string, Call>();
  readonly units = new Map<string, Unit>();
  readonly cameras = new Map<string, Camera>();
  readonly alerts = new Map<string, Alert>();
  readonly sensors = new Map<string, Sensor>();
  readonly drones = new Map<string, Drone>();
  readonly briefLevels = new Map<string, string>();
  readonly layers: Record<string, PointLayer> = {
    calls: new PointLayer("calls", "Calls and incidents", "#f2cc60", 13),
    units: new PointLayer("units", "Units", "#3fb950", 13),
    cameras: new PointLayer("cameras", "Cameras", "#58a6ff", 15),
    alpr: new PointLayer("alpr", "ALPR hits", "#db61a2", 13),
    gunshots: new PointLayer("gunshots", "Gunshots", "#ff3b30", 12),
    sensors: new PointLayer("sensors", "Sensors", "#56d4dd", 14),
    drones: new PointLayer("drones", "Drones", "#39c5cf", 12),
  };
  private listeners = new Map<string, Listener[]>();
  readonly stream = new LiveStream([
    "call.",
    "incident.",
    "unit.",
    "camera.",
    "alert.",
    "sensor.",
    "drone.",
    "position.",
  ]);

  constructor() {
    const s = this.stream;
    s.on("unit.location", (e) => this.unitMoved(e));
    s.on("unit.status", (e) => this.unitStatus(e));
    s.on("call.received", (e) => this.callReceived(e));
    s.on("incident.status", (e) => this.incidentStatus(e));
    s.on("call.brief", (e) => {
      this.briefLevels.set(e.payload.call_id, e.payload.level);
      this.changed("calls");
    });
    s.on("camera.status", (e) => this.cameraStatus(e));
    s.on("alert.raised", (e) => this.alertRaised(e));
    s.on("alert.updated", (e) => this.alertUpdated(e));
    s.on("sensor.heartbeat", (e) => this.sensorHeard(e));
    s.on("drone.telemetry", (e) => this.droneMoved(e));
    s.on("position.", () => this.changed("positions"));
  }

  on(what: string, fn: Listener): void {
    const list = this.listeners.get(what) ?? [];
    list.push(fn);
    this.listeners.set(what, list);
  }

  changed(what: string): void {
    for (const fn of this.listeners.get(what) ?? []) fn();
  }

  /** Connect the stream first (so nothing between the snapshot and the stream is missed), then load. */
  async start(): Promise<void> {
    this.stream.start();
    const [calls, units, cameras, alerts, sensors, drones] = await Promise.all([
      get<Call[]>("/api/v1/calls?open_only=true&limit=5000"),
      get<Unit[]>("/api/v1/units"),
      get<Camera[]>("/api/v1/cameras"),
      get<Alert[]>("/api/v1/alerts?limit=500"),
      get<Sensor[]>("/api/v1/sensors").catch(() => [] as Sensor[]),
      get<Drone[]>("/api/v1/drones").catch(() => [] as Drone[]),
    ]);
    for (const c of calls) this.putCall(c);
    for (const u of units) this.putUnit(u);
    for (const c of cameras) this.putCamera(c);
    for (const a of alerts) this.putAlert(a);
    for (const s of sensors) this.putSensor(s);
    for (const d of drones) this.putDrone(d);
    for (const k of ["calls", "units", "cameras", "alerts", "sensors", "drones"]) this.changed(k);
  }

  // --- calls -------------------------------------------------------------------------------------------

  putCall(c: Call, t?: number): void {
    this.calls.set(c.call_id, c);
    if (c.lat === null || c.lon === null) return;
    const cleared = c.status === "cleared";
    this.layers.calls.upsert(
      {
        id: c.call_id,
        lat: c.lat,
        lon: c.lon,
        color: PRIORITY_COLOURS[c.priority] ?? "#f2cc60",
        shape: "circle",
        size: c.priority === "highest" ? 8 : 7,
        hollow: cleared || c.status === "received",
        label: `${c.call_type} · ${c.priority} · ${c.status.replace("_", " ")}${c.address ? " · " + c.address : ""}`,
        data: c,
      },
      t,
    );
  }

  private callReceived(e: RtccEvent): void {
    const p = e.payload;
    const existing = this.calls.get(p.call_id);
    this.putCall(
      {
        ...(existing ?? {}),
        agency_id: e.agency_id,
        call_id: p.call_id,
        call_type: p.call_type,
        priority: p.priority,
        status: existing?.status ?? "received",
        description: p.description ?? "",
        received_at: e.occurred_at,
        updated_at: e.received_at,
        lat: e.location?.lat ?? null,
        lon: e.location?.lon ?? null,
        address: existing?.address ?? null,
        incident_id: existing?.incident_id ?? null,
        units: existing?.units ?? [],
      },
      stamp(e),
    );
    this.changed("calls");
  }

  private incidentStatus(e: RtccEvent): void {
    const p = e.payload;
    const id = p.call_id ?? p.incident_id;
    const c = this.calls.get(id);
    if (!c) return;
    c.status = p.status;
    c.incident_id = p.incident_id ?? c.incident_id;
    if (p.unit_id && !c.units.includes(p.unit_id)) c.units = [...c.units, p.unit_id];
    this.putCall(c, stamp(e));
    if (p.status === "cleared") {
      // A cleared call stays a minute, hollow, then leaves the live picture (it stays in the records).
      setTimeout(() => {
        if (this.calls.get(id)?.status === "cleared") {
          this.calls.delete(id);
          this.layers.calls.drop(id);
          this.changed("calls");
        }
      }, 60_000);
    }
    this.changed("calls");
  }

  // --- units -------------------------------------------------------------------------------------------

  putUnit(u: Unit, t?: number): void {
    this.units.set(u.unit_id, u);
    if (u.lat === null || u.lon === null) return;
    this.layers.units.upsert(
      {
        id: u.unit_id,
        lat: u.lat,
        lon: u.lon,
        color: UNIT_COLOURS[u.status] ?? "#3fb950",
        shape: "arrow",
        size: 6,
        heading: u.heading_deg,
        label: `${u.unit_id} · ${u.status.replace(/_/g, " ")}${u.incident_id ? " · on " + u.incident_id : ""}`,
        data: u,
      },
      t,
    );
  }

  private unitMoved(e: RtccEvent): void {
    if (!e.location) return;
    const id = e.payload.unit_id as string;
    const u: Unit = this.units.get(id) ?? {
      agency_id: e.agency_id,
      unit_id: id,
      status: "available",
      lat: null,
      lon: null,
      heading_deg: null,
      speed_mps: null,
      incident_id: null,
      located_at: null,
    };
    u.lat = e.location.lat;
    u.lon = e.location.lon;
    u.heading_deg = e.payload.heading_deg ?? u.heading_deg;
    u.speed_mps = e.payload.speed_mps ?? u.speed_mps;
    u.located_at = e.occurred_at;
    this.putUnit(u, stamp(e));
  }

  private unitStatus(e: RtccEvent): void {
    const u = this.units.get(e.payload.unit_id);
    if (!u) return;
    u.status = e.payload.status;
    u.incident_id = e.payload.incident_id ?? (u.status === "available" ? null : u.incident_id);
    this.putUnit(u, stamp(e));
    this.changed("units");
  }

  // --- cameras, sensors, drones ------------------------------------------------------------------------

  putCamera(c: Camera, t?: number): void {
    this.cameras.set(c.id, c);
    const down = c.status === "down";
    this.layers.cameras.upsert(
      {
        id: c.id,
        lat: c.lat,
        lon: c.lon,
        color: down ? "#f85149" : "#58a6ff",
        shape: down ? "cross" : "square",
        size: 4,
        label: `${c.name} · ${c.kind.replace(/_/g, " ")} · ${down ? "DOWN" + (c.status_reason ? ": " + c.status_reason : "") : "up"}${c.ptz ? " · PTZ" : ""}`,
        data: c,
      },
      t,
    );
  }

  private cameraStatus(e: RtccEvent): void {
    const c = this.cameras.get(e.payload.camera_id);
    if (!c) return;
    c.status = e.payload.status;
    c.status_reason = e.payload.reason ?? null;
    this.putCamera(c, stamp(e));
    this.changed("cameras");
  }

  putSensor(s: Sensor): void {
    this.sensors.set(s.id, s);
    const up = s.status === "up";
    this.layers.sensors.upsert({
      id: s.id,
      lat: s.lat,
      lon: s.lon,
      color: up ? "#56d4dd" : "#6e7681",
      shape: "triangle",
      size: 5,
      hollow: !up,
      label: `sensor ${s.id} · ${s.status}`,
      data: s,
    });
  }

  private sensorHeard(e: RtccEvent): void {
    const s = this.sensors.get(e.payload.sensor_id);
    if (!s) return;
    s.status = "up";
    this.putSensor(s);
  }

  putDrone(d: Drone, t?: number): void {
    this.drones.set(d.id, d);
    if (d.lat === null || d.lon === null) return;
    this.layers.drones.upsert(
      {
        id: d.id,
        lat: d.lat,
        lon: d.lon,
        color: "#39c5cf",
        shape: "diamond",
        size: 6,
        hollow: d.state === "docked",
        label: `drone ${d.id} · ${d.state}${d.battery_pct !== null ? ` · ${Math.round(d.battery_pct)}%` : ""}`,
        data: d,
      },
      t,
    );
  }

  private droneMoved(e: RtccEvent): void {
    if (!e.location) return;
    const p = e.payload;
    const d: Drone = this.drones.get(p.drone_id) ?? {
      id: p.drone_id,
      lat: null,
      lon: null,
      altitude_m: null,
      battery_pct: null,
      state: "flying",
      incident_id: null,
    };
    Object.assign(d, {
      lat: e.location.lat,
      lon: e.location.lon,
      altitude_m: p.altitude_m,
      battery_pct: p.battery_pct,
      state: p.state ?? d.state,
      incident_id: p.incident_id ?? null,
    });
    this.putDrone(d, stamp(e));
  }

  // --- alerts ------------------------------------------------------------------------------------------

  putAlert(a: Alert, t?: number): void {
    this.alerts.set(a.id, a);
    if (a.lat === null || a.lon === null) return;
    const open = a.status === "new" || a.status === "acknowledged";
    const base: Omit<Feature, "color" | "shape" | "size"> = {
      id: a.id,
      lat: a.lat,
      lon: a.lon,
      hollow: !open,
      label: a.title,
      data: a,
    };
    if (a.kind === "gunshot") {
      const r = a.detail?.uncertainty?.radius_90_m;
      this.layers.gunshots.upsert({ ...base, color: "#ff3b30", shape: "circle", size: 6, ringM: typeof r === "number" ? r : null }, t);
    } else if (a.kind.startsWith("alpr")) {
      this.layers.alpr.upsert({ ...base, color: "#db61a2", shape: "diamond", size: 6 }, t);
    }
  }

  private alertRaised(e: RtccEvent): void {
    const p = e.payload;
    const existing = this.alerts.get(p.alert_id);
    // A gunshot incident raises again as rounds are added: the same alert, updated.
    this.putAlert(
      {
        ...(existing ?? { status: "new", outcome: null, outcome_by: null, outcome_note: null }),
        id: p.alert_id,
        agency_id: e.agency_id,
        kind: p.kind,
        severity: p.severity,
        title: p.title,
        detail: p.detail ?? {},
        raised_at: existing?.raised_at ?? e.occurred_at,
        lat: e.location?.lat ?? null,
        lon: e.location?.lon ?? null,
      } as Alert,
      stamp(e),
    );
    this.changed(existing ? "alerts" : "alert.new");
    this.changed("alerts");
  }

  private alertUpdated(e: RtccEvent): void {
    const p = e.payload;
    const a = this.alerts.get(p.alert_id);
    if (!a) return;
    for (const k of ["status", "acknowledged_by", "assigned_to", "position_id", "outcome", "dismissed_reason"] as const) {
      if (k in p) (a as unknown as Record<string, unknown>)[k] = p[k];
    }
    this.putAlert(a);
    this.changed("alerts");
  }
}
