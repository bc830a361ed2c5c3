// The officer's field view, for a phone: the call my unit is on with its brief, bulletins from the center
// (opening one sends the read receipt), pictures from cameras near the call, and new calls nearby.

import "./style.css";
import { get, post, setToken, snapshot, whenSessionEnds } from "./api";
import { LiveStream } from "./live";
import { signIn } from "./login";
import { briefView } from "./panels/brief";
import type { Bulletin, CadIncident, ThreatBrief, Unit, User } from "./types";
import { $, ago, clock, h, toast, words } from "./ui";

interface FieldView {
  unit_id: string | null;
  unit: Unit | null;
  call: CadIncident | null;
  brief: ThreatBrief | null;
  bulletins: (Bulletin & { receipts: { unit_id: string; read_at: string | null }[] })[];
  cameras: { camera_id: string; name: string; kind: string; status: string; distance_m: number; has_snapshot: boolean }[];
  nearby_calls: { call: { call_id: string; call_type: string; priority: string; address: string | null }; distance_m: number; noticed_at: string }[];
}

async function main(): Promise<void> {
  const root = $("#app");
  document.body.classList.add("field");
  whenSessionEnds(() => location.reload());
  const me = await signIn(root);
  await show(root, me);
}

async function show(root: HTMLElement, me: User): Promise<void> {
  let view: FieldView;
  try {
    view = await get<FieldView>("/api/v1/field");
  } catch (err) {
    root.replaceChildren(h("p", { class: "error" }, (err as Error).message));
    return;
  }
  if (view.unit_id === null) return signOn(root, me);
  const unitId: string = view.unit_id;
  const stream = new LiveStream(["call.", "incident.", "unit.status"]);
  let timer = 0;
  const refresh = () => {
    if (timer) return;
    timer = window.setTimeout(async () => {
      timer = 0;
      try {
        view = await get<FieldView>("/api/v1/field");
        render();
      } catch (err) {
        toast((err as Error).message, "error");
      }
    }, 300);
  };
  stream.on("call.bulletin", (e) => e.payload.units?.includes(unitId) && refresh());
  stream.on("call.nearby", (e) => e.payload.units?.some((u: { unit_id: string }) => u.unit_id === unitId) && refresh());
  stream.on("unit.status", (e) => e.payload.unit_id === unitId && refresh());
  stream.on("incident.status", () => refresh());
  stream.onState = (s) => (document.body.dataset.link = s);
  stream.start();
  setInterval(refresh, 15_000);

  const render = () => {
    const unread = view.bulletins.filter((b) => !mine(b, unitId)?.read_at);
    const parts: (HTMLElement | null)[] = [
      h(
        "header",
        { class: "field-head" },
        h("strong", {}, `Unit ${unitId}`),
        view.unit ? h("span", { class: "tag" }, words(view.unit.status)) : null,
        h("span", { class: "spacer" }),
        h("span", {}, me.username),
        h("button", { class: "secondary", onclick: async () => (await post("/api/v1/auth/logout").catch(() => undefined), setToken(null), location.reload()) }, "Sign out"),
      ),
      h(
        "section",
        { class: "field-bulletins", "aria-label": "Bulletins" },
        h("h2", {}, `Bulletins${unread.length ? ` (${unread.length} new)` : ""}`),
        view.bulletins.length
          ? h(
              "ul",
              {},
              ...view.bulletins.map((b) => {
                const r = mine(b, unitId);
                return h(
                  "li",
                  { class: r?.read_at ? "read" : "unread", "data-bulletin-id": b.id },
                  h("div", { class: "when" }, `${clock(b.sent_at)} from ${b.sent_by} · call ${b.call_id}`),
                  h("div", { class: "text" }, b.text),
                  r?.read_at
                    ? h("div", { class: "quiet" }, `read ${clock(r.read_at)}`)
                    : h(
                        "button",
                        {
                          onclick: async () => {
                            try {
                              await post(`/api/v1/field/bulletins/${encodeURIComponent(b.id)}/read`);
                              view = await get<FieldView>("/api/v1/field");
                              render();
                            } catch (err) {
                              toast((err as Error).message, "error");
                            }
                          },
                        },
                        "Mark read",
                      ),
                );
              }),
            )
          : h("p", { class: "quiet" }, "No bulletins."),
      ),
      h(
        "section",
        { class: "field-call", "aria-label": "My call" },
        h("h2", {}, "My call"),
        view.call
          ? h(
              "div",
              {},
              h("div", { class: "big" }, `${view.call.call_type} · ${words(view.call.priority)} · ${words(view.call.status)}`),
              h("div", { class: "addr" }, view.call.address ?? ""),
              view.call.description ? h("p", {}, view.call.description) : null,
            )
          : h("p", { class: "quiet" }, "Not assigned to a call."),
        view.brief ? briefView(view.brief) : null,
      ),
      view.cameras.length
        ? h(
            "section",
            { class: "field-cameras", "aria-label": "Cameras near the call" },
            h("h2", {}, "Cameras near the call"),
            ...view.cameras.slice(0, 4).map((c) => cameraCard(c)),
          )
        : null,
      view.nearby_calls.length
        ? h(
            "section",
            { class: "field-nearby", "aria-label": "New calls nearby" },
            h("h2", {}, "New calls nearby"),
            h("ul", {}, ...view.nearby_calls.map((n) => h("li", {}, `${n.call.call_type} · ${words(n.call.priority)} · ${Math.round(n.distance_m)} m · ${n.call.address ?? ""} · ${ago(n.noticed_at)}`))),
          )
        : null,
    ];
    root.replaceChildren(...parts.filter((p): p is HTMLElement => p !== null));
  };
  render();
}

function mine(b: FieldView["bulletins"][number], unitId: string) {
  return b.receipts.find((r) => r.unit_id === unitId);
}

function cameraCard(c: FieldView["cameras"][number]): HTMLElement {
  const body = h("div", { class: "tile-body" });
  const card = h("div", { class: "wall-tile", "data-camera-id": c.camera_id }, h("div", { class: "tile-head" }, `${c.name} · ${Math.round(c.distance_m)} m`), body);
  if (c.status === "down") {
    body.append(h("div", { class: "tile-down" }, h("strong", {}, "CAMERA DOWN")));
    return card;
  }
  if (!c.has_snapshot) {
    body.append(h("div", { class: "tile-msg" }, "No picture address on record."));
    return card;
  }
  snapshot(c.camera_id)
    .then((blob) => body.replaceChildren(h("img", { alt: `Picture from ${c.name}`, src: URL.createObjectURL(blob) })))
    .catch((err: Error) => body.replaceChildren(h("div", { class: "tile-msg" }, `No picture: ${err.message}`)));
  return card;
}

function signOn(root: HTMLElement, me: User): void {
  const unit = h("input", { name: "unit", placeholder: "Unit, e.g. 1A12", required: true, "aria-label": "Unit" });
  root.replaceChildren(
    h(
      "form",
      {
        class: "login",
        onsubmit: async (ev: Event) => {
          ev.preventDefault();
          try {
            await post("/api/v1/field/sign-on", { unit_id: unit.value.trim() });
            await show(root, me);
          } catch (err) {
            toast((err as Error).message, "error");
          }
        },
      },
      h("h1", {}, "Sign on to your unit"),
      unit,
      h("button", { type: "submit" }, "Sign on"),
    ),
  );
  unit.focus();
}

void main();
