/**
 * Revoke, suspend, reinstate, supersede: only by the agency that issued the certificate, only along
 * the transitions the ledger allows, each with a reason code.
 */
import { badRequest, conflict, forbidden, notFound } from "./errors";
import { randomId } from "./hashing";
import { activeSigningKey } from "./issuance";
import type { Address, Bytes32, CertificateView, DomainDeps, Hex, StatusAction } from "./ports";
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

const RESULT: Record<StatusAction, CertificateView["status"]> = {
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
  const cert = await deps.index.certificate(certId.toLowerCase() as Bytes32);
  if (!cert) throw notFound("CERTIFICATE_NOT_FOUND", `No certificate ${certId} is on the ledger.`);
  if (cert.agency.toLowerCase() !== agency.toLowerCase())
    throw forbidden(
      "NOT_YOUR_CERTIFICATE",
      "This certificate was issued by another agency; only its issuer may change it.",
    );
  return cert;
}

export async function changeStatus(deps: DomainDeps, p: ChangeStatusParameters): Promise<ChangeStatusReturnType> {
  const table = STATUS_REASONS[p.action] as Record<string, number>;
  const reason = table[p.reason];
  if (reason === undefined)
    throw badRequest(
      "UNKNOWN_REASON",
      `"${p.reason}" is not a reason to ${p.action}; use one of ${Object.keys(table).join(", ")}.`,
    );
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
  const key = await activeSigningKey(deps, cert.agency, deps.clock.now());
  const receipt = await deps.chain.changeStatus({
    agency: cert.agency,
    issuerKey: key.key,
    certId: cert.certId,
    action: p.action,
    reason,
    replacement,
    batch:
      cert.batchRoot && p.batchProof
        ? { root: cert.batchRoot, validFrom: cert.validFrom, validUntil: cert.validUntil, proof: p.batchProof }
        : undefined,
    outboxKey: p.idempotencyKey ? `status:${cert.agency}:${p.idempotencyKey}` : `status:${randomId()}`,
  });
  return {
    certId: cert.certId,
    status: RESULT[p.action],
    reason: p.reason,
    txHash: receipt.txHash,
    blockNumber: receipt.blockNumber,
  };
}
