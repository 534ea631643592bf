/**
 * The EIP-712 definitions of every message a holder signs, defined once and used by the
 * contracts' tests, the gateway, the wallet page and third parties.
 *
 * The domain binds each signature to one chain and one ConsentRegistry deployment;
 * each message carries a nonce that makes it unique and a deadline. A grant's id is its EIP-712 digest and
 * the registry stores it once, so a replayed grant is refused; a replayed revocation finds the grant revoked.
 */

/** EIP-712 domain name and version of the ConsentRegistry (must match its constructor). */
export const CONSENT_DOMAIN_NAME = "certledger Consent";
export const CONSENT_DOMAIN_VERSION = "1";

export interface TypedDataDomain {
  name: string;
  version: string;
  chainId: bigint;
  verifyingContract: string;
}

export function consentDomain(chainId: bigint | number, consentRegistry: string): TypedDataDomain {
  return {
    name: CONSENT_DOMAIN_NAME,
    version: CONSENT_DOMAIN_VERSION,
    chainId: BigInt(chainId),
    verifyingContract: consentRegistry,
  };
}

/**
 * Grant(bytes32 certId,address grantee,bytes32 purpose,uint64 validUntil,uint32 maxUses,uint256 nonce,uint64 deadline)
 *
 * - certId: the certificate the holder lets `grantee` check.
 * - grantee: the verifier's address; for a one-time share link, the address of the link's key.
 * - purpose: keccak256 of the purpose code (e.g. "open-bank-account"), see `purposeHash`.
 * - validUntil: unix seconds after which the grant can no longer be used.
 * - maxUses: how many checks the grant allows (at least 1).
 * - nonce: any 256-bit value that makes the grant unique (random, or a counter request's nonce).
 * - deadline: unix seconds after which the signature can no longer be relayed.
 */
export const GRANT_TYPES = {
  Grant: [
    { name: "certId", type: "bytes32" },
    { name: "grantee", type: "address" },
    { name: "purpose", type: "bytes32" },
    { name: "validUntil", type: "uint64" },
    { name: "maxUses", type: "uint32" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint64" },
  ],
} as const;

export const GRANT_TYPE_STRING =
  "Grant(bytes32 certId,address grantee,bytes32 purpose,uint64 validUntil,uint32 maxUses,uint256 nonce,uint64 deadline)";

export interface GrantMessage {
  certId: string;
  grantee: string;
  purpose: string;
  validUntil: bigint;
  maxUses: number;
  nonce: bigint;
  deadline: bigint;
}

/**
 * RevokeGrant(bytes32 grantId,uint256 nonce,uint64 deadline): the holder withdraws a grant.
 */
export const REVOKE_GRANT_TYPES = {
  RevokeGrant: [
    { name: "grantId", type: "bytes32" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint64" },
  ],
} as const;

export const REVOKE_GRANT_TYPE_STRING = "RevokeGrant(bytes32 grantId,uint256 nonce,uint64 deadline)";

export interface RevokeGrantMessage {
  grantId: string;
  nonce: bigint;
  deadline: bigint;
}

// ---------------------------------------------------------------------------------------------
// Checks signed by the grantee (one-time share links)
// ---------------------------------------------------------------------------------------------

/**
 * RecordCheck(bytes32 grantId,uint32 use,uint64 deadline): the grantee (a share link's key, which has no
 * gas) signs one check under a grant and anyone relays it to ConsentRegistry.recordCheckBySig.
 *
 * - grantId: the grant the check is made under.
 * - use: the number this check will be (the grant's uses so far + 1); the registry records it only as
 *   exactly that use, so the signature records one check at most and a replay is refused.
 * - deadline: unix seconds after which the signature can no longer be relayed (the verify page signs
 *   for minutes).
 */
export const RECORD_CHECK_TYPES = {
  RecordCheck: [
    { name: "grantId", type: "bytes32" },
    { name: "use", type: "uint32" },
    { name: "deadline", type: "uint64" },
  ],
} as const;

export const RECORD_CHECK_TYPE_STRING = "RecordCheck(bytes32 grantId,uint32 use,uint64 deadline)";

export interface RecordCheckMessage {
  grantId: string;
  use: number;
  deadline: bigint;
}
