/**
 * DOM helpers shared by the four pages: element building, the header with its language switch,
 * notices, and the verdict panel. Text that must follow the language switch is created with `tx`
 * (or the `t:` attribute) and carries its key in data attributes, so switching language rewrites
 * those nodes in place and never loses what the user typed in a form.
 */
import { ApiError } from "./api";
import { isKnownParty, partyName } from "./catalog";
import { type CodeKind, codeText, has, lang, onLangChange, setLang, t } from "./i18n";

type Child = Node | string | number | null | undefined | false | Child[];
type Attrs = Record<string, unknown> & {
  t?: string;
  vars?: Record<string, string | number>;
  placeholderT?: string;
  on?: Record<string, (ev: Event) => void>;
};

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs | null = null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "t") {
        el.dataset.i18n = String(v);
        if (attrs.vars) el.dataset.i18nVars = JSON.stringify(attrs.vars);
        el.textContent = t(String(v), attrs.vars);
      } else if (k === "vars") continue;
      else if (k === "placeholderT") {
        el.dataset.i18nPlaceholder = String(v);
        el.setAttribute("placeholder", t(String(v)));
      } else if (k === "on")
        for (const [ev, fn] of Object.entries(v as Record<string, EventListener>)) el.addEventListener(ev, fn);
      else if (k === "class") el.className = String(v);
      else if (k in el && typeof v !== "string") (el as unknown as Record<string, unknown>)[k] = v;
      else el.setAttribute(k, v === true ? "" : String(v));
    }
  }
  append(el, children);
  return el;
}

function append(el: Node, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.appendChild(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
  }
}

/** A span whose text follows the language switch. */
export function tx(key: string, vars?: Record<string, string | number>): HTMLSpanElement {
  return h("span", { t: key, vars });
}

export function applyI18n(root: ParentNode = document): void {
  root.querySelectorAll<HTMLElement>("[data-i18n]").forEach((el) => {
    const vars = el.dataset.i18nVars ? JSON.parse(el.dataset.i18nVars) : undefined;
    el.textContent = t(el.dataset.i18n!, vars);
  });
  root
    .querySelectorAll<HTMLElement>("[data-i18n-placeholder]")
    .forEach((el) => el.setAttribute("placeholder", t(el.dataset.i18nPlaceholder!)));
  document.title = `${t(document.body.dataset.titleKey ?? "app.name")} · ${t("app.name")}`;
}

const PAGES = [
  ["agency", "nav.agency"],
  ["wallet", "nav.wallet"],
  ["counter", "nav.counter"],
  ["verify", "nav.verify"],
] as const;

/** Builds the page frame (header, nav, language switch) and returns the main element. */
export function shell(page: (typeof PAGES)[number][0], titleKey: string): HTMLElement {
  document.body.dataset.titleKey = titleKey;
  document.documentElement.lang = lang() === "zh" ? "zh-CN" : "en";
  const main = h("main", { id: "main" });
  const header = h(
    "header",
    { class: "top" },
    h(
      "a",
      { class: "brand", href: "/verify" },
      h("span", { class: "logo", "aria-hidden": "true" }, "◆"),
      tx("app.name"),
    ),
    h(
      "nav",
      null,
      PAGES.map(([p, key]) => h("a", { href: `/${p}`, class: p === page ? "active" : undefined, t: key })),
    ),
    h("button", {
      type: "button",
      class: "lang",
      id: "lang-switch",
      translate: "no", // the other language's name, in that language
      t: "lang.switch",
      on: { click: () => setLang(lang() === "zh" ? "en" : "zh") },
    }),
  );
  document.body.replaceChildren(header, h("h1", { t: titleKey }), main);
  onLangChange(() => applyI18n());
  applyI18n();
  return main;
}

export function section(titleKey: string, ...children: Child[]): HTMLElement {
  return h("section", { class: "card" }, h("h2", { t: titleKey }), ...children);
}

export function field(labelKey: string, input: HTMLElement, hintKey?: string): HTMLElement {
  return h(
    "label",
    { class: "field" },
    h("span", { class: "label", t: labelKey }),
    input,
    hintKey ? h("small", { t: hintKey }) : null,
  );
}

/** The sentence to show for an error: a translation of its code when there is one. */
export function errorText(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.code === "NETWORK") return t("common.network");
    return codeText("error", err.code, err.message);
  }
  return err instanceof Error ? err.message : String(err);
}

export function errorCode(err: unknown): string | undefined {
  return err instanceof ApiError ? err.code : undefined;
}

/** Replaces the content of `box` with a notice; `kind` styles it. */
export function notice(box: HTMLElement, kind: "ok" | "error" | "info", content: Child, code?: string): HTMLElement {
  const n = h(
    "div",
    { class: `notice ${kind}`, role: kind === "error" ? "alert" : "status", "data-code": code },
    content,
  );
  box.replaceChildren(n);
  return n;
}

export function showError(box: HTMLElement, err: unknown): void {
  notice(box, "error", errorText(err), errorCode(err));
}

/** Runs `fn` with the button disabled, reporting a thrown error into `box`. */
export async function busy(button: HTMLButtonElement | null, box: HTMLElement, fn: () => Promise<void>): Promise<void> {
  if (button) button.disabled = true;
  try {
    await fn();
  } catch (err) {
    console.error(err);
    showError(box, err);
  } finally {
    if (button) button.disabled = false;
  }
}

export interface VerdictLike {
  valid: boolean;
  reasons?: string[];
  fields?: Record<string, unknown>;
  hiddenCount?: number;
  type?: string;
  typeTitle?: string;
  certId?: string;
  /** The issuing agency's name, in the page's language. */
  issuer?: string;
  /** The certificate's validity, unix seconds. */
  validFrom?: number;
  validUntil?: number;
}

/** A date (no time of day) in the page's language. */
export function formatDate(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toLocaleDateString(lang() === "zh" ? "zh-CN" : "en-GB", { timeZone: "UTC" });
}

function fieldValue(v: unknown): string {
  if (v === null || v === undefined) return "";
  return typeof v === "object" ? JSON.stringify(v) : String(v);
}

/** The verdict panel: a large VALID/INVALID (or "not a certificate file") with its reasons and the disclosed fields. */
export function verdictView(v: VerdictLike, labels: Record<string, string> = {}): HTMLElement {
  const reasons = (v.reasons ?? []).filter((r) => r !== "VALID");
  // A file that is not a certificate at all is the person's mistake, not a forgery: said calmly, apart.
  const malformed = !v.valid && reasons[0] === "MALFORMED";
  return h(
    "div",
    {
      class: `verdict ${v.valid ? "valid" : malformed ? "malformed" : "invalid"}`,
      "data-verdict": v.valid ? "VALID" : (reasons[0] ?? "INVALID"),
    },
    h(
      "div",
      { class: "verdict-head" },
      h("span", { class: "verdict-mark", "aria-hidden": "true" }, v.valid ? "✔" : malformed ? "?" : "✖"),
      h("strong", { t: v.valid ? "verdict.VALID" : malformed ? "verdict.MALFORMED" : "verdict.INVALID" }),
    ),
    reasons.length
      ? h(
          "ul",
          { class: "reasons" },
          reasons.map((r) =>
            h(
              "li",
              { "data-reason": r },
              malformed ? null : [h("code", { translate: "no" }, r), " "],
              tx(`reason.${r}`),
            ),
          ),
        )
      : null,
    v.typeTitle || v.type ? h("p", { class: "muted" }, v.typeTitle ?? v.type ?? "") : null,
    v.issuer
      ? h("p", { class: "verdict-meta", "data-issuer": v.issuer, t: "verdict.issuer", vars: { name: v.issuer } })
      : null,
    v.validFrom !== undefined && v.validUntil !== undefined
      ? h("p", {
          class: "verdict-meta",
          "data-valid-from": v.validFrom,
          "data-valid-until": v.validUntil,
          t: "verdict.validity",
          vars: { from: formatDate(v.validFrom), until: formatDate(v.validUntil) },
        })
      : null,
    v.fields && Object.keys(v.fields).length
      ? h(
          "table",
          { class: "fields" },
          h("caption", { t: "counter.disclosed" }),
          Object.entries(v.fields).map(([k, val]) =>
            h("tr", { "data-field": k }, h("th", null, labels[k] ?? k), h("td", { translate: "no" }, fieldValue(val))),
          ),
        )
      : null,
    v.hiddenCount ? h("p", { class: "muted hidden-count", t: "counter.hidden", vars: { count: v.hiddenCount } }) : null,
  );
}

/**
 * A form whose submission (its submit button, or Enter in one of its fields) runs `onSubmit` in the
 * page instead of navigating.
 */
export function form(
  attrs: Attrs | null,
  onSubmit: (submitter: HTMLElement | null) => void,
  ...children: Child[]
): HTMLFormElement {
  const f = h("form", { ...attrs, novalidate: true }, ...children);
  f.addEventListener("submit", (e) => {
    e.preventDefault();
    onSubmit((e as SubmitEvent).submitter);
  });
  return f;
}

/**
 * A file input shown as a button with the page's own words: the browser's input says "Choose File /
 * No file chosen" in the browser's language, whatever the page's. For pickers that act on the file at once.
 */
export function filePicker(input: HTMLInputElement, labelKey: string): HTMLLabelElement {
  input.classList.add("visually-hidden");
  return h("label", { class: "file-picker" }, input, h("span", { class: "button secondary", t: labelKey }));
}

/**
 * A machine code (a status reason, a purpose...) in words that follow the language switch; a code
 * without words — a verifier's own purpose code — is shown as it is and marked as data.
 */
export function codeView(kind: CodeKind, code: string): HTMLElement {
  return has(`${kind}.${code}`)
    ? h("span", { t: `${kind}.${code}`, "data-code": code })
    : h("code", { translate: "no", "data-code": code }, codeText(kind, code));
}

/** A purpose code in words (the catalog's purposes), or as it is when it is the verifier's own. */
export const purposeView = (code: string): HTMLElement => codeView("purpose", code);

/** An agency's or verifier's name in the page's language; a name the catalog lacks is shown as registered. */
export function partyView(name: string, tag: "span" | "strong" = "span"): HTMLElement {
  return h(tag, { translate: isKnownParty(name) ? undefined : "no" }, partyName(name));
}

export function copyButton(getText: () => string): HTMLButtonElement {
  const b = h("button", { type: "button", class: "secondary", t: "common.copy" });
  b.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(getText());
      b.textContent = t("common.copied");
      setTimeout(() => (b.textContent = t("common.copy")), 1500);
    } catch {
      // clipboard blocked (http, permissions): the text is on screen to select by hand
    }
  });
  return b;
}

export function readFileText(file: File): Promise<string> {
  return file.text();
}

/** Keeps a value (API key, preferences) per page in localStorage. */
export function stored(key: string): { get(): string | null; set(v: string | null): void } {
  const k = `certledger.${key}`;
  return {
    get: () => {
      try {
        return localStorage.getItem(k);
      } catch {
        return null;
      }
    },
    set: (v) => {
      try {
        if (v === null) localStorage.removeItem(k);
        else localStorage.setItem(k, v);
      } catch {
        // storage unavailable: the value lasts for this page view
      }
    },
  };
}
