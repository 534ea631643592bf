/**
 * Verifying presentations (for a verifier, under the holder's consent) and documents (for anyone,
 * integrity and status only). Reads come from the index; with a grantId no signature is recovered,
 * so the common path is a handful of map lookups and the document's hashes.
 */
import { DomainError, badRequest, forbidden, notFound } from "./errors";
import { relayGrant } from "./grants";
import { randomId } from "./hashing";
import { certificateOnLedger, grantOnLedger } from "./lookups";
import type {
  AgencyView,
  Address,
  BatchView,
  Bytes32,
  CertificateTypeView,
  CertificateView,
  DelegationRecord,
  DocumentIntegrity,
  DomainDeps,
  GrantRelayRequest,
  GrantView,
  Hex,
  SigningKeyView,
} from "./ports";
import { VERDICT_REASON_TEXT, reasonName, type VerdictReason } from "./reasons";
import { decideVerdict, type Verdict, type VerdictInput } from "./verdict";

export interface VerifyResult extends Verdict {
  /** One sentence per reason, same order. */
  messages: string[];
  checkedAt: number;
  certId?: Bytes32;
  type?: { code: string; name: string };
  issuer?: { agency: Address; key: Address; name?: string };
  status?: CertificateView["status"];
  supersededBy?: Bytes32;
  validFrom?: number;
  validUntil?: number;
  batchRoot?: Bytes32;
  disclosed: Record<string, unknown>;
  redacted: string[];
  grant?: {
    grantId: Bytes32;
    grantee: Address;
    purpose: Bytes32;
    validUntil: number;
    maxUses: number;
    uses: number;
    revoked: boolean;
  };
  /** Set when a delegate made the grant: the certificate was presented by that delegate for its holder. */
  presentedBy?: { delegate: Address; delegationId: Bytes32 };
  /** How old the index's view of the chain is (the answer comes from the index). */
  index?: { block: number; syncedAt: number; ageSeconds: number };
}

interface Gathered {
  integrity: DocumentIntegrity;
  cert?: CertificateView;
  batch?: BatchView;
  batchProofValid?: boolean;
  type?: CertificateTypeView;
  key?: SigningKeyView;
  agency?: AgencyView;
  accredited: boolean;
}

function checkDocumentShape(integrity: DocumentIntegrity): void {
  if (integrity.status === "MALFORMED")
    throw new DomainError(
      "DOCUMENT_MALFORMED",
      `The document is not a certledger certificate: ${integrity.problems.slice(0, 3).join("; ") || "unreadable"}.`,
      {
        status: 422,
        details: { problems: integrity.problems },
      },
    );
}

async function gather(deps: DomainDeps, document: unknown): Promise<Gathered> {
  const integrity = deps.documents.checkIntegrity
    ? await deps.documents.checkIntegrity(document)
    : deps.documents.verifyIntegrity(document);
  checkDocumentShape(integrity);
  // Tampered beyond reading its certId: there is no record to look up.
  if (!integrity.certId) return { integrity, accredited: false };
  const cert = await certificateOnLedger(deps.index, integrity.certId);
  if (!cert) return { integrity, accredited: false };
  let batch: BatchView | undefined;
  let batchProofValid: boolean | undefined;
  if (cert.batchRoot) {
    batch = await deps.index.batch(cert.batchRoot);
    const proof = integrity.batch?.proof;
    // Integrity already folded this proof from leaf(certId, validFrom, validUntil) to the document's root:
    // when the index holds the same root and window, that was the same leaf, so it need not be folded again.
    const sameLeaf = integrity.validFrom === cert.validFrom && integrity.validUntil === cert.validUntil;
    batchProofValid =
      !!batch &&
      !!proof &&
      integrity.batch!.root.toLowerCase() === cert.batchRoot.toLowerCase() &&
      (sameLeaf ||
        deps.documents.verifyBatchProof(cert.batchRoot, cert.certId, cert.validFrom, cert.validUntil, proof));
  }
  const [type, key, accredited, agency] = await Promise.all([
    deps.index.certificateType(cert.typeId),
    deps.index.signingKey(cert.issuerKey),
    deps.index.wasAccredited(cert.agency, cert.typeId, cert.issuedAt),
    deps.index.agency(cert.agency),
  ]);
  return { integrity, cert, batch, batchProofValid, type, key, agency, accredited };
}

/** What the verdict rules need from the gathered facts, with or without consent. */
function verdictInput(
  g: Gathered,
  now: number,
  expectedTypeCode: string | undefined,
  consent?: VerdictInput["consent"],
): VerdictInput {
  return {
    now,
    integrity: g.integrity,
    certificate: g.cert,
    batch: g.batch,
    batchProofValid: g.batchProofValid,
    type: g.type,
    signingKey: g.key,
    accreditedAtIssue: g.accredited,
    expectedTypeCode,
    consent,
  };
}

function result(
  g: Gathered,
  verdict: Verdict,
  now: number,
  index: DomainDeps["index"],
  grant?: GrantView,
  delegation?: DelegationRecord,
): VerifyResult {
  const { integrity, cert, type } = g;
  const freshness = index.freshness?.();
  // One literal, then the optional members: a spread at the head of a literal that then adds members
  // makes V8 (Node 20) build a new hidden class per call, ~6 KB of garbage per verification here.
  const r: VerifyResult = {
    verdict: verdict.verdict,
    reasons: verdict.reasons,
    messages: verdict.reasons.map((x) => VERDICT_REASON_TEXT[x]),
    checkedAt: now,
    certId: integrity.certId,
    type: type ? { code: type.code, name: type.name } : undefined,
    issuer: cert ? { agency: cert.agency, key: cert.issuerKey, name: g.agency?.name } : undefined,
    status: cert?.status,
    supersededBy: cert?.supersededBy,
    validFrom: cert?.validFrom ?? integrity.validFrom,
    validUntil: cert?.validUntil ?? integrity.validUntil,
    batchRoot: cert?.batchRoot,
    // A verdict that is not VALID discloses nothing: the fields of a bad document prove nothing.
    disclosed: verdict.verdict === "VALID" ? integrity.disclosed : {},
    redacted: integrity.redacted,
    grant: grant && {
      grantId: grant.grantId,
      grantee: grant.grantee,
      purpose: grant.purpose,
      validUntil: grant.validUntil,
      maxUses: grant.maxUses,
      uses: grant.uses,
      revoked: grant.revoked,
    },
  };
  if (grant?.delegationId && delegation)
    r.presentedBy = { delegate: delegation.delegate, delegationId: delegation.delegationId };
  if (freshness) r.index = freshness;
  return r;
}

// ---------------------------------------------------------------------------------------------
// Public: integrity and status, no consent
// ---------------------------------------------------------------------------------------------

export async function verifyDocument(
  deps: DomainDeps,
  p: { document: unknown; expectedType?: string },
): Promise<VerifyResult> {
  const now = deps.clock.now();
  const g = await gather(deps, p.document);
  const verdict = decideVerdict(verdictInput(g, now, p.expectedType));
  deps.verdicts?.observe(verdict.verdict, verdict.reasons);
  const r = result(g, verdict, now, deps.index);
  // Without consent nobody learns the fields from the gateway's answer.
  return { ...r, disclosed: {}, redacted: [] };
}

export interface CertificateStatusReturnType {
  certId: Bytes32;
  status: CertificateView["status"];
  type: string | undefined;
  agency: Address;
  /** The issuing agency's registered name (the index has it from the registry's events). */
  agencyName?: string;
  issuedAt: number;
  validFrom: number;
  validUntil: number;
  batched: boolean;
  supersededBy?: Bytes32;
  history: { status: CertificateView["status"]; reason: string; at: number; supersededBy?: Bytes32 }[];
}

export async function certificateStatus(
  deps: Pick<DomainDeps, "index">,
  certId: Bytes32,
): Promise<CertificateStatusReturnType> {
  const id = certId.toLowerCase() as Bytes32;
  const cert = await certificateOnLedger(deps.index, id);
  if (!cert) throw notFound("CERTIFICATE_NOT_FOUND", `No certificate ${certId} is on the ledger.`);
  const [type, history, agency] = await Promise.all([
    deps.index.certificateType(cert.typeId),
    deps.index.statusHistory(id),
    deps.index.agency(cert.agency),
  ]);
  return {
    certId: cert.certId,
    status: cert.status,
    type: type?.code,
    agency: cert.agency,
    agencyName: agency?.name,
    issuedAt: cert.issuedAt,
    validFrom: cert.validFrom,
    validUntil: cert.validUntil,
    batched: !!cert.batchRoot,
    supersededBy: cert.supersededBy,
    history: history.map((h) => ({
      status: h.status,
      reason: reasonName(h.reason),
      at: h.at,
      supersededBy: h.supersededBy,
    })),
  };
}

// ---------------------------------------------------------------------------------------------
// Verifier: a presentation under consent
// ---------------------------------------------------------------------------------------------

export interface PresentationParameters {
  verifier: Address;
  document: unknown;
  /** A grant already on chain. */
  grantId?: Bytes32;
  /** Or the holder's signed grant, relayed first. */
  signedGrant?: { grant: GrantRelayRequest["grant"]; signature: Hex };
  expectedType?: string;
}

const SIGNATURE_PROBLEMS: Record<string, "BAD_SIGNATURE" | "REPLAYED" | "GRANT_EXPIRED"> = {
  BAD_SIGNATURE: "BAD_SIGNATURE",
  REPLAYED: "REPLAYED",
  GRANT_ALREADY_EXISTS: "REPLAYED",
  SIGNATURE_EXPIRED: "GRANT_EXPIRED",
  GRANT_EXPIRED: "GRANT_EXPIRED",
};

async function evaluate(deps: DomainDeps, p: PresentationParameters): Promise<{ r: VerifyResult; grant?: GrantView }> {
  if (!p.grantId === !p.signedGrant)
    throw badRequest("GRANT_REQUIRED", "Send exactly one of grantId or grant (a signed grant).");
  const now = deps.clock.now();
  const g = await gather(deps, p.document);
  let grant: GrantView | undefined;
  let signatureProblem: "BAD_SIGNATURE" | "REPLAYED" | "GRANT_EXPIRED" | undefined;
  if (p.grantId) {
    grant = await grantOnLedger(deps.index, p.grantId);
  } else if (g.cert && g.integrity.status === "OK") {
    // Only an intact, issued document gets its grant relayed: a tampered one changes nothing on chain.
    const sg = p.signedGrant!;
    const proof = g.integrity.batch?.proof;
    try {
      const relayed = await relayGrant(deps, {
        grant: sg.grant,
        signature: sg.signature,
        documentRoot: g.integrity.documentRoot!,
        batch:
          g.cert.batchRoot && proof
            ? { root: g.cert.batchRoot, validFrom: g.cert.validFrom, validUntil: g.cert.validUntil, proof }
            : undefined,
      });
      grant = relayed.grant ?? (await deps.index.grant(relayed.grantId));
    } catch (e) {
      if (!(e instanceof DomainError) || !SIGNATURE_PROBLEMS[e.code]) throw e;
      signatureProblem = SIGNATURE_PROBLEMS[e.code];
    }
  }
  const delegation = grant?.delegationId ? await deps.index.delegation(grant.delegationId) : undefined;
  const verdict = decideVerdict(
    verdictInput(
      g,
      now,
      p.expectedType,
      p.grantId || grant || signatureProblem || g.integrity.status === "OK"
        ? { verifier: p.verifier, grant, signatureProblem, delegation }
        : undefined,
    ),
  );
  deps.verdicts?.observe(verdict.verdict, verdict.reasons);
  return { r: result(g, verdict, now, deps.index, grant, delegation), grant };
}

/**
 * A bad or replayed signature is the caller's mistake, not a property of the certificate: answer it as
 * an error (4xx) carrying the verdict, so no client mistakes it for a verdict about the certificate.
 */
function rejectSignatureProblems(r: VerifyResult): void {
  const sig = r.reasons.find((x): x is "BAD_SIGNATURE" | "REPLAYED" => x === "BAD_SIGNATURE" || x === "REPLAYED");
  if (sig)
    throw new DomainError(sig, VERDICT_REASON_TEXT[sig], {
      status: sig === "BAD_SIGNATURE" ? 401 : 409,
      details: { verdict: r.verdict, reasons: r.reasons },
    });
}

export async function verifyPresentation(deps: DomainDeps, p: PresentationParameters): Promise<VerifyResult> {
  const { r } = await evaluate(deps, p);
  rejectSignatureProblems(r);
  return r;
}

export interface RecordCheckReturnType extends VerifyResult {
  check: { grantId: Bytes32; verifier: Address; txHash: Hex; blockNumber: number; usesLeft: number };
}

/** Verifies, and when VALID records the check on chain (one grant use). */
export async function recordCheck(
  deps: DomainDeps,
  p: PresentationParameters & { idempotencyKey?: string },
): Promise<RecordCheckReturnType> {
  const { r, grant } = await evaluate(deps, p);
  rejectSignatureProblems(r);
  if (r.reasons.includes("WRONG_VERIFIER"))
    throw forbidden("WRONG_VERIFIER", "The grant was given to another verifier; you cannot record a check under it.");
  if (r.verdict !== "VALID" || !grant)
    throw new DomainError(
      r.reasons[0] ?? "NOT_VALID",
      `The check was not recorded: ${r.messages[0] ?? "the presentation is not valid"}`,
      {
        status: 422,
        details: { verdict: r.verdict, reasons: r.reasons },
      },
    );
  const receipt = await deps.chain.recordCheck({
    verifier: p.verifier.toLowerCase() as Address,
    grantId: grant.grantId,
    outboxKey: p.idempotencyKey ? `check:${p.verifier.toLowerCase()}:${p.idempotencyKey}` : `check:${randomId()}`,
  });
  return {
    ...r,
    check: {
      grantId: grant.grantId,
      verifier: p.verifier.toLowerCase() as Address,
      txHash: receipt.txHash,
      blockNumber: receipt.blockNumber,
      usesLeft: Math.max(0, grant.maxUses - grant.uses - 1),
    },
  };
}

export type { VerdictReason };
