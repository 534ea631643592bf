/** A grant to `grantee` for certificate `certId`, signed by holder key `index`, as a process test's client sends it. */
import { purposeHash, type HolderWallet, type TypedDataDomain } from "../../src/document";

export function holderGrant(
  wallet: HolderWallet,
  domain: TypedDataDomain,
  index: number,
  to: { certId: string; grantee: string; purpose: string; maxUses: number },
) {
  const now = Math.floor(Date.now() / 1000);
  const grant = {
    certId: to.certId,
    grantee: to.grantee,
    purpose: purposeHash(to.purpose),
    validUntil: now + 3600,
    maxUses: to.maxUses,
    nonce: String(index),
    deadline: now + 600,
  };
  const s = wallet.signGrant(index, domain, {
    ...grant,
    validUntil: BigInt(grant.validUntil),
    nonce: BigInt(index),
    deadline: BigInt(grant.deadline),
  });
  return { grant, signature: s.signature };
}
