/**
 * The citizen wallet: create or restore a wallet (BIP-39 mnemonic), hand out a fresh address per
 * certificate, import certificate documents, scan or paste a counter's QR and present with chosen
 * fields hidden, share online (to a named verifier, or as a one-time link whose key stays in the
 * fragment), list and revoke grants, and read the trail of checks.
 */
import {
  counterGrant,
  createHolderWallet,
  generateMnemonic,
  grantMessage,
  type HolderWallet,
  purposeHash,
  redactDocument,
  type TypedDataDomain,
  validateMnemonic,
  verifyDocumentIntegrity,
} from "../document";
import { PURPOSES, purposeNeeds, purposeOf } from "../domain/catalog/purposes";
import { holderAuthMessage } from "../domain/holderAuth";
import { api, ApiError, get, post } from "./api";
import { readCertificateText } from "./certificateFile";
import { fieldLabel, sortPaths, typeName, valueLabel } from "./catalog";
import { encryptForLink, newLinkKey, personalSign, randomNonce } from "./crypto";
import { EP } from "./endpoints";
import { codeText, formatTime, onLangChange, t } from "./i18n";
import { decodeQrFromFile, requestIdFrom, scanWithCamera, type CameraScan } from "./qr";
import {
  busy,
  copyButton,
  field,
  filePicker,
  form,
  h,
  notice,
  partyView,
  purposeView,
  section,
  shell,
  showError,
  tx,
  verdictView,
} from "./ui";
import {
  forgetWallet,
  loadWallet,
  mnemonicOf,
  newWalletData,
  saveWallet,
  type StoredCertificate,
  type WalletData,
} from "./walletStore";

interface RequestView {
  id: string;
  verifier: { address: string; name: string };
  types: { code: string; name: string; nameZh?: string }[];
  purpose: string;
  nonce: string;
  expiresAt: number;
  state: string;
  domain: { name: string; version: string; chainId: number; verifyingContract: string };
}

const main = shell("wallet", "wallet.title");
let data: WalletData | undefined = loadWallet();
let keys: HolderWallet | undefined;
let domainCache: TypedDataDomain | undefined;
const now = () => Math.floor(Date.now() / 1000);

function persist(): void {
  if (data) saveWallet(data);
}

async function consentDomain(fallback?: RequestView["domain"]): Promise<TypedDataDomain> {
  if (fallback) return { ...fallback, chainId: BigInt(fallback.chainId) };
  if (domainCache) return domainCache;
  const info = await get<{ eip712Domain: RequestView["domain"] }>(EP.chain);
  domainCache = { ...info.eip712Domain, chainId: BigInt(info.eip712Domain.chainId) };
  return domainCache;
}

// ---------------------------------------------------------------------------------------------
// Setup: create, restore, unlock
// ---------------------------------------------------------------------------------------------

function renderSetup(): void {
  const box = h("div");
  const pass = h("input", { type: "password", id: "wallet-passphrase", autocomplete: "new-password" });
  const restore = h("textarea", { id: "wallet-mnemonic-input", rows: 3, autocomplete: "off", spellcheck: false });
  const restorePass = h("input", { type: "password", id: "wallet-restore-passphrase", autocomplete: "new-password" });

  // Two forms, so that Enter in a passphrase box does what that box's form says (never "create" for a restore).
  const create = h("button", { type: "submit", id: "wallet-create", t: "wallet.create" });
  const createForm = form(
    { id: "wallet-create-form" },
    () =>
      busy(create, box, async () => {
        const mnemonic = generateMnemonic();
        data = await newWalletData(mnemonic, pass.value);
        persist();
        keys = createHolderWallet({ mnemonic });
        renderMnemonicOnce(mnemonic);
      }),
    field("wallet.passphrase", pass),
    h("div", { class: "row" }, create),
  );
  const restoreBtn = h("button", { type: "submit", class: "secondary", id: "wallet-restore", t: "wallet.import" });
  const restoreForm = form(
    { id: "wallet-restore-form" },
    () =>
      busy(restoreBtn, box, async () => {
        const mnemonic = restore.value.trim().toLowerCase().split(/\s+/).join(" ");
        if (!validateMnemonic(mnemonic)) throw new ApiError("INVALID_MNEMONIC", "invalid mnemonic", 0);
        data = await newWalletData(mnemonic, restorePass.value);
        persist();
        keys = createHolderWallet({ mnemonic });
        renderMain();
      }),
    field("wallet.mnemonic", restore),
    field("wallet.passphrase", restorePass),
    h("div", { class: "row" }, restoreBtn),
  );

  main.replaceChildren(
    section(
      "wallet.title",
      h("p", { class: "warning", t: "wallet.mnemonicWarning" }),
      createForm,
      h("hr"),
      restoreForm,
      box,
    ),
  );
}

function renderMnemonicOnce(mnemonic: string): void {
  const ok = h("button", { type: "button", id: "wallet-mnemonic-done", t: "common.close" });
  ok.addEventListener("click", () => renderMain());
  main.replaceChildren(
    section(
      "wallet.mnemonic",
      h("p", { class: "warning", t: "wallet.mnemonicWarning" }),
      h("p", { class: "mnemonic", id: "wallet-mnemonic", translate: "no" }, mnemonic),
      h(
        "div",
        { class: "row" },
        copyButton(() => mnemonic),
        ok,
      ),
    ),
  );
}

function renderLocked(): void {
  const box = h("div");
  const pass = h("input", { type: "password", id: "wallet-unlock-passphrase", autocomplete: "current-password" });
  const btn = h("button", { type: "submit", id: "wallet-unlock", t: "wallet.unlock" });
  const unlock = form(
    { id: "wallet-unlock-form" },
    () =>
      busy(btn, box, async () => {
        try {
          keys = createHolderWallet({ mnemonic: await mnemonicOf(data!, pass.value) });
        } catch {
          throw new Error(t("wallet.badPassphrase"));
        }
        renderMain();
      }),
    field("wallet.passphrase", pass),
    h("div", { class: "row" }, btn),
  );
  main.replaceChildren(section("wallet.locked", unlock, box));
}

// ---------------------------------------------------------------------------------------------
// Main view
// ---------------------------------------------------------------------------------------------

const els = {
  certs: h("ul", { class: "list", id: "wallet-certificates" }),
  grants: h("ul", { class: "list", id: "wallet-grants" }),
  trail: h("ul", { class: "list", id: "wallet-trail" }),
  request: h("div", { id: "wallet-request" }),
  receive: h("code", { id: "wallet-receive-address", translate: "no" }),
};

function receiveAddress(): string {
  return keys!.address(data!.nextIndex).toLowerCase();
}

/** Finds which of this wallet's keys a document belongs to (the holder key is per certificate). */
function findIndex(holder: string): number | undefined {
  const limit = data!.nextIndex + 50;
  for (let i = 0; i < limit; i++) if (keys!.address(i).toLowerCase() === holder.toLowerCase()) return i;
  return undefined;
}

function importDocument(text: string): StoredCertificate {
  // MALFORMED (not a certificate file: the wrong file, an empty box) is told apart from TAMPERED.
  const { document: doc, integrity } = readCertificateText(text);
  if (integrity.code !== "OK" || !integrity.holder || !integrity.certId)
    throw new ApiError(integrity.code === "OK" ? "MALFORMED" : integrity.code, integrity.reason ?? "", 0);
  const index = findIndex(integrity.holder);
  if (index === undefined) throw new Error(t("wallet.notMine"));
  const existing = data!.certificates.find((c) => c.certId === integrity.certId!.toLowerCase());
  const cert: StoredCertificate = {
    certId: integrity.certId.toLowerCase(),
    index,
    typeCode: integrity.certificateType?.code ?? "?",
    documentRoot: integrity.documentRoot!.toLowerCase(),
    document: doc,
    addedAt: now(),
  };
  if (!existing) data!.certificates.push(cert);
  data!.nextIndex = Math.max(data!.nextIndex, index + 1);
  persist();
  return cert;
}

function disclosedFields(doc: unknown): { path: string; value: unknown }[] {
  const integrity = verifyDocumentIntegrity(doc);
  const subject = (doc as { credentialSubject: Record<string, unknown> }).credentialSubject;
  const paths = integrity.disclosed.filter((p) => !p.startsWith("@"));
  return sortPaths(integrity.certificateType?.code ?? "", paths).map((path) => ({
    path,
    value: valueAtPath(subject, path),
  }));
}

function valueAtPath(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const seg of path.split(/\.|\[(\d+)\]/).filter((x) => x !== undefined && x !== "")) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[seg];
  }
  return cur;
}

/** A certificate's standing now, as the citizen should see it before presenting it. */
interface CertState {
  /** ACTIVE, REVOKED, SUSPENDED, SUPERSEDED, EXPIRED, NOT_YET_VALID, or UNKNOWN (gateway unreachable). */
  status: string;
  /** The agency's reason code for the last status change (ISSUED_IN_ERROR…), when not active. */
  reason?: string;
}

const states = new Map<string, CertState>();

async function certState(c: StoredCertificate): Promise<CertState> {
  try {
    const s = await get<{
      status: string;
      validFrom: number;
      validUntil: number;
      history: { status: string; reason: string }[];
    }>(EP.publicStatus(c.certId));
    let status = s.status;
    if (status === "ACTIVE" && s.validUntil && s.validUntil <= now()) status = "EXPIRED";
    if (status === "ACTIVE" && s.validFrom > now()) status = "NOT_YET_VALID";
    const last = [...s.history].reverse().find((x) => x.status === s.status);
    const state: CertState = { status, ...(s.status !== "ACTIVE" && last ? { reason: last.reason } : {}) };
    states.set(c.certId, state);
    return state;
  } catch {
    return states.get(c.certId) ?? { status: "UNKNOWN" };
  }
}

/** The status badge (and the agency's reason) of a certificate, in the list and when presenting. */
function statusBadge(state: CertState | undefined): HTMLElement[] {
  const status = state?.status ?? "PENDING";
  return [
    h("span", {
      class: `badge status ${status === "ACTIVE" ? "ok" : status === "PENDING" ? "" : "bad"}`,
      "data-status": status,
      t: `status.${status}`,
    }),
    state?.reason
      ? h("span", { class: "muted status-reason", "data-reason": state.reason }, codeText("statusReason", state.reason))
      : null,
  ].filter((x): x is HTMLSpanElement => x !== null);
}

async function refreshStatuses(): Promise<void> {
  await Promise.all(
    data!.certificates.map(async (c) => {
      const state = await certState(c);
      document
        .querySelector<HTMLElement>(`[data-cert="${c.certId}"] .status-line`)
        ?.replaceChildren(...statusBadge(state));
    }),
  );
}

function renderCertificates(): void {
  if (!data!.certificates.length) {
    els.certs.replaceChildren(h("li", { class: "muted", t: "wallet.noCertificates" }));
    return;
  }
  els.certs.replaceChildren(
    ...data!.certificates.map((c) => {
      const shareBox = h("div");
      const shareBtn = h("button", { type: "button", class: "secondary", t: "wallet.share", "data-action": "share" });
      shareBtn.addEventListener("click", () => shareBox.replaceChildren(shareForm(c)));
      const trailBtn = h("button", { type: "button", class: "secondary", t: "wallet.trail", "data-action": "trail" });
      trailBtn.addEventListener("click", () => loadTrail(c));
      const fields = disclosedFields(c.document);
      return h(
        "li",
        { "data-cert": c.certId, "data-type": c.typeCode },
        h(
          "div",
          { class: "row" },
          h("strong", null, typeName(c.typeCode)),
          h("span", { class: "row status-line" }, ...statusBadge(states.get(c.certId))),
        ),
        h("small", { class: "mono", translate: "no" }, c.certId),
        h(
          "details",
          null,
          h("summary", { t: "wallet.details" }),
          h(
            "table",
            { class: "fields" },
            fields.map((f) =>
              h(
                "tr",
                null,
                h("th", null, fieldLabel(c.typeCode, f.path)),
                h("td", { translate: "no" }, valueLabel(c.typeCode, f.path, f.value)),
              ),
            ),
          ),
        ),
        h("div", { class: "row" }, shareBtn, trailBtn),
        shareBox,
      );
    }),
  );
  void refreshStatuses();
}

// ---------------------------------------------------------------------------------------------
// Presenting at the counter
// ---------------------------------------------------------------------------------------------

async function openRequest(id: string): Promise<void> {
  const box = els.request;
  box.replaceChildren(tx("common.loading"));
  box.scrollIntoView?.({ block: "start" });
  let req: RequestView;
  try {
    req = await get<RequestView>(EP.counterRequest(id));
  } catch (err) {
    showError(box, err);
    return;
  }
  if (req.state === "EXPIRED")
    return void notice(box, "error", t("error.COUNTER_REQUEST_EXPIRED"), "COUNTER_REQUEST_EXPIRED");
  if (req.state === "DECLINED")
    return void notice(box, "error", t("error.COUNTER_REQUEST_DECLINED"), "COUNTER_REQUEST_DECLINED");
  if (req.state !== "OPEN")
    return void notice(box, "error", t("error.COUNTER_REQUEST_ANSWERED"), "COUNTER_REQUEST_ANSWERED");

  const picks: { type: string; select: HTMLSelectElement; fieldsBox: HTMLElement }[] = [];
  const out = h("div", { id: "wallet-present-result" });
  const present = h("button", { type: "button", id: "wallet-present", t: "wallet.present" });
  // A certificate that is not valid now (revoked, suspended, expired…) is shown as such, and presenting
  // it takes a second, deliberate tick: the counter would see INVALID.
  const candidates = data!.certificates.filter((c) => req.types.some((tp) => tp.code === c.typeCode));
  await Promise.all(candidates.map((c) => certState(c)));
  // UNKNOWN (the gateway did not answer) is not a reason to warn: presenting asks the gateway anyway.
  const usable = (certId: string) => ["ACTIVE", "UNKNOWN", undefined].includes(states.get(certId)?.status);
  const acks: (() => boolean)[] = [];
  const update = () => {
    present.disabled = acks.length < req.types.length || acks.some((ok) => !ok());
  };
  const needed = purposeOf(req.purpose);
  const parts = req.types.map((tp) => {
    // Valid certificates first, so the default pick is one the counter will accept.
    const mine = data!.certificates
      .filter((c) => c.typeCode === tp.code)
      .sort((x, y) => Number(usable(y.certId)) - Number(usable(x.certId)));
    const select = h(
      "select",
      { "data-type": tp.code, class: "cert-pick" },
      mine.map((c) =>
        h(
          "option",
          { value: c.certId },
          `${typeName(c.typeCode)} · ${t(`status.${states.get(c.certId)?.status ?? "UNKNOWN"}`)} · ${c.certId.slice(0, 10)}…`,
        ),
      ),
    );
    const warning = h("div", { class: "present-warning" });
    const fieldsBox = h("div", { class: "checks" });
    let acknowledged = false;
    const fill = () => {
      const c = data!.certificates.find((x) => x.certId === select.value);
      acknowledged = false;
      const state = c ? states.get(c.certId) : undefined;
      if (c && state && !usable(c.certId)) {
        const ack = h("input", { type: "checkbox", class: "present-anyway", "data-cert": c.certId });
        ack.addEventListener("change", () => {
          acknowledged = ack.checked;
          update();
        });
        warning.replaceChildren(
          h(
            "div",
            { class: "notice error", role: "alert", "data-status": state.status },
            h("span", { class: "row" }, ...statusBadge(state)),
            " ",
            tx("wallet.presentWarning"),
            h("label", { class: "ack" }, ack, tx("wallet.presentAnyway")),
          ),
        );
      } else warning.replaceChildren();
      fieldsBox.replaceChildren(
        ...(c
          ? disclosedFields(c.document).map((f) =>
              h(
                "label",
                null,
                h("input", {
                  type: "checkbox",
                  checked: purposeNeeds(req.purpose, c.typeCode, f.path),
                  value: f.path,
                  "data-path": f.path,
                }),
                h(
                  "span",
                  null,
                  fieldLabel(c.typeCode, f.path),
                  ": ",
                  h("span", { class: "muted", translate: "no" }, valueLabel(c.typeCode, f.path, f.value)),
                ),
              ),
            )
          : []),
      );
      update();
    };
    if (mine.length) acks.push(() => usable(select.value) || acknowledged);
    select.addEventListener("change", fill);
    picks.push({ type: tp.code, select, fieldsBox });
    const part = h(
      "div",
      { class: "card" },
      h("h3", null, typeName(tp.code)),
      mine.length
        ? [
            field("wallet.pickCert", select),
            warning,
            h("p", {
              class: "muted disclose-hint",
              t: needed ? "wallet.discloseNeeded" : "wallet.discloseNone",
              vars: { purpose: codeText("purpose", req.purpose) },
            }),
            fieldsBox,
          ]
        : h("p", { class: "notice error", t: "wallet.missingType", vars: { type: typeName(tp.code) } }),
    );
    fill();
    return part;
  });
  update();

  const decline = h("button", { type: "button", class: "secondary", id: "wallet-decline", t: "wallet.decline" });
  // Tell the counter at once, so the officer does not wait for the QR code to expire.
  decline.addEventListener("click", () =>
    busy(decline, out, async () => {
      await post(EP.counterDecline(req.id), {});
      box.replaceChildren(
        section("wallet.request", h("p", { class: "notice ok", "data-code": "DECLINED", t: "wallet.declined" })),
      );
    }),
  );
  present.addEventListener("click", () =>
    busy(present, out, async () => {
      const domain = await consentDomain(req.domain);
      const presentations = picks.map(({ select, fieldsBox }) => {
        const c = data!.certificates.find((x) => x.certId === select.value)!;
        const hidden = Array.from(fieldsBox.querySelectorAll<HTMLInputElement>("input[type=checkbox]"))
          .filter((i) => !i.checked)
          .map((i) => i.value);
        const document = hidden.length ? redactDocument(c.document, hidden) : c.document;
        const grant = counterGrant(req, c.certId);
        const signed = keys!.signGrant(c.index, domain, grantMessage(grant));
        return { c, grantId: signed.grantId, body: { document, grant, signature: signed.signature } };
      });
      const result = await post<{
        verdict: string;
        presentations: { certId: string; grantId?: string; verdict: string; reasons: string[] }[];
      }>(EP.counterAnswer(req.id), { presentations: presentations.map((p) => p.body) });
      for (const p of presentations) {
        const r = result.presentations.find((x) => x.certId === p.c.certId);
        if (r?.grantId)
          data!.grants.push({
            grantId: r.grantId.toLowerCase(),
            certId: p.c.certId,
            index: p.c.index,
            kind: "counter",
            grantee: req.verifier.address,
            granteeName: req.verifier.name,
            purpose: req.purpose,
            validUntil: req.expiresAt,
            maxUses: 1,
            createdAt: now(),
          });
      }
      persist();
      renderGrants();
      const ok = result.verdict === "VALID";
      notice(
        out,
        ok ? "ok" : "error",
        tx("wallet.presented", { verdict: t(`verdict.${result.verdict}`) }),
        result.verdict,
      );
      out.append(
        ...result.presentations.map((p) =>
          verdictView({
            valid: p.verdict === "VALID",
            reasons: p.reasons,
            typeTitle: typeName(data!.certificates.find((c) => c.certId === p.certId)?.typeCode ?? ""),
          }),
        ),
      );
      present.remove();
      decline.remove();
    }),
  );

  box.replaceChildren(
    section(
      "wallet.request",
      h(
        "p",
        { class: "lead", id: "wallet-request-from" },
        partyView(req.verifier.name, "strong"),
        " — ",
        tx("wallet.requestFrom", { verifier: "" }),
      ),
      h("p", { id: "wallet-request-purpose" }, tx("wallet.requestPurpose", { purpose: "" }), purposeView(req.purpose)),
      h("p", { class: "muted" }, tx("wallet.requestExpires", { time: formatTime(req.expiresAt) })),
      ...parts,
      h("div", { class: "row" }, present, decline),
      out,
    ),
  );
}

function scanSection(): HTMLElement {
  const box = h("div", { id: "wallet-scan-message" });
  const video = h("video", { muted: true, hidden: true });
  let cam: CameraScan | undefined;
  const camBtn = h("button", { type: "button", id: "wallet-scan-camera", t: "wallet.scanCamera" });
  const handle = (text: string | undefined) => {
    const id = text && requestIdFrom(text);
    if (!id)
      return void notice(
        box,
        "error",
        t(text ? "error.COUNTER_REQUEST_NOT_FOUND" : "wallet.noQr"),
        text ? "COUNTER_REQUEST_NOT_FOUND" : "NO_QR",
      );
    box.replaceChildren();
    void openRequest(id);
  };
  camBtn.addEventListener("click", async () => {
    try {
      cam?.stop();
      video.hidden = false;
      cam = await scanWithCamera(video, (text) => {
        video.hidden = true;
        handle(text);
      });
    } catch (err) {
      video.hidden = true;
      // The browser's reason is in the browser's language: shown as it is, marked as such.
      notice(box, "error", [
        tx("wallet.cameraUnavailable", { reason: "" }),
        h("span", { translate: "no" }, err instanceof Error ? err.message : String(err)),
      ]);
    }
  });
  const file = h("input", { type: "file", accept: "image/*", id: "wallet-scan-image" });
  file.addEventListener("change", async () => {
    const f = file.files?.[0];
    if (!f) return;
    try {
      handle(await decodeQrFromFile(f));
    } catch {
      handle(undefined);
    } finally {
      file.value = "";
    }
  });
  const paste = h("input", {
    type: "text",
    id: "wallet-scan-paste",
    placeholderT: "wallet.scanPaste",
    autocomplete: "off",
  });
  const open = h("button", { type: "submit", class: "secondary", id: "wallet-scan-open", t: "wallet.scanOpen" });
  return section(
    "wallet.scan",
    h("div", { class: "row" }, camBtn),
    video,
    h("div", { class: "row" }, filePicker(file, "wallet.scanImage")),
    form({ class: "row", id: "wallet-scan-form" }, () => handle(paste.value), paste, open),
    box,
  );
}

// ---------------------------------------------------------------------------------------------
// Online sharing
// ---------------------------------------------------------------------------------------------

function shareForm(c: StoredCertificate): HTMLElement {
  const out = h("div", { class: "share-result" });
  const mode = h(
    "select",
    { class: "share-mode" },
    h("option", { value: "link", t: "wallet.shareLink" }),
    h("option", { value: "verifier", t: "wallet.shareVerifier" }),
  );
  const verifier = h("input", {
    type: "text",
    class: "share-verifier",
    placeholder: "0x…",
    hidden: true,
    autocomplete: "off",
    spellcheck: false,
  });
  mode.addEventListener("change", () => (verifier.hidden = mode.value !== "verifier"));
  const purpose = h(
    "select",
    { class: "share-purpose" },
    PURPOSES.map((p) => h("option", { value: p.code, selected: p.code === "online-check", t: `purpose.${p.code}` })),
  );
  const uses = h("input", { type: "number", class: "share-uses", value: "3", min: "1", max: "100" });
  const hours = h("input", { type: "number", class: "share-hours", value: "24", min: "1", max: "2160" });
  // As when presenting: only the fields the purpose needs start ticked.
  const checks = h(
    "div",
    { class: "checks" },
    disclosedFields(c.document).map((f) =>
      h(
        "label",
        null,
        h("input", { type: "checkbox", checked: purposeNeeds(purpose.value, c.typeCode, f.path), value: f.path }),
        h("span", null, fieldLabel(c.typeCode, f.path)),
      ),
    ),
  );
  purpose.addEventListener("change", () =>
    checks
      .querySelectorAll<HTMLInputElement>("input")
      .forEach((i) => (i.checked = purposeNeeds(purpose.value, c.typeCode, i.value))),
  );
  const btn = h("button", { type: "submit", class: "share-create", t: "wallet.shareCreate" });
  const submit = () =>
    busy(btn, out, async () => {
      const hidden = Array.from(checks.querySelectorAll<HTMLInputElement>("input"))
        .filter((i) => !i.checked)
        .map((i) => i.value);
      const document = hidden.length ? redactDocument(c.document, hidden) : c.document;
      const isLink = mode.value === "link";
      const link = isLink ? newLinkKey() : undefined;
      const grantee = isLink ? link!.address : verifier.value.trim().toLowerCase();
      const validUntil = now() + Math.max(1, Number(hours.value)) * 3600;
      const nonce = BigInt(
        `0x${Array.from(crypto.getRandomValues(new Uint8Array(32)), (b) => b.toString(16).padStart(2, "0")).join("")}`,
      );
      const grant = {
        certId: c.certId,
        grantee,
        purpose: purposeHash(purpose.value.trim()),
        validUntil,
        maxUses: Math.max(1, Number(uses.value)),
        nonce: nonce.toString(),
        deadline: now() + 600,
      };
      const domain = await consentDomain();
      const signed = keys!.signGrant(c.index, domain, {
        ...grant,
        validUntil: BigInt(grant.validUntil),
        nonce,
        deadline: BigInt(grant.deadline),
      });
      const integrity = verifyDocumentIntegrity(c.document);
      const batch =
        integrity.batch && integrity.validFrom !== undefined
          ? {
              root: integrity.batch.root,
              validFrom: integrity.validFrom,
              validUntil: integrity.validUntil!,
              proof: integrity.batch.proof,
            }
          : undefined;
      const body = {
        mode: mode.value,
        purpose: purpose.value.trim(),
        grant,
        signature: signed.signature,
        documentRoot: c.documentRoot,
        ...(batch ? { batch } : {}),
        ...(isLink ? { payload: await encryptForLink(link!, JSON.stringify(document)) } : { document }),
      };
      const res = await post<{ id: string; grantId: string; url?: string }>(EP.shares, body);
      const full = res.url ? `${res.url}#k=${link!.fragment}` : undefined;
      data!.grants.push({
        grantId: res.grantId.toLowerCase(),
        certId: c.certId,
        index: c.index,
        kind: isLink ? "link" : "verifier",
        grantee,
        purpose: purpose.value.trim(),
        validUntil,
        maxUses: grant.maxUses,
        createdAt: now(),
        link: full,
        shareId: res.id,
      });
      persist();
      renderGrants();
      notice(out, "ok", [
        tx("wallet.shareCreated"),
        full
          ? h(
              "div",
              null,
              h(
                "a",
                { href: full, class: "mono share-link", target: "_blank", rel: "noreferrer", translate: "no" },
                full,
              ),
            )
          : h("div", { class: "mono", translate: "no" }, res.id),
      ]);
      if (full) out.append(copyButton(() => full));
    });
  return form(
    { class: "card share-form" },
    () => void submit(),
    field("wallet.shareTo", mode),
    verifier,
    field("wallet.sharePurpose", purpose),
    h("div", { class: "row" }, field("wallet.shareUses", uses), field("wallet.shareHours", hours)),
    h("p", { class: "muted", t: "wallet.disclose" }),
    checks,
    btn,
    out,
  );
}

// ---------------------------------------------------------------------------------------------
// Grants and the trail
// ---------------------------------------------------------------------------------------------

async function holderHeaders(c: StoredCertificate, method: string, path: string): Promise<Record<string, string>> {
  const timestamp = now();
  const nonce = randomNonce();
  const message = holderAuthMessage({
    method,
    path,
    certId: c.certId as `0x${string}`,
    documentRoot: c.documentRoot as `0x${string}`,
    timestamp,
    nonce,
  });
  return {
    "x-holder-document-root": c.documentRoot,
    "x-holder-timestamp": String(timestamp),
    "x-holder-nonce": nonce,
    "x-holder-signature": personalSign(keys!.deriveKey(c.index).privateKey, message),
  };
}

function renderGrants(): void {
  if (!data!.grants.length) {
    els.grants.replaceChildren(h("li", { class: "muted", t: "wallet.noGrants" }));
    return;
  }
  els.grants.replaceChildren(
    ...[...data!.grants].reverse().map((g) => {
      const c = data!.certificates.find((x) => x.certId === g.certId);
      const msg = h("div");
      const revoke = h("button", {
        type: "button",
        class: "secondary",
        t: "wallet.revokeGrant",
        "data-action": "revoke",
        disabled: !!g.revoked,
      });
      revoke.addEventListener("click", () =>
        busy(revoke, msg, async () => {
          const domain = await consentDomain();
          const nonce = BigInt(
            `0x${Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("")}`,
          );
          const deadline = now() + 600;
          const signed = keys!.signRevokeGrant(g.index, domain, {
            grantId: g.grantId,
            nonce,
            deadline: BigInt(deadline),
          });
          try {
            await post(EP.holderRevokeGrant(g.grantId), {
              nonce: nonce.toString(),
              deadline,
              signature: signed.signature,
              documentRoot: c!.documentRoot,
            });
          } catch (err) {
            if (!(err instanceof ApiError && err.code === "GRANT_REVOKED")) throw err;
          }
          g.revoked = true;
          persist();
          renderGrants();
        }),
      );
      return h(
        "li",
        { "data-grant": g.grantId, "data-kind": g.kind, "data-revoked": g.revoked ? "true" : "false" },
        h(
          "div",
          { class: "row" },
          h("strong", null, c ? typeName(c.typeCode) : g.certId.slice(0, 10)),
          h("span", {
            class: `badge ${g.revoked ? "bad" : "ok"}`,
            t: g.revoked ? "reason.GRANT_REVOKED" : "status.ACTIVE",
          }),
        ),
        h(
          "small",
          { class: "grant-meta" },
          g.kind === "link"
            ? tx("wallet.linkGrantee")
            : g.granteeName
              ? partyView(g.granteeName)
              : h("span", { class: "mono", translate: "no" }, g.grantee),
          " · ",
          purposeView(g.purpose),
          ` · ${formatTime(g.validUntil)} · ${g.kind === "link" ? `×${g.maxUses}` : `${g.uses ?? 0}/${g.maxUses}`}`,
        ),
        g.link
          ? h(
              "a",
              { href: g.link, class: "mono share-link", target: "_blank", rel: "noreferrer", translate: "no" },
              g.link,
            )
          : null,
        g.revoked || g.validUntil <= now() ? null : h("div", { class: "row" }, revoke),
        msg,
      );
    }),
  );
}

interface Trail {
  checks: { grantId: string; verifier: string; purpose: string; at: number }[];
  grants: { grantId: string; purpose: string; uses: number; maxUses: number; revoked: boolean }[];
}

async function loadTrail(c: StoredCertificate): Promise<void> {
  const path = EP.holderTrail(c.certId);
  els.trail.replaceChildren(h("li", { t: "common.loading" }));
  try {
    const trail = await api<Trail>("GET", path, undefined, { headers: await holderHeaders(c, "GET", path) });
    // The chain's word on this certificate's grants (uses, revocations) replaces what the wallet remembered.
    let changed = false;
    for (const onChain of trail.grants) {
      const mine = data!.grants.find((g) => g.grantId === onChain.grantId.toLowerCase());
      if (mine && (mine.uses !== onChain.uses || !!mine.revoked !== onChain.revoked)) {
        mine.uses = onChain.uses;
        mine.revoked = onChain.revoked;
        changed = true;
      }
    }
    if (changed) {
      persist();
      renderGrants();
    }
    const purposes = new Map<string, string>();
    for (const g of data!.grants) purposes.set(purposeHash(g.purpose).toLowerCase(), g.purpose);
    const names = new Map(data!.grants.map((g) => [g.grantee.toLowerCase(), g]));
    const who = (address: string) => {
      const g = names.get(address.toLowerCase());
      if (g?.kind === "link") return tx("wallet.linkGrantee");
      return g?.granteeName ? partyView(g.granteeName) : h("span", { class: "mono", translate: "no" }, address);
    };
    // A check under one of this wallet's share links was signed by the link's key and relayed on chain.
    const links = new Set(data!.grants.filter((g) => g.kind === "link").map((g) => g.grantId.toLowerCase()));
    els.trail.replaceChildren(
      ...(trail.checks.length
        ? trail.checks.map((ch) => {
            const viaLink = links.has(ch.grantId.toLowerCase());
            return h(
              "li",
              { "data-check": ch.grantId, "data-cert": c.certId, "data-via": viaLink ? "link" : "verifier" },
              h("strong", null, typeName(c.typeCode)),
              h(
                "span",
                null,
                who(ch.verifier),
                " · ",
                purposes.has(ch.purpose.toLowerCase())
                  ? purposeView(purposes.get(ch.purpose.toLowerCase())!)
                  : h("code", { translate: "no" }, ch.purpose.slice(0, 10)),
              ),
              viaLink ? h("span", { class: "badge", t: "wallet.viaLink" }) : null,
              h("small", null, formatTime(ch.at)),
            );
          })
        : [h("li", { class: "muted", t: "wallet.noTrail" })]),
    );
  } catch (err) {
    const li = h("li");
    showError(li, err);
    els.trail.replaceChildren(li);
  }
}

// ---------------------------------------------------------------------------------------------

function renderMain(): void {
  els.receive.textContent = receiveAddress();
  const importBox = h("div", { id: "wallet-import-message" });
  const docInput = h("textarea", {
    id: "wallet-import-text",
    rows: 4,
    placeholderT: "wallet.importDocHint",
    spellcheck: false,
  });
  const docFile = h("input", { type: "file", accept: ".json,application/json", id: "wallet-import-file" });
  const importBtn = h("button", { type: "button", id: "wallet-import", t: "wallet.importDoc" });
  const doImport = (text: string) =>
    busy(importBtn, importBox, async () => {
      const c = importDocument(text);
      docInput.value = "";
      notice(importBox, "ok", tx("wallet.imported", { type: typeName(c.typeCode) }));
      els.receive.textContent = receiveAddress();
      renderCertificates();
    });
  importBtn.addEventListener("click", () => doImport(docInput.value));
  docFile.addEventListener("change", async () => {
    const f = docFile.files?.[0];
    if (f) await doImport(await f.text());
    docFile.value = "";
  });
  // Asking two agencies at once: each needs its own address, before either certificate is imported.
  const nextAddress = h("button", {
    type: "button",
    class: "secondary",
    id: "wallet-next-address",
    t: "wallet.nextAddress",
  });
  nextAddress.addEventListener("click", () => {
    data!.nextIndex += 1;
    persist();
    els.receive.textContent = receiveAddress();
  });
  const forget = h("button", { type: "button", class: "secondary", t: "wallet.forget" });
  forget.addEventListener("click", () => {
    if (!confirm(t("wallet.forgetConfirm"))) return;
    forgetWallet();
    data = undefined;
    keys = undefined;
    renderSetup();
  });
  const trailRefresh = h("button", { type: "button", class: "secondary", t: "wallet.refresh" });
  trailRefresh.addEventListener("click", async () => {
    for (const c of data!.certificates) await loadTrail(c);
  });

  main.replaceChildren(
    els.request,
    scanSection(),
    section("wallet.certificates", els.certs),
    section(
      "wallet.receive",
      h("p", { class: "muted", t: "wallet.receiveHint" }),
      h(
        "div",
        { class: "row" },
        els.receive,
        copyButton(() => els.receive.textContent ?? ""),
        nextAddress,
      ),
      h("hr"),
      field("wallet.importDoc", docInput),
      h("div", { class: "row" }, importBtn, filePicker(docFile, "wallet.importFile")),
      importBox,
    ),
    section("wallet.grants", els.grants),
    section("wallet.trail", h("div", { class: "row" }, trailRefresh), els.trail),
    h(
      "section",
      { class: "card" },
      data!.sealed ? null : h("p", { class: "warning", t: "wallet.mnemonicWarning" }),
      forget,
    ),
  );
  renderCertificates();
  renderGrants();
  els.trail.replaceChildren(h("li", { class: "muted", t: "wallet.noTrail" }));

  const r = new URLSearchParams(location.search).get("r");
  if (r) void openRequest(r);
}

onLangChange(() => {
  if (keys && data) {
    renderCertificates();
    renderGrants();
  }
});

if (!data) renderSetup();
else if (data.mnemonic) {
  keys = createHolderWallet({ mnemonic: data.mnemonic });
  renderMain();
} else renderLocked();
