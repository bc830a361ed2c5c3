// Talking to the server: the session token, JSON calls, and errors that name what went wrong.

const TOKEN_KEY = "rtcc-token";

export class ApiError extends Error {
  constructor(
    public status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Called when the server says the session is over (expired, idle too long, signed out elsewhere). */
let onSessionEnded: (reason: string) => void = () => location.reload();

export function whenSessionEnds(handler: (reason: string) => void): void {
  onSessionEnded = handler;
}

export function token(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(value: string | null): void {
  if (value === null) sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, value);
}

function detailOf(body: unknown, status: number): string {
  if (body && typeof body === "object" && "detail" in body) {
    const d = (body as { detail: unknown }).detail;
    // The server's 422: {"detail", "errors": [{"field", "reason"}]}; name each field and why.
    const errors = (body as { errors?: { field?: string; reason?: string }[] }).errors;
    if (typeof d === "string" && Array.isArray(errors) && errors.length) {
      return `${d}: ${errors.map((e) => `${(e.field ?? "").replace(/^(query|path)\./, "")}: ${e.reason ?? ""}`).join("; ")}`;
    }
    if (typeof d === "string") return d;
    if (Array.isArray(d)) {
      // Pydantic's list of problems: "field: reason" for each.
      return d
        .map((p: { loc?: unknown[]; msg?: string }) => `${(p.loc ?? []).slice(1).join(".")}: ${p.msg ?? ""}`)
        .join("; ");
    }
  }
  return `the server answered ${status}`;
}

export async function request<T>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<T> {
  const h: Record<string, string> = { ...(headers ?? {}) };
  const t = token();
  if (t) h.Authorization = `Bearer ${t}`;
  if (body !== undefined) h["Content-Type"] = "application/json";
  const r = await fetch(path, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
  if (r.status === 204) return undefined as T;
  const text = await r.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  if (r.status === 401 && t) {
    setToken(null);
    onSessionEnded(detailOf(parsed, r.status));
  }
  if (!r.ok) throw new ApiError(r.status, detailOf(parsed, r.status));
  return parsed as T;
}

export const get = <T>(path: string, headers?: Record<string, string>) => request<T>("GET", path, undefined, headers);
export const post = <T>(path: string, body?: unknown) => request<T>("POST", path, body ?? {});

/** One camera's picture through the server; the error says why there is none (no address on record,
 * camera not answering). */
export async function snapshot(cameraId: string): Promise<Blob> {
  const t = token();
  const r = await fetch(`/api/v1/cameras/${encodeURIComponent(cameraId)}/snapshot`, {
    headers: t ? { Authorization: `Bearer ${t}` } : {},
    cache: "no-store",
  });
  if (!r.ok) {
    let parsed: unknown = null;
    try {
      parsed = await r.json();
    } catch {
      parsed = null;
    }
    throw new ApiError(r.status, detailOf(parsed, r.status));
  }
  return r.blob();
}

/** A file from the server (an export): its content, the name the server gives it, and how many rows it
 * holds when the server says (X-Total-Count). */
export async function download(path: string): Promise<{ blob: Blob; filename: string | null; count: number | null }> {
  const t = token();
  const r = await fetch(path, { headers: t ? { Authorization: `Bearer ${t}` } : {}, cache: "no-store" });
  if (!r.ok) {
    let parsed: unknown = null;
    try {
      parsed = await r.json();
    } catch {
      parsed = null;
    }
    if (r.status === 401 && t) {
      setToken(null);
      onSessionEnded(detailOf(parsed, r.status));
    }
    throw new ApiError(r.status, detailOf(parsed, r.status));
  }
  const disposition = r.headers.get("content-disposition") ?? "";
  const count = r.headers.get("x-total-count");
  return { blob: await r.blob(), filename: /filename="([^"]+)"/.exec(disposition)?.[1] ?? null, count: count === null ? null : Number(count) };
}
