// The community camera program's page. Without an account: register a camera (/community), confirm it from
// the mailed link (/community/confirm/<token>), and, as a camera's owner, answer a footage request and upload
// the footage (/community/footage/<token>). Signed in (/community/review): review registrations and follow
// footage requests, downloading received files with their SHA-256 checked in the browser.

import "leaflet/dist/leaflet.css";
import "./community.css";

import L from "leaflet";

import { ApiError, download, get, post, request } from "./api";
import { signIn } from "./login";
import { h } from "./ui";

interface Program {
  agencies: { id: string; name: string }[];
  map_center: [number, number];
  map_zoom: number;
  sharing_terms: Record<string, string>;
  registrations_per_address_per_hour: number;
  confirm_link_days: number;
}

interface Area {
  south: number;
  west: number;
  north: number;
  east: number;
  business: number;
  resident: number;
  total: number;
}

interface Participation {
  total: number;
  business: number;
  resident: number;
  cell_km: number;
  areas: Area[];
}

interface Registration {
  id: string;
  status: string;
  kind: string;
  label: string | null;
  address: string | null;
  lat: number;
  lon: number;
  heading_deg: number | null;
  fov_deg: number | null;
  contact_name: string;
  email: string;
  phone: string;
  sharing: string;
  public_count: boolean;
  created_at: string;
  camera_id: string | null;
}

interface Custody {
  action: string;
  actor: string;
  sha256: string;
  size_bytes: number;
  at: string;
}

interface FootageFile {
  id: string;
  filename: string;
  content_type: string;
  size_bytes: number;
  sha256: string;
  received_at: string;
  custody: Custody[];
}

interface FootageRequest {
  id: string;
  camera_id: string;
  window_start: string;
  window_end: string;
  reason: string;
  purpose: string;
  case_number: string;
  requested_by: string;
  status: string;
  owner_note: string | null;
  files: FootageFile[];
}

interface OwnerView {
  agency: string;
  camera: string;
  window_start: string;
  window_end: string;
  reason: string;
  purpose: string;
  case_number: string;
  expires_at: string;
  status: string;
  owner_note: string | null;
  max_upload_bytes: number;
  files: FootageFile[];
}

interface FieldError {
  field: string;
  reason: string;
}

/** A public call: the answer, or the server's reason with the fields at fault. */
async function send<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    (init.headers as Record<string, string>)["Content-Type"] = "application/json";
  }
  const r = await fetch(path, init);
  const parsed: unknown = await r.json().catch(() => null);
  if (!r.ok) throw new Refused(r.status, parsed);
  return parsed as T;
}

class Refused extends Error {
  errors: FieldError[];
  constructor(
    public status: number,
    body: unknown,
  ) {
    const b = (body ?? {}) as { detail?: unknown; errors?: FieldError[] };
    super(typeof b.detail === "string" ? b.detail : `the server answered ${status}`);
    this.errors = Array.isArray(b.errors) ? b.errors : [];
  }
}

const when = (iso: string) => new Date(iso).toLocaleString([], { dateStyle: "medium", timeStyle: "short" });
const bytes = (n: number) => (n >= 2 ** 30 ? `${(n / 2 ** 30).toFixed(1)} GB` : n >= 2 ** 20 ? `${(n / 2 ** 20).toFixed(1)} MB` : `${n} bytes`);

function shell(title: string, ...content: (Node | null)[]): HTMLElement {
  const main = h("main", { class: "community" }, h("h1", {}, title), ...content);
  document.getElementById("app")!.replaceChildren(main);
  return main;
}

function ready(): void {
  document.body.dataset.ready = "true";
}

// ---- registering a camera ------------------------------------------------------------------------------
function field(label: string, input: HTMLElement, hint = ""): HTMLElement {
  const name = input.getAttribute("name") ?? "";
  return h("label", { class: "field" }, h("span", {}, label), input, hint ? h("small", {}, hint) : null, h("em", { class: "field-error", "data-for": name }));
}

function numberInput(name: string, attrs: Record<string, string | number | boolean> = {}): HTMLInputElement {
  return h("input", { name, type: "number", step: "any", inputmode: "decimal", ...attrs });
}

async function registerView(): Promise<void> {
  const [program, counts] = await Promise.all([
    send<Program>("GET", "/api/v1/community/program"),
    send<Participation>("GET", "/api/v1/community/participation"),
  ]);
  const agencies = program.agencies;
  const agencyPick = h(
    "select",
    { name: "agency_id", required: true },
    ...agencies.map((a) => h("option", { value: a.id }, a.name)),
  );
  const lat = numberInput("lat", { required: true, min: -90, max: 90 });
  const lon = numberInput("lon", { required: true, min: -180, max: 180 });
  const heading = numberInput("heading_deg", { min: 0, max: 359, placeholder: "e.g. 90 (east)" });
  const fov = numberInput("fov_deg", { min: 1, max: 360, placeholder: "e.g. 90" });
  const range = numberInput("range_m", { min: 1, max: 1000, placeholder: "e.g. 30" });
  const mapBox = h("div", { class: "picker", "aria-label": "Map: click where the camera is" });
  const terms = Object.entries(program.sharing_terms).map(([value, text], i) =>
    h("label", { class: "choice" }, h("input", { type: "radio", name: "sharing", value, checked: i === 1 }), h("span", {}, text)),
  );
  const summary = h("p", { class: "error", role: "alert" });
  const form = h(
    "form",
    { class: "register", novalidate: true },
    agencies.length > 1 ? field("Agency", agencyPick) : null,
    h(
      "fieldset",
      {},
      h("legend", {}, "The camera"),
      h(
        "div",
        { class: "choices", role: "radiogroup" },
        h("label", { class: "choice" }, h("input", { type: "radio", name: "kind", value: "business", checked: true }), h("span", {}, "A business's camera")),
        h("label", { class: "choice" }, h("input", { type: "radio", name: "kind", value: "resident" }), h("span", {}, "A resident's camera")),
        h("em", { class: "field-error", "data-for": "kind" }),
      ),
      field("Name of the camera (optional)", h("input", { name: "label", maxlength: 200, placeholder: "e.g. Front door" })),
      field("Street address (optional)", h("input", { name: "address", maxlength: 300 })),
      h("p", { class: "quiet" }, "Click the map where the camera is, or type its coordinates."),
      mapBox,
      h("div", { class: "row" }, field("Latitude", lat), field("Longitude", lon)),
      h("div", { class: "row" }, field("Looks towards (degrees from north)", heading), field("Field of view (degrees)", fov), field("Sees up to (metres)", range)),
    ),
    h(
      "fieldset",
      {},
      h("legend", {}, "Who we contact"),
      field("Contact name", h("input", { name: "contact_name", required: true, maxlength: 200, autocomplete: "name" })),
      field("Email", h("input", { name: "email", type: "email", required: true, maxlength: 254, autocomplete: "email" }), "We send a confirmation link here."),
      field("Telephone", h("input", { name: "phone", type: "tel", required: true, maxlength: 40, autocomplete: "tel" })),
    ),
    h(
      "fieldset",
      {},
      h("legend", {}, "What you agree to share"),
      h("div", { class: "choices" }, ...terms, h("em", { class: "field-error", "data-for": "sharing" })),
      h(
        "label",
        { class: "choice" },
        h("input", { type: "checkbox", name: "public_count" }),
        h("span", {}, "Count my camera on the public participation map (by area only, never its location)."),
      ),
    ),
    // Left empty by people (it is hidden); robots that fill every field are turned away quietly.
    h("label", { class: "trap", "aria-hidden": "true" }, "Website", h("input", { name: "website", tabindex: -1, autocomplete: "off" })),
    h("button", { type: "submit" }, "Register the camera"),
    summary,
  );

  const map = L.map(mapBox, { attributionControl: false }).setView(program.map_center, Math.min(program.map_zoom + 1, 16));
  for (const a of counts.areas) {
    L.rectangle([[a.south, a.west], [a.north, a.east]], { color: "#2f6fb0", weight: 1, fillOpacity: 0.08, interactive: false }).addTo(map);
  }
  let marker: L.CircleMarker | null = null;
  let view: L.Polygon | null = null;
  const redraw = () => {
    const la = Number(lat.value);
    const lo = Number(lon.value);
    if (!lat.value || !lon.value || !Number.isFinite(la) || !Number.isFinite(lo)) return;
    marker?.remove();
    view?.remove();
    marker = L.circleMarker([la, lo], { radius: 7, color: "#b03a2e", fillOpacity: 0.9 }).addTo(map);
    if (heading.value) {
      // The camera's view as a wedge: heading, field of view and range (30 m when not given).
      const reach = Number(range.value) || 30;
      const half = (Number(fov.value) || 60) / 2;
      const points: L.LatLngExpression[] = [[la, lo]];
      for (let d = -half; d <= half; d += half / 6) {
        const b = ((Number(heading.value) + d) * Math.PI) / 180;
        points.push([la + (reach * Math.cos(b)) / 111_320, lo + (reach * Math.sin(b)) / (111_320 * Math.cos((la * Math.PI) / 180))]);
      }
      view = L.polygon(points, { color: "#b03a2e", weight: 1, fillOpacity: 0.2, interactive: false }).addTo(map);
    }
  };
  map.on("click", (ev: L.LeafletMouseEvent) => {
    lat.value = ev.latlng.lat.toFixed(6);
    lon.value = ev.latlng.lng.toFixed(6);
    redraw();
  });
  for (const input of [lat, lon, heading, fov, range]) input.addEventListener("input", redraw);

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    summary.textContent = "";
    for (const e of form.querySelectorAll<HTMLElement>(".field-error")) e.textContent = "";
    const data = new FormData(form);
    const text = (name: string) => String(data.get(name) ?? "").trim();
    const num = (name: string) => (text(name) === "" ? null : Number(text(name)));
    const body = {
      agency_id: agencies.length > 1 ? text("agency_id") : null,
      kind: text("kind"),
      label: text("label") || null,
      address: text("address") || null,
      lat: num("lat"),
      lon: num("lon"),
      heading_deg: num("heading_deg"),
      fov_deg: num("fov_deg"),
      range_m: num("range_m"),
      contact_name: text("contact_name"),
      email: text("email"),
      phone: text("phone"),
      sharing: text("sharing"),
      public_count: data.get("public_count") === "on",
      website: text("website"),
    };
    try {
      const done = await send<{ message: string }>("POST", "/api/v1/community/registrations", body);
      form.replaceWith(h("div", { class: "done", role: "status" }, h("h2", {}, "Thank you"), h("p", {}, done.message)));
    } catch (err) {
      const refused = err instanceof Refused ? err : new Refused(0, { detail: String(err) });
      for (const e of refused.errors) {
        const slot = form.querySelector<HTMLElement>(`.field-error[data-for="${e.field}"]`);
        if (slot) slot.textContent = e.reason;
      }
      summary.textContent = refused.errors.length ? `Please check: ${refused.errors.map((e) => e.field.replace(/_/g, " ")).join(", ")}.` : refused.message;
    }
  });

  shell(
    "Register your camera",
    h(
      "p",
      { class: "lead" },
      `Businesses and residents can tell ${agencies.map((a) => a.name).join(" or ") || "the agency"} about their cameras. `,
      "Registering does not connect your camera to anyone: you choose what you share, and every request for footage comes to you first.",
    ),
    form,
    participationSection(counts),
    h("p", { class: "quiet" }, h("a", { href: "/community/review" }, "Agency staff: review registrations")),
  );
  map.invalidateSize();
  ready();
}

function participationSection(counts: Participation): HTMLElement {
  return h(
    "section",
    { class: "participation" },
    h("h2", {}, "Who takes part"),
    h(
      "p",
      {},
      `${counts.total} ${counts.total === 1 ? "camera" : "cameras"} (${counts.business} business, ${counts.resident} resident), counted by areas of about ${counts.cell_km} km. `,
      "Only cameras whose owners agreed to be counted; locations are never shown.",
    ),
    counts.areas.length
      ? h(
          "table",
          {},
          h("thead", {}, h("tr", {}, h("th", {}, "Area (south-west corner)"), h("th", {}, "Business"), h("th", {}, "Resident"), h("th", {}, "All"))),
          h(
            "tbody",
            {},
            ...counts.areas.map((a) =>
              h("tr", {}, h("td", {}, `${a.south.toFixed(2)}, ${a.west.toFixed(2)}`), h("td", {}, a.business), h("td", {}, a.resident), h("td", {}, a.total)),
            ),
          ),
        )
      : null,
  );
}

// ---- the confirmation link -----------------------------------------------------------------------------
function confirmView(token: string): void {
  const status = h("p", { role: "status" });
  const button = h("button", { type: "button" }, "Confirm my registration");
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      const r = await send<{ label: string | null; kind: string }>("POST", "/api/v1/community/confirm", { token });
      status.className = "done";
      status.textContent = `Confirmed: your ${r.kind} camera${r.label ? ` "${r.label}"` : ""} now goes to the agency for review. We will write to you when it has been reviewed.`;
      button.remove();
    } catch (err) {
      status.className = "error";
      status.textContent = err instanceof Error ? err.message.replace(/^token: /, "") : String(err);
      button.disabled = false;
    }
  });
  shell("Confirm your camera registration", h("p", {}, "Press the button to confirm the registration you made."), button, status);
  ready();
}

// ---- the owner's footage request -----------------------------------------------------------------------
async function ownerView(token: string): Promise<void> {
  const auth = { "X-Owner-Token": token };
  let view: OwnerView;
  try {
    view = await send<OwnerView>("GET", "/api/v1/community/owner/footage-request", undefined, auth);
  } catch (err) {
    shell("Footage request", h("p", { class: "error" }, err instanceof Error ? err.message.replace(/^X-Owner-Token: /, "") : String(err)));
    ready();
    return;
  }
  const render = (v: OwnerView) => {
    const note = h("textarea", { name: "note", maxlength: 1000, rows: 2, placeholder: "A note for the agency (optional)" });
    const problem = h("p", { class: "error", role: "alert" });
    const answer = async (accept: boolean) => {
      try {
        render(await send<OwnerView>("POST", "/api/v1/community/owner/footage-request/answer", { accept, note: note.value || null }, auth));
      } catch (err) {
        problem.textContent = err instanceof Error ? err.message : String(err);
      }
    };
    const files = h("input", { type: "file", name: "files", multiple: true, accept: "video/*,image/*" });
    const progress = h("p", { role: "status" });
    const upload = async () => {
      for (const file of Array.from(files.files ?? [])) {
        if (file.size > v.max_upload_bytes) {
          problem.textContent = `${file.name} is larger than ${bytes(v.max_upload_bytes)}.`;
          continue;
        }
        progress.textContent = `Sending ${file.name} (${bytes(file.size)})…`;
        const r = await fetch(`/api/v1/community/owner/footage-request/files?filename=${encodeURIComponent(file.name)}`, {
          method: "POST",
          headers: { ...auth, "Content-Type": file.type || "application/octet-stream" },
          body: file,
        });
        const body: unknown = await r.json().catch(() => null);
        if (!r.ok) problem.textContent = `${file.name}: ${new Refused(r.status, body).message.replace(/^file: /, "")}`;
      }
      progress.textContent = "";
      render(await send<OwnerView>("GET", "/api/v1/community/owner/footage-request", undefined, auth));
    };
    shell(
      "A request for footage from your camera",
      h(
        "dl",
        { class: "facts" },
        h("dt", {}, "From"),
        h("dd", {}, v.agency),
        h("dt", {}, "Camera"),
        h("dd", {}, v.camera),
        h("dt", {}, "Footage wanted"),
        h("dd", {}, `${when(v.window_start)} to ${when(v.window_end)}`),
        h("dt", {}, "Why"),
        h("dd", { class: "reason" }, v.reason),
        h("dt", {}, "Purpose"),
        h("dd", {}, v.purpose),
        h("dt", {}, "Case number"),
        h("dd", {}, v.case_number),
        h("dt", {}, "Answer"),
        h("dd", { class: "answer", "data-status": v.status }, v.status === "requested" ? "not yet given" : v.status),
      ),
      v.status === "requested"
        ? h(
            "div",
            { class: "decide" },
            h("p", {}, "You decide whether to share this footage. Nothing is taken from your camera."),
            note,
            h("div", { class: "buttons" }, h("button", { type: "button", class: "accept", onclick: () => void answer(true) }, "Accept"), h("button", { type: "button", class: "decline", onclick: () => void answer(false) }, "Decline")),
          )
        : null,
      v.status === "accepted"
        ? h(
            "div",
            { class: "upload" },
            h("h2", {}, "Upload the footage"),
            h("p", { class: "quiet" }, `Video or image files, up to ${bytes(v.max_upload_bytes)} each. Each file is kept with its SHA-256 fingerprint, so anyone can check later that it was not changed.`),
            files,
            h("button", { type: "button", class: "send", onclick: () => void upload() }, "Upload"),
            progress,
          )
        : null,
      v.files.length
        ? h(
            "table",
            { class: "received" },
            h("thead", {}, h("tr", {}, h("th", {}, "File received"), h("th", {}, "Size"), h("th", {}, "SHA-256"))),
            h("tbody", {}, ...v.files.map((f) => h("tr", { "data-file": f.id }, h("td", {}, f.filename), h("td", {}, bytes(f.size_bytes)), h("td", { class: "hash" }, f.sha256)))),
          )
        : null,
      problem,
      h("p", { class: "quiet" }, `This private link works until ${when(v.expires_at)}. Do not forward it.`),
    );
    ready();
  };
  render(view);
}

// ---- the agency's side ---------------------------------------------------------------------------------
async function reviewView(): Promise<void> {
  const root = document.getElementById("app")!;
  root.classList.add("signin");
  const user = await signIn(root);
  root.classList.remove("signin");
  const may = await get<{ review: boolean; footage: boolean }>("/api/v1/community/access");
  const registrations = h("section", { class: "registrations" }, h("h2", {}, "Registrations waiting for review"));
  const requests = h("section", { class: "requests" }, h("h2", {}, "Footage requests to camera owners"));
  shell(
    `Community cameras: ${user.username}`,
    may.review ? registrations : null,
    may.footage ? requests : null,
    may.review || may.footage ? null : h("p", { class: "quiet" }, "Your role neither reviews registrations nor requests footage."),
  );
  await Promise.all([may.review ? showRegistrations(registrations) : null, may.footage ? showRequests(requests) : null]);
  ready();
}

async function showRegistrations(box: HTMLElement): Promise<void> {
  let waiting: Registration[];
  try {
    waiting = await get<Registration[]>("/api/v1/community/registrations?status=confirmed");
  } catch (err) {
    box.append(h("p", { class: "error" }, err instanceof ApiError ? err.message : String(err)));
    return;
  }
  if (!waiting.length) box.append(h("p", { class: "quiet" }, "Nothing is waiting."));
  for (const r of waiting) {
    const reason = h("input", { name: "reason", placeholder: "Reason, if rejecting (the owner reads it)", maxlength: 500 });
    const outcome = h("p", { role: "status" });
    const act = async (path: string, body: unknown) => {
      try {
        const done = await post<Registration>(`/api/v1/community/registrations/${r.id}/${path}`, body);
        card.dataset.status = done.status;
        outcome.textContent = done.status === "approved" ? `Approved: camera ${done.camera_id} is in the registry.` : "Rejected; the owner has been told.";
        for (const b of card.querySelectorAll("button")) b.remove();
      } catch (err) {
        outcome.textContent = err instanceof Error ? err.message : String(err);
      }
    };
    const card = h(
      "article",
      { class: "registration", "data-id": r.id, "data-status": r.status },
      h("h3", {}, `${r.label ?? "Camera"} (${r.kind})`),
      h(
        "dl",
        { class: "facts" },
        h("dt", {}, "Where"),
        h("dd", {}, `${r.address ?? ""} ${r.lat.toFixed(5)}, ${r.lon.toFixed(5)}${r.heading_deg !== null ? `, looking ${r.heading_deg}°` : ""}`),
        h("dt", {}, "Contact"),
        h("dd", {}, `${r.contact_name}, ${r.email}, ${r.phone}`),
        h("dt", {}, "Shares"),
        h("dd", {}, `${r.sharing.replace(/_/g, " ")}${r.public_count ? "; counted publicly by area" : ""}`),
        h("dt", {}, "Registered"),
        h("dd", {}, when(r.created_at)),
      ),
      reason,
      h(
        "div",
        { class: "buttons" },
        h("button", { type: "button", class: "approve", onclick: () => void act("approve", {}) }, "Approve"),
        h("button", { type: "button", class: "reject", onclick: () => void act("reject", { reason: reason.value }) }, "Reject"),
      ),
      outcome,
    );
    box.append(card);
  }
}

async function showRequests(box: HTMLElement): Promise<void> {
  let found: FootageRequest[];
  try {
    found = await get<FootageRequest[]>("/api/v1/community/footage-requests");
  } catch (err) {
    box.append(h("p", { class: "error" }, err instanceof ApiError ? err.message : String(err)));
    return;
  }
  box.append(askForm(box));
  if (!found.length) box.append(h("p", { class: "quiet" }, "No requests yet."));
  for (const fr of found) {
    const files = h("div", { class: "files" });
    const card = h(
      "article",
      { class: "request", "data-id": fr.id, "data-status": fr.status },
      h("h3", {}, `Case ${fr.case_number}: camera ${fr.camera_id}`),
      h("p", {}, `${when(fr.window_start)} to ${when(fr.window_end)}. ${fr.reason}`),
      h("p", { class: "quiet" }, `Asked by ${fr.requested_by}. Owner's answer: ${fr.status === "requested" ? "none yet" : fr.status}${fr.owner_note ? ` ("${fr.owner_note}")` : ""}.`),
      files,
    );
    box.append(card);
    if (fr.status === "accepted") await showFiles(fr.id, files);
  }
}

/** Ask a community camera's owner for footage: the camera, the window, why, and the stated purpose and case. */
function askForm(box: HTMLElement): HTMLElement {
  const local = (d: Date) => new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
  const now = new Date();
  const input = (name: string, attrs: Record<string, string | number | boolean> = {}) => h("input", { name, required: true, ...attrs });
  const camera = input("camera_id", { placeholder: "community-…" });
  const start = input("start", { type: "datetime-local", value: local(new Date(now.getTime() - 3_600_000)) });
  const end = input("end", { type: "datetime-local", value: local(now) });
  const reason = h("textarea", { name: "reason", required: true, rows: 2, maxlength: 1000, placeholder: "What happened, and why this camera (the owner reads it)" });
  const purpose = input("purpose", { maxlength: 500 });
  const caseNumber = input("case_number", { maxlength: 100 });
  const outcome = h("p", { role: "status" });
  const form = h(
    "form",
    { class: "ask" },
    h("h3", {}, "Ask an owner for footage"),
    h("div", { class: "row" }, field("Camera id", camera), field("From", start), field("To", end)),
    field("Why", reason),
    h("div", { class: "row" }, field("Purpose", purpose), field("Case number", caseNumber)),
    h("button", { type: "submit" }, "Send the request"),
    outcome,
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      const fr = await request<FootageRequest>(
        "POST",
        "/api/v1/community/footage-requests",
        { camera_id: camera.value.trim(), start: new Date(start.value).toISOString(), end: new Date(end.value).toISOString(), reason: reason.value },
        { "X-Purpose": purpose.value, "X-Case-Number": caseNumber.value },
      );
      outcome.textContent = `Request ${fr.id} sent to the owner.`;
      form.reset();
      box.append(h("p", { class: "quiet" }, `Case ${fr.case_number}: camera ${fr.camera_id}, waiting for the owner.`));
    } catch (err) {
      outcome.textContent = err instanceof Error ? err.message : String(err);
    }
  });
  return form;
}

const CUSTODY_WORDS: Record<string, string> = { received: "received from", downloaded: "downloaded by", hash_mismatch: "failed its hash check, asked for by" };

function custodyList(entries: Custody[]): HTMLElement {
  return h(
    "ul",
    { class: "custody" },
    ...entries.map((c) => h("li", { "data-action": c.action }, `${when(c.at)}: ${CUSTODY_WORDS[c.action] ?? c.action} ${c.actor}`)),
  );
}

async function showFiles(requestId: string, box: HTMLElement): Promise<void> {
  const detail = await get<FootageRequest>(`/api/v1/community/footage-requests/${requestId}`);
  box.replaceChildren(
    ...detail.files.map((f) => {
      const check = h("span", { class: "check" });
      const button = h("button", { type: "button", class: "download" }, "Download");
      button.addEventListener("click", async () => {
        try {
          const got = await download(`/api/v1/community/footage-requests/${requestId}/files/${f.id}`);
          const digest = await crypto.subtle.digest("SHA-256", await got.blob.arrayBuffer());
          const hex = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
          const matches = hex === f.sha256;
          check.dataset.matches = String(matches);
          check.dataset.sha256 = hex;
          check.textContent = matches ? "SHA-256 matches the one taken on receipt" : `SHA-256 differs: ${hex}`;
          const link = h("a", { href: URL.createObjectURL(got.blob), download: got.filename ?? f.filename });
          link.click();
          setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
          // The download is now in the file's chain of custody: show it.
          const now = await get<FootageRequest>(`/api/v1/community/footage-requests/${requestId}`);
          const entries = now.files.find((x) => x.id === f.id)?.custody ?? [];
          button.parentElement?.querySelector("ul.custody")?.replaceWith(custodyList(entries));
        } catch (err) {
          check.dataset.matches = "false";
          check.textContent = err instanceof Error ? err.message : String(err);
        }
      });
      return h(
        "div",
        { class: "file", "data-file": f.id },
        h("strong", {}, f.filename),
        ` ${bytes(f.size_bytes)}, ${f.content_type}, SHA-256 `,
        h("code", {}, f.sha256),
        custodyList(f.custody),
        button,
        check,
      );
    }),
  );
}

// ---- which view ----------------------------------------------------------------------------------------
async function main(): Promise<void> {
  const [, , view, token] = location.pathname.split("/");
  try {
    if (view === "confirm" && token) confirmView(decodeURIComponent(token));
    else if (view === "footage" && token) await ownerView(decodeURIComponent(token));
    else if (view === "review") await reviewView();
    else await registerView();
  } catch (err) {
    shell("Community camera program", h("p", { class: "error" }, err instanceof Error ? err.message : String(err)));
    ready();
  }
}

void main();
