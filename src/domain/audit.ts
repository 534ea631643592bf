/** What a holder may read about their own certificate: its status history, grants and the checks made. */
import { notFound } from "./errors";
import { certificateOnLedger } from "./lookups";
import type { Bytes32, CheckView, DomainDeps, GrantView, StatusChangeView } from "./ports";

export interface AuditTrail {
  certId: Bytes32;
  checks: CheckView[];
  grants: GrantView[];
  history: StatusChangeView[];
}

/** The caller must already have authenticated the holder of `certId` (authenticateHolder). */
export async function readAuditTrail(deps: Pick<DomainDeps, "index">, certId: Bytes32): Promise<AuditTrail> {
  const id = certId.toLowerCase() as Bytes32;
  if (!(await certificateOnLedger(deps.index, id)))
    throw notFound("CERTIFICATE_NOT_FOUND", `No certificate ${certId} is on the ledger.`);
  const [checks, grants, history] = await Promise.all([
    deps.index.checksForCertificate(id),
    deps.index.grantsForCertificate(id),
    deps.index.statusHistory(id),
  ]);
  return { certId: id, checks: [...checks].sort((a, b) => b.at - a.at), grants, history };
}
