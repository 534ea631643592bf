/**
 * Index lookups whose miss becomes an answer ("not issued", "not found"). Another gateway replica on
 * the same database and chain may have made the write a moment ago, and this replica's index applies
 * it at its next poll: on a miss the index first catches up with the chain's head, then looks again.
 * A hit costs nothing more; a miss costs one head query (concurrent misses share it).
 */
import type { Bytes32, CertificateView, GrantView, IndexReader } from "./ports";

async function lookTwice<T>(index: IndexReader, look: () => Promise<T | undefined> | T | undefined) {
  const found = await look();
  if (found !== undefined || !index.catchUp) return found;
  await index.catchUp();
  return look();
}

export function certificateOnLedger(index: IndexReader, certId: Bytes32): Promise<CertificateView | undefined> {
  const id = certId.toLowerCase() as Bytes32;
  return lookTwice(index, () => index.certificate(id));
}

export function grantOnLedger(index: IndexReader, grantId: Bytes32): Promise<GrantView | undefined> {
  const id = grantId.toLowerCase() as Bytes32;
  return lookTwice(index, () => index.grant(id));
}
