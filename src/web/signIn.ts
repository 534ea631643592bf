/**
 * Signing in with an API key, for the agency console and the counter: the key is checked at once
 * (GET /v1/me), a wrong key or another role's key is said in the page's language and the form stays
 * as typed; Enter submits. Whom the page acts for comes back with it (the agency's name and
 * accredited types, the verifier's name).
 */
import { ApiError, bearer, get } from "./api";
import { partyName } from "./catalog";
import { EP } from "./endpoints";
import { lang } from "./i18n";
import { busy, field, form, h, notice, section, showError, type stored, tx } from "./ui";

/** GET /v1/me (src/http/routes/me.ts). */
export interface Me {
  role: "authority" | "agency" | "verifier";
  address: string;
  label: string;
  agency?: { name: string; nameZh?: string; active: boolean; types: string[] };
  verifier?: { name: string; active: boolean };
}

export function whoAmI(apiKey: string): Promise<Me> {
  return get<Me>(EP.me, { headers: bearer(apiKey) });
}

/** The name of whom the key acts for, in the page's language when the catalog has it. */
export function principalName(me: Me): string {
  if (me.agency) return lang() === "zh" ? (me.agency.nameZh ?? partyName(me.agency.name)) : me.agency.name;
  return me.verifier ? partyName(me.verifier.name) : me.label;
}

/** A 401 says the key is wrong; anything else (network, 5xx) is reported as such by the caller. */
export function isRejectedKey(err: unknown): boolean {
  return err instanceof ApiError && err.status === 401;
}

export interface SignInFormOptions {
  /** Element ids: `${page}-api-key`, `${page}-sign-in`, `${page}-sign-in-message`. */
  page: "agency" | "counter";
  role: "agency" | "verifier";
  hintKey: string;
  /** A message to show on arrival (e.g. the stored key was refused). */
  messageKey?: string;
  onSignedIn(apiKey: string, me: Me): void;
}

export function signInForm(opts: SignInFormOptions): HTMLElement {
  const key = h("input", { type: "password", id: `${opts.page}-api-key`, autocomplete: "off", required: true });
  const btn = h("button", { type: "submit", id: `${opts.page}-sign-in`, t: "common.signIn" });
  const box = h("div", { id: `${opts.page}-sign-in-message` });
  const refuse = (messageKey: string, code: string) => {
    notice(box, "error", tx(messageKey), code);
    key.focus();
    key.select();
  };
  const signIn = form(
    { id: `${opts.page}-sign-in-form` },
    () => {
      const apiKey = key.value.trim();
      if (!apiKey) return refuse("signIn.keyMissing", "MISSING_CREDENTIALS");
      // No key has spaces or characters beyond ASCII (a header could not even carry them).
      if (!/^[\x21-\x7e]+$/.test(apiKey)) return refuse("signIn.keyRejected", "INVALID_CREDENTIALS");
      void busy(btn, box, async () => {
        let me: Me;
        try {
          me = await whoAmI(apiKey);
        } catch (err) {
          if (isRejectedKey(err)) return refuse("signIn.keyRejected", (err as ApiError).code);
          throw err;
        }
        if (me.role !== opts.role) return refuse(`signIn.notRole.${opts.role}`, "WRONG_ROLE");
        opts.onSignedIn(apiKey, me);
      });
    },
    h("p", { class: "muted", t: opts.hintKey }),
    field("common.apiKey", key),
    btn,
    box,
  );
  if (opts.messageKey)
    notice(
      box,
      "error",
      tx(opts.messageKey),
      opts.messageKey.startsWith("signIn.notRole") ? "WRONG_ROLE" : "INVALID_CREDENTIALS",
    );
  const s = section("common.signIn", signIn);
  queueMicrotask(() => key.focus());
  return s;
}

export interface SignInSessionOptions extends Omit<SignInFormOptions, "messageKey" | "onSignedIn"> {
  /** The page's main element, which shows either the login or the page. */
  main: HTMLElement;
  /** Where the key is kept between visits. */
  apiKey: ReturnType<typeof stored>;
  /** Shows the page for the signed-in principal. */
  onSignedIn(me: Me): void;
  /** Stops what the page runs in the background before the login replaces it. */
  onLeave?(): void;
}

export interface SignInSession {
  /** The signed-in principal; undefined on the login. */
  me(): Me | undefined;
  /** Forgets the key and shows the login, with a message when one is given. */
  showLogin(messageKey?: string): void;
  /** Checks a key kept from an earlier visit (it may have been disabled since), then shows the page or the login. */
  start(): Promise<void>;
}

/** The sign-in life of a page: the login, the check of a kept key, and the way back when a key is refused. */
export function signInSession(opts: SignInSessionOptions): SignInSession {
  let me: Me | undefined;
  const showLogin = (messageKey?: string) => {
    opts.onLeave?.();
    me = undefined;
    opts.apiKey.set(null);
    opts.main.replaceChildren(
      signInForm({
        ...opts,
        messageKey,
        onSignedIn: (key, who) => {
          opts.apiKey.set(key);
          me = who;
          opts.onSignedIn(who);
        },
      }),
    );
  };
  const start = async () => {
    const key = opts.apiKey.get();
    if (!key) return showLogin();
    opts.main.replaceChildren(tx("common.loading"));
    let who: Me;
    try {
      who = await whoAmI(key);
    } catch (err) {
      return isRejectedKey(err) ? showLogin("signIn.keyRefused") : showNetworkError(err);
    }
    if (who.role !== opts.role) return showLogin(`signIn.notRole.${opts.role}`);
    me = who;
    opts.onSignedIn(who);
  };
  /** The gateway could not be reached: keep the key, offer to try again. */
  const showNetworkError = (err: unknown) => {
    const retry = h("button", { type: "button", id: `${opts.page}-retry`, t: "signIn.retry" });
    retry.addEventListener("click", () => void start());
    const box = h("div");
    showError(box, err);
    opts.main.replaceChildren(box, retry);
  };
  return { me: () => me, showLogin, start };
}
