/**
 * Revoke, suspend, reinstate, supersede: only by the agency that issued the certificate, only along
 * the transitions the ledger allows, each with a reason code.
 */
import { badRequest, conflict, forbidden, notFound } from "./errors";
import { randomId } from "./hashing";
import { certificateOnLedger } from "./lookups";
import { activeSigningKey } from "./issuance";
import { requireCustodialAgency } from "./custody";
import type { Address, Bytes32, CertificateView, DomainDeps, Hex, StatusAction, StatusChangeRequest } from "./ports";
import { STATUS_ACTION_FROM, STATUS_REASONS } from "./reasons";

export interface ChangeStatusParameters {
  agency: Address;
  certId: Bytes32;
  action: StatusAction;
  /** A key of STATUS_REASONS[action]. */
  reason: string;
  /** supersede: the replacement certificate, issued by the same agency. */
  replacement?: Bytes32;
  /** For a batched certificate, when the index does not know its proof. */
  batchProof?: Bytes32[];
  idempotencyKey?: string;
}

export interface ChangeStatusReturnType {
  certId: Bytes32;
  status: CertificateView["status"];
  reason: string;
  txHash: Hex;
  blockNumber: number;
}

/** A batched certificate's leaf and proof for the contract (undefined for a single one or without a proof). */
export function batchRef(cert: CertificateView, proof: Bytes32[] | undefined) {
  return cert.batchRoot && proof
    ? { root: cert.batchRoot, validFrom: cert.validFrom, validUntil: cert.validUntil, proof }
    : undefined;
}

/** The status each action leads to. */
export const RESULT: Record<StatusAction, CertificateView["status"]> = {
  revoke: "REVOKED",
  suspend: "SUSPENDED",
  reinstate: "ACTIVE",
  supersede: "SUPERSEDED",
};

/** Loads a certificate and checks that `agency` issued it (404 and 403 otherwise). */
export async function ownCertificate(
  deps: Pick<DomainDeps, "index">,
  agency: Address,
  certId: Bytes32,
): Promise<CertificateView> {
  const cert = await certificateOnLedger(deps.index, certId);
  if (!cert) throw notFound("CERTIFICATE_NOT_FOUND", `No certificate ${certId} is on the ledger.`);
  if (cert.agency.toLowerCase() !== agency.toLowerCase())
    throw forbidden(
      "NOT_YOUR_CERTIFICATE",
      "This certificate was issued by another agency; only its issuer may change it.",
    );
  return cert;
}

/** The on-chain number of a reason code for `action` (400 UNKNOWN_REASON otherwise). */
export function reasonNumber(action: StatusAction, reason: string): number {
  const table = STATUS_REASONS[action] as Record<string, number>;
  const n = table[reason];
  if (n === undefined)
    throw badRequest(
      "UNKNOWN_REASON",
      `"${reason}" is not a reason to ${action}; use one of ${Object.keys(table).join(", ")}.`,
    );
  return n;
}

export async function changeStatus(deps: DomainDeps, p: ChangeStatusParameters): Promise<ChangeStatusReturnType> {
  requireCustodialAgency(deps, `POST /v1/agency/certificates/{certId}/${p.action}/signed`);
  reasonNumber(p.action, p.reason); // an unknown reason is refused before anything is read
  const { cert, replacement } = await statusTransition(deps, p);
  const key = await activeSigningKey(deps, cert.agency, deps.clock.now());
  return sendStatusChange(deps, p, cert, replacement, {
    issuerKey: key.key,
    outboxKey: p.idempotencyKey ? `status:${cert.agency}:${p.idempotencyKey}` : `status:${randomId()}`,
  });
}

/** Sends a checked status change (custodial, or with the agency's signature) and says what it became. */
export async function sendStatusChange(
  deps: Pick<DomainDeps, "chain">,
  p: Pick<ChangeStatusParameters, "action" | "reason" | "batchProof">,
  cert: CertificateView,
  replacement: Bytes32 | undefined,
  how: Pick<StatusChangeRequest, "issuerKey" | "outboxKey" | "signed">,
): Promise<ChangeStatusReturnType> {
  const receipt = await deps.chain.changeStatus({
    agency: cert.agency,
    certId: cert.certId,
    action: p.action,
    reason: reasonNumber(p.action, p.reason),
    replacement,
    batch: batchRef(cert, p.batchProof),
    ...how,
  });
  return {
    certId: cert.certId,
    status: RESULT[p.action],
    reason: p.reason,
    txHash: receipt.txHash,
    blockNumber: receipt.blockNumber,
  };
}

/** The certificate (the caller's own) and the replacement, checked for the transition `action`. */
export async function statusTransition(
  deps: Pick<DomainDeps, "index">,
  p: { agency: Address; certId: Bytes32; action: StatusAction; replacement?: Bytes32 },
): Promise<{ cert: CertificateView; replacement?: Bytes32 }> {
  const cert = await ownCertificate(deps, p.agency, p.certId);
  if (!STATUS_ACTION_FROM[p.action].includes(cert.status))
    throw conflict(
      cert.status === "REVOKED" ? "CERTIFICATE_REVOKED" : "INVALID_STATUS_TRANSITION",
      `Cannot ${p.action} a certificate that is ${cert.status.toLowerCase()}.`,
      { status: cert.status },
    );
  let replacement: Bytes32 | undefined;
  if (p.action === "supersede") {
    if (!p.replacement)
      throw badRequest("REPLACEMENT_REQUIRED", "Superseding needs the replacement certificate's certId.");
    replacement = p.replacement.toLowerCase() as Bytes32;
    if (replacement === cert.certId) throw badRequest("INVALID_REPLACEMENT", "A certificate cannot supersede itself.");
    const repl = await ownCertificate(deps, p.agency, replacement);
    if (repl.status !== "ACTIVE") throw conflict("INVALID_REPLACEMENT", "The replacement certificate is not active.");
  } else if (p.replacement) {
    throw badRequest("UNEXPECTED_REPLACEMENT", `Only supersede takes a replacement.`);
  }
  return { cert, replacement };
}
