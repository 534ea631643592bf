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

/**
 * Delegation(bytes32 certId,address delegate,bytes32 purpose,address verifier,bool online,uint64 validUntil,uint256 nonce,uint64 deadline):
 * the holder lets another address (the delegate) sign grants for one certificate. Relayed to
 * `delegateBySig` (or `delegateInBatchBySig`); the delegationId is its EIP-712 digest.
 *
 * - certId: the certificate the delegate may present.
 * - delegate: the delegate wallet's address.
 * - purpose: keccak256 of the only purpose code the delegate may grant for (`purposeHash`), or zero for any.
 * - verifier: the only grantee the delegate may grant to, or the zero address for any.
 * - online: false for counter presentations only (grants of one use that end within the registry's
 *   COUNTER_GRANT_MAX_SECONDS), true to allow online shares as well.
 * - validUntil: unix seconds after which the delegate can make no grant (nor any grant last beyond).
 * - nonce: any 256-bit value that makes the delegation unique.
 * - deadline: unix seconds after which the signature can no longer be relayed.
 */
export const DELEGATION_TYPES = {
  Delegation: [
    { name: "certId", type: "bytes32" },
    { name: "delegate", type: "address" },
    { name: "purpose", type: "bytes32" },
    { name: "verifier", type: "address" },
    { name: "online", type: "bool" },
    { name: "validUntil", type: "uint64" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint64" },
  ],
} as const;

export const DELEGATION_TYPE_STRING =
  "Delegation(bytes32 certId,address delegate,bytes32 purpose,address verifier,bool online,uint64 validUntil,uint256 nonce,uint64 deadline)";

export interface DelegationMessage {
  certId: string;
  delegate: string;
  purpose: string;
  verifier: string;
  online: boolean;
  validUntil: bigint;
  nonce: bigint;
  deadline: bigint;
}

/**
 * RevokeDelegation(bytes32 delegationId,uint256 nonce,uint64 deadline): the holder withdraws a delegation.
 */
export const REVOKE_DELEGATION_TYPES = {
  RevokeDelegation: [
    { name: "delegationId", type: "bytes32" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint64" },
  ],
} as const;

export const REVOKE_DELEGATION_TYPE_STRING = "RevokeDelegation(bytes32 delegationId,uint256 nonce,uint64 deadline)";

export interface RevokeDelegationMessage {
  delegationId: string;
  nonce: bigint;
  deadline: bigint;
}

/*
 * The ledger's signed writes (docs/decisions/0009-ledger-signed-writes.md): an agency key signs, anyone
 * relays (the gateway's relayer only pays gas).
 * The domain binds each signature to one chain and one CertificateLedger deployment; each message
 * carries a deadline. A certId is issued once and a root anchored once, so Issue, IssueMany and
 * AnchorBatch need no nonce; a status change can recur (suspend, reinstate, suspend), so a StatusChange
 * carries the certificate's change count (`statusNonce(certId, batchRoot)` on the ledger).
 */

/** EIP-712 domain name and version of the CertificateLedger (must match its constructor). */
export const LEDGER_DOMAIN_NAME = "certledger Ledger";
export const LEDGER_DOMAIN_VERSION = "1";

export function ledgerDomain(chainId: bigint | number, ledger: string): TypedDataDomain {
  return {
    name: LEDGER_DOMAIN_NAME,
    version: LEDGER_DOMAIN_VERSION,
    chainId: BigInt(chainId),
    verifyingContract: ledger,
  };
}

/** The ledger's Status enum, as a StatusChange's `status` carries it. */
export const LEDGER_STATUS = { Active: 0, Suspended: 1, Revoked: 2, Superseded: 3 } as const;
export type LedgerStatus = (typeof LEDGER_STATUS)[keyof typeof LEDGER_STATUS];
/** The status each status change asks for (reinstating makes a certificate Active again). */
export const LEDGER_STATUS_OF_ACTION = {
  revoke: LEDGER_STATUS.Revoked,
  suspend: LEDGER_STATUS.Suspended,
  reinstate: LEDGER_STATUS.Active,
  supersede: LEDGER_STATUS.Superseded,
} as const;

/**
 * Issue(bytes32 certId,uint32 typeId,uint64 validFrom,uint64 validUntil,uint64 deadline): one certificate,
 * relayed to `issueBySig`. The arguments are those of `issue`; deadline is the last unix second at which
 * the signature may be relayed.
 */
export const ISSUE_TYPES = {
  Issue: [
    { name: "certId", type: "bytes32" },
    { name: "typeId", type: "uint32" },
    { name: "validFrom", type: "uint64" },
    { name: "validUntil", type: "uint64" },
    { name: "deadline", type: "uint64" },
  ],
} as const;

export const ISSUE_TYPE_STRING =
  "Issue(bytes32 certId,uint32 typeId,uint64 validFrom,uint64 validUntil,uint64 deadline)";

export interface IssueMessage {
  certId: string;
  typeId: bigint | number;
  validFrom: bigint | number;
  validUntil: bigint | number;
  deadline: bigint | number;
}

/** One certificate of an IssueMany: the ledger's IssueRequest struct. */
export interface IssueRequestMessage {
  certId: string;
  typeId: bigint | number;
  validFrom: bigint | number;
  validUntil: bigint | number;
}

/**
 * IssueMany(IssueRequest[] requests,uint64 deadline)IssueRequest(bytes32 certId,uint32 typeId,uint64 validFrom,uint64 validUntil):
 * a group of certificates signed once, relayed to `issueManyBySig` with the same requests in the same
 * order. The requests are a typed EIP-712 array, so a wallet shows each certificate it signs.
 */
export const ISSUE_MANY_TYPES = {
  IssueMany: [
    { name: "requests", type: "IssueRequest[]" },
    { name: "deadline", type: "uint64" },
  ],
  IssueRequest: [
    { name: "certId", type: "bytes32" },
    { name: "typeId", type: "uint32" },
    { name: "validFrom", type: "uint64" },
    { name: "validUntil", type: "uint64" },
  ],
} as const;

export const ISSUE_REQUEST_TYPE_STRING =
  "IssueRequest(bytes32 certId,uint32 typeId,uint64 validFrom,uint64 validUntil)";
export const ISSUE_MANY_TYPE_STRING = `IssueMany(IssueRequest[] requests,uint64 deadline)${ISSUE_REQUEST_TYPE_STRING}`;

export interface IssueManyMessage {
  requests: IssueRequestMessage[];
  deadline: bigint | number;
}

/**
 * AnchorBatch(bytes32 root,uint32 typeId,uint32 count,uint64 deadline): a Merkle batch's root, relayed
 * to `anchorBatchBySig`.
 */
export const ANCHOR_BATCH_TYPES = {
  AnchorBatch: [
    { name: "root", type: "bytes32" },
    { name: "typeId", type: "uint32" },
    { name: "count", type: "uint32" },
    { name: "deadline", type: "uint64" },
  ],
} as const;

export const ANCHOR_BATCH_TYPE_STRING = "AnchorBatch(bytes32 root,uint32 typeId,uint32 count,uint64 deadline)";

/**
 * IssueClaim(bytes32 documentRoot,bytes32 claimCommitment,uint32 typeId,uint64 validFrom,uint64 validUntil,uint64 deadline):
 * a certificate offered before its holder is known, relayed with the holder and the claim secret to
 * `issueClaimBySig` (docs/decisions/0013-claim-offers.md). claimCommitment = keccak256(abi.encode(bytes32 secret)).
 */
export const ISSUE_CLAIM_TYPES = {
  IssueClaim: [
    { name: "documentRoot", type: "bytes32" },
    { name: "claimCommitment", type: "bytes32" },
    { name: "typeId", type: "uint32" },
    { name: "validFrom", type: "uint64" },
    { name: "validUntil", type: "uint64" },
    { name: "deadline", type: "uint64" },
  ],
} as const;

export interface IssueClaimMessage {
  documentRoot: string;
  claimCommitment: string;
  typeId: bigint | number;
  validFrom: bigint | number;
  validUntil: bigint | number;
  deadline: bigint | number;
}

export interface AnchorBatchMessage {
  root: string;
  typeId: bigint | number;
  count: bigint | number;
  deadline: bigint | number;
}

/**
 * StatusChange(bytes32 certId,bytes32 batchRoot,uint8 status,uint16 reason,bytes32 replacementCertId,bytes32 replacementBatchRoot,uint32 nonce,uint64 deadline):
 * revoke, suspend, reinstate or supersede one certificate, relayed to `revokeBySig`, `suspendBySig`,
 * `reinstateBySig` or `supersedeBySig`.
 *
 * - certId, batchRoot: the certificate (batchRoot zero for a single one).
 * - status: the status requested (LEDGER_STATUS: Active to reinstate, Suspended, Revoked, Superseded).
 * - reason: the reason code.
 * - replacementCertId, replacementBatchRoot: the replacement of a supersede; zero for the other changes.
 * - nonce: the certificate's `statusNonce` now, so the signature serves for this one change only.
 */
export const STATUS_CHANGE_TYPES = {
  StatusChange: [
    { name: "certId", type: "bytes32" },
    { name: "batchRoot", type: "bytes32" },
    { name: "status", type: "uint8" },
    { name: "reason", type: "uint16" },
    { name: "replacementCertId", type: "bytes32" },
    { name: "replacementBatchRoot", type: "bytes32" },
    { name: "nonce", type: "uint32" },
    { name: "deadline", type: "uint64" },
  ],
} as const;

export const STATUS_CHANGE_TYPE_STRING =
  "StatusChange(bytes32 certId,bytes32 batchRoot,uint8 status,uint16 reason,bytes32 replacementCertId,bytes32 replacementBatchRoot,uint32 nonce,uint64 deadline)";

export interface StatusChangeMessage {
  certId: string;
  batchRoot: string;
  status: LedgerStatus;
  reason: number;
  replacementCertId: string;
  replacementBatchRoot: string;
  nonce: bigint | number;
  deadline: bigint | number;
}

const ZERO32 = `0x${"0".repeat(64)}`;

/**
 * A StatusChange for one certificate: batchRoot and the replacement's batchRoot default to zero (single
 * certificates), and the replacement is zero unless the status is Superseded.
 */
export function statusChangeMessage(p: {
  certId: string;
  batchRoot?: string;
  status: LedgerStatus;
  reason: number;
  replacement?: { certId: string; batchRoot?: string };
  nonce: bigint | number;
  deadline: bigint | number;
}): StatusChangeMessage {
  return {
    certId: p.certId,
    batchRoot: p.batchRoot ?? ZERO32,
    status: p.status,
    reason: p.reason,
    replacementCertId: p.replacement?.certId ?? ZERO32,
    replacementBatchRoot: p.replacement?.batchRoot ?? ZERO32,
    nonce: p.nonce,
    deadline: p.deadline,
  };
}

/** The authorisation passed with every `...BySig` call: the ledger's SignedWrite struct. */
export interface SignedWrite {
  signer: string;
  deadline: bigint;
  signature: string;
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
