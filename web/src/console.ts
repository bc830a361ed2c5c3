// The operator console: the live map with its layers, the alert queue, open calls, the video wall and the
// positions, with the incident workspace over them when a call is opened. Whoever may read the audit log
// has it as a tab; an auditor, who sees no live data, gets the audit screen as the whole console.

import "leaflet/dist/leaflet.css";
import "./style.css";
import L from "leaflet";
import { post, setToken, whenSessionEnds } from "./api";
import { arrival, type LinkState } from "./live";
import { signIn } from "./login";
import { addBasemap } from "./map/basemap";
import { drawTimes, type Feature, latency, type PointLayer } from "./map/points";
import { AlertQueue } from "./panels/alerts";
import { AuditScreen } from "./panels/audit";
import { IncidentWorkspace } from "./panels/incident";
import { PeoplePanel } from "./panels/people";
import { PlatesPanel } from "./panels/plates";
import { Positions } from "./panels/positions";
import { Reports } from "./panels/reports";
import { showCamera, VideoWall } from "./panels/wall";
import { LivePicture, PRIORITY_COLOURS } from "./picture";
import { type Alert, type Call, ROLES_WITH_AUDIT_READ, ROLES_WITH_BRIEF_READ, ROLES_WITH_LIVE_READ, ROLES_WITH_REPORTS_READ, type User } from "./types";
import { $, ago, h, words } from "./ui";

const TABS = ["alerts", "calls", "wall", "plates", "positions"] as const;
type Tab = (typeof TABS)[number] | "people" | "reports" | "audit";

function percentile(values: number[], p: number): number | null {
  if (!values.length) return null;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

async function main(): Promise<void> {
  const root = $("#app");
  whenSessionEnds((reason) => {
    sessionStorage.setItem("rtcc-ended", reason);
    location.reload();
  });
  const ended = sessionStorage.getItem("rtcc-ended");
  sessionStorage.removeItem("rtcc-ended");
  const user = await signIn(root, ended ? `Your session ended (${ended}). Sign in again.` : "");
  start(root, user);
}

function signOutButton(): HTMLElement {
  return h(
    "button",
    {
      class: "secondary",
      name: "sign-out",
      onclick: async () => {
        await post("/api/v1/auth/logout").catch(() => undefined);
        setToken(null);
        location.reload();
      },
    },
    "Sign out",
  );
}

/** The auditor's console: the audit screen alone. No map and no live stream: an auditor receives no live
 * data (rtcc.domain.roles.WS_TOPICS), and the other panels need permissions an auditor does not hold. */
function startAuditOnly(root: HTMLElement, me: User): void {
  const topbar = h(
    "header",
    { class: "topbar" },
    h("span", { class: "brand" }, "OpenRTCC"),
    h("span", { class: "screen-name" }, "Audit"),
    h("span", { class: "spacer" }),
    h("span", { class: "me" }, `${me.username} · ${me.role}`),
    signOutButton(),
  );
  const screenEl = h("main", { class: "audit-screen", id: "audit", "aria-label": "Audit log" });
  root.replaceChildren(topbar, screenEl);
  document.body.classList.add("signed-in");
  document.body.dataset.screen = "audit";
  const audit = new AuditScreen(screenEl);
  Object.assign(window, { __rtcc: { audit } });
  void audit.start().then(() => (document.body.dataset.ready = "true"));
}

function start(root: HTMLElement, me: User): void {
  const mayAudit = ROLES_WITH_AUDIT_READ.includes(me.role);
  if (mayAudit && !ROLES_WITH_LIVE_READ.includes(me.role)) {
    startAuditOnly(root, me);
    return;
  }
  const tabs: Tab[] = [...TABS];
  if (ROLES_WITH_BRIEF_READ.includes(me.role)) tabs.splice(tabs.indexOf("plates") + 1, 0, "people");
  if (ROLES_WITH_REPORTS_READ.includes(me.role)) tabs.push("reports");
  if (mayAudit) tabs.push("audit");
  const picture = new LivePicture();
  const link = h("span", { class: "link", "data-state": "connecting" }, "connecting");
  const counts = h("span", { class: "counts" });
  const myPosition = h("span", { class: "my-position" }, "no position");
  const soundBox = h("input", { type: "checkbox", "aria-label": "Sound on new alerts" });
  const topbar = h(
    "header",
    { class: "topbar" },
    h("span", { class: "brand" }, "OpenRTCC"),
    link,
    counts,
    h("span", { class: "spacer" }),
    myPosition,
    h("label", { class: "sound" }, soundBox, " sound"),
    h("span", { class: "me" }, `${me.username} · ${me.role}`),
    signOutButton(),
  );
  const mapEl = h("div", { id: "map", "aria-label": "Live map" });
  const panels = Object.fromEntries(tabs.map((t) => [t, h("div", { class: `panel panel-${t}`, id: `panel-${t}`, role: "tabpanel", hidden: true })])) as unknown as Record<Tab, HTMLElement>;
  const tabButtons = tabs.map((t) => h("button", { class: "tab", role: "tab", "data-tab": t, onclick: () => show(t) }, words(t)));
  const side = h("aside", { class: "side" }, h("nav", { class: "tabs", role: "tablist" }, ...tabButtons), ...Object.values(panels));
  const workspaceEl = h("section", { id: "workspace", class: "workspace", hidden: true, "aria-label": "Incident workspace" });
  const status = h("footer", { class: "statusbar" });
  root.replaceChildren(topbar, h("main", { class: "console" }, mapEl, side), workspaceEl, status);
  document.body.classList.add("signed-in");

  let audit: AuditScreen | null = null;
  let reports: Reports | null = null;
  let people: PeoplePanel | null = null;
  function show(tab: Tab): void {
    for (const t of tabs) panels[t].hidden = t !== tab;
    for (const b of tabButtons) b.setAttribute("aria-selected", String(b.dataset.tab === tab));
    document.body.dataset.tab = tab;
    map.invalidateSize();
    if (tab === "alerts") panels.alerts.focus();
    if (tab === "people") people ??= new PeoplePanel(panels.people);
    if (tab === "reports") {
      reports ??= new Reports(panels.reports);
      reports.refresh();
    }
    if (tab === "audit" && !audit) {
      audit = new AuditScreen(panels.audit);
      void audit.start();
    }
  }

  // --- the map -----------------------------------------------------------------------------------------
  const map = L.map(mapEl, { zoomControl: true, preferCanvas: true, attributionControl: true, minZoom: 10, maxZoom: 19 });
  map.setView([39.99, -82.99], 13);
  map.attributionControl.setPrefix(false);
  let basemap: L.GridLayer | null = null;
  void addBasemap(map).then(({ config, streets, layer }) => {
    basemap = layer;
    if (streets && !picture.units.size) map.fitBounds(streets.bounds());
    else map.setView(config.center, config.zoom);
  });
  const layerBox = h("div", { class: "layer-control leaflet-control", "aria-label": "Map layers" });
  for (const layer of Object.values(picture.layers)) {
    layer.addTo(map);
    const box = h("input", {
      type: "checkbox",
      checked: true,
      name: `layer-${layer.key}`,
      onchange: (ev: Event) => ((ev.target as HTMLInputElement).checked ? layer.addTo(map) : layer.remove()),
    });
    layerBox.append(h("label", { "data-layer": layer.key }, box, h("i", { style: `background:${layer.swatch}` }), ` ${layer.title} `, h("span", { class: "n" })));
  }
  const LayerControl = L.Control.extend({ onAdd: () => layerBox });
  new LayerControl({ position: "topright" }).addTo(map);
  L.DomEvent.disableClickPropagation(layerBox);

  const tip = h("div", { class: "map-tip", hidden: true });
  mapEl.append(tip);
  const visibleLayers = () => Object.values(picture.layers).filter((l) => map.hasLayer(l));
  const nearest = (pt: L.Point): [PointLayer, Feature] | null => {
    for (const layer of [...visibleLayers()].reverse()) {
      const f = layer.nearest(pt);
      if (f) return [layer, f];
    }
    return null;
  };
  map.on("mousemove", (ev: L.LeafletMouseEvent) => {
    const hit = nearest(ev.containerPoint);
    tip.hidden = !hit;
    mapEl.style.cursor = hit ? "pointer" : "";
    if (hit) {
      tip.textContent = hit[1].label;
      tip.style.left = `${ev.containerPoint.x + 14}px`;
      tip.style.top = `${ev.containerPoint.y + 14}px`;
    }
  });
  map.on("click", (ev: L.LeafletMouseEvent) => {
    const hit = nearest(ev.containerPoint);
    if (!hit) return;
    const [layer, f] = hit;
    if (layer.key === "calls") void workspace.open(f.id);
    else if (layer.key === "cameras") showCamera(picture, f.id);
    else if (layer.key === "gunshots" || layer.key === "alpr") {
      show("alerts");
      queue.select(f.id);
    }
  });
  // Dragging a camera from the map onto the wall: start a camera drag instead of panning the map.
  mapEl.addEventListener(
    "mousedown",
    (ev) => {
      if (!map.hasLayer(picture.layers.cameras) || ev.button !== 0) return;
      const rect = mapEl.getBoundingClientRect();
      const f = picture.layers.cameras.nearest(L.point(ev.clientX - rect.left, ev.clientY - rect.top), 8);
      if (!f) return;
      map.dragging.disable();
      const sx = ev.clientX;
      const sy = ev.clientY;
      const move = (m: MouseEvent) => {
        if (Math.hypot(m.clientX - sx, m.clientY - sy) < 6) return;
        cleanup();
        show("wall");
        wall.beginDrag(f.id, m.clientX, m.clientY);
      };
      const cleanup = () => {
        window.removeEventListener("mousemove", move, true);
        window.removeEventListener("mouseup", cleanup, true);
        map.dragging.enable();
      };
      window.addEventListener("mousemove", move, true);
      window.addEventListener("mouseup", cleanup, true);
    },
    true,
  );

  // --- panels ------------------------------------------------------------------------------------------
  const workspace = new IncidentWorkspace(workspaceEl, picture, {
    viewCamera: (id) => showCamera(picture, id),
    toWall: (id) => wall.add(id),
    focus: (lat, lon) => map.setView([lat, lon], Math.max(map.getZoom(), 16)),
  });
  const queue = new AlertQueue(panels.alerts, picture, me, {
    locate: (a: Alert) => a.lat !== null && a.lon !== null && map.setView([a.lat, a.lon], 17),
    openCall: (id) => void workspace.open(id),
  });
  soundBox.addEventListener("change", () => (queue.sound = soundBox.checked));
  const wall = new VideoWall(panels.wall, picture);
  const positions = new Positions(panels.positions, picture, me);
  const plates = new PlatesPanel(panels.plates, map);
  positions.onMine = (p) => (myPosition.textContent = p ? `at ${p.name}` : "no position");
  const renderCalls = callList(panels.calls, picture, (id) => void workspace.open(id));
  picture.on("calls", renderCalls);
  window.addEventListener("keydown", (ev) => {
    if (ev.key === "Escape" && !workspaceEl.hidden && !document.querySelector(".camera-viewer")) workspace.close();
  });

  // --- live --------------------------------------------------------------------------------------------
  picture.stream.onState = (s: LinkState) => {
    link.dataset.state = s;
    link.textContent = s === "live" ? "● live" : s;
    if (s === "signed-out") {
      sessionStorage.setItem("rtcc-ended", "signed out, idle too long, or past the session's maximum age");
      setToken(null);
      location.reload();
    }
  };
  let lastReceived = 0;
  setInterval(() => {
    const rate = picture.stream.received - lastReceived;
    lastReceived = picture.stream.received;
    const recent = latency.samples.slice(-2000);
    const p50 = percentile(recent, 50);
    const p99 = percentile(recent, 99);
    const open = [...picture.alerts.values()].filter((a) => a.status === "new" || a.status === "acknowledged").length;
    counts.textContent = `${picture.calls.size} calls · ${picture.units.size} units · ${picture.cameras.size} cameras · ${open} open alerts`;
    status.textContent =
      `${rate} events/s · event to screen p50 ${p50 ?? "–"} ms, p99 ${p99 ?? "–"} ms · reconnects ${picture.stream.reconnects}`;
    for (const layer of Object.values(picture.layers)) {
      const n = layerBox.querySelector(`[data-layer="${layer.key}"] .n`);
      if (n) n.textContent = String(layer.features.size);
    }
  }, 1000);
  show("alerts");
  void picture.start().then(() => {
    document.body.dataset.ready = "true";
    // Start where the units are, so the first screen shows the live city.
    const pts = [...picture.units.values()].filter((u) => u.lat !== null).map((u) => L.latLng(u.lat as number, u.lon as number));
    if (pts.length) map.fitBounds(L.latLngBounds(pts).pad(0.05));
  });

  // What the screen shows, for the browser tests and the benchmark (read-only views of the same state).
  Object.assign(window, {
    __rtcc: {
      L,
      picture,
      map,
      wall,
      queue,
      workspace,
      plates,
      latency,
      drawTimes,
      arrival,
      basemap: () => basemap,
      drawn(layer: string, id: string): { x: number; y: number } | null {
        const f = picture.layers[layer]?.features.get(id);
        return f && f.drawnX !== undefined && f.drawnY !== undefined ? { x: f.drawnX, y: f.drawnY } : null;
      },
    },
  });
}

function callList(root: HTMLElement, picture: LivePicture, open: (id: string) => void): () => void {
  const rank: Record<string, number> = { highest: 0, high: 1, normal: 2, low: 3, lowest: 4 };
  let pending = 0;
  const render = () => {
    pending = 0;
    const calls = [...picture.calls.values()]
      .filter((c: Call) => c.status !== "cleared")
      .sort((a, b) => (rank[a.priority] ?? 9) - (rank[b.priority] ?? 9) || b.received_at.localeCompare(a.received_at));
    root.replaceChildren(
      h("div", { class: "panel-head" }, h("strong", {}, `${calls.length} open calls`)),
      h(
        "ol",
        { class: "call-list" },
        ...calls.slice(0, 200).map((c) => {
          const level = picture.briefLevels.get(c.call_id);
          return h(
            "li",
            { "data-call-id": c.call_id, onclick: () => open(c.call_id), tabindex: 0, onkeydown: (ev: Event) => (ev as KeyboardEvent).key === "Enter" && open(c.call_id) },
            h("i", { class: "dot", style: `background:${PRIORITY_COLOURS[c.priority] ?? "#888"}` }),
            h("strong", {}, c.call_type),
            ` ${words(c.status)} · ${c.address ?? c.call_id} · ${ago(c.received_at)}`,
            level ? h("span", { class: `tag level-${level}` }, level) : null,
          );
        }),
      ),
    );
  };
  return () => {
    if (!pending) pending = window.setTimeout(render, 300);
  };
}

void main();
