/**
 * The agency's own signing key in the console: the clerk imports the agency's keystore file (Web3 Secret
 * Storage, as `certledger keys new` writes it) or creates one here, and unlocks it with its passphrase
 * (scrypt: about a second, on purpose). The key stays in this page's memory; it signs the ledger's EIP-712
 * messages (Issue, StatusChange) in the browser and only the signatures leave. A gateway under external
 * custody holds no agency key, so there the console issues and revokes only this way.
 */
import { Wallet, isKeystoreJson } from "ethers";
import { ApiError, bearer, get, post } from "./api";
import { EP } from "./endpoints";
import { formatTime, t } from "./i18n";
import { busy, field, h, notice, section, tx } from "./ui";
import {
  LEDGER_STATUS_OF_ACTION,
  buildBatch,
  buildDocument,
  ledgerDomain,
  signAnchorBatch,
  signIssue,
  signStatusChange,
  withBatchProof,
  type CertificateDocument,
} from "../document";

export interface ChainInfo {
  chainId: number;
  contracts: { ledger: string };
  keyCustody: "custodial" | "external";
}

let unlocked: Wallet | undefined;
let info: ChainInfo | undefined;

/** The chain, the ledger and who holds the agencies' keys (read once). */
export async function chainInfo(): Promise<ChainInfo> {
  info ??= await get<ChainInfo>(EP.chain);
  return info;
}

/** The unlocked agency key, if the clerk unlocked one. */
export const agencyKey = (): Wallet | undefined => unlocked;

/** Under external custody, signing needs the clerk's key: a clear refusal instead of the gateway's 409. */
export async function requireKey(): Promise<Wallet | undefined> {
  if (unlocked) return unlocked;
  if ((await chainInfo()).keyCustody === "external")
    throw new ApiError("KEY_LOCKED", "Unlock the agency's keystore first: this gateway holds no agency key.", 0);
  return undefined;
}

/** How long a signature made here may wait to be relayed. */
const DEADLINE_SECONDS = 600;
const ZERO32 = `0x${"0".repeat(64)}`;

/** The keystore panel: import or create, then unlock. */
export function keySection(onChange: () => void): HTMLElement {
  const out = h("div", { id: "agency-keystore-result" });
  const file = h("input", { type: "file", accept: ".json,application/json", id: "agency-keystore-file" });
  const pass = h("input", { type: "password", id: "agency-keystore-passphrase", autocomplete: "off" });
  const unlock = h("button", { type: "button", id: "agency-keystore-unlock", t: "agency.keyUnlock" });
  const create = h("button", {
    type: "button",
    class: "secondary",
    id: "agency-keystore-create",
    t: "agency.keyCreate",
  });
  const state = h("p", { class: "muted", id: "agency-keystore-state", t: "agency.keyLocked" });
  const show = () => {
    if (unlocked) {
      state.dataset.address = unlocked.address.toLowerCase();
      state.dataset.i18n = "agency.keyUnlocked";
      state.dataset.i18nVars = JSON.stringify({ address: unlocked.address });
      state.textContent = t("agency.keyUnlocked", { address: unlocked.address });
    }
    onChange();
  };
  unlock.addEventListener("click", () =>
    busy(unlock, out, async () => {
      const f = file.files?.[0];
      if (!f) throw new ApiError("KEYSTORE_MISSING", "Choose the agency's keystore file.", 0);
      const text = await f.text();
      if (!isKeystoreJson(text)) throw new ApiError("KEYSTORE_INVALID", "This file is not a keystore.", 0);
      try {
        const w = await Wallet.fromEncryptedJson(text, pass.value);
        unlocked = new Wallet(w.privateKey);
      } catch {
        throw new ApiError("KEYSTORE_PASSPHRASE_WRONG", "The passphrase does not unlock this keystore.", 0);
      }
      pass.value = "";
      out.replaceChildren();
      show();
    }),
  );
  create.addEventListener("click", () =>
    busy(create, out, async () => {
      if (pass.value.length < 8)
        throw new ApiError("PASSPHRASE_TOO_SHORT", "The passphrase must be at least 8 characters.", 0);
      const w = Wallet.createRandom();
      const json = await w.encrypt(pass.value);
      unlocked = new Wallet(w.privateKey);
      pass.value = "";
      const href = URL.createObjectURL(new Blob([json], { type: "application/json" }));
      notice(
        out,
        "info",
        h(
          "span",
          null,
          tx("agency.keyCreated", { address: w.address }),
          " ",
          h("a", {
            href,
            download: `agency-key-${w.address.slice(2, 10)}.json`,
            class: "button",
            t: "common.download",
          }),
        ),
        "KEY_CREATED",
      );
      show();
    }),
  );
  return section(
    "agency.keySection",
    h("p", { class: "muted", t: "agency.keystoreHint" }),
    field("agency.keyFile", file),
    field("agency.keyPassphrase", pass),
    h("div", { class: "row" }, unlock, create),
    state,
    out,
  );
}

interface PublicType {
  code: string;
  typeId?: number;
  /** As registered on chain (0: no maximum). */
  maxValiditySeconds: number;
}

/** Documents always carry an end of validity: a type without a maximum gets a century, as the gateway gives. */
const OPEN_ENDED_SECONDS = 100 * 365 * 24 * 3600;

/** The document the console is about to have signed, and what the signature covers. */
export interface Draft {
  document: CertificateDocument;
  certId: string;
  typeId: number;
  validFrom: number;
  validUntil: number;
  deadline: number;
}

/** The registered type (id and maximum validity) and the window the gateway would give by default. */
async function registered(code: string) {
  const [chain, types] = await Promise.all([chainInfo(), get<{ items: PublicType[] }>(EP.types)]);
  const type = types.items.find((x) => x.code === code);
  if (type?.typeId === undefined) throw new ApiError("TYPE_NOT_FOUND", `No registered type ${code}.`, 0);
  const window = (validFrom?: number, validUntil?: number) => {
    // From now, for the type's longest validity as registered on chain.
    const from = validFrom ?? Math.floor(Date.now() / 1000);
    return {
      validFrom: from,
      validUntil: validUntil ?? from + (type.maxValiditySeconds > 0 ? type.maxValiditySeconds : OPEN_ENDED_SECONDS),
    };
  };
  return { chain, typeId: type.typeId, window };
}

/** Builds every document of a CSV batch here, as one Merkle batch, signs its AnchorBatch and sends it. */
export async function sendSignedBatch(
  key: Wallet,
  code: string,
  items: { holder: string; fields: Record<string, unknown> }[],
  apiKey: string | null,
): Promise<{ root: string; count: number }> {
  const { chain, typeId, window } = await registered(code);
  const built = items.map((it) => {
    const w = window();
    return {
      ...w,
      ...buildDocument({
        certificateType: { id: typeId, code },
        issuer: key.address,
        holder: it.holder,
        chainId: chain.chainId,
        ledger: chain.contracts.ledger,
        ...w,
        fields: it.fields,
      }),
    };
  });
  const batch = buildBatch(built.map((b) => ({ certId: b.certId, validFrom: b.validFrom, validUntil: b.validUntil })));
  const deadline = Math.floor(Date.now() / 1000) + DEADLINE_SECONDS;
  const { signature } = await signAnchorBatch(key, ledgerDomain(chain.chainId, chain.contracts.ledger), {
    root: batch.root,
    typeId,
    count: built.length,
    deadline,
  });
  return post(
    EP.batchesSigned,
    { root: batch.root, documents: built.map((b, i) => withBatchProof(b.document, batch, i)), deadline, signature },
    { headers: bearer(apiKey) },
  );
}

/** Builds the document here, issued by the unlocked key. */
export async function draftDocument(
  key: Wallet,
  p: { type: string; holder: string; fields: Record<string, unknown>; validFrom?: number; validUntil?: number },
): Promise<Draft> {
  const { chain, typeId, window } = await registered(p.type);
  const { validFrom, validUntil } = window(p.validFrom, p.validUntil);
  const built = buildDocument({
    certificateType: { id: typeId, code: p.type },
    issuer: key.address,
    holder: p.holder,
    chainId: chain.chainId,
    ledger: chain.contracts.ledger,
    validFrom,
    validUntil,
    fields: p.fields,
  });
  return {
    document: built.document,
    certId: built.certId,
    typeId,
    validFrom,
    validUntil,
    deadline: Math.floor(Date.now() / 1000) + DEADLINE_SECONDS,
  };
}

/** What the clerk is shown before signing: the Issue message, member by member. */
export function reviewPanel(key: Wallet, d: Draft): HTMLElement {
  const row = (label: string, value: string, id: string) => [
    h("dt", { t: label }),
    h("dd", { class: "mono", id }, value),
  ];
  return h(
    "div",
    { class: "confirm", id: "agency-sign-review" },
    h("strong", { t: "agency.signWhat" }),
    h(
      "dl",
      null,
      ...row("common.certId", d.certId, "agency-sign-certid"),
      ...row("agency.signTypeId", String(d.typeId), "agency-sign-typeid"),
      ...row("agency.validFrom", formatTime(d.validFrom), "agency-sign-from"),
      ...row("agency.validUntil", formatTime(d.validUntil), "agency-sign-until"),
      ...row("agency.signDeadline", formatTime(d.deadline), "agency-sign-deadline"),
      ...row("agency.signKey", key.address, "agency-sign-key"),
    ),
  );
}

/** Signs the Issue in the browser and sends document and signature. */
export async function sendSignedIssue(key: Wallet, d: Draft, apiKey: string | null): Promise<{ certId: string }> {
  const chain = await chainInfo();
  const { signature } = await signIssue(key, ledgerDomain(chain.chainId, chain.contracts.ledger), {
    certId: d.certId,
    typeId: d.typeId,
    validFrom: d.validFrom,
    validUntil: d.validUntil,
    deadline: d.deadline,
  });
  return post(EP.issueSigned, { document: d.document, deadline: d.deadline, signature }, { headers: bearer(apiKey) });
}

/** Reads the certificate's status nonce, signs the StatusChange in the browser and sends it. */
export async function sendSignedStatus(
  key: Wallet,
  certId: string,
  action: "revoke" | "suspend" | "reinstate",
  reason: { code: string; number: number },
  apiKey: string | null,
): Promise<{ status: string }> {
  const auth = { headers: bearer(apiKey) };
  const [chain, n] = await Promise.all([
    chainInfo(),
    get<{ batchRoot: string; nonce: number }>(EP.statusNonce(certId), auth),
  ]);
  const deadline = Math.floor(Date.now() / 1000) + DEADLINE_SECONDS;
  const { signature } = await signStatusChange(key, ledgerDomain(chain.chainId, chain.contracts.ledger), {
    certId,
    batchRoot: n.batchRoot,
    status: LEDGER_STATUS_OF_ACTION[action],
    reason: reason.number,
    replacementCertId: ZERO32,
    replacementBatchRoot: ZERO32,
    nonce: n.nonce,
    deadline,
  });
  return post(
    EP.statusChangeSigned(certId, action),
    { reason: reason.code, signer: key.address, nonce: n.nonce, deadline, signature },
    auth,
  );
}
