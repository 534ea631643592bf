/**
 * The counter page: the officer signs in with the counter verifier's API key (checked at once), picks
 * a service (the certificate types it needs), shows the request's QR code, and sees the verdict (with
 * the issuing agency, the validity and the disclosed fields) as soon as the citizen presents, or
 * "declined" as soon as the citizen declines: server-sent events, polling as the fallback, no reload.
 */
import { bearer, get, post } from "./api";
import { verdictCard, type PresentedBy } from "./card";
import { TYPES, typeName } from "./catalog";
import { codeText, formatTime, lang, onLangChange, t } from "./i18n";
import { EP } from "./endpoints";
import { isRejectedKey, principalName, signInSession } from "./signIn";
import { readEvents } from "./sse";
import { busy, field, h, notice, purposeView, section, shell, stored, tx } from "./ui";

interface Opened {
  id: string;
  url: string;
  expiresAt: number;
  purpose: string;
  types: { code: string }[];
  qr: { svg: string; png: string };
}

interface ResultView {
  id: string;
  state: "OPEN" | "ANSWERING" | "ANSWERED" | "DECLINED" | "EXPIRED";
  expiresAt: number;
  declinedAt?: number | null;
  result: null | {
    answeredAt: number;
    verdict: "VALID" | "INVALID";
    presentations: {
      certId: string;
      typeCode?: string;
      issuer?: { agency: string; name: string; nameZh?: string };
      validFrom?: number;
      validUntil?: number;
      verdict: string;
      reasons: string[];
      disclosed: Record<string, unknown>;
      redactedCount: number;
      /** A delegate presented the certificate for its holder. */
      presentedBy?: PresentedBy;
    }[];
  };
}

/** Common services at a city hall and the certificates each needs. */
const SERVICES: { id: string; zh: string; en: string; types: string[]; purpose: string }[] = [
  { id: "id-check", zh: "身份核验", en: "Identity check", types: ["resident-id-card"], purpose: "identity-check" },
  {
    id: "bank",
    zh: "开立银行账户",
    en: "Open a bank account",
    types: ["resident-id-card"],
    purpose: "open-bank-account",
  },
  {
    id: "company",
    zh: "企业开户",
    en: "Company account",
    types: ["business-licence", "resident-id-card"],
    purpose: "open-company-account",
  },
  {
    id: "household",
    zh: "户口迁移",
    en: "Household registration transfer",
    types: ["resident-id-card", "household-register"],
    purpose: "household-transfer",
  },
  { id: "school", zh: "入学报名", en: "School enrolment", types: ["household-register"], purpose: "school-enrolment" },
  { id: "job", zh: "入职核验", en: "Employment check", types: ["diploma"], purpose: "employment-check" },
  {
    id: "marriage",
    zh: "婚姻状况核验",
    en: "Marital status check",
    types: ["marriage-certificate"],
    purpose: "marital-status-check",
  },
];

const main = shell("counter", "counter.title");
const apiKey = stored("counter.apiKey");
const known = new Set(TYPES.map((x) => x.code));
let pollTimer: ReturnType<typeof setTimeout> | undefined;
/** Stops following the request on screen (its stream, poll and countdown). */
let current: (() => void) | undefined;

const session = signInSession({
  main,
  page: "counter",
  role: "verifier",
  hintKey: "counter.keyHint",
  apiKey,
  onSignedIn: () => renderMain(),
  onLeave: () => current?.(),
});

/** The key stopped working while in use (disabled meanwhile): back to the login, saying so. */
const keyRefused = () => session.showLogin("signIn.keyRefused");

function serviceLabel(s: (typeof SERVICES)[number]): string {
  return lang() === "en" ? s.en : s.zh;
}

const signedIn = h("p", { class: "lead", id: "counter-signed-in" });
const showSignedIn = () => {
  const who = session.me();
  if (who) signedIn.textContent = t("common.signedInAs", { name: principalName(who) });
};
onLangChange(showSignedIn);

function renderMain(): void {
  const services = SERVICES.filter((s) => s.types.every((x) => known.has(x)));
  const service = h(
    "select",
    { id: "counter-service" },
    services.map((s) => h("option", { value: s.id }, serviceLabel(s))),
    h("option", { value: "custom", t: "service.custom" }),
  );
  const types = h(
    "select",
    { id: "counter-types", multiple: true, size: 6, hidden: true },
    TYPES.map((x) => h("option", { value: x.code }, typeName(x.code))),
  );
  const presetTypes = h("p", { id: "counter-preset-types" });
  const showPreset = () => {
    const s = services.find((x) => x.id === service.value);
    presetTypes.textContent = s ? s.types.map(typeName).join(" · ") : "";
  };
  const purpose = h("input", { type: "text", id: "counter-purpose", value: services[0]?.purpose ?? "identity-check" });
  const minutes = h("input", { type: "number", id: "counter-minutes", value: "5", min: "1", max: "30" });
  // The purpose is a code (it is what the citizen's grant commits to); its name is shown beside it.
  const purposeName = h("small", { class: "muted", id: "counter-purpose-name" });
  const showPurpose = () => {
    const code = purpose.value.trim();
    purposeName.textContent = codeText("purpose", code) === code ? "" : codeText("purpose", code);
  };
  purpose.addEventListener("input", showPurpose);
  service.addEventListener("change", () => {
    const s = services.find((x) => x.id === service.value);
    types.hidden = !!s;
    if (s) purpose.value = s.purpose;
    showPreset();
    showPurpose();
  });
  onLangChange(() => {
    Array.from(service.options).forEach((o) => {
      const s = services.find((x) => x.id === o.value);
      if (s) o.textContent = serviceLabel(s);
    });
    Array.from(types.options).forEach((o) => (o.textContent = typeName(o.value)));
    showPreset();
    showPurpose();
  });
  showPreset();
  showPurpose();
  const stage = h("div", { id: "counter-stage" });
  const open = h("button", { type: "button", id: "counter-open", t: "counter.open" });
  const out = h("div");
  open.addEventListener("click", () =>
    busy(open, out, async () => {
      const s = services.find((x) => x.id === service.value);
      const wanted = s ? s.types : Array.from(types.selectedOptions).map((o) => o.value);
      const opened = await post<Opened>(
        EP.counterRequests,
        { types: wanted, purpose: purpose.value.trim(), minutes: Number(minutes.value) },
        { headers: bearer(apiKey.get()) },
      );
      out.replaceChildren();
      showRequest(stage, opened);
    }),
  );
  const signOut = h("button", { type: "button", class: "secondary", id: "counter-sign-out", t: "common.signOut" });
  signOut.addEventListener("click", () => session.showLogin());
  showSignedIn();
  main.replaceChildren(
    signedIn,
    section(
      "counter.service",
      field("counter.service", service),
      field("counter.types", h("div", null, presetTypes, types)),
      field("counter.purpose", h("div", null, purpose, purposeName)),
      field("counter.lifetime", minutes),
      h("div", { class: "row" }, open, signOut),
      out,
    ),
    stage,
  );
}

function showRequest(stage: HTMLElement, r: Opened): void {
  current?.();
  redrawVerdict = undefined;
  const status = h("div", { id: "counter-status" });
  const verdicts = h("div", { id: "counter-verdict" });
  const countdown = h("span", { class: "muted", id: "counter-countdown" });
  stage.replaceChildren(
    h(
      "section",
      { class: "card" },
      h("h2", { t: "counter.scanPrompt" }),
      h(
        "div",
        { class: "qr", id: "counter-qr" },
        h("img", { src: r.qr.png, alt: "QR", id: "counter-qr-image", width: 320, height: 320 }),
        h("code", { id: "counter-request-url", translate: "no" }, r.url),
        h("p", null, r.types.map((x) => typeName(x.code)).join(" · "), " — ", purposeView(r.purpose)),
        countdown,
      ),
      status,
      verdicts,
    ),
  );
  notice(status, "info", tx("counter.waiting"), "OPEN");

  const tick = () => {
    const left = r.expiresAt - Math.floor(Date.now() / 1000);
    countdown.textContent = left > 0 ? `${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}` : "";
  };
  /** Shows a state; true when it is final (answered or expired). */
  const apply = (v: ResultView): boolean => {
    tick();
    if (v.state === "ANSWERED" && v.result) {
      showVerdict(stage, status, verdicts, v);
      return true;
    }
    if (v.state === "ANSWERING" && status.dataset.state !== "ANSWERING") {
      notice(status, "info", tx("counter.verifying"), "ANSWERING");
      status.dataset.state = "ANSWERING";
    }
    if (v.state === "DECLINED") {
      notice(status, "error", tx("counter.declined"), "COUNTER_REQUEST_DECLINED");
      stage.querySelector<HTMLImageElement>("#counter-qr-image")?.remove();
      nextButton(stage);
      return true;
    }
    if (v.state === "EXPIRED") {
      notice(status, "error", tx("counter.expired"), "COUNTER_REQUEST_EXPIRED");
      stage.querySelector("#counter-qr")?.classList.add("expired");
      stage.querySelector<HTMLImageElement>("#counter-qr-image")?.remove();
      nextButton(stage);
      return true;
    }
    return false;
  };
  const ticker = setInterval(tick, 1000);
  const stop = () => {
    clearInterval(ticker);
    if (pollTimer) clearTimeout(pollTimer);
    stream?.abort();
  };
  current = stop;

  // Polling: the fallback when the event stream is unavailable (a proxy that buffers, an old browser).
  const poll = async () => {
    try {
      const v = await get<ResultView>(EP.counterResult(r.id), { headers: bearer(apiKey.get()) });
      if (apply(v)) return stop();
    } catch (err) {
      if (isRejectedKey(err)) return keyRefused();
      // A network blip: keep polling.
    }
    pollTimer = setTimeout(poll, 1000);
  };

  // Server-sent events, read with fetch so the API key travels in the Authorization header (an
  // EventSource cannot send one).
  const stream = typeof ReadableStream === "undefined" ? undefined : new AbortController();
  const follow = async () => {
    const res = await fetch(EP.counterEvents(r.id), {
      headers: { accept: "text/event-stream", ...bearer(apiKey.get()) },
      signal: stream!.signal,
    });
    if (res.status === 401) return keyRefused();
    if (!res.ok || !res.body) throw new Error(`events: ${res.status}`);
    if (await readEvents(res.body, (v) => apply(v as ResultView))) return stop();
    throw new Error("events: stream ended early");
  };
  if (stream)
    follow().catch(() => {
      if (!stream.signal.aborted) pollTimer = setTimeout(poll, 500);
    });
  else pollTimer = setTimeout(poll, 500);
}

function showVerdict(stage: HTMLElement, status: HTMLElement, verdicts: HTMLElement, v: ResultView): void {
  const res = v.result!;
  stage.querySelector<HTMLImageElement>("#counter-qr-image")?.remove();
  notice(
    status,
    res.verdict === "VALID" ? "ok" : "error",
    [tx("counter.answered"), ` · ${formatTime(res.answeredAt)}`],
    res.verdict,
  );
  // Field labels, the issuer's name and dates are in the page's language: switching it redraws them.
  // One verdict per certificate, after the overall one: the service goes ahead only when all are valid.
  const validCount = res.presentations.filter((p) => p.verdict === "VALID").length;
  const render = () =>
    verdicts.replaceChildren(
      h("p", {
        class: `overall ${res.verdict === "VALID" ? "valid" : "invalid"}`,
        id: "counter-overall",
        "data-verdict": res.verdict,
        t: "counter.overall",
        vars: { verdict: t(`verdict.${res.verdict}`), valid: validCount, total: res.presentations.length },
      }),
      ...res.presentations.map((p) => {
        const view = verdictCard(
          p.verdict === "VALID",
          p.reasons,
          p.typeCode
            ? {
                typeCode: p.typeCode,
                fields: p.verdict === "VALID" ? p.disclosed : undefined,
                hiddenCount: p.redactedCount,
                issuer: p.issuer?.name,
                validFrom: p.validFrom,
                validUntil: p.validUntil,
                ids: { certId: p.certId, agency: p.issuer?.agency },
              }
            : undefined,
          p.presentedBy,
        );
        view.dataset.cert = p.certId;
        if (p.typeCode) view.dataset.type = p.typeCode;
        return view;
      }),
    );
  render();
  redrawVerdict = render;
  nextButton(stage);
}

/** Redraws the verdict on screen in the new language. */
let redrawVerdict: (() => void) | undefined;
onLangChange(() => redrawVerdict?.());

function nextButton(stage: HTMLElement): void {
  const next = h("button", { type: "button", id: "counter-next", t: "counter.newRequest" });
  next.addEventListener("click", () => {
    current?.();
    stage.replaceChildren();
  });
  stage.querySelector(".card")?.append(h("div", { class: "row" }, next));
}

void session.start();
