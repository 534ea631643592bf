/**
 * Relaying a holder's signed delegation, its withdrawal, and the grants a delegate signs under it. As for
 * grants, anyone may relay (the signatures are the authority); the gateway checks what it can before
 * paying for a transaction, so a bad, replayed, revoked or expired case is a 4xx with its own code and
 * never reaches the chain. What only the chain knows (the purpose, verifier and counter-only scope) the
 * chain adapter reports as DELEGATION_OUT_OF_SCOPE.
 */
import { badRequest, conflict, forbidden, notFound, unauthorized } from "./errors";
import { isHolderOf, requireDeadline, requireGrantTerms } from "./grants";
import { certificateOnLedger } from "./lookups";
import type {
  Bytes32,
  DelegateGrantRelayRequest,
  DelegationRelayRequest,
  DelegationView,
  DomainDeps,
  GrantView,
  Hex,
  RevokeDelegationRelayRequest,
} from "./ports";

const ZERO_ADDRESS = `0x${"0".repeat(40)}`;
const ZERO_HASH = `0x${"0".repeat(64)}`;
/** The registry's COUNTER_GRANT_MAX_SECONDS: a counter-only delegate's grant ends within this of now. */
export const COUNTER_GRANT_MAX_SECONDS = 3600;

export interface RelayDelegationReturnType {
  delegationId: Bytes32;
  txHash: Hex;
  blockNumber: number;
  delegation: DelegationView | undefined;
}

/** The holder's signed Delegation, relayed to `delegateBySig` (or `delegateInBatchBySig`). */
export async function relayDelegation(
  deps: DomainDeps,
  req: DelegationRelayRequest,
): Promise<RelayDelegationReturnType> {
  const now = deps.clock.now();
  const d = req.delegation;
  requireDeadline(d.deadline, now, "delegation");
  if (d.validUntil <= now)
    throw badRequest("DELEGATION_EXPIRED", "The delegation's validUntil is in the past.", { validUntil: d.validUntil });
  if (d.delegate.toLowerCase() === ZERO_ADDRESS)
    throw badRequest("INVALID_DELEGATION", "The delegate must be a wallet address, not the zero address.");
  const signer = deps.signatures.recoverDelegation(d, req.signature);
  if (!isHolderOf(signer, req.documentRoot, d.certId))
    throw unauthorized(
      "BAD_SIGNATURE",
      "The delegation is not signed by the holder key of this certificate (check documentRoot and the signing key); a delegate cannot delegate further.",
    );
  if (signer!.toLowerCase() === d.delegate.toLowerCase())
    throw badRequest("INVALID_DELEGATION", "The holder cannot be its own delegate.");
  const cert = await certificateOnLedger(deps.index, d.certId);
  if (!cert) throw notFound("CERTIFICATE_NOT_FOUND", `No certificate ${d.certId} is on the ledger.`);
  const delegationId = deps.signatures.delegationId(d);
  if (await deps.chain.delegation(delegationId))
    throw conflict("REPLAYED", "This signed delegation was already relayed; sign a new one.", { delegationId });
  if (cert.batchRoot && !req.batch)
    throw badRequest(
      "BATCH_PROOF_REQUIRED",
      "This certificate was issued in a batch: send the batch root, validity and proof.",
    );
  const receipt = await deps.chain.relayDelegation(req);
  return { ...receipt, delegation: await deps.chain.delegation(receipt.delegationId) };
}

export interface RevokeDelegationReturnType {
  delegationId: Bytes32;
  txHash: Hex;
  blockNumber: number;
}

/** The holder's signed RevokeDelegation, relayed to `revokeDelegationBySig`. */
export async function revokeDelegation(
  deps: DomainDeps,
  req: RevokeDelegationRelayRequest,
): Promise<RevokeDelegationReturnType> {
  const now = deps.clock.now();
  const d = await deps.chain.delegation(req.delegationId);
  if (!d) throw notFound("DELEGATION_NOT_FOUND", `No delegation ${req.delegationId} is on the ledger.`);
  requireDeadline(req.deadline, now, "revocation");
  const signer = deps.signatures.recoverRevokeDelegation(
    { delegationId: req.delegationId, nonce: req.nonce, deadline: req.deadline },
    req.signature,
  );
  if (!isHolderOf(signer, req.documentRoot, d.certId))
    throw unauthorized(
      "BAD_SIGNATURE",
      "The revocation is not signed by the holder key of the delegation's certificate.",
    );
  if (d.revoked) throw conflict("DELEGATION_REVOKED", "The delegation is already revoked.");
  const receipt = await deps.chain.relayRevokeDelegation(req);
  return { delegationId: d.delegationId, ...receipt };
}

export interface RelayDelegateGrantReturnType {
  grantId: Bytes32;
  delegationId: Bytes32;
  txHash: Hex;
  blockNumber: number;
  grant: GrantView | undefined;
}

/**
 * A grant the delegate signed (a plain EIP-712 Grant), relayed with the delegation's terms to
 * `grantByDelegateSig`. `delegationId`, when given (the route's path), must be the terms' digest.
 */
export async function relayDelegateGrant(
  deps: DomainDeps,
  req: DelegateGrantRelayRequest & { delegationId?: Bytes32 },
): Promise<RelayDelegateGrantReturnType> {
  const now = deps.clock.now();
  const g = req.grant;
  requireGrantTerms(g, now);
  const delegationId = deps.signatures.delegationId(req.delegation);
  if (req.delegationId && req.delegationId.toLowerCase() !== delegationId)
    throw badRequest(
      "DELEGATION_MISMATCH",
      `The delegation's terms make delegationId ${delegationId}, not ${req.delegationId}: send the terms the holder signed.`,
      { delegationId },
    );
  const d = await deps.chain.delegation(delegationId);
  if (!d) throw notFound("DELEGATION_NOT_FOUND", `No delegation ${delegationId} is on the ledger.`);
  if (d.revoked)
    throw conflict("DELEGATION_REVOKED", "The holder revoked this delegation; the delegate may not grant.");
  if (now >= d.validUntil)
    throw conflict("DELEGATION_EXPIRED", "This delegation has ended; the delegate may not grant.", {
      validUntil: d.validUntil,
    });
  const signer = deps.signatures.recoverGrant(g, req.signature);
  if (!signer || signer.toLowerCase() !== d.delegate.toLowerCase())
    throw unauthorized("BAD_SIGNATURE", "The grant is not signed by the delegation's delegate key.");
  requireInScope(g, req.delegation, d, now);
  const grantId = deps.signatures.grantId(g);
  if (await deps.index.grant(grantId))
    throw conflict("REPLAYED", "This signed grant was already relayed; present its grantId, or sign a new grant.", {
      grantId,
    });
  const receipt = await deps.chain.relayDelegateGrant(req);
  return { ...receipt, delegationId, grant: await deps.index.grant(receipt.grantId) };
}

/**
 * The delegation's scope, as the registry checks it (the terms are the holder's: their digest is the
 * delegation on chain), so an out-of-scope grant is refused here and sends no transaction.
 */
function requireInScope(
  g: DelegateGrantRelayRequest["grant"],
  t: DelegateGrantRelayRequest["delegation"],
  d: DelegationView,
  now: number,
): void {
  const out = (why: string, details?: unknown) =>
    forbidden("DELEGATION_OUT_OF_SCOPE", `The grant is outside the delegation: ${why}.`, details);
  if (g.certId.toLowerCase() !== d.certId.toLowerCase()) throw out("it names another certificate");
  if (t.purpose.toLowerCase() !== ZERO_HASH && t.purpose.toLowerCase() !== g.purpose.toLowerCase())
    throw out("the delegate may grant for another purpose only", { purpose: t.purpose });
  if (t.verifier.toLowerCase() !== ZERO_ADDRESS && t.verifier.toLowerCase() !== g.grantee.toLowerCase())
    throw out("the delegate may grant to another verifier only", { verifier: t.verifier });
  if (!d.online && (g.maxUses !== 1 || g.validUntil > now + COUNTER_GRANT_MAX_SECONDS))
    throw out(
      `the delegation is for counter presentations only (one use, ending within ${COUNTER_GRANT_MAX_SECONDS} seconds)`,
      { maxUses: g.maxUses, validUntil: g.validUntil },
    );
  if (g.validUntil > d.validUntil)
    throw out("it would outlive the delegation", { validUntil: g.validUntil, delegationValidUntil: d.validUntil });
}
