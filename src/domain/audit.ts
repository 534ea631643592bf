/**
 * What a holder may read about their own certificate: its status history, grants, the checks made, and
 * the delegations it gave (with the grants each delegate made and the checks under them marked so).
 */
import { notFound } from "./errors";
import { certificateOnLedger } from "./lookups";
import type { Address, Bytes32, CheckView, DelegationRecord, DomainDeps, GrantView, StatusChangeView } from "./ports";

/** A grant in the trail: a delegate's carries its delegation and who the delegate is. */
export interface AuditGrant extends GrantView {
  byDelegate: boolean;
  delegate?: Address;
}

/** A check in the trail: one under a delegate's grant says which delegation and delegate. */
export interface AuditCheck extends CheckView {
  byDelegate: boolean;
  delegationId?: Bytes32;
  delegate?: Address;
}

export interface AuditDelegation extends DelegationRecord {
  /** ACTIVE while it holds, else REVOKED (by the holder) or EXPIRED (its validUntil passed). */
  state: "ACTIVE" | "REVOKED" | "EXPIRED";
}

export interface AuditTrail {
  certId: Bytes32;
  checks: AuditCheck[];
  grants: AuditGrant[];
  delegations: AuditDelegation[];
  history: StatusChangeView[];
}

/** The caller must already have authenticated the holder of `certId` (authenticateHolder). */
export async function readAuditTrail(deps: Pick<DomainDeps, "index" | "clock">, certId: Bytes32): Promise<AuditTrail> {
  const id = certId.toLowerCase() as Bytes32;
  if (!(await certificateOnLedger(deps.index, id)))
    throw notFound("CERTIFICATE_NOT_FOUND", `No certificate ${certId} is on the ledger.`);
  const [checks, grants, history, delegations] = await Promise.all([
    deps.index.checksForCertificate(id),
    deps.index.grantsForCertificate(id),
    deps.index.statusHistory(id),
    deps.index.delegationsForCertificate(id),
  ]);
  const now = deps.clock.now();
  const delegateOf = new Map(delegations.map((d) => [d.delegationId, d.delegate]));
  const delegationOfGrant = new Map(grants.flatMap((g) => (g.delegationId ? [[g.grantId, g.delegationId]] : [])));
  return {
    certId: id,
    checks: [...checks]
      .sort((a, b) => b.at - a.at)
      .map((c) => {
        const delegationId = delegationOfGrant.get(c.grantId);
        return delegationId
          ? { ...c, byDelegate: true, delegationId, delegate: delegateOf.get(delegationId) }
          : { ...c, byDelegate: false };
      }),
    grants: grants.map((g) =>
      g.delegationId
        ? { ...g, byDelegate: true, delegate: delegateOf.get(g.delegationId) }
        : { ...g, byDelegate: false },
    ),
    delegations: delegations.map((d) => ({
      ...d,
      state: d.revoked ? "REVOKED" : now >= d.validUntil ? "EXPIRED" : "ACTIVE",
    })),
    history,
  };
}
