/**
 * The agency console: sign in with the agency's API key (checked at once; the console then says which
 * agency it acts for); issue one certificate of a type the agency is accredited for, from a form built
 * from the type's JSON Schema; issue a CSV batch (anchored as one Merkle root) with a progress bar;
 * list and search this agency's certificates and change their status along the transitions the
 * ledger allows (revoking, which is final, after a confirmation). With the agency's own keystore
 * unlocked (src/web/agencyKey.ts; required when the gateway holds no agency key), the page builds the
 * document, shows what will be signed, signs in the browser and sends document and signature.
 */
import { STATUS_ACTION_FROM, STATUS_REASONS } from "../domain/reasons";
import { sampleFields } from "../domain/catalog/samples";
import { verifyDocumentIntegrity } from "../document";
import { api, ApiError, bearer, get, post } from "./api";
import { titleOf, TYPES, typeName, typeOf } from "./catalog";
import { certCard } from "./card";
import { EP } from "./endpoints";
import { claimLetters, type ClaimOfferOut } from "./claimLetters";
import { printButton, showPrintSheet } from "./print";
import { formatTime, has, lang, onLangChange, t } from "./i18n";
import {
  agencyKey,
  draftDocument,
  keySection,
  requireKey,
  reviewPanel,
  sendSignedBatch,
  sendSignedIssue,
  sendSignedStatus,
} from "./agencyKey";
import { isRejectedKey, principalName, signInSession } from "./signIn";
import { busy, codeView, copyButton, field, h, notice, section, shell, stored, tx } from "./ui";
import QRCode from "qrcode";

type Schema = Record<string, unknown>;

const main = shell("agency", "agency.title");
const apiKey = stored("agency.apiKey");
const auth = () => ({ headers: bearer(apiKey.get()) });
const session = signInSession({
  main,
  page: "agency",
  role: "agency",
  hintKey: "agency.keyHint",
  apiKey,
  onSignedIn: () => renderMain(),
});
/** The signed-in agency (GET /v1/me). */
const me = () => session.me();

/** The types this agency is accredited for now, in the catalog's order. */
function accreditedTypes() {
  const mine = new Set(me()?.agency?.types ?? []);
  return TYPES.filter((x) => mine.has(x.code));
}

/** A status-change reason in the page's language; a code without a translation as it is. */
const reasonLabel = (code: string) => codeView("statusReason", code);

const lastType = () => stored(`agency.lastType.${me()?.address ?? ""}`);

/** A type picker over the accredited types; it starts on the type this agency used last. */
function typeSelect(id: string): HTMLSelectElement {
  const types = accreditedTypes();
  const sel = h(
    "select",
    { id },
    types.map((x) => h("option", { value: x.code }, typeName(x.code))),
  );
  const last = lastType().get();
  if (last && types.some((x) => x.code === last)) sel.value = last;
  sel.addEventListener("change", () => lastType().set(sel.value));
  onLangChange(() => Array.from(sel.options).forEach((o) => (o.textContent = typeName(o.value))));
  return sel;
}

// ---------------------------------------------------------------------------------------------
// A form from a JSON Schema
// ---------------------------------------------------------------------------------------------

interface Control {
  read(): unknown;
  write(v: unknown): void;
  el: HTMLElement;
}

function enumTitle(s: Schema, i: number): string {
  const titles = s["x-enum-titles"] as { zh: string; en: string }[] | undefined;
  const tt = titles?.[i];
  return tt ? (lang() === "zh" ? tt.zh : tt.en) : String((s.enum as unknown[])[i]);
}

function control(s: Schema, path: string): Control {
  const type = s.type;
  if (Array.isArray(s.enum)) {
    const sel = h(
      "select",
      { "data-path": path },
      (s.enum as unknown[]).map((v, i) => h("option", { value: String(i) }, enumTitle(s, i))),
    );
    return {
      el: sel,
      read: () => (s.enum as unknown[])[Number(sel.value)],
      write: (v) => (sel.value = String(Math.max(0, (s.enum as unknown[]).indexOf(v)))),
    };
  }
  if (type === "object" && s.properties) {
    const props = s.properties as Record<string, Schema>;
    const required = new Set((s.required as string[]) ?? []);
    const children = Object.entries(props).map(([k, sub]) => ({
      k,
      c: control(sub, path ? `${path}.${k}` : k),
      optional: !required.has(k),
    }));
    const el = h(
      "fieldset",
      { class: "fields-group", "data-path": path },
      path ? h("legend", null, titleOf(s) ?? path) : null,
      children.map(({ k, c, optional }) =>
        c.el.tagName === "FIELDSET"
          ? c.el
          : h(
              "label",
              { class: "field" },
              h("span", { class: "label" }, `${titleOf(props[k]) ?? k}${optional ? "" : " *"}`),
              c.el,
            ),
      ),
    );
    return {
      el,
      read: () => {
        const o: Record<string, unknown> = {};
        for (const { k, c, optional } of children) {
          const v = c.read();
          if (optional && (v === "" || v === undefined)) continue;
          o[k] = v;
        }
        return o;
      },
      write: (v) => {
        const o = (v ?? {}) as Record<string, unknown>;
        for (const { k, c } of children) c.write(o[k]);
      },
    };
  }
  if (type === "array" || type === "object") {
    const ta = h("textarea", { rows: 3, "data-path": path, spellcheck: false, placeholder: "JSON" });
    return {
      el: ta,
      read: () => (ta.value.trim() ? JSON.parse(ta.value) : undefined),
      write: (v) => (ta.value = v === undefined ? "" : JSON.stringify(v, null, 1)),
    };
  }
  if (type === "boolean") {
    const cb = h("input", { type: "checkbox", "data-path": path });
    return { el: cb, read: () => cb.checked, write: (v) => (cb.checked = v === true) };
  }
  if (type === "integer" || type === "number") {
    const n = h("input", { type: "number", "data-path": path, step: type === "integer" ? "1" : "any" });
    return {
      el: n,
      read: () => (n.value === "" ? undefined : Number(n.value)),
      write: (v) => (n.value = v === undefined ? "" : String(v)),
    };
  }
  const input = h("input", { type: s.format === "date" ? "date" : "text", "data-path": path, autocomplete: "off" });
  return {
    el: input,
    read: () => input.value,
    write: (v) => (input.value = v === undefined || v === null ? "" : String(v)),
  };
}

// ---------------------------------------------------------------------------------------------
// Issue one
// ---------------------------------------------------------------------------------------------

const toUnix = (date: string) => (date ? Math.floor(Date.parse(`${date}T00:00:00Z`) / 1000) : undefined);

function issueSection(): HTMLElement {
  const out = h("div", { id: "agency-issue-result" });
  const type = typeSelect("agency-type");
  const holder = h("input", {
    type: "text",
    id: "agency-holder",
    placeholder: "0x…",
    autocomplete: "off",
    spellcheck: false,
  });
  const validFrom = h("input", { type: "date", id: "agency-valid-from" });
  const validUntil = h("input", { type: "date", id: "agency-valid-until" });
  const formBox = h("div", { id: "agency-fields" });
  let form: Control | undefined;
  const build = () => {
    const s = typeOf(type.value)?.schema as Schema | undefined;
    form = s ? control(s, "") : undefined;
    formBox.replaceChildren(form?.el ?? "");
  };
  type.addEventListener("change", build);
  onLangChange(() => {
    const before = form?.read();
    build();
    form?.write(before);
  });
  build();
  const sample = h("button", { type: "button", class: "secondary", id: "agency-fill-sample", t: "agency.fillSample" });
  sample.addEventListener("click", () => form?.write(sampleFields(type.value, `${Date.now()}`)));
  const issue = h("button", { type: "button", id: "agency-issue", t: "agency.issueButton" });
  /** The issued certificate: its id and its document to deliver. */
  const issued = (res: { certId: string; document: unknown; pickup?: Pickup }) => {
    const json = JSON.stringify(res.document, null, 2);
    const blob = URL.createObjectURL(new Blob([json], { type: "application/json" }));
    const docBox = h("textarea", { id: "agency-document", rows: 8, readonly: true, spellcheck: false });
    docBox.value = json;
    notice(out, "ok", tx("agency.issued", { certId: res.certId }), "ISSUED").dataset.certId = res.certId;
    out.append(
      ...(res.pickup?.url ? [pickupView(res.pickup)] : []),
      field("agency.document", docBox),
      h(
        "div",
        { class: "row" },
        copyButton(() => json),
        h("a", { href: blob, download: `${res.certId.slice(0, 18)}.json`, class: "button", t: "common.download" }),
        printIssued(res.certId, res.document),
      ),
    );
    void refreshList();
  };
  issue.addEventListener("click", () =>
    busy(issue, out, async () => {
      const body = {
        type: type.value,
        holder: holder.value.trim(),
        fields: form?.read() as Record<string, unknown>,
        ...(validFrom.value ? { validFrom: toUnix(validFrom.value) } : {}),
        ...(validUntil.value ? { validUntil: toUnix(validUntil.value) } : {}),
      };
      const key = await requireKey();
      if (key) return reviewAndSign(key, body);
      issued(
        await api<{ certId: string; document: unknown; pickup?: Pickup }>("POST", EP.issue, body, {
          headers: { ...bearer(apiKey.get()), "idempotency-key": crypto.randomUUID() },
        }),
      );
    }),
  );
  /** With the agency's own key: build the document here, show what will be signed, sign once confirmed. */
  const reviewAndSign = async (
    key: NonNullable<ReturnType<typeof agencyKey>>,
    body: { type: string; holder: string; fields: Record<string, unknown>; validFrom?: number; validUntil?: number },
  ) => {
    const draft = await draftDocument(key, body);
    const sign = h("button", { type: "button", id: "agency-sign-send", t: "agency.signSend" });
    const cancel = h("button", { type: "button", class: "secondary", id: "agency-sign-cancel", t: "common.cancel" });
    cancel.addEventListener("click", () => out.replaceChildren());
    sign.addEventListener("click", () =>
      busy(sign, out, async () => {
        const res = await sendSignedIssue(key, draft, apiKey.get());
        issued({ certId: res.certId, document: draft.document });
      }),
    );
    out.replaceChildren(reviewPanel(key, draft), h("div", { class: "row" }, sign, cancel));
  };
  return section(
    "agency.issue",
    field("common.type", type),
    field("agency.holder", holder),
    h("div", { class: "row" }, field("agency.validFrom", validFrom), field("agency.validUntil", validUntil)),
    formBox,
    h("div", { class: "row" }, sample, issue),
    out,
  );
}

// ---------------------------------------------------------------------------------------------
// Pickup: the document waits, sealed, for the holder's wallet to scan its QR code
// ---------------------------------------------------------------------------------------------

interface Pickup {
  id: string;
  state: string;
  expiresAt: number;
  url?: string;
}

/** The pickup's QR code (drawn here: its key is in the link's fragment), its link and its expiry. */
function pickupView(p: Pickup): HTMLElement {
  const img = h("img", { class: "pickup-qr", alt: "QR", width: 280, height: 280 });
  void QRCode.toDataURL(p.url!, { errorCorrectionLevel: "M", margin: 2, scale: 8 }).then((src) => (img.src = src));
  return h(
    "div",
    { class: "qr pickup", "data-pickup": p.id },
    h("h3", { t: "agency.pickup" }),
    img,
    h("p", { class: "muted", t: "agency.pickupHint", vars: { time: formatTime(p.expiresAt) } }),
    h("code", { class: "pickup-url", translate: "no" }, p.url!),
    h(
      "div",
      { class: "row" },
      copyButton(() => p.url!),
    ),
  );
}

function pickupButton(certId: string): HTMLElement {
  const box = h("div", { id: "agency-pickup" });
  const btn = h("button", { type: "button", class: "secondary", id: "agency-show-pickup", t: "agency.showPickup" });
  btn.addEventListener("click", () =>
    busy(btn, box, async () => {
      box.replaceChildren(pickupView(await get<Pickup>(EP.agencyPickup(certId), auth())));
    }),
  );
  return h("div", null, h("div", { class: "row" }, btn), box);
}

const PICKUP_PAGE = 50;

/** A batch's pickups, a page at a time: each certificate's link, and its QR code on demand. */
function batchPickups(batchId: string, total: number): HTMLElement {
  const box = h("div", { id: "agency-batch-pickups" });
  const btn = h("button", {
    type: "button",
    class: "secondary",
    id: "agency-batch-pickups-button",
    t: "agency.batchPickups",
  });
  let offset = 0;
  btn.addEventListener("click", () =>
    busy(btn, box, async () => {
      const page = await post<{ items: { index: number; certId: string; holder: string; pickup: Pickup }[] }>(
        EP.batchPickups(batchId, offset, PICKUP_PAGE),
        {},
        auth(),
      );
      offset += page.items.length;
      btn.hidden = offset >= total;
      box.append(
        h(
          "ul",
          { class: "list" },
          page.items.map((i) => {
            const qr = h("div");
            const show = h("button", { type: "button", class: "secondary pickup-show", t: "agency.showPickup" });
            show.addEventListener("click", () => qr.replaceChildren(pickupView(i.pickup)));
            return h(
              "li",
              { "data-cert-id": i.certId },
              h("span", { class: "mono", translate: "no" }, `#${i.index + 1} ${i.holder}`),
              i.pickup.url
                ? h(
                    "div",
                    { class: "row" },
                    show,
                    copyButton(() => i.pickup.url!),
                  )
                : tx(`pickup.${i.pickup.state}`),
              qr,
            );
          }),
        ),
      );
    }),
  );
  return h("div", null, h("div", { class: "row" }, btn), box);
}

// ---------------------------------------------------------------------------------------------
// Batch from a file (CSV or xlsx)
// ---------------------------------------------------------------------------------------------

interface RowProblem {
  row: number;
  column: string;
  code: string;
  message: string;
}

interface BatchPreview {
  rows: number;
  format: string;
  encoding?: string;
  items: {
    row: number;
    holder?: string;
    claim?: { reference: Record<string, string> };
    fields: Record<string, unknown>;
    validFrom?: number;
    validUntil?: number;
  }[];
  problems: RowProblem[];
}

/** The file's bytes as base64, for the JSON body of the preview. */
async function base64Of(f: File): Promise<string> {
  const bytes = new Uint8Array(await f.arrayBuffer());
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

/** One RFC 4180 line; the download starts with a BOM so that Excel opens the Chinese intact. */
const csvLine = (cells: (string | number)[]) =>
  `${cells.map((c) => (/[",\r\n]/.test(String(c)) ? `"${String(c).replace(/"/g, '""')}"` : String(c))).join(",")}\r\n`;

/** Every problem of every row, as a table and as a CSV to download. */
function problemsView(p: BatchPreview): HTMLElement {
  const bad = new Set(p.problems.map((x) => x.row)).size;
  // A row's own wording first ("row.DELEGATION_EXPIRED": a guardian column, not a holder's delegation).
  const text = (x: RowProblem) =>
    has(`row.${x.code}`) ? t(`row.${x.code}`) : has(`error.${x.code}`) ? t(`error.${x.code}`) : x.message;
  const csv =
    "\ufeff" +
    csvLine(["row", "column", "code", "message"]) +
    p.problems.map((x) => csvLine([x.row, x.column, x.code, x.message])).join("");
  const link = h("a", {
    id: "agency-batch-errors-csv",
    href: URL.createObjectURL(new Blob([csv], { type: "text/csv;charset=utf-8" })),
    download: "errors.csv",
    t: "agency.batchErrorsCsv",
  });
  return h(
    "div",
    { id: "agency-batch-problems" },
    h(
      "p",
      { class: "notice error", role: "alert", "data-code": "INVALID_ROWS" },
      tx("agency.batchProblems", { rows: p.rows, bad, count: p.problems.length }),
    ),
    h(
      "table",
      { class: "fields" },
      h(
        "thead",
        null,
        h(
          "tr",
          null,
          ...["agency.batchRow", "agency.batchColumn", "agency.batchCode", "agency.batchMessage"].map((k) =>
            h("th", { t: k }),
          ),
        ),
      ),
      h(
        "tbody",
        null,
        ...p.problems.map((x) =>
          h(
            "tr",
            { "data-row": String(x.row), "data-code": x.code },
            h("td", null, String(x.row)),
            h("td", null, x.column),
            h("td", null, h("code", null, x.code)),
            h("td", null, text(x)),
          ),
        ),
      ),
    ),
    link,
  );
}

function batchSection(): HTMLElement {
  const out = h("div", { id: "agency-batch-result" });
  const type = typeSelect("agency-batch-type");
  const file = h("input", {
    type: "file",
    accept: ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    id: "agency-batch-file",
  });
  const encoding = h(
    "select",
    { id: "agency-batch-encoding" },
    h("option", { value: "auto", t: "agency.batchEncodingAuto" }),
    h("option", { value: "utf-8" }, "UTF-8"),
    h("option", { value: "gb18030" }, "GBK / GB18030"),
  );
  const sheet = h("input", { id: "agency-batch-sheet", type: "text", autocomplete: "off" });
  const progress = h("progress", { class: "progress", id: "agency-batch-progress", max: 1, value: 0, hidden: true });
  const label = h("span", { class: "muted", id: "agency-batch-label" });
  const check = h("button", { type: "button", class: "secondary", id: "agency-batch-check", t: "agency.batchCheck" });
  const btn = h("button", { type: "button", id: "agency-batch-upload", t: "agency.batchUpload" });

  /** Every row checked by the gateway (POST /v1/agency/batches/preview); nothing is issued. */
  const preview = async (): Promise<BatchPreview | undefined> => {
    const f = file.files?.[0];
    if (!f) return undefined;
    out.replaceChildren();
    progress.hidden = true;
    label.textContent = "";
    try {
      const p = await post<BatchPreview>(
        EP.batchPreview,
        {
          type: type.value,
          fileName: f.name,
          content: await base64Of(f),
          encoding: encoding.value,
          ...(sheet.value.trim() ? { sheet: sheet.value.trim() } : {}),
        },
        auth(),
      );
      if (p.problems.length > 0) {
        out.replaceChildren(problemsView(p));
        return undefined;
      }
      return p;
    } catch (e) {
      // An unknown column is named: the sentence alone would not say which one to fix.
      if (e instanceof ApiError && e.code === "UNKNOWN_COLUMNS") {
        const cols = (e.details as { columns?: string[] } | undefined)?.columns ?? [];
        notice(out, "error", `${t("error.UNKNOWN_COLUMNS")} ${cols.join(", ")}`, e.code);
        return undefined;
      }
      throw e;
    }
  };

  check.addEventListener("click", () =>
    busy(check, out, async () => {
      const p = await preview();
      if (p) notice(out, "ok", tx("agency.batchChecked", { rows: p.rows }), "BATCH_CHECKED");
    }),
  );
  btn.addEventListener("click", () =>
    busy(btn, out, async () => {
      const p = await preview();
      if (!p) return;
      const items = p.items.map(({ row: _row, ...item }) => item);
      const key = await requireKey();
      if (key && items.some((i) => "claim" in i))
        throw new ApiError("CLAIM_NEEDS_CUSTODIAL_KEYS", "claim rows are issued with the gateway's agency key", 0);
      // The gateway relays a guardian's delegation only for a batch it signs (delegateInBatchByIssuerSig).
      if (key && items.some((i) => "guardian" in i))
        throw new ApiError("GUARDIAN_NEEDS_CUSTODIAL_KEYS", "guardians are named with the gateway's agency key", 0);
      if (key) {
        // Built, hashed and signed here; the gateway checks and anchors the root.
        const r = await sendSignedBatch(
          key,
          type.value,
          items as { holder: string; fields: Record<string, unknown> }[],
          apiKey.get(),
        );
        notice(out, "ok", tx("agency.batchDone", { count: r.count, root: r.root }), "BATCH_DONE");
        void refreshList();
        return;
      }
      progress.hidden = false;
      progress.max = items.length;
      progress.value = 0;
      label.dataset.i18n = "agency.batchProgress";
      const setLabel = (done: number, total: number) => {
        label.dataset.i18nVars = JSON.stringify({ done, total });
        label.textContent = t("agency.batchProgress", { done, total });
      };
      setLabel(0, items.length);
      out.replaceChildren();
      let job = await post<{
        batchId: string;
        state: string;
        total: number;
        built: number;
        root?: string;
        error?: { code: string; message: string };
        claims?: ClaimOfferOut[];
      }>(EP.batches, { type: type.value, items }, auth());
      // The claim codes come in this answer only.
      const claims = job.claims;
      while (job.state === "building" || job.state === "anchoring") {
        progress.value = job.built;
        setLabel(job.built, job.total);
        await new Promise((r) => setTimeout(r, 400));
        job = await get(EP.batch(job.batchId), auth());
      }
      progress.value = job.total;
      setLabel(job.total, job.total);
      if (job.state !== "done")
        throw new ApiError(job.error?.code ?? "BATCH_FAILED", job.error?.message ?? job.state, 0);
      if (job.total > 0) {
        notice(out, "ok", tx("agency.batchDone", { count: job.total, root: job.root ?? "" }), "BATCH_DONE");
        out.append(batchPickups(job.batchId, job.total));
      }
      if (claims?.length) {
        const n = h("div", { id: "agency-claims-made" });
        notice(n, "ok", tx("agency.claimsMade", { count: claims.length }), "CLAIMS_MADE");
        out.append(
          n,
          claimLetters(claims, {
            type: type.value,
            agency: me()?.agency?.name ?? "",
            fields: (i) => Object.keys((items[i] as { claim: { reference: object } }).claim.reference).sort(),
            // The row as in the agency's file (the preview numbers them).
            rowOf: (i) => p.items[i].row,
          }),
        );
      }
      void refreshList();
    }),
  );
  return section(
    "agency.batch",
    h("p", { class: "muted", t: "agency.batchHint" }),
    field("common.type", type),
    file,
    h("div", { class: "row" }, field("agency.batchEncoding", encoding), field("agency.batchSheet", sheet)),
    h("div", { class: "row" }, check, btn),
    progress,
    label,
    out,
  );
}

// ---------------------------------------------------------------------------------------------
// Search and status
// ---------------------------------------------------------------------------------------------

interface CertRecord {
  certId: string;
  type?: string;
  status: string;
  issuedAt: number;
  validUntil: number;
  batchRoot?: string;
  history?: { status: string; reason: string; at: number }[];
}

const list = h("ul", { class: "list", id: "agency-certificates" });
const detail = h("div", { id: "agency-detail" });

async function refreshList(): Promise<void> {
  try {
    const page = await get<{ items: CertRecord[] }>(EP.agencyCertificates("?limit=20"), auth());
    list.replaceChildren(
      ...page.items.map((c) => {
        const li = h(
          "li",
          { "data-cert": c.certId, tabindex: 0 },
          h(
            "div",
            { class: "row" },
            h("strong", null, c.type ? typeName(c.type) : "?"),
            h("span", { class: `badge ${c.status === "ACTIVE" ? "ok" : "bad"}`, t: `status.${c.status}` }),
          ),
          h("small", { class: "mono", translate: "no" }, c.certId),
          h("small", { class: "muted" }, formatTime(c.issuedAt)),
        );
        li.addEventListener("click", () => void showCert(c.certId));
        return li;
      }),
    );
  } catch (err) {
    if (isRejectedKey(err)) session.showLogin("signIn.keyRefused");
  }
}

async function showCert(certId: string): Promise<void> {
  const box = h("div");
  detail.replaceChildren(box);
  await busy(null, box, async () => {
    const c = await get<CertRecord>(EP.agencyCertificate(certId.trim()), auth());
    const confirmBox = h("div", { id: "agency-confirm-box" });
    // Only the actions the ledger allows from this status (reinstate only a suspended certificate...).
    const offered = (["revoke", "suspend", "reinstate"] as const).filter((a) =>
      STATUS_ACTION_FROM[a].includes(c.status as never),
    );
    const actions = offered.map((action) => {
      const reason = h(
        "select",
        { "data-action-reason": action },
        Object.keys(STATUS_REASONS[action]).map((r) => h("option", { value: r, t: `statusReason.${r}` })),
      );
      const btn = h("button", {
        type: "button",
        class: action === "revoke" ? "danger" : "secondary",
        "data-action": action,
        t: `agency.${action}`,
      });
      const send = () =>
        busy(btn, box, async () => {
          const key = await requireKey();
          const r = key
            ? await sendSignedStatus(
                key,
                c.certId,
                action,
                { code: reason.value, number: (STATUS_REASONS[action] as Record<string, number>)[reason.value] },
                apiKey.get(),
              )
            : await post<{ status: string }>(EP.statusChange(c.certId, action), { reason: reason.value }, auth());
          await showCert(c.certId);
          detail.prepend(
            h("div", {
              class: "notice ok",
              "data-status": r.status,
              t: "agency.statusChanged",
              vars: { status: t(`status.${r.status}`) },
            }),
          );
          void refreshList();
        });
      // Revoking is final: say what will be revoked and why, and send only once confirmed.
      btn.addEventListener("click", () =>
        action === "revoke" ? confirmRevoke(confirmBox, c, reason.value, send) : send(),
      );
      return h("div", { class: "row" }, reason, btn);
    });
    box.replaceChildren(
      h(
        "div",
        { class: "row" },
        h("strong", null, c.type ? typeName(c.type) : "?"),
        h("span", {
          class: `badge ${c.status === "ACTIVE" ? "ok" : "bad"}`,
          id: "agency-detail-status",
          "data-status": c.status,
          t: `status.${c.status}`,
        }),
      ),
      h("p", { class: "mono", translate: "no" }, c.certId),
      h("p", { class: "muted" }, `${formatTime(c.issuedAt)} → ${formatTime(c.validUntil)}`),
      h(
        "ul",
        null,
        (c.history ?? []).map((x) =>
          h("li", null, `${formatTime(x.at)} · `, tx(`status.${x.status}`), " · ", reasonLabel(x.reason)),
        ),
      ),
      ...(actions.length ? actions : [h("p", { class: "muted", id: "agency-no-actions", t: "agency.noActions" })]),
      confirmBox,
      pickupButton(c.certId),
    );
  });
}

function confirmRevoke(box: HTMLElement, c: CertRecord, reason: string, send: () => Promise<void>): void {
  const yes = h("button", { type: "button", class: "danger", id: "agency-confirm-revoke", t: "agency.confirmRevoke" });
  const no = h("button", { type: "button", class: "secondary", id: "agency-confirm-cancel", t: "common.cancel" });
  const panel = h(
    "div",
    { class: "confirm", role: "alertdialog", "aria-labelledby": "agency-confirm-title", id: "agency-confirm" },
    h("strong", { id: "agency-confirm-title", t: "agency.revokeQuestion" }),
    h(
      "dl",
      null,
      h("dt", { t: "common.type" }),
      h("dd", null, c.type ? typeName(c.type) : "?"),
      h("dt", { t: "common.certId" }),
      h("dd", { class: "mono", "data-cert": c.certId, translate: "no" }, c.certId),
      h("dt", { t: "agency.reason" }),
      h("dd", { "data-reason": reason }, reasonLabel(reason)),
    ),
    h("p", { class: "muted", t: "agency.revokeFinal" }),
    h("div", { class: "row" }, yes, no),
  );
  no.addEventListener("click", () => box.replaceChildren());
  yes.addEventListener("click", async () => {
    no.disabled = true;
    await send();
    box.replaceChildren();
  });
  box.replaceChildren(panel);
  no.focus();
}

function manageSection(): HTMLElement {
  const q = h("input", {
    type: "text",
    id: "agency-search",
    placeholder: "0x…",
    spellcheck: false,
    autocomplete: "off",
  });
  const btn = h("button", { type: "button", class: "secondary", id: "agency-search-go", t: "agency.search" });
  btn.addEventListener("click", () => void showCert(q.value));
  return section("agency.manage", h("div", { class: "row" }, q, btn), detail, list);
}

const signedIn = h("p", { class: "lead", id: "agency-signed-in" });
const showSignedIn = () => {
  const who = me();
  if (!who) return;
  signedIn.textContent = t("common.signedInAs", { name: principalName(who) });
  signedIn.dataset.agency = who.address;
};
onLangChange(showSignedIn);

function renderMain(): void {
  const signOut = h("button", { type: "button", class: "secondary", id: "agency-sign-out", t: "common.signOut" });
  signOut.addEventListener("click", () => session.showLogin());
  showSignedIn();
  const head = h("div", { class: "row signed-in" }, signedIn, signOut);
  if (accreditedTypes().length === 0)
    main.replaceChildren(
      head,
      h("p", { class: "notice error", id: "agency-no-types", t: "agency.noTypes" }),
      manageSection(),
    );
  else
    main.replaceChildren(
      head,
      keySection(() => undefined),
      issueSection(),
      batchSection(),
      manageSection(),
    );
  void refreshList();
}

void session.start();

/**
 * The agency prints the certificate it has just issued: the card, without a verification QR code. A
 * checkable QR code opens a link the holder grants, signed with the holder's key, which the agency does
 * not hold; so the sheet says that the holder prints a checkable copy from the wallet.
 */
function printIssued(certId: string, document: unknown): HTMLButtonElement {
  const b = h("button", { type: "button", class: "secondary", id: "agency-print", t: "print.button" });
  b.addEventListener("click", async () => {
    const integrity = verifyDocumentIntegrity(document);
    const fields: Record<string, unknown> = {};
    for (const [p, v] of Object.entries(integrity.values ?? {})) if (!p.startsWith("@")) fields[p] = v;
    const sheet = await showPrintSheet(
      certCard({
        typeCode: integrity.certificateType?.code ?? "",
        fields,
        issuer: me()?.agency?.name,
        validFrom: integrity.validFrom,
        validUntil: integrity.validUntil,
        status: "ACTIVE",
        ids: { certId, batchRoot: integrity.batch?.root, issuerKey: integrity.issuer, holder: integrity.holder },
      }),
      undefined,
      t("print.agencyNoQr"),
    );
    sheet.append(h("div", { class: "row no-print" }, printButton()));
    sheet.scrollIntoView({ block: "start" });
  });
  return b;
}
