/**
 * "Valid now?" (docs/architecture.md#valid-now-the-verdict-rules) as one pure function over what the
 * index knows and what the document says.
 * No I/O: the use case fetches the views, this decides. Every failing rule adds its reason, so the
 * verifier learns all that is wrong, in the order of VERDICT_REASONS.
 */
import type {
  Address,
  BatchView,
  CertificateTypeView,
  CertificateView,
  DelegationRecord,
  DocumentIntegrity,
  GrantView,
  SigningKeyView,
} from "./ports";
import { VERDICT_REASONS, type VerdictReason } from "./reasons";

export interface VerdictInput {
  now: number;
  integrity: DocumentIntegrity;
  /** The index's record of integrity.certId, if any. */
  certificate?: CertificateView;
  /** For a batched certificate: the anchored batch and whether the document's proof leads to its root. */
  batch?: BatchView;
  batchProofValid?: boolean;
  /** The ledger type of the record. */
  type?: CertificateTypeView;
  /** The record's issuing key, and whether its agency was accredited for the type at issuance. */
  signingKey?: SigningKeyView;
  accreditedAtIssue?: boolean;
  /** Type code the verifier asked for, if any. */
  expectedTypeCode?: string;
  /** Consent: required for a verifier's check, absent for a public integrity + status check. */
  consent?: {
    verifier: Address;
    grant?: GrantView;
    /** The delegation the grant was made under, when a delegate made it (grant.delegationId). */
    delegation?: DelegationRecord;
    /** Set when the holder's signed grant failed before it could be relayed. */
    signatureProblem?: "BAD_SIGNATURE" | "REPLAYED" | "GRANT_EXPIRED";
  };
}

export interface Verdict {
  verdict: "VALID" | "INVALID";
  reasons: VerdictReason[];
}

const ORDER = new Map<VerdictReason, number>(VERDICT_REASONS.map((r, i) => [r, i]));

export function decideVerdict(input: VerdictInput): Verdict {
  const reasons = new Set<VerdictReason>();
  const { integrity, certificate: cert, now } = input;

  if (integrity.status !== "OK") reasons.add("TAMPERED");

  if (!cert) {
    // A document too damaged to name its certId is only TAMPERED; otherwise its certId is unknown.
    if (integrity.certId !== undefined || integrity.status === "OK") reasons.add("NOT_ISSUED");
  } else {
    if (cert.batchRoot) {
      // Batched: the document must carry a proof to the anchored root the index lists for this certId.
      if (!input.batch || !input.batchProofValid) reasons.add("NOT_ISSUED");
    }
    // The document's own claims must match the ledger's record of the same certId.
    if (integrity.status === "OK") {
      if (integrity.issuerKey && integrity.issuerKey.toLowerCase() !== cert.issuerKey.toLowerCase())
        reasons.add("ISSUER_NOT_ACCREDITED");
      if (integrity.validFrom !== undefined && integrity.validFrom !== cert.validFrom) reasons.add("TAMPERED");
      if (integrity.validUntil !== undefined && integrity.validUntil !== cert.validUntil) reasons.add("TAMPERED");
      if (!input.type || (integrity.typeCode !== undefined && integrity.typeCode !== input.type.code))
        reasons.add("TYPE_MISMATCH");
    }
    if (
      !input.signingKey ||
      input.signingKey.agency.toLowerCase() !== cert.agency.toLowerCase() ||
      cert.issuedAt < input.signingKey.validFrom ||
      (input.signingKey.validUntil !== 0 && cert.issuedAt >= input.signingKey.validUntil) ||
      !input.accreditedAtIssue
    )
      reasons.add("ISSUER_NOT_ACCREDITED");

    if (cert.status === "REVOKED") reasons.add("REVOKED");
    else if (cert.status === "SUSPENDED") reasons.add("SUSPENDED");
    else if (cert.status === "SUPERSEDED") reasons.add("SUPERSEDED");

    if (now < cert.validFrom) reasons.add("NOT_YET_VALID");
    if (cert.validUntil !== 0 && now >= cert.validUntil) reasons.add("EXPIRED");
  }

  if (input.expectedTypeCode !== undefined) {
    const code = input.type?.code ?? integrity.typeCode;
    if (code !== input.expectedTypeCode) reasons.add("TYPE_MISMATCH");
  }

  if (input.consent) {
    const { grant, verifier, signatureProblem, delegation } = input.consent;
    if (signatureProblem) reasons.add(signatureProblem);
    else if (
      !grant ||
      (integrity.certId !== undefined && grant.certId.toLowerCase() !== integrity.certId.toLowerCase())
    )
      reasons.add("NO_GRANT");
    else {
      if (grant.grantee.toLowerCase() !== verifier.toLowerCase()) reasons.add("WRONG_VERIFIER");
      if (grant.delegationId) {
        // The chain stops checks under a revoked delegation's grants; an index without the delegation
        // (it cannot happen after GrantCreatedByDelegate) is answered as revoked, never as consent.
        if (!delegation || delegation.revoked) reasons.add("DELEGATION_REVOKED");
        else if (now >= delegation.validUntil) reasons.add("DELEGATION_EXPIRED");
      }
      if (grant.revoked) reasons.add("GRANT_REVOKED");
      if (now >= grant.validUntil) reasons.add("GRANT_EXPIRED");
      if (grant.uses >= grant.maxUses) reasons.add("GRANT_USED_UP");
    }
  }

  const list = [...reasons].sort((a, b) => ORDER.get(a)! - ORDER.get(b)!);
  return { verdict: list.length === 0 ? "VALID" : "INVALID", reasons: list };
}
