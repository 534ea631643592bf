/**
 * Relaying a holder's signed consent and its withdrawal. Anyone may relay (the signature is the
 * authority); the gateway checks what it can before paying for a transaction, so a bad or replayed
 * signature is a 4xx and never reaches the chain.
 */
import { computeCertId } from "../document/ids";
import { badRequest, conflict, notFound, unauthorized } from "./errors";
import { certificateOnLedger, grantOnLedger } from "./lookups";
import type { Bytes32, DomainDeps, GrantRelayRequest, GrantView, Hex, RevokeGrantRelayRequest } from "./ports";

const ZERO_HASH = `0x${"0".repeat(64)}` as Hex;

export interface RelayGrantReturnType {
  grantId: Bytes32;
  txHash: Hex;
  blockNumber: number;
  grant: GrantView | undefined;
}

export interface RelayGrantOptions {
  /** Answer with the grant already on chain instead of 409 REPLAYED (a retried answer of our own). */
  allowExisting?: boolean;
}

/** Whether `signer` is the holder key of `certId`: certId = keccak256(abi.encode(holder, documentRoot)). */
export function isHolderOf(signer: string | undefined, documentRoot: Bytes32, certId: Bytes32): boolean {
  return !!signer && computeCertId(signer, documentRoot).toLowerCase() === certId.toLowerCase();
}

/** 400 SIGNATURE_EXPIRED when a signed message's relay deadline has passed. */
export function requireDeadline(deadline: number, now: number, what: string): void {
  if (deadline < now)
    throw badRequest(
      "SIGNATURE_EXPIRED",
      `The ${what}'s signing deadline has passed; sign it again with a later deadline.`,
    );
}

/** The grant's own terms, checked before its signature: not expired, at least one use. */
export function requireGrantTerms(g: GrantRelayRequest["grant"], now: number): void {
  requireDeadline(g.deadline, now, "grant");
  if (g.validUntil <= now) throw badRequest("GRANT_EXPIRED", "The grant's validUntil is in the past.");
  if (g.maxUses < 1) throw badRequest("INVALID_GRANT", "maxUses must be at least 1.");
}

export async function relayGrant(
  deps: DomainDeps,
  req: GrantRelayRequest,
  opts: RelayGrantOptions = {},
): Promise<RelayGrantReturnType> {
  const now = deps.clock.now();
  const g = req.grant;
  requireGrantTerms(g, now);
  if (!isHolderOf(deps.signatures.recoverGrant(g, req.signature), req.documentRoot, g.certId))
    throw unauthorized(
      "BAD_SIGNATURE",
      "The grant is not signed by the holder key of this certificate (check documentRoot and the signing key).",
    );
  const cert = await certificateOnLedger(deps.index, g.certId);
  if (!cert) throw notFound("CERTIFICATE_NOT_FOUND", `No certificate ${g.certId} is on the ledger.`);
  const grantId = deps.signatures.grantId(g);
  const existing = await deps.index.grant(grantId);
  if (existing) {
    if (!opts.allowExisting)
      throw conflict("REPLAYED", "This signed grant was already relayed; present its grantId, or sign a new grant.", {
        grantId,
      });
    return { grantId, txHash: ZERO_HASH, blockNumber: 0, grant: existing };
  }
  if (cert.batchRoot && !req.batch)
    throw badRequest(
      "BATCH_PROOF_REQUIRED",
      "This certificate was issued in a batch: send the batch root, validity and proof.",
    );
  const receipt = await deps.chain.relayGrant(req);
  return { ...receipt, grant: await deps.index.grant(receipt.grantId) };
}

export interface RevokeGrantReturnType {
  grantId: Bytes32;
  txHash: Hex;
  blockNumber: number;
}

export async function revokeGrant(deps: DomainDeps, req: RevokeGrantRelayRequest): Promise<RevokeGrantReturnType> {
  const now = deps.clock.now();
  const grant = await grantOnLedger(deps.index, req.grantId);
  if (!grant) throw notFound("GRANT_NOT_FOUND", `No grant ${req.grantId} is on the ledger.`);
  if (req.deadline < now) throw badRequest("SIGNATURE_EXPIRED", "The signing deadline has passed; sign again.");
  const signer = deps.signatures.recoverRevokeGrant(
    { grantId: req.grantId, nonce: req.nonce, deadline: req.deadline },
    req.signature,
  );
  if (!signer || computeCertId(signer, req.documentRoot).toLowerCase() !== grant.certId.toLowerCase())
    throw unauthorized("BAD_SIGNATURE", "The revocation is not signed by the holder key of the grant's certificate.");
  if (grant.revoked) throw conflict("GRANT_REVOKED", "The grant is already revoked.");
  const receipt = await deps.chain.relayRevokeGrant(req);
  return { grantId: grant.grantId, ...receipt };
}
