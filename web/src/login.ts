// Sign-in: username and password, then the six-digit code when the account has a second factor, or
// setting one up when the agency requires it and the account has none yet. When the agency has single
// sign-on, a button beside the form goes through its identity provider; the server sends the browser back
// here with the outcome in the address's fragment (#sso=signed-in, #sso=code or #sso=error&message=...).

import { ApiError, get, post, setToken, token } from "./api";
import type { User } from "./types";
import { h } from "./ui";

interface LoginResponse {
  token: string;
  user: User;
  mfa_enrolment_required: boolean;
}

interface SsoStatus {
  enabled: boolean;
  label: string | null;
  start: string | null;
}

/** What the single sign-on callback said, read once and removed from the address bar. */
function ssoOutcome(): URLSearchParams | null {
  const fragment = new URLSearchParams(location.hash.replace(/^#/, ""));
  if (!fragment.has("sso")) return null;
  history.replaceState(null, "", location.pathname + location.search);
  return fragment;
}

async function finish(root: HTMLElement, r: LoginResponse): Promise<User> {
  setToken(r.token);
  return r.mfa_enrolment_required ? enrol(root, r.user) : r.user;
}

/** Resolves with the signed-in user: at once when this tab still has a live session. */
export async function signIn(root: HTMLElement, message = ""): Promise<User> {
  if (token()) {
    try {
      return await get<User>("/api/v1/auth/me");
    } catch {
      setToken(null);
    }
  }
  const sso = ssoOutcome();
  if (sso?.get("sso") === "signed-in") {
    try {
      // The provider's sign-in left the session in a cookie: take it up as a password sign-in's answer.
      return await finish(root, await post<LoginResponse>("/api/v1/auth/sso/session"));
    } catch (err) {
      message = err instanceof ApiError ? err.message : String(err);
    }
  } else if (sso?.get("sso") === "code") {
    return ssoCode(root);
  } else if (sso?.get("sso") === "error") {
    message = `Single sign-on failed: ${sso.get("message") ?? "unknown reason"}.`;
  }
  return new Promise<User>((resolve) => {
    const error = h("p", { class: "error", role: "alert" }, message);
    const username = h("input", { name: "username", autocomplete: "username", placeholder: "Username", required: true, "aria-label": "Username" });
    const password = h("input", { name: "password", type: "password", autocomplete: "current-password", placeholder: "Password", required: true, "aria-label": "Password" });
    const otp = h("input", { name: "otp", inputmode: "numeric", autocomplete: "one-time-code", placeholder: "6-digit code", "aria-label": "Code from your authenticator app" });
    const otpRow = h("label", { class: "otp", hidden: true }, "Code from your authenticator app", otp);
    const form = h(
      "form",
      {
        class: "login",
        onsubmit: async (ev: Event) => {
          ev.preventDefault();
          error.textContent = "";
          try {
            const r = await post<LoginResponse>("/api/v1/auth/login", { username: username.value, password: password.value, otp: otp.value || null });
            resolve(await finish(root, r));
          } catch (err) {
            const text = err instanceof ApiError ? err.message : String(err);
            if (text.startsWith("otp:")) {
              otpRow.hidden = false;
              otp.focus();
            }
            error.textContent = text.replace(/^otp: /, "");
          }
        },
      },
      h("h1", {}, "OpenRTCC"),
      h("p", { class: "quiet" }, "Real-time crime center console. Every search and view is logged with its purpose."),
      username,
      password,
      otpRow,
      h("button", { type: "submit" }, "Sign in"),
      error,
    );
    root.replaceChildren(form);
    username.focus();
    void offerSso(form, error);
  });
}

/** Adds the single sign-on button to the sign-in form when the server has single sign-on. */
async function offerSso(form: HTMLFormElement, error: HTMLElement): Promise<void> {
  let status: SsoStatus;
  try {
    status = await get<SsoStatus>("/api/v1/auth/sso");
  } catch {
    return; // the password sign-in still works
  }
  if (!status.enabled || !status.start) return;
  const returnTo = location.pathname.startsWith("/field") ? "field" : "console";
  const start = `${status.start}?${new URLSearchParams({ return_to: returnTo })}`;
  const button = h("button", { type: "button", class: "secondary sso", onclick: () => location.assign(start) }, status.label ?? "Single sign-on");
  form.insertBefore(h("p", { class: "quiet", style: "text-align: center; margin: 0" }, "or"), error);
  form.insertBefore(button, error);
}

/** After a provider's sign-in that showed no second factor: the code from the account's authenticator. */
function ssoCode(root: HTMLElement): Promise<User> {
  return new Promise<User>((resolve) => {
    const code = h("input", { name: "otp", inputmode: "numeric", autocomplete: "one-time-code", placeholder: "6-digit code", required: true, minlength: 6, maxlength: 10, "aria-label": "Code from your authenticator app" });
    const error = h("p", { class: "error", role: "alert" });
    root.replaceChildren(
      h(
        "form",
        {
          class: "login",
          onsubmit: async (ev: Event) => {
            ev.preventDefault();
            error.textContent = "";
            try {
              resolve(await finish(root, await post<LoginResponse>("/api/v1/auth/sso/code", { code: code.value })));
            } catch (err) {
              const text = err instanceof ApiError ? err.message : String(err);
              if (text.startsWith("code:")) {
                // Nothing waits for a code any more (expired, or the account was locked): start over.
                resolve(await signIn(root, text.replace(/^code: /, "")));
                return;
              }
              error.textContent = text.replace(/^otp: /, "");
            }
          },
        },
        h("h1", {}, "OpenRTCC"),
        h("p", {}, "Your sign-in service did not confirm a second factor. Enter the code from your authenticator app."),
        h("label", { class: "otp" }, "Code from your authenticator app", code),
        h("button", { type: "submit" }, "Sign in"),
        error,
      ),
    );
    code.focus();
  });
}

async function enrol(root: HTMLElement, user: User): Promise<User> {
  const begun = await post<{ secret: string; otpauth_uri: string }>("/api/v1/auth/mfa/begin");
  return new Promise<User>((resolve) => {
    const code = h("input", { name: "code", inputmode: "numeric", placeholder: "6-digit code", required: true, "aria-label": "Code" });
    const error = h("p", { class: "error", role: "alert" });
    root.replaceChildren(
      h(
        "form",
        {
          class: "login",
          onsubmit: async (ev: Event) => {
            ev.preventDefault();
            try {
              await post("/api/v1/auth/mfa/confirm", { code: code.value });
              resolve(user);
            } catch (err) {
              error.textContent = (err as Error).message;
            }
          },
        },
        h("h1", {}, "Set up your second factor"),
        h("p", {}, "This agency requires a code from an authenticator app at every sign-in. Add this key to your app:"),
        h("code", { class: "secret" }, begun.secret),
        h("p", { class: "quiet" }, begun.otpauth_uri),
        code,
        h("button", { type: "submit" }, "Confirm"),
        error,
      ),
    );
    code.focus();
  });
}
