/**
 * Issuing and changing status with the agency's own key (`--keystore`): the command builds the document
 * with the document library, signs the ledger's EIP-712 message locally, and sends document and
 * signature; the gateway checks and relays, and could not have signed itself.
 */
import type { Wallet } from "ethers";
import type { GatewayClient } from "./gateway";
import { CliError } from "./output";

export interface GatewayInfo {
  chainId: number;
  contracts: { registry: string; ledger: string; consent: string };
  ledgerEip712Domain: { name: string; version: string; chainId: number; verifyingContract: string };
  keyCustody: "custodial" | "external";
}

interface PublicType {
  code: string;
  typeId?: number;
  active: boolean;
  maxValiditySeconds: number;
}

/** How long a signature made here may wait to be relayed. */
export const SIGNATURE_LIFETIME_SECONDS = 3600;
/** Documents always carry an end of validity: a type without a maximum defaults to a century (as the gateway). */
const OPEN_ENDED_SECONDS = 100 * 365 * 24 * 3600;

export async function gatewayInfo(api: GatewayClient): Promise<GatewayInfo> {
  return (await api.request<GatewayInfo>("GET", "/v1/public/info")).body;
}

export async function registeredType(api: GatewayClient, code: string): Promise<PublicType & { typeId: number }> {
  const { items } = (await api.request<{ items: PublicType[] }>("GET", "/v1/public/types")).body;
  const t = items.find((x) => x.code === code);
  if (!t || t.typeId === undefined)
    throw new CliError("UNKNOWN_TYPE", `The gateway has no registered type ${JSON.stringify(code)}.`);
  return t as PublicType & { typeId: number };
}

export function windowOf(t: PublicType, validFrom?: number, validUntil?: number, now = nowSeconds()) {
  const from = validFrom ?? now;
  return {
    validFrom: from,
    validUntil: validUntil ?? from + (t.maxValiditySeconds > 0 ? t.maxValiditySeconds : OPEN_ENDED_SECONDS),
  };
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);

type Item = { holder: string; fields: Record<string, unknown>; validFrom: number; validUntil: number };

/** The document of `item`, issued by `wallet` on the gateway's chain and ledger. */
async function build(wallet: Wallet, info: GatewayInfo, type: PublicType & { typeId: number }, item: Item) {
  const { buildDocument } = require("../document") as typeof import("../document");
  return buildDocument({
    certificateType: { id: type.typeId, code: type.code },
    issuer: wallet.address,
    holder: item.holder,
    chainId: info.chainId,
    ledger: info.contracts.ledger,
    validFrom: item.validFrom,
    validUntil: item.validUntil,
    fields: item.fields,
  });
}

/** Builds one document issued by `wallet` and signs its Issue message. */
export async function signIssue(wallet: Wallet, info: GatewayInfo, type: PublicType & { typeId: number }, p: Item) {
  const built = await build(wallet, info, type, p);
  const deadline = nowSeconds() + SIGNATURE_LIFETIME_SECONDS;
  const { signIssue: sign, ledgerDomain } = require("../document") as typeof import("../document");
  const { signature } = await sign(wallet, ledgerDomain(info.chainId, info.contracts.ledger), {
    certId: built.certId,
    typeId: type.typeId,
    validFrom: p.validFrom,
    validUntil: p.validUntil,
    deadline,
  });
  return { document: built.document, certId: built.certId, deadline, signature };
}

/** Builds a Merkle batch of documents issued by `wallet` (each with its proof) and signs its AnchorBatch. */
export async function signBatch(
  wallet: Wallet,
  info: GatewayInfo,
  type: PublicType & { typeId: number },
  items: Item[],
) {
  const { buildBatch, withBatchProof, signAnchorBatch, ledgerDomain } =
    require("../document") as typeof import("../document");
  const built = await Promise.all(items.map((p) => build(wallet, info, type, p)));
  const batch = buildBatch(
    built.map((b, i) => ({ certId: b.certId, validFrom: items[i].validFrom, validUntil: items[i].validUntil })),
  );
  const documents = built.map((b, i) => withBatchProof(b.document, batch, i));
  const deadline = nowSeconds() + SIGNATURE_LIFETIME_SECONDS;
  const { signature } = await signAnchorBatch(wallet, ledgerDomain(info.chainId, info.contracts.ledger), {
    root: batch.root,
    typeId: type.typeId,
    count: documents.length,
    deadline,
  });
  return { root: batch.root, documents, certIds: built.map((b) => b.certId), deadline, signature };
}

export type StatusActionName = "revoke" | "suspend" | "reinstate" | "supersede";

/** Reads the certificate's status nonce from the gateway and signs the StatusChange with `wallet`. */
export async function signStatusChange(
  wallet: Wallet,
  api: GatewayClient,
  info: GatewayInfo,
  p: { certId: string; action: StatusActionName; reason: number; replacement?: string },
) {
  const n = (
    await api.request<{ batchRoot: string; nonce: number }>("GET", `/v1/agency/certificates/${p.certId}/status-nonce`)
  ).body;
  const {
    signStatusChange: sign,
    ledgerDomain,
    LEDGER_STATUS_OF_ACTION,
  } = require("../document") as typeof import("../document");
  const zero = `0x${"0".repeat(64)}`;
  const status = LEDGER_STATUS_OF_ACTION[p.action];
  const deadline = nowSeconds() + SIGNATURE_LIFETIME_SECONDS;
  const { signature } = await sign(wallet, ledgerDomain(info.chainId, info.contracts.ledger), {
    certId: p.certId,
    batchRoot: n.batchRoot,
    status,
    reason: p.reason,
    replacementCertId: p.replacement ?? zero,
    replacementBatchRoot: zero,
    nonce: n.nonce,
    deadline,
  });
  return { signer: wallet.address, nonce: n.nonce, deadline, signature };
}
