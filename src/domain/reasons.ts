/**
 * Reason codes: why a verification is not VALID (docs/architecture.md#valid-now-the-verdict-rules), and
 * why an agency changed a status
 * (recorded on chain as a small integer).
 */
import type { CertificateStatus, StatusAction } from "./ports";

/** In the order a person should read them: the document first, then the record, then consent. */
export const VERDICT_REASONS = [
  "TAMPERED",
  "NOT_ISSUED",
  "TYPE_MISMATCH",
  "ISSUER_NOT_ACCREDITED",
  "REVOKED",
  "SUPERSEDED",
  "SUSPENDED",
  "NOT_YET_VALID",
  "EXPIRED",
  "BAD_SIGNATURE",
  "REPLAYED",
  "NO_GRANT",
  "WRONG_VERIFIER",
  "DELEGATION_REVOKED",
  "DELEGATION_EXPIRED",
  "GRANT_REVOKED",
  "GRANT_EXPIRED",
  "GRANT_USED_UP",
] as const;
export type VerdictReason = (typeof VERDICT_REASONS)[number];

export const VERDICT_REASON_TEXT: Record<VerdictReason, string> = {
  TAMPERED: "The document's content does not match its identifier: it was altered after issuance.",
  NOT_ISSUED: "No certificate with this identifier was issued on the ledger.",
  TYPE_MISMATCH: "The certificate is not of the type that was asked for, or its type differs from the ledger's record.",
  ISSUER_NOT_ACCREDITED: "The issuing key was not accredited for this certificate type when it issued.",
  REVOKED: "The issuing agency revoked this certificate.",
  SUPERSEDED: "The certificate was replaced by a newer one.",
  SUSPENDED: "The issuing agency suspended this certificate.",
  NOT_YET_VALID: "The certificate's validity has not started yet.",
  EXPIRED: "The certificate's validity has ended.",
  BAD_SIGNATURE: "The grant was not signed by the certificate's holder.",
  REPLAYED: "This signed message was already used.",
  NO_GRANT: "The holder has not granted this check.",
  WRONG_VERIFIER: "The grant was given to another verifier.",
  DELEGATION_REVOKED: "A delegate presented the certificate, and the holder has revoked that delegation.",
  DELEGATION_EXPIRED: "A delegate presented the certificate, and that delegation has ended.",
  GRANT_REVOKED: "The holder revoked the grant.",
  GRANT_EXPIRED: "The grant has expired.",
  GRANT_USED_UP: "The grant has no uses left.",
};

/** Status-change reasons by action; the number is what the ledger records. */
export const STATUS_REASONS = {
  revoke: {
    ISSUED_IN_ERROR: 1,
    FRAUD: 2,
    HOLDER_DECEASED: 3,
    ENTITY_DISSOLVED: 4,
    COURT_ORDER: 5,
    LOST_OR_STOLEN: 6,
    OTHER: 99,
  },
  suspend: {
    UNDER_INVESTIGATION: 20,
    HOLDER_REQUEST: 21,
    COURT_ORDER: 22,
    OTHER: 99,
  },
  reinstate: {
    INVESTIGATION_CLOSED: 40,
    HOLDER_REQUEST: 41,
    SUSPENDED_IN_ERROR: 42,
    OTHER: 99,
  },
  supersede: {
    RENEWAL: 60,
    CORRECTION: 61,
    UPGRADE: 62,
    OTHER: 99,
  },
} as const;

export type StatusReasonCode<A extends keyof typeof STATUS_REASONS> = keyof (typeof STATUS_REASONS)[A];

/**
 * The statuses each action may start from: the ledger's transitions. The gateway refuses the others
 * and the agency console offers only these.
 */
export const STATUS_ACTION_FROM: Record<StatusAction, readonly CertificateStatus[]> = {
  revoke: ["ACTIVE", "SUSPENDED"],
  suspend: ["ACTIVE"],
  reinstate: ["SUSPENDED"],
  supersede: ["ACTIVE", "SUSPENDED"],
};

const REASON_NAMES = new Map<number, string>();
for (const table of Object.values(STATUS_REASONS))
  for (const [name, n] of Object.entries(table)) if (!REASON_NAMES.has(n)) REASON_NAMES.set(n, name);

export function reasonName(n: number): string {
  return REASON_NAMES.get(n) ?? `UNKNOWN_${n}`;
}
