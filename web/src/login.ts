// Sign-in: username and password, then the six-digit code when the account has a second factor, or
// setting one up when the agency requires it and the account has none yet.

import { ApiError, get, post, setToken, token } from "./api";
import type { User } from "./types";
import { h } from "./ui";

interface LoginResponse {
  token: string;
  user: User;
  mfa_enrolment_required: boolean;
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
            setToken(r.token);
            if (r.mfa_enrolment_required) resolve(await enrol(root, r.user));
            else resolve(r.user);
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
