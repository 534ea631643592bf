/**
 * The citizen wallet: create or restore a wallet (BIP-39 mnemonic), hand out a fresh address per
 * certificate, import certificate documents, scan or paste a counter's QR and present with chosen
 * fields hidden, share online (to a named verifier, or as a one-time link whose key stays in the
 * fragment), list and revoke grants, and read the trail of checks. Delegation: the wallet shows its
 * delegate address (QR code and link); a holder delegates a certificate to such an address (signed with
 * the certificate's key, relayed) and sends the document through a share link; the delegate's wallet
 * keeps it as held for someone else and presents it at a counter with its own key; the holder lists
 * and revokes the delegations it gave.
 */
import {
  computeDelegationId,
  counterGrant,
  createHolderWallet,
  generateMnemonic,
  grantMessage,
  type HolderWallet,
  mnemonicSeed,
  checkDisclosures,
  parseSdJwt,
  presentSdJwtVc,
  purposeHash,
  redactDocument,
  type TypedDataDomain,
  validateMnemonic,
  verifyDocumentIntegrity,
  withStatusEntries,
  type BitstringStatusListEntry,
  type CertificateDocument,
} from "../document";
import { cardLayout } from "../domain/catalog/layout";
import { PURPOSES, purposeNeeds, purposeOf } from "../domain/catalog/purposes";
import { deriveBackupKeys, openBackup, sealBackup, type BackupKeys } from "../domain/backup";
import { holderAuthMessage } from "../domain/holderAuth";
import { SHARE_LIMITS, SHARE_UNLIMITED_USES } from "../domain/share";
import { openPickup, parsePickupLink, pickupConfirmToken } from "../domain/pickup";
import { parseClaimCode } from "../domain/claims";
import { referenceFieldName } from "./claimLetters";
import { api, ApiError, get, post } from "./api";
import { certCard, updateCard, verdictCard, type CardData } from "./card";
import { readCertificateText } from "./certificateFile";
import { fieldLabel, sortPaths, typeName, valueLabel } from "./catalog";
import {
  decryptForLink,
  encryptForLink,
  holderJwk,
  linkKeyFromFragment,
  newLinkKey,
  personalSign,
  randomNonce,
  type LinkKey,
} from "./crypto";
import { EP } from "./endpoints";
import { printButton, qrImage, showPrintSheet } from "./print";
import { codeText, formatTime, onLangChange, t } from "./i18n";
import { decodeQrFromFile, requestIdFrom, scanWithCamera, type CameraScan } from "./qr";
import {
  busy,
  copyButton,
  errorText,
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
} from "./ui";
import {
  forgetWallet,
  loadWallet,
  mnemonicOf,
  newWalletData,
  saveWallet,
  type DelegationTermsJson,
  type StoredCertificate,
  type StoredDelegation,
  type StoredGrant,
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
/** The wallet's delegate key: what holders delegate to (one address per wallet, apart from the certificate keys). */
let delegateKeys: HolderWallet | undefined;
/** BIP-44 account of the delegate key (the certificate keys are HOLDER_KEY_ACCOUNT, 1000). */
const DELEGATE_KEY_ACCOUNT = 1001;
const ZERO_ADDRESS = `0x${"0".repeat(40)}`;
const ZERO_HASH = `0x${"0".repeat(64)}`;
let domainCache: TypedDataDomain | undefined;
const now = () => Math.floor(Date.now() / 1000);

function persist(): void {
  if (!data) return;
  saveWallet(data);
  scheduleBackup();
}

// ---------------------------------------------------------------------------------------------
// Backup at the gateway: sealed here under a key from the mnemonic (src/domain/backup.ts)
// ---------------------------------------------------------------------------------------------

let backupKeys: Promise<BackupKeys> | undefined;

function openKeys(mnemonic: string): void {
  keys = createHolderWallet({ mnemonic });
  delegateKeys = createHolderWallet({ mnemonic, account: DELEGATE_KEY_ACCOUNT });
  backupKeys = deriveBackupKeys(mnemonicSeed(mnemonic));
}

/** What the backup holds: everything but the mnemonic (which is what opens it). */
interface BackupContent {
  nextIndex: number;
  certificates: StoredCertificate[];
  grants: StoredGrant[];
  delegations?: StoredDelegation[];
}

function merge(remote: BackupContent): void {
  const d = data!;
  d.nextIndex = Math.max(d.nextIndex, remote.nextIndex);
  for (const c of remote.certificates) if (!d.certificates.some((x) => x.certId === c.certId)) d.certificates.push(c);
  for (const g of remote.grants) {
    const mine = d.grants.find((x) => x.grantId === g.grantId);
    if (!mine) d.grants.push(g);
    else if (g.revoked) mine.revoked = true;
  }
  for (const x of remote.delegations ?? []) {
    const mine = (d.delegations ??= []).find((y) => y.delegationId === x.delegationId);
    if (!mine) d.delegations.push(x);
    else if (x.revoked) mine.revoked = true;
  }
}

async function fetchBackup(k: BackupKeys): Promise<{ version: number; content: BackupContent }> {
  const b = await get<{ version: number; blob: string }>(EP.backup(k.id));
  return { version: b.version, content: JSON.parse(await openBackup(k, b.version, b.blob)) as BackupContent };
}

/** Restores this wallet's backup, if the gateway has one: the number of certificates, else undefined. */
async function restoreFromBackup(): Promise<number | undefined> {
  try {
    const { version, content } = await fetchBackup(await backupKeys!);
    merge(content);
    data!.backupVersion = version;
    saveWallet(data!);
    els.backup.dataset.state = "saved";
    els.backup.dataset.version = String(version);
    els.backup.replaceChildren(tx("wallet.backupSaved", { version }));
    return content.certificates.length;
  } catch (err) {
    if (err instanceof ApiError && err.code === "BACKUP_NOT_FOUND") return undefined;
    throw err;
  }
}

let backupTimer: ReturnType<typeof setTimeout> | undefined;
let backupRun: Promise<void> = Promise.resolve();

function scheduleBackup(): void {
  clearTimeout(backupTimer);
  backupTimer = setTimeout(() => void backupNow(), 150);
}

/** Writes the next version of the backup; on a newer one from another device, merges it and writes again. */
function backupNow(): Promise<void> {
  backupRun = backupRun.then(async () => {
    const d = data;
    if (!d || !backupKeys || (!d.certificates.length && !d.grants.length && !d.backupVersion)) return;
    els.backup.dataset.state = "saving";
    els.backup.replaceChildren(tx("wallet.backupSaving"));
    try {
      const k = await backupKeys;
      for (let attempt = 0; ; attempt++) {
        const version = (d.backupVersion ?? 0) + 1;
        const content: BackupContent = {
          nextIndex: d.nextIndex,
          certificates: d.certificates,
          grants: d.grants,
          delegations: d.delegations ?? [],
        };
        const blob = await sealBackup(k, version, JSON.stringify(content));
        try {
          await api("PUT", EP.backup(k.id), { version, blob, writeToken: k.writeToken });
          d.backupVersion = version;
          break;
        } catch (err) {
          if (!(err instanceof ApiError && err.code === "BACKUP_VERSION_CONFLICT") || attempt >= 3) throw err;
          const remote = await fetchBackup(k);
          merge(remote.content);
          d.backupVersion = remote.version;
        }
      }
      saveWallet(d);
      els.backup.dataset.state = "saved";
      els.backup.dataset.version = String(d.backupVersion);
      els.backup.replaceChildren(tx("wallet.backupSaved", { version: d.backupVersion! }));
    } catch (err) {
      console.error(err);
      els.backup.dataset.state = "failed";
      els.backup.replaceChildren(tx("wallet.backupFailed", { error: errorText(err) }));
    }
  });
  return backupRun;
}

// ---------------------------------------------------------------------------------------------
// Pickup: the agency's QR code (or link) hands over a document sealed under the link's key
// ---------------------------------------------------------------------------------------------

// The key is in the fragment: read it once and take it out of the address bar and the history.
let pendingPickup = parsePickupLink(location.href);
if (pendingPickup) history.replaceState(null, "", location.pathname);

async function receivePickup(link: { id: string; key: Uint8Array }): Promise<void> {
  await busy(null, els.banner, async () => {
    notice(els.banner, "info", tx("wallet.pickupOpening"));
    const p = await get<{ sealed: string }>(EP.pickup(link.id));
    let text: string;
    try {
      text = await openPickup(link.key, link.id, p.sealed);
    } catch {
      throw new ApiError("PICKUP_KEY_INVALID", "the link's key does not open this pickup", 0);
    }
    const c = await importDocument(text);
    renderCertificates();
    els.receive.textContent = receiveAddress();
    // Backed up before the gateway is told to delete its copy.
    clearTimeout(backupTimer);
    await backupNow();
    await post(EP.pickupConfirm(link.id), { token: pickupConfirmToken(link.key) });
    notice(els.banner, "ok", tx("wallet.pickupReceived", { type: typeName(c.typeCode) }), "PICKED_UP").dataset.certId =
      c.certId;
  });
}

// ---------------------------------------------------------------------------------------------
// Delegation links: a wallet's delegate address (#delegate=0x…), and a delegated certificate sent to
// the delegate (#held=<share id>&k=<key>: the share's key stays in the fragment, as a share link's)
// ---------------------------------------------------------------------------------------------

function parseDelegateLink(text: string): string | undefined {
  return /[#&?]delegate=(0x[0-9a-fA-F]{40})\b/.exec(text)?.[1]?.toLowerCase();
}

function parseHeldLink(text: string): { id: string; key: LinkKey } | undefined {
  const m = /[#&]held=([A-Za-z0-9_-]{8,64})&k=([0-9a-fA-F]{64})\b/.exec(text);
  const key = m && linkKeyFromFragment(m[2]);
  return m && key ? { id: m[1], key } : undefined;
}

let pendingDelegate = parseDelegateLink(location.hash);
let pendingHeld = parseHeldLink(location.hash);
if (pendingDelegate || pendingHeld) history.replaceState(null, "", location.pathname + location.search);

// ---------------------------------------------------------------------------------------------
// Claim: a certificate the agency offered under a claim code (its letter) instead of an address
// ---------------------------------------------------------------------------------------------

// A claim letter's QR code opens /wallet#claim=<code>: read it once and take it out of the address bar.
let pendingClaim = /[#&]claim=/.test(location.hash) ? location.hash : undefined;
if (pendingClaim) history.replaceState(null, "", location.pathname + location.search);

interface ClaimInfo {
  offerId: string;
  type: string;
  referenceFields: string[];
  expiresAt: number;
  state: "open" | "claimed" | "locked" | "expired";
}

const CLAIM_STATE_ERROR = {
  claimed: "CLAIM_ALREADY_CLAIMED",
  locked: "CLAIM_LOCKED",
  expired: "CLAIM_EXPIRED",
} as const;

/** Asks for the identity fields of the offer behind `code`, then claims it for this wallet's next key. */
async function openClaim(code: string, box: HTMLElement): Promise<void> {
  await busy(null, box, async () => {
    const parsed = parseClaimCode(code);
    if (!parsed) throw new ApiError("CLAIM_CODE_MALFORMED", "", 0);
    const info = await get<ClaimInfo>(EP.claim(parsed.offerId));
    if (info.state !== "open") throw new ApiError(CLAIM_STATE_ERROR[info.state], "", 0);
    const inputs = info.referenceFields.map(
      (name) =>
        [
          name,
          h("input", { type: "text", autocomplete: "off", "data-field": name, id: `wallet-claim-${name}` }),
        ] as const,
    );
    const msg = h("div", { id: "wallet-claim-message" });
    const submit = h("button", { type: "submit", id: "wallet-claim-submit", t: "wallet.claimSubmit" });
    const details = form(
      { id: "wallet-claim-details" },
      () =>
        void busy(submit, msg, async () => {
          // The certificate is bound to a fresh key of this wallet: the next unused index.
          const holder = receiveAddress();
          let res: { document: unknown };
          try {
            res = await post<{ document: unknown }>(EP.claims, {
              code,
              reference: Object.fromEntries(inputs.map(([name, el]) => [name, el.value])),
              holder,
            });
          } catch (e) {
            const left = (e as ApiError).details as { attemptsLeft?: number } | undefined;
            if (e instanceof ApiError && left?.attemptsLeft !== undefined) {
              notice(
                msg,
                "error",
                [errorText(e), " ", tx("wallet.claimAttemptsLeft", { n: left.attemptsLeft })],
                e.code,
              );
              return;
            }
            throw e;
          }
          const c = await importDocument(JSON.stringify(res.document));
          renderCertificates();
          els.receive.textContent = receiveAddress();
          clearTimeout(backupTimer);
          await backupNow();
          notice(box, "ok", tx("wallet.claimed", { type: typeName(c.typeCode) }), "CLAIMED").dataset.certId = c.certId;
        }),
      h("p", { t: "wallet.claimFor", vars: { type: typeName(info.type), time: formatTime(info.expiresAt) } }),
      ...inputs.map(([name, el]) =>
        h("label", { class: "field" }, h("span", { class: "label" }, referenceFieldName(name)), el),
      ),
      h("div", { class: "row" }, submit),
      msg,
    );
    box.replaceChildren(details);
    inputs[0]?.[1].focus();
  });
}

function claimSection(): HTMLElement {
  const box = h("div", { id: "wallet-claim-box" });
  const code = h("input", {
    type: "text",
    id: "wallet-claim-code",
    placeholderT: "wallet.claimCodeHint",
    autocomplete: "off",
    spellcheck: false,
  });
  const open = h("button", { type: "submit", class: "secondary", id: "wallet-claim-open", t: "wallet.claimOpen" });
  const entry = form({ class: "row", id: "wallet-claim-form" }, () => void openClaim(code.value, box), code, open);
  if (pendingClaim) {
    const text = pendingClaim;
    pendingClaim = undefined;
    void openClaim(text, box);
  }
  return section("wallet.claim", h("p", { class: "muted", t: "wallet.claimHint" }), entry, box);
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
        openKeys(mnemonic);
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
        saveWallet(data);
        openKeys(mnemonic);
        const restored = await restoreFromBackup();
        renderMain();
        if (restored === undefined) notice(els.banner, "info", tx("wallet.noBackup"), "BACKUP_NOT_FOUND");
        else notice(els.banner, "ok", tx("wallet.restored", { count: restored }), "RESTORED");
      }),
    field("wallet.mnemonic", restore),
    field("wallet.passphrase", restorePass),
    h("div", { class: "row" }, restoreBtn),
  );

  main.replaceChildren(
    section(
      "wallet.title",
      pendingPickup ? h("p", { class: "notice info", t: "wallet.pickupNeedsWallet" }) : null,
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
          openKeys(await mnemonicOf(data!, pass.value));
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
  delegations: h("ul", { class: "list", id: "wallet-delegations" }),
  trail: h("ul", { class: "list", id: "wallet-trail" }),
  request: h("div", { id: "wallet-request" }),
  receive: h("code", { id: "wallet-receive-address", translate: "no" }),
  banner: h("div", { id: "wallet-banner" }),
  backup: h("p", { class: "muted", id: "wallet-backup-status" }),
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

async function importDocument(text: string): Promise<StoredCertificate> {
  // MALFORMED (not a certificate file: the wrong file, an empty box) is told apart from TAMPERED.
  const { document: doc, integrity } = readCertificateText(text);
  if (integrity.code !== "OK" || !integrity.holder || !integrity.certId)
    throw new ApiError(integrity.code === "OK" ? "MALFORMED" : integrity.code, integrity.reason ?? "", 0);
  const index = findIndex(integrity.holder);
  if (index === undefined) {
    // The issue answer (or a batch's documents item) naming a guardian, given to the guardian by the
    // agency: kept as held for the minor when the guardian's delegation names this wallet.
    const guardian = guardianOfFile(text);
    if (guardian) return keepHeld({ ...guardian, document: doc }, "MALFORMED");
    throw new Error(t("wallet.notMine"));
  }
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

/** The guardian's delegation in a certificate file that wraps the document (`{document, guardian}`). */
function guardianOfFile(text: string): { delegationId: string; delegation: DelegationTermsJson } | undefined {
  try {
    const g = (JSON.parse(text) as { guardian?: { delegationId?: unknown; delegation?: unknown } }).guardian;
    if (g && typeof g.delegationId === "string" && g.delegation && typeof g.delegation === "object")
      return { delegationId: g.delegationId, delegation: g.delegation as DelegationTermsJson };
  } catch {
    // Not JSON: readCertificateText already said so.
  }
  return undefined;
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

/** A tick box per field of the certificate (ticked: shown), as the share and print forms offer them. */
function fieldChecks(c: StoredCertificate, ticked: (path: string) => boolean): HTMLElement {
  return h(
    "div",
    { class: "checks" },
    disclosedFields(c.document).map((f) =>
      h(
        "label",
        null,
        h("input", { type: "checkbox", checked: ticked(f.path), value: f.path }),
        h("span", null, fieldLabel(c.typeCode, f.path)),
      ),
    ),
  );
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
  /** The issuing agency's registered name. */
  agencyName?: string;
}

const states = new Map<string, CertState>();

async function certState(c: StoredCertificate): Promise<CertState> {
  try {
    const s = await get<{
      status: string;
      agencyName?: string;
      validFrom: number;
      validUntil: number;
      history: { status: string; reason: string }[];
    }>(EP.publicStatus(c.certId));
    let status = s.status;
    if (status === "ACTIVE" && s.validUntil && s.validUntil <= now()) status = "EXPIRED";
    if (status === "ACTIVE" && s.validFrom > now()) status = "NOT_YET_VALID";
    const last = [...s.history].reverse().find((x) => x.status === s.status);
    const state: CertState = {
      status,
      agencyName: s.agencyName,
      ...(s.status !== "ACTIVE" && last ? { reason: last.reason } : {}),
    };
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

/** When this page last asked for a certificate's status list entries (ms): at most once a minute each. */
const entriesAskedAt = new Map<string, number>();

/**
 * Puts the agency's signed status list entries into a certificate this wallet holds, once the gateway
 * gives them (the certificate on the ledger, custodial keys), so that whoever the holder shows it to reads
 * its status from the lists fetched whole and asks nobody about it
 * (docs/decisions/0022-status-entries-in-the-document.md). The holder asking about its own certificate is
 * what the gateway already sees at pickup. Not yet available (not indexed yet, external custody, not
 * issued here): the document stays as it is and a later refresh asks again.
 */
async function attachStatusEntries(c: StoredCertificate): Promise<void> {
  if (c.heldFor || Array.isArray((c.document as { credentialStatus?: unknown }).credentialStatus)) return;
  const last = entriesAskedAt.get(c.certId);
  if (last !== undefined && Date.now() - last < 60_000) return;
  entriesAskedAt.set(c.certId, Date.now());
  try {
    const got = await get<{ entries: BitstringStatusListEntry[]; proof?: string }>(EP.publicStatusEntries(c.certId));
    if (!got.proof) return;
    const document = withStatusEntries(c.document as CertificateDocument, { entries: got.entries, proof: got.proof });
    if (verifyDocumentIntegrity(document).code !== "OK") return;
    c.document = document;
    persist();
  } catch {
    // 404 (not issued through this gateway), unreachable, or a proof that does not sign these entries:
    // the document keeps what it had.
  }
}

async function refreshStatuses(): Promise<void> {
  await Promise.all(
    data!.certificates.map(async (c) => {
      void attachStatusEntries(c);
      const state = await certState(c);
      const card = document.querySelector<HTMLElement>(`[data-cert="${c.certId}"] .cert-card`);
      if (card) updateCard(card, { status: state.status, statusReason: state.reason, issuer: state.agencyName });
    }),
  );
}

/** What the card of a stored certificate shows, from its document and what the ledger last said. */
function cardOf(c: StoredCertificate, document: unknown = c.document): CardData {
  const integrity = verifyDocumentIntegrity(document);
  const fields: Record<string, unknown> = {};
  for (const [path, value] of Object.entries(integrity.values ?? {})) if (!path.startsWith("@")) fields[path] = value;
  const state = states.get(c.certId);
  return {
    typeCode: c.typeCode,
    fields,
    hiddenCount: integrity.redactedCount,
    issuer: state?.agencyName,
    validFrom: integrity.validFrom,
    validUntil: integrity.validUntil,
    status: state?.status,
    statusReason: state?.reason,
    ids: {
      certId: c.certId,
      batchRoot: integrity.batch?.root,
      issuerKey: integrity.issuer,
      holder: integrity.holder,
    },
  };
}

function renderCertificates(): void {
  if (!data!.certificates.length) {
    els.certs.replaceChildren(h("li", { class: "muted", t: "wallet.noCertificates" }));
    return;
  }
  els.certs.replaceChildren(
    ...data!.certificates.map((c) => {
      if (c.heldFor) return heldItem(c);
      const shareBox = h("div");
      const shareBtn = h("button", { type: "button", class: "secondary", t: "wallet.share", "data-action": "share" });
      shareBtn.addEventListener("click", () => shareBox.replaceChildren(shareForm(c)));
      const printBtn = h("button", { type: "button", class: "secondary", t: "print.button", "data-action": "print" });
      printBtn.addEventListener("click", () => shareBox.replaceChildren(printForm(c)));
      const trailBtn = h("button", { type: "button", class: "secondary", t: "wallet.trail", "data-action": "trail" });
      const sdJwtBtn = h("button", { type: "button", class: "secondary", t: "wallet.sdJwt", "data-action": "sd-jwt" });
      sdJwtBtn.addEventListener("click", () => shareBox.replaceChildren(sdJwtForm(c)));
      trailBtn.addEventListener("click", () => loadTrail(c));
      const delegateBtn = h("button", {
        type: "button",
        class: "secondary",
        t: "wallet.delegate",
        "data-action": "delegate",
      });
      delegateBtn.addEventListener("click", () => shareBox.replaceChildren(delegateForm(c)));
      return h(
        "li",
        { "data-cert": c.certId, "data-type": c.typeCode },
        certCard(cardOf(c)),
        h("div", { class: "row" }, shareBtn, printBtn, trailBtn, sdJwtBtn, delegateBtn),
        shareBox,
      );
    }),
  );
  void refreshStatuses();
}

// ---------------------------------------------------------------------------------------------
// Printing with a verification QR code
// ---------------------------------------------------------------------------------------------

/**
 * The holder prints a certificate: the fields to print (the link's document is redacted the same way),
 * the checks allowed (or no limit) and how long the link lasts (or until revoked). The QR code opens
 * /verify on a link share whose key is only in the code; revoking its grant under My grants turns the
 * paper's answer to GRANT_REVOKED.
 */
function printForm(c: StoredCertificate): HTMLElement {
  const out = h("div", { class: "print-result" });
  const layout = cardLayout(c.typeCode);
  const onCard = new Set([layout.holderName, layout.photo, ...layout.main].filter(Boolean) as string[]);
  const checks = fieldChecks(c, (path) => onCard.has(path.split(/[.[]/)[0]));
  const uses = h("input", { type: "number", class: "print-uses", value: "10", min: "1", max: "100" });
  const anyUses = h("input", { type: "checkbox", class: "print-unlimited", checked: true });
  const hours = h("input", { type: "number", class: "print-hours", value: "720", min: "1", max: "2160" });
  const untilRevoked = h("input", { type: "checkbox", class: "print-until-revoked", checked: true });
  const sync = () => {
    uses.disabled = anyUses.checked;
    hours.disabled = untilRevoked.checked;
  };
  anyUses.addEventListener("change", sync);
  untilRevoked.addEventListener("change", sync);
  sync();
  const btn = h("button", { type: "submit", class: "print-create", t: "print.create" });
  const submit = () =>
    busy(btn, out, async () => {
      const hidden = Array.from(checks.querySelectorAll<HTMLInputElement>("input"))
        .filter((i) => !i.checked)
        .map((i) => i.value);
      const certUntil = verifyDocumentIntegrity(c.document).validUntil ?? now() + 86_400;
      // Until revoked: as long as the certificate itself (a grant cannot make it valid for longer).
      const validUntil = untilRevoked.checked
        ? Math.min(certUntil, now() + SHARE_LIMITS.untilRevokedDays * 86_400)
        : now() + Math.max(1, Number(hours.value)) * 3600;
      const maxUses = anyUses.checked ? SHARE_UNLIMITED_USES : Math.max(1, Number(uses.value));
      const { full, document } = await createShare(c, {
        mode: "link",
        purpose: "printed-copy-check",
        hidden,
        validUntil,
        maxUses,
        untilRevoked: untilRevoked.checked,
      });
      const terms = t("print.linkTerms", {
        uses: anyUses.checked ? t("print.usesAny") : t("print.usesN", { count: maxUses }),
        until: untilRevoked.checked
          ? t("print.untilRevokedTerm")
          : t("print.untilDate", { date: formatTime(validUntil) }),
      });
      const sheet = await showPrintSheet(certCard(cardOf(c, document)), { url: full!, terms });
      notice(out, "ok", tx("print.ready"), "PRINT_READY");
      out.append(h("div", { class: "row" }, printButton()));
      sheet.scrollIntoView({ block: "start" });
    });
  return form(
    { class: "card print-form" },
    () => void submit(),
    h("h3", { t: "print.title" }),
    h("p", { class: "muted", t: "print.hint" }),
    h("p", { class: "label", t: "print.fields" }),
    checks,
    h(
      "div",
      { class: "row" },
      field("print.uses", uses),
      h("label", { class: "ack" }, anyUses, tx("print.unlimitedUses")),
    ),
    h(
      "div",
      { class: "row" },
      field("print.hours", hours),
      h("label", { class: "ack" }, untilRevoked, tx("print.untilRevoked")),
    ),
    btn,
    out,
  );
}

// ---------------------------------------------------------------------------------------------
// SD-JWT VC: the agency-signed credential, presented with a key-binding JWT
// ---------------------------------------------------------------------------------------------

/** Credentials fetched this session (the gateway signs a fresh one on request; nothing is stored). */
const sdJwts = new Map<string, string>();

/**
 * The holder gets the certificate as an SD-JWT VC signed by the agency (a request signed with the
 * certificate's key), then makes a presentation for a verifier: the ticked claims only, bound to the
 * verifier's nonce and identifier by a KB-JWT signed with the same key.
 */
function sdJwtForm(c: StoredCertificate): HTMLElement {
  const out = h("div");
  const presentBox = h("div");
  const getBtn = h("button", { type: "button", class: "sd-jwt-get", t: "wallet.sdJwt.get" });
  const showPresentForm = (sdJwt: string) => {
    const names = checkDisclosures(parseSdJwt(sdJwt));
    const checks = h(
      "div",
      { class: "checks" },
      ...names.map((n) =>
        h("label", { class: "ack" }, h("input", { type: "checkbox", value: n }), fieldLabel(c.typeCode, n)),
      ),
    );
    const nonce = h("input", { type: "text", class: "sd-jwt-nonce", required: true, maxlength: "256" });
    const aud = h("input", { type: "text", class: "sd-jwt-aud", required: true, maxlength: "512" });
    const result = h("div");
    const presentBtn = h("button", { type: "submit", class: "sd-jwt-present", t: "wallet.sdJwt.present" });
    const download = h("a", {
      class: "button secondary",
      href: URL.createObjectURL(new Blob([sdJwt], { type: "application/dc+sd-jwt" })),
      download: `${c.certId.slice(0, 18)}.sd-jwt`,
      t: "common.download",
    });
    presentBox.replaceChildren(
      h("div", { class: "row" }, download),
      form(
        { class: "sd-jwt-present-form" },
        () =>
          void busy(presentBtn, result, async () => {
            if (!nonce.value.trim() || !aud.value.trim()) {
              notice(result, "error", tx("wallet.sdJwt.needVerifier"), "SD_JWT_NEEDS_VERIFIER");
              return;
            }
            const picked = Array.from(checks.querySelectorAll<HTMLInputElement>("input:checked")).map((i) => i.value);
            const presentation = presentSdJwtVc({
              sdJwt,
              disclose: picked,
              holderPrivateKey: keys!.deriveKey(c.index).privateKey,
              nonce: nonce.value.trim(),
              aud: aud.value.trim(),
              iat: now(),
            });
            const text = h("textarea", { class: "sd-jwt-presentation", readonly: true, rows: "6" });
            text.value = presentation;
            result.replaceChildren(
              h("p", { class: "label", t: "wallet.sdJwt.presentation" }),
              text,
              h(
                "div",
                { class: "row" },
                copyButton(() => presentation),
              ),
            );
          }),
        h("p", { class: "label", t: "wallet.sdJwt.claims" }),
        checks,
        field("wallet.sdJwt.nonce", nonce),
        field("wallet.sdJwt.audience", aud),
        presentBtn,
        result,
      ),
    );
  };
  getBtn.addEventListener(
    "click",
    () =>
      void busy(getBtn, out, async () => {
        const path = EP.holderSdJwt(c.certId);
        const res = await post<{ sdJwt: string }>(
          path,
          { document: c.document, holderKey: holderJwk(keys!.deriveKey(c.index).privateKey) },
          { headers: await holderHeaders(c, "POST", path) },
        );
        sdJwts.set(c.certId, res.sdJwt);
        notice(out, "ok", tx("wallet.sdJwt.ready"), "SD_JWT_READY");
        showPresentForm(res.sdJwt);
      }),
  );
  const known = sdJwts.get(c.certId);
  if (known) queueMicrotask(() => showPresentForm(known));
  return h(
    "div",
    { class: "card sd-jwt-form" },
    h("h3", { t: "wallet.sdJwt.title" }),
    h("p", { class: "muted", t: "wallet.sdJwt.hint" }),
    getBtn,
    out,
    presentBox,
  );
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
  // What this wallet can tell of a held certificate's delegation before asking: ended, or another purpose or verifier.
  const heldProblem = (c: StoredCertificate) => {
    const d = c.heldFor?.delegation;
    if (!d) return undefined;
    if (d.validUntil <= now()) return "DELEGATION_EXPIRED";
    if (d.purpose !== ZERO_HASH && d.purpose !== purposeHash(req.purpose).toLowerCase())
      return "DELEGATION_OUT_OF_SCOPE";
    if (d.verifier !== ZERO_ADDRESS && d.verifier !== req.verifier.address.toLowerCase())
      return "DELEGATION_OUT_OF_SCOPE";
    return undefined;
  };
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
          `${typeName(c.typeCode)} · ${t(`status.${states.get(c.certId)?.status ?? "UNKNOWN"}`)}${c.heldFor ? ` · ${t("wallet.heldFor")}` : ""} · ${c.certId.slice(0, 10)}…`,
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
      } else if (c && heldProblem(c)) {
        // Held for someone else outside its delegation: the counter would refuse it with this reason.
        const code = heldProblem(c)!;
        warning.replaceChildren(
          h("div", { class: "notice error", role: "alert", "data-code": code }, codeText("error", code)),
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
        // A certificate held for someone else is presented with this wallet's delegate key, under the delegation.
        const signed = c.heldFor
          ? delegateKeys!.signGrant(0, domain, grantMessage(grant))
          : keys!.signGrant(c.index, domain, grantMessage(grant));
        const delegation = c.heldFor ? { delegation: c.heldFor.delegation } : {};
        return { c, grantId: signed.grantId, body: { document, grant, signature: signed.signature, ...delegation } };
      });
      const result = await post<{
        verdict: string;
        presentations: { certId: string; grantId?: string; verdict: string; reasons: string[] }[];
      }>(EP.counterAnswer(req.id), { presentations: presentations.map((p) => p.body) });
      for (const p of presentations) {
        const r = result.presentations.find((x) => x.certId === p.c.certId);
        // A delegate's grant is the holder's to revoke (their wallet lists the delegation), not this wallet's.
        if (r?.grantId && !p.c.heldFor)
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
        ...result.presentations.map((p) => {
          const c = data!.certificates.find((x) => x.certId === p.certId);
          // The verdict over the certificate's card; its fields are in the list above, not repeated here.
          const card = c && { ...cardOf(c), fields: undefined, hiddenCount: undefined, status: undefined };
          return verdictCard(p.verdict === "VALID", p.reasons, card);
        }),
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
    const link = text ? parsePickupLink(text) : undefined;
    if (link) {
      box.replaceChildren();
      return void receivePickup(link);
    }
    // A claim letter's QR code (or its code pasted here) opens the claim form.
    if (text && parseClaimCode(text)) return void openClaim(text, box);
    // A holder's link with a delegated certificate, or another wallet's delegate address.
    const held = text ? parseHeldLink(text) : undefined;
    if (held) return void receiveHeld(held, box);
    const delegate = text ? parseDelegateLink(text) : undefined;
    if (delegate) {
      box.replaceChildren();
      return void els.request.replaceChildren(delegateToSection(delegate));
    }
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

interface ShareChoice {
  mode: "link" | "verifier";
  /** mode "verifier": the verifier's address. */
  verifier?: string;
  purpose: string;
  /** Field paths the holder hides. */
  hidden: string[];
  validUntil: number;
  maxUses: number;
  /** A link that lasts until revoked (a printed certificate's): the gateway allows a longer grant. */
  untilRevoked?: boolean;
  /**
   * A link for the holder's delegate: the encrypted payload also carries the delegation's terms (the
   * gateway never reads them), and the link opens the delegate's wallet instead of the verify page.
   */
  toDelegate?: { delegationId: string; delegation: DelegationTermsJson };
}

/** A batched certificate's membership (root, validity, proof), which a grant or delegation relay carries. */
function batchOf(c: StoredCertificate) {
  const integrity = verifyDocumentIntegrity(c.document);
  return integrity.batch && integrity.validFrom !== undefined
    ? {
        root: integrity.batch.root,
        validFrom: integrity.validFrom,
        validUntil: integrity.validUntil!,
        proof: integrity.batch.proof,
      }
    : undefined;
}

/**
 * Signs a grant for `c` as the holder chose and makes the share at the gateway: a link (its key made
 * here and kept only in the link's fragment) or a share for a named verifier. The grant is remembered
 * under My grants, where the holder can revoke it.
 */
async function createShare(
  c: StoredCertificate,
  choice: ShareChoice,
): Promise<{ full?: string; res: { id: string; grantId: string; url?: string }; document: unknown }> {
  const document = choice.hidden.length ? redactDocument(c.document, choice.hidden) : c.document;
  const isLink = choice.mode === "link";
  const link = isLink ? newLinkKey() : undefined;
  const grantee = isLink ? link!.address : choice.verifier!;
  const nonce = randomUint(32);
  const payload = choice.toDelegate ? { ...choice.toDelegate, document } : document;
  const grant = {
    certId: c.certId,
    grantee,
    purpose: purposeHash(choice.purpose),
    validUntil: choice.validUntil,
    maxUses: choice.maxUses,
    nonce: nonce.toString(),
    deadline: now() + 600,
  };
  const domain = await consentDomain();
  // A certificate held for someone else is shared by their delegate (an online delegation), with its key.
  const message = { ...grant, validUntil: BigInt(grant.validUntil), nonce, deadline: BigInt(grant.deadline) };
  const signed = c.heldFor ? delegateKeys!.signGrant(0, domain, message) : keys!.signGrant(c.index, domain, message);
  const batch = batchOf(c);
  const body = {
    ...(c.heldFor ? { delegation: c.heldFor.delegation } : {}),
    mode: choice.mode,
    purpose: choice.purpose,
    grant,
    signature: signed.signature,
    documentRoot: c.documentRoot,
    ...(batch ? { batch } : {}),
    ...(choice.untilRevoked ? { untilRevoked: true } : {}),
    ...(isLink ? { payload: await encryptForLink(link!, JSON.stringify(payload)) } : { document }),
  };
  const res = await post<{ id: string; grantId: string; url?: string }>(EP.shares, body);
  const full = !res.url
    ? undefined
    : choice.toDelegate
      ? `${new URL(res.url).origin}/wallet#held=${res.id}&k=${link!.fragment}`
      : `${res.url}#k=${link!.fragment}`;
  // A delegate's grant is the holder's to revoke (with the delegation): only the holder's own are listed here.
  if (!c.heldFor) {
    data!.grants.push({
      grantId: res.grantId.toLowerCase(),
      certId: c.certId,
      index: c.index,
      kind: isLink ? "link" : "verifier",
      grantee,
      purpose: choice.purpose,
      validUntil: choice.validUntil,
      maxUses: grant.maxUses,
      createdAt: now(),
      link: full,
      shareId: res.id,
    });
    persist();
    renderGrants();
  }
  return { full, res, document };
}

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
  // A delegate shares within the delegation: its one purpose and its one verifier, when it names them.
  const scope = c.heldFor?.delegation;
  const allowed = PURPOSES.filter(
    (p) => !scope || scope.purpose === ZERO_HASH || purposeHash(p.code).toLowerCase() === scope.purpose,
  );
  const purpose = h(
    "select",
    { class: "share-purpose" },
    allowed.map((p) =>
      h("option", {
        value: p.code,
        selected: p.code === "online-check" || allowed.length === 1,
        t: `purpose.${p.code}`,
      }),
    ),
  );
  if (scope && scope.verifier !== ZERO_ADDRESS) {
    mode.value = "verifier";
    mode.disabled = true;
    verifier.value = scope.verifier;
    verifier.hidden = false;
    verifier.readOnly = true;
  }
  const uses = h("input", { type: "number", class: "share-uses", value: "3", min: "1", max: "100" });
  const hours = h("input", { type: "number", class: "share-hours", value: "24", min: "1", max: "2160" });
  // As when presenting: only the fields the purpose needs start ticked.
  const checks = fieldChecks(c, (path) => purposeNeeds(purpose.value, c.typeCode, path));
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
      const { full, res } = await createShare(c, {
        mode: mode.value as "link" | "verifier",
        verifier: verifier.value.trim().toLowerCase(),
        purpose: purpose.value.trim(),
        hidden,
        validUntil: now() + Math.max(1, Number(hours.value)) * 3600,
        maxUses: Math.max(1, Number(uses.value)),
      });
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
// Delegation: a holder lets another wallet present a certificate for them
// ---------------------------------------------------------------------------------------------

/** A random unsigned integer of `bytes` bytes (a signed message's nonce). */
function randomUint(bytes: number): bigint {
  return BigInt(
    `0x${Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, "0")).join("")}`,
  );
}

/**
 * The holder's revocation (of a grant or a delegation) signed with the certificate's key and relayed;
 * `alreadyCode` (it was revoked already, from another device) counts as done.
 */
async function relayRevocation(
  sign: (domain: TypedDataDomain, m: { nonce: bigint; deadline: bigint }) => { signature: string },
  path: string,
  documentRoot: string,
  alreadyCode: string,
): Promise<void> {
  const nonce = randomUint(16);
  const deadline = now() + 600;
  const { signature } = sign(await consentDomain(), { nonce, deadline: BigInt(deadline) });
  try {
    await post(path, { nonce: nonce.toString(), deadline, signature, documentRoot });
  } catch (err) {
    if (!(err instanceof ApiError && err.code === alreadyCode)) throw err;
  }
}

function delegateAddress(): string {
  return delegateKeys!.address(0).toLowerCase();
}

const isAddress = (a: string) => /^0x[0-9a-fA-F]{40}$/.test(a);

/** This wallet's delegate address, as a QR code and a link to give to a holder. */
function delegateAddressSection(): HTMLElement {
  const address = delegateAddress();
  const link = `${location.origin}/wallet#delegate=${address}`;
  const qr = h("div", { class: "qr", id: "wallet-delegate-qr" });
  void qrImage(link).then((img) => {
    img.id = "wallet-delegate-qr-image";
    qr.replaceChildren(img);
  });
  return section(
    "wallet.delegateAddress",
    h("p", { class: "muted", t: "wallet.delegateAddressHint" }),
    h(
      "div",
      { class: "row" },
      h("code", { id: "wallet-delegate-address", translate: "no" }, address),
      copyButton(() => link),
    ),
    qr,
    h("a", { href: link, id: "wallet-delegate-link", class: "mono", translate: "no" }, link),
  );
}

/**
 * The holder delegates `c`: to whom, until when, for which purpose or verifier, counter only or online
 * too; the fields the delegate gets. The Delegation is signed with the certificate's key and relayed;
 * the document (and the terms) then go to the delegate through a share link whose key is in the fragment.
 */
function delegateForm(c: StoredCertificate, to = ""): HTMLElement {
  const out = h("div", { class: "delegate-result" });
  const delegate = h("input", {
    type: "text",
    class: "delegate-address",
    placeholder: "0x…",
    value: to,
    autocomplete: "off",
    spellcheck: false,
  });
  const day = (d: number) => new Date(Date.now() + d * 86_400_000).toISOString().slice(0, 10);
  const until = h("input", { type: "date", class: "delegate-until", value: day(30), min: day(1) });
  const purpose = h(
    "select",
    { class: "delegate-purpose" },
    h("option", { value: "", t: "wallet.delegateAnyPurpose" }),
    PURPOSES.map((p) => h("option", { value: p.code, t: `purpose.${p.code}` })),
  );
  const verifier = h("input", {
    type: "text",
    class: "delegate-verifier",
    placeholderT: "wallet.delegateAnyVerifier",
    autocomplete: "off",
    spellcheck: false,
  });
  const online = h("input", { type: "checkbox", class: "delegate-online" });
  const checks = fieldChecks(c, () => true);
  const btn = h("button", { type: "submit", class: "delegate-create", t: "wallet.delegateCreate" });
  const submit = () =>
    busy(btn, out, async () => {
      const to = delegate.value.trim().toLowerCase();
      const only = verifier.value.trim().toLowerCase();
      if (!isAddress(to) || (only && !isAddress(only))) throw new ApiError("DELEGATE_ADDRESS_INVALID", "", 0);
      // The end of the chosen day, on this device's clock.
      const validUntil = Math.floor(new Date(`${until.value}T23:59:59`).getTime() / 1000);
      if (!Number.isFinite(validUntil) || validUntil <= now()) throw new ApiError("DELEGATION_UNTIL_PAST", "", 0);
      const terms: DelegationTermsJson = {
        certId: c.certId,
        delegate: to,
        purpose: purpose.value ? purposeHash(purpose.value).toLowerCase() : ZERO_HASH,
        verifier: only || ZERO_ADDRESS,
        online: online.checked,
        validUntil,
        nonce: randomUint(32).toString(),
        deadline: now() + 600,
      };
      const signed = keys!.signDelegation(c.index, await consentDomain(), delegationMessage(terms));
      const batch = batchOf(c);
      const res = await post<{ delegationId: string }>(EP.delegations, {
        delegation: terms,
        signature: signed.signature,
        documentRoot: c.documentRoot,
        ...(batch ? { batch } : {}),
      });
      const delegationId = res.delegationId.toLowerCase();
      const stored: StoredDelegation = {
        delegationId,
        certId: c.certId,
        index: c.index,
        terms,
        ...(purpose.value ? { purposeCode: purpose.value } : {}),
        createdAt: now(),
      };
      (data!.delegations ??= []).push(stored);
      persist();
      renderDelegations();
      // The document goes to the delegate as a share does: one use, a week at most, fields hidden as ticked.
      const hidden = Array.from(checks.querySelectorAll<HTMLInputElement>("input"))
        .filter((i) => !i.checked)
        .map((i) => i.value);
      const { full } = await createShare(c, {
        mode: "link",
        purpose: "online-check",
        hidden,
        validUntil: Math.min(validUntil, now() + 7 * 86_400),
        maxUses: 1,
        toDelegate: { delegationId, delegation: terms },
      });
      stored.link = full;
      persist();
      renderDelegations();
      notice(
        out,
        "ok",
        [
          tx("wallet.delegated"),
          h("div", null, h("a", { href: full!, class: "mono delegation-link", translate: "no" }, full!)),
        ],
        "DELEGATED",
      );
      out.append(
        copyButton(() => full!),
        h("div", { class: "qr" }, await qrImage(full!)),
      );
    });
  return form(
    { class: "card delegate-form" },
    () => void submit(),
    h("h3", { t: "wallet.delegateTitle" }),
    h("p", { class: "muted", t: "wallet.delegateHint" }),
    field("wallet.delegateTo", delegate),
    field("wallet.delegateUntil", until),
    field("wallet.delegatePurpose", purpose),
    field("wallet.delegateVerifier", verifier),
    h("label", { class: "ack" }, online, tx("wallet.delegateOnline")),
    h("p", { class: "muted", t: "wallet.delegateFields" }),
    checks,
    btn,
    out,
  );
}

function delegationMessage(d: DelegationTermsJson) {
  return { ...d, validUntil: BigInt(d.validUntil), nonce: BigInt(d.nonce), deadline: BigInt(d.deadline) };
}

/** A delegate address arrived (its QR code or link): the holder picks which certificate to delegate. */
function delegateToSection(address: string): HTMLElement {
  const mine = data!.certificates.filter((c) => !c.heldFor);
  const box = h("div");
  const pick = h(
    "select",
    { id: "wallet-delegate-pick" },
    mine.map((c) => h("option", { value: c.certId }, `${typeName(c.typeCode)} · ${c.certId.slice(0, 10)}…`)),
  );
  const show = () => {
    const c = mine.find((x) => x.certId === pick.value);
    box.replaceChildren(c ? delegateForm(c, address) : h("p", { class: "muted", t: "wallet.noCertificates" }));
  };
  pick.addEventListener("change", show);
  show();
  return section(
    "wallet.delegateTitle",
    h("p", null, tx("wallet.delegateToAddress", { address: "" }), h("code", { translate: "no" }, address)),
    mine.length ? field("wallet.pickCert", pick) : null,
    box,
  );
}

/** The delegations this holder gave, each revocable (signed with the certificate's key, relayed). */
function renderDelegations(): void {
  const list = data!.delegations ?? [];
  if (!list.length) {
    els.delegations.replaceChildren(h("li", { class: "muted", t: "wallet.noDelegations" }));
    return;
  }
  els.delegations.replaceChildren(
    ...[...list].reverse().map((d) => {
      const c = data!.certificates.find((x) => x.certId === d.certId);
      const msg = h("div");
      const revoke = h("button", {
        type: "button",
        class: "secondary",
        t: "wallet.revokeDelegation",
        "data-action": "revoke-delegation",
      });
      revoke.addEventListener("click", () =>
        busy(revoke, msg, async () => {
          await relayRevocation(
            (domain, m) => keys!.signRevokeDelegation(d.index, domain, { delegationId: d.delegationId, ...m }),
            EP.delegationRevoke(d.delegationId),
            c!.documentRoot,
            "DELEGATION_REVOKED",
          );
          d.revoked = true;
          persist();
          renderDelegations();
        }),
      );
      const ended = d.terms.validUntil <= now();
      return h(
        "li",
        { "data-delegation": d.delegationId, "data-revoked": d.revoked ? "true" : "false" },
        h(
          "div",
          { class: "row" },
          h("strong", null, c ? typeName(c.typeCode) : d.certId.slice(0, 10)),
          h("span", {
            class: `badge ${d.revoked || ended ? "bad" : "ok"}`,
            t: d.revoked ? "wallet.delegationRevoked" : ended ? "wallet.delegationEnded" : "status.ACTIVE",
          }),
        ),
        h(
          "small",
          { class: "delegation-meta" },
          tx("wallet.delegateToAddress", { address: "" }),
          h("span", { class: "mono", translate: "no" }, d.terms.delegate),
          " · ",
          d.purposeCode ? purposeView(d.purposeCode) : tx("wallet.delegateAnyPurpose"),
          " · ",
          d.terms.verifier === ZERO_ADDRESS
            ? tx("wallet.delegateAnyVerifier")
            : h("span", { class: "mono", translate: "no" }, d.terms.verifier),
          " · ",
          tx(d.terms.online ? "wallet.delegateOnlineToo" : "wallet.delegateCounterOnly"),
          ` · ${formatTime(d.terms.validUntil)}`,
        ),
        d.link ? h("a", { href: d.link, class: "mono delegation-link", translate: "no" }, d.link) : null,
        d.revoked || ended ? null : h("div", { class: "row" }, revoke),
        msg,
      );
    }),
  );
}

/**
 * The delegate's wallet opens the holder's link: the share's ciphertext, opened with the key from the
 * fragment, holds the document and the delegation's terms. The terms must name this wallet's delegate
 * key and the document's certificate, and make the delegation id the holder's wallet showed.
 */
async function receiveHeld(link: { id: string; key: LinkKey }, box: HTMLElement): Promise<void> {
  await busy(null, box, async () => {
    const share = await get<{ payload: string }>(EP.share(link.id));
    let sent: HeldSent;
    try {
      sent = JSON.parse(await decryptForLink(link.key, share.payload));
    } catch {
      throw new ApiError("DELEGATION_LINK_INVALID", "", 0);
    }
    const held = await keepHeld(sent, "DELEGATION_LINK_INVALID");
    notice(box, "ok", tx("wallet.heldReceived", { type: typeName(held.typeCode) }), "HELD_RECEIVED").dataset.certId =
      held.certId;
  });
}

/** What a delegate's wallet is given to hold a certificate for someone else: the document and the delegation. */
interface HeldSent {
  delegationId?: string;
  delegation?: DelegationTermsJson;
  document?: unknown;
}

/**
 * Keeps a certificate as held for someone else once its terms name this wallet's delegate key and the
 * document's certificate and make the delegation id given; `incomplete` is the code for a piece missing.
 */
async function keepHeld(sent: HeldSent, incomplete: string): Promise<StoredCertificate> {
  const d = sent.delegation;
  if (!d || !sent.delegationId || !sent.document) throw new ApiError(incomplete, "", 0);
  const { integrity } = readCertificateText(JSON.stringify(sent.document));
  if (integrity.code !== "OK" || !integrity.certId || !integrity.documentRoot)
    throw new ApiError(integrity.code === "OK" ? "MALFORMED" : integrity.code, integrity.reason ?? "", 0);
  if (d.delegate.toLowerCase() !== delegateAddress()) throw new ApiError("DELEGATION_NOT_FOR_THIS_WALLET", "", 0);
  const delegationId = computeDelegationId(await consentDomain(), delegationMessage(d)).toLowerCase();
  if (d.certId.toLowerCase() !== integrity.certId.toLowerCase() || delegationId !== sent.delegationId.toLowerCase())
    throw new ApiError("DELEGATION_MISMATCH", "", 0);
  const certId = integrity.certId.toLowerCase();
  if (data!.certificates.some((c) => c.certId === certId && !c.heldFor))
    throw new ApiError("HELD_ALREADY_YOURS", "", 0);
  const held: StoredCertificate = {
    certId,
    index: -1,
    typeCode: integrity.certificateType?.code ?? "?",
    documentRoot: integrity.documentRoot.toLowerCase(),
    document: sent.document,
    addedAt: now(),
    heldFor: { delegationId, delegation: d },
  };
  // A newer delegation of the same certificate replaces the one kept.
  data!.certificates = [...data!.certificates.filter((c) => c.certId !== certId), held];
  persist();
  renderCertificates();
  return held;
}

/**
 * A certificate held for someone else: marked so, with its delegation; presented at a counter, and shared
 * online when the delegation allows it.
 */
function heldItem(c: StoredCertificate): HTMLElement {
  const d = c.heldFor!;
  // An online delegation lets the delegate share it too (signed with the delegate key, under the delegation).
  const shareBox = h("div");
  const shareBtn = h("button", { type: "button", class: "secondary", t: "wallet.share", "data-action": "share" });
  shareBtn.addEventListener("click", () => shareBox.replaceChildren(shareForm(c)));
  return h(
    "li",
    { "data-cert": c.certId, "data-type": c.typeCode, "data-held": "true", "data-delegation": d.delegationId },
    certCard(cardOf(c)),
    h(
      "p",
      { class: "held-for" },
      h("span", { class: "badge", t: "wallet.heldFor" }),
      " ",
      d.delegation.validUntil <= now()
        ? h("span", { class: "badge bad", t: "wallet.delegationEnded" })
        : tx("wallet.heldUntil", { time: formatTime(d.delegation.validUntil) }),
    ),
    h("small", { class: "mono", translate: "no" }, d.delegationId),
    d.delegation.online ? h("div", { class: "row" }, shareBtn) : null,
    shareBox,
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
          await relayRevocation(
            (domain, m) => keys!.signRevokeGrant(g.index, domain, { grantId: g.grantId, ...m }),
            EP.holderRevokeGrant(g.grantId),
            c!.documentRoot,
            "GRANT_REVOKED",
          );
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
  checks: {
    grantId: string;
    verifier: string;
    purpose: string;
    at: number;
    /** Made under a grant the holder's delegate signed. */
    byDelegate?: boolean;
    delegate?: string;
    delegationId?: string;
  }[];
  grants: { grantId: string; purpose: string; uses: number; maxUses: number; revoked: boolean }[];
  /** The delegations the holder gave for this certificate, as the chain recorded them. */
  delegations?: {
    delegationId: string;
    delegate: string;
    purpose: string;
    verifier: string;
    online: boolean;
    validUntil: number;
    createdAt: number;
    revokedAt?: number;
    state: "ACTIVE" | "REVOKED" | "EXPIRED";
    /** The issuing agency named this delegate at issuance (a minor's guardian). */
    namedBy?: { agency: string; keyId: number };
  }[];
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
    for (const onChain of trail.delegations ?? []) {
      const mine = data!.delegations?.find((d) => d.delegationId === onChain.delegationId.toLowerCase());
      if (mine && onChain.state === "REVOKED" && !mine.revoked) {
        mine.revoked = true;
        changed = true;
      }
    }
    if (changed) {
      persist();
      renderGrants();
      renderDelegations();
    }
    // The catalogue's purposes and this wallet's own (a grant made by a delegate is not in this wallet's list).
    const purposes = new Map<string, string>();
    for (const code of [...PURPOSES.map((p) => p.code), ...data!.grants.map((g) => g.purpose)])
      purposes.set(purposeHash(code).toLowerCase(), code);
    const names = new Map(data!.grants.map((g) => [g.grantee.toLowerCase(), g]));
    const who = (address: string) => {
      const g = names.get(address.toLowerCase());
      if (g?.kind === "link") return tx("wallet.linkGrantee");
      return g?.granteeName ? partyView(g.granteeName) : h("span", { class: "mono", translate: "no" }, address);
    };
    // A check under one of this wallet's share links was signed by the link's key and relayed on chain.
    const links = new Set(data!.grants.filter((g) => g.kind === "link").map((g) => g.grantId.toLowerCase()));
    const purposeOrCode = (hash: string) =>
      purposes.has(hash.toLowerCase())
        ? purposeView(purposes.get(hash.toLowerCase())!)
        : h("code", { translate: "no" }, hash.slice(0, 10));
    const mono = (address: string) => h("span", { class: "mono", translate: "no" }, address);
    const entries: { at: number; el: HTMLElement }[] = trail.checks.map((ch) => {
      const via = ch.byDelegate ? "delegate" : links.has(ch.grantId.toLowerCase()) ? "link" : "verifier";
      return {
        at: ch.at,
        el: h(
          "li",
          { "data-check": ch.grantId, "data-cert": c.certId, "data-via": via, "data-delegation": ch.delegationId },
          h("strong", null, typeName(c.typeCode)),
          h("span", null, who(ch.verifier), " · ", purposeOrCode(ch.purpose)),
          via === "link" ? h("span", { class: "badge", t: "wallet.viaLink" }) : null,
          via === "delegate"
            ? h("span", null, h("span", { class: "badge", t: "wallet.byDelegate" }), " ", mono(ch.delegate ?? ""))
            : null,
          h("small", null, formatTime(ch.at)),
        ),
      };
    });
    // Each delegation the holder gave, where it stands now (and when it was revoked).
    for (const d of trail.delegations ?? [])
      entries.push({
        at: d.createdAt,
        el: h(
          "li",
          {
            "data-trail-delegation": d.delegationId,
            "data-cert": c.certId,
            "data-state": d.state,
            "data-named-by": d.namedBy ? "agency" : "holder",
          },
          h("strong", null, typeName(c.typeCode)),
          h(
            "span",
            null,
            tx("wallet.delegateToAddress", { address: "" }),
            mono(d.delegate),
            " · ",
            /^0x0+$/.test(d.purpose) ? tx("wallet.delegateAnyPurpose") : purposeOrCode(d.purpose),
            " · ",
            tx(d.online ? "wallet.delegateOnlineToo" : "wallet.delegateCounterOnly"),
            ` · ${formatTime(d.validUntil)}`,
          ),
          h("span", {
            class: `badge ${d.state === "ACTIVE" ? "ok" : "bad"}`,
            t: { ACTIVE: "status.ACTIVE", REVOKED: "wallet.delegationRevoked", EXPIRED: "wallet.delegationEnded" }[
              d.state
            ],
          }),
          d.namedBy ? h("span", { class: "badge", t: "wallet.namedByAgency" }) : null,
          h(
            "small",
            null,
            formatTime(d.createdAt),
            d.revokedAt ? [" → ", tx("wallet.delegationRevoked"), " ", formatTime(d.revokedAt)] : null,
          ),
        ),
      });
    els.trail.replaceChildren(
      ...(entries.length
        ? entries.sort((a, b) => b.at - a.at).map((e) => e.el)
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
      const c = await importDocument(text);
      docInput.value = "";
      if (c.heldFor)
        notice(importBox, "ok", tx("wallet.heldReceived", { type: typeName(c.typeCode) }), "HELD_RECEIVED");
      else notice(importBox, "ok", tx("wallet.imported", { type: typeName(c.typeCode) }));
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
    // A certificate held for someone else has its trail in its holder's wallet.
    for (const c of data!.certificates.filter((x) => !x.heldFor)) await loadTrail(c);
  });

  main.replaceChildren(
    els.banner,
    els.request,
    scanSection(),
    claimSection(),
    section("wallet.certificates", els.certs, els.backup),
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
    section("wallet.delegations", h("p", { class: "muted", t: "wallet.delegationsHint" }), els.delegations),
    delegateAddressSection(),
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
  renderDelegations();
  els.trail.replaceChildren(h("li", { class: "muted", t: "wallet.noTrail" }));
  if (pendingDelegate) {
    els.request.replaceChildren(delegateToSection(pendingDelegate));
    pendingDelegate = undefined;
  }
  if (pendingHeld) {
    const link = pendingHeld;
    pendingHeld = undefined;
    void receiveHeld(link, els.banner);
  }

  const r = new URLSearchParams(location.search).get("r");
  if (r) void openRequest(r);
  if (pendingPickup) {
    const link = pendingPickup;
    pendingPickup = undefined;
    void receivePickup(link);
  }
}

// A delegation link opened in a tab already showing the wallet changes only the fragment (no reload).
window.addEventListener("hashchange", () => {
  const to = parseDelegateLink(location.hash);
  const held = parseHeldLink(location.hash);
  if (!to && !held) return;
  history.replaceState(null, "", location.pathname + location.search);
  if (!keys || !data) {
    pendingDelegate = to;
    pendingHeld = held;
    return;
  }
  if (to) els.request.replaceChildren(delegateToSection(to));
  if (held) void receiveHeld(held, els.banner);
});

onLangChange(() => {
  if (keys && data) {
    renderCertificates();
    renderGrants();
    renderDelegations();
  }
});

if (!data) renderSetup();
else if (data.mnemonic) {
  openKeys(data.mnemonic);
  renderMain();
} else renderLocked();
