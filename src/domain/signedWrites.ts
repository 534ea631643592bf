/**
 * Writes an agency signed itself (external custody, and any agency system that keeps its own key): the
 * agency builds the document with the document library, signs the CertificateLedger's EIP-712 message
 * with its key, and sends both. The gateway checks everything it would have checked had it built the
 * document (integrity, fields against the type's schema, validity, accreditation), recomputes the
 * certId or root, and checks that the signature recovers to a current key of the calling agency, so a
 * bad request is refused here with its own code instead of reverting on chain. The relayer only pays.
 */
import { DomainError, badRequest, conflict, forbidden } from "./errors";
import { prepareType, requireGuardian, validateFields, validity, type GuardianDelegation } from "./issuance";
import type {
  Address,
  Bytes32,
  CertificateDocument,
  CertificateTypeView,
  DelegationTerms,
  DocumentIntegrity,
  DomainDeps,
  Hex,
  LedgerMessage,
  SignedWrite,
  SigningKeyView,
  StatusAction,
} from "./ports";
import {
  ownCertificate,
  reasonNumber,
  sendStatusChange,
  statusTransition,
  type ChangeStatusParameters,
} from "./status";

export interface SignatureParameters {
  /** Unix seconds: the last second the signed message may be relayed. */
  deadline: number;
  signature: Hex;
}

/** The ledger's numbering of statuses (ICertificateLedger.Status). */
const STATUS_NUMBER = { revoke: 2, suspend: 1, reinstate: 0, supersede: 3 } as const;

const ZERO32 = `0x${"0".repeat(64)}` as Bytes32;

interface CheckedDocument {
  certId: Bytes32;
  typeId: number;
  validFrom: number;
  validUntil: number;
  issuerKey: Address;
  holder: Address;
  document: CertificateDocument;
  batch?: { root: Bytes32; proof: Bytes32[] };
}

/** A current signing key of `agency`, inside its window now (403 otherwise: the chain would refuse it). */
export async function agencyKey(
  deps: Pick<DomainDeps, "index">,
  agency: Address,
  key: Address,
  now: number,
): Promise<SigningKeyView> {
  const k = await deps.index.signingKey(key.toLowerCase() as Address);
  if (!k || k.agency.toLowerCase() !== agency.toLowerCase())
    throw forbidden("SIGNER_NOT_AGENCY_KEY", `${key} is not a signing key of this agency.`, { key });
  if (now < k.validFrom || (k.validUntil !== 0 && now >= k.validUntil))
    throw forbidden("KEY_NOT_VALID", `The signing key ${key} is retired or not yet valid.`, {
      key,
      validFrom: k.validFrom,
      validUntil: k.validUntil,
    });
  return k;
}

/** A signed message past its deadline is refused; `whose` names the message in the answer. */
function checkDeadline(deadline: number, now: number, whose = "The signature's"): void {
  if (deadline < now)
    throw new DomainError("SIGNATURE_EXPIRED", `${whose} deadline ${deadline} has passed; sign again.`, {
      status: 422,
      details: { deadline, now },
    });
}

function checkSigner(deps: Pick<DomainDeps, "signatures">, message: LedgerMessage, signature: Hex, expected: Address) {
  const recovered = deps.signatures.recoverLedger(message, signature);
  if (!recovered || recovered.toLowerCase() !== expected.toLowerCase())
    throw new DomainError(
      "BAD_SIGNATURE",
      `The ${message.kind} signature is not ${expected}'s over this message on this chain and ledger.`,
      { status: 422, details: { expected, recovered: recovered ?? null, message: message.kind } },
    );
}

/**
 * Checks a document an agency built: intact and complete, for this chain and ledger, of a type the
 * agency may issue, fields valid for the type, validity within the type's maximum, issued by one of
 * the agency's current keys. `index` names the item in a group.
 */
async function checkDocument(
  deps: DomainDeps,
  agency: Address,
  document: unknown,
  now: number,
  index?: number,
  type?: CertificateTypeView,
): Promise<CheckedDocument & { type: CertificateTypeView }> {
  const at = index === undefined ? "" : ` (document ${index})`;
  const r: DocumentIntegrity = await (deps.documents.checkIntegrity?.(document) ??
    deps.documents.verifyIntegrity(document));
  if (r.status !== "OK")
    throw new DomainError("DOCUMENT_INVALID", `The document${at} does not verify: ${r.problems.join("; ")}.`, {
      status: 422,
      details: { index, status: r.status, problems: r.problems },
    });
  if (r.redacted.length > 0)
    throw badRequest("DOCUMENT_REDACTED", `The document${at} has redacted fields; send it whole.`, { index });
  const info = await deps.chain.info();
  if (r.chainId !== info.chainId || r.ledger?.toLowerCase() !== info.ledger.toLowerCase())
    throw badRequest(
      "DOCUMENT_WRONG_LEDGER",
      `The document${at} names chain ${r.chainId} and ledger ${r.ledger}; this gateway records on chain ${info.chainId}, ledger ${info.ledger}.`,
      { index, chainId: info.chainId, ledger: info.ledger },
    );
  const t = type ?? (await prepareType(deps, agency, r.typeCode!));
  if (r.typeCode !== t.code)
    throw badRequest("DOCUMENT_TYPE_MISMATCH", `The document${at} is a "${r.typeCode}", not a "${t.code}".`, {
      index,
    });
  const subject = (document as CertificateDocument).credentialSubject as Record<string, unknown>;
  const { id: _holder, ...fields } = subject;
  validateFields(deps, t.code, fields, index);
  const { validFrom, validUntil } = validity(
    t,
    { holder: r.holder!, fields, validFrom: r.validFrom, validUntil: r.validUntil },
    now,
    index,
  );
  await agencyKey(deps, agency, r.issuerKey!, now);
  return {
    certId: r.certId!,
    typeId: t.typeId,
    validFrom,
    validUntil,
    issuerKey: r.issuerKey!.toLowerCase() as Address,
    holder: r.holder!.toLowerCase() as Address,
    document: document as CertificateDocument,
    batch: r.batch,
    type: t,
  };
}

export interface SignedIssueReturnType {
  certId: Bytes32;
  type: string;
  issuerKey: Address;
  validFrom: number;
  validUntil: number;
  txHash: Hex;
  blockNumber: number;
  guardian?: GuardianDelegation;
}

/** A guardian's Delegation the agency signed with the document's issuer key (EIP-712, ConsentRegistry domain). */
export interface SignedGuardian {
  delegation: DelegationTerms;
  signature: Hex;
}

/**
 * What the registry would refuse in an agency-signed guardian's Delegation, refused before the issue: it is
 * for this certificate, its terms hold, it can still be relayed, and it is signed by the document's issuer key.
 */
function checkSignedGuardian(
  deps: Pick<DomainDeps, "signatures">,
  g: SignedGuardian,
  d: { certId: Bytes32; issuerKey: Address; holder: Address },
  now: number,
): void {
  if (g.delegation.certId.toLowerCase() !== d.certId.toLowerCase())
    throw new DomainError(
      "GUARDIAN_WRONG_CERTIFICATE",
      `The guardian's Delegation names certId ${g.delegation.certId}; this document's certId is ${d.certId}.`,
      { status: 422, details: { certId: d.certId } },
    );
  requireGuardian(g.delegation, d.holder, now);
  checkDeadline(g.delegation.deadline, now, "The guardian's Delegation");
  const recovered = deps.signatures.recoverDelegation(g.delegation, g.signature);
  if (!recovered || recovered.toLowerCase() !== d.issuerKey.toLowerCase())
    throw new DomainError(
      "GUARDIAN_SIGNATURE_INVALID",
      `The guardian's Delegation is not signed by the document's issuer key ${d.issuerKey} over this chain's consent registry.`,
      { status: 422, details: { expected: d.issuerKey, recovered: recovered ?? null } },
    );
}

/**
 * One certificate under an `Issue` signature by the document's issuer key; with `guardian`, then the
 * guardian's Delegation the same key signed, relayed to delegateByIssuerSig once the issue has landed.
 */
export async function issueSignedCertificate(
  deps: DomainDeps,
  p: SignatureParameters & { agency: Address; document: unknown; guardian?: SignedGuardian },
): Promise<SignedIssueReturnType> {
  const now = deps.clock.now();
  const agency = p.agency.toLowerCase() as Address;
  const d = await checkDocument(deps, agency, p.document, now);
  if (d.batch)
    throw badRequest("DOCUMENT_BATCHED", "This document belongs to a Merkle batch: anchor its batch instead.");
  checkDeadline(p.deadline, now);
  const message: LedgerMessage = {
    kind: "Issue",
    certId: d.certId,
    typeId: d.typeId,
    validFrom: d.validFrom,
    validUntil: d.validUntil,
    deadline: p.deadline,
  };
  checkSigner(deps, message, p.signature, d.issuerKey);
  const guardian = p.guardian;
  if (guardian) checkSignedGuardian(deps, guardian, d, now);
  const signed: SignedWrite = { signer: d.issuerKey, deadline: p.deadline, signature: p.signature };
  // A certId is issued once: it is its own idempotency key.
  const receipt = await deps.chain.issue({
    agency,
    issuerKey: d.issuerKey,
    certId: d.certId,
    typeId: d.typeId,
    validFrom: d.validFrom,
    validUntil: d.validUntil,
    outboxKey: `issue-signed:${d.certId}`,
    signed,
  });
  // After the issue has landed (the registry refuses an unknown certificate); the delegationId, unique on
  // chain, keys its outbox row, so the same request sent again relays it once.
  const relayed = guardian && {
    ...(await deps.chain.delegateByIssuer({
      issuerKey: d.issuerKey,
      delegation: guardian.delegation,
      signature: guardian.signature,
      outboxKey: `guardian-signed:${deps.signatures.delegationId(guardian.delegation)}`,
    })),
    delegation: guardian.delegation,
  };
  return {
    ...out(d),
    txHash: receipt.txHash,
    blockNumber: receipt.blockNumber,
    ...(relayed ? { guardian: relayed } : {}),
  };
}

function out(d: CheckedDocument & { type: CertificateTypeView }) {
  return {
    certId: d.certId,
    type: d.type.code,
    issuerKey: d.issuerKey,
    validFrom: d.validFrom,
    validUntil: d.validUntil,
  };
}

/** Checks a group of documents: one type, one issuer key, distinct certIds. */
async function checkGroup(deps: DomainDeps, agency: Address, documents: unknown[], now: number, max: number) {
  if (documents.length === 0) throw badRequest("EMPTY_BATCH", "Send at least one document.");
  if (documents.length > max) throw badRequest("BATCH_TOO_LARGE", `At most ${max} documents in one request.`, { max });
  const first = await checkDocument(deps, agency, documents[0], now, 0);
  const items = [first];
  for (let i = 1; i < documents.length; i++) {
    const d = await checkDocument(deps, agency, documents[i], now, i, first.type);
    if (d.issuerKey !== first.issuerKey)
      throw badRequest("DOCUMENTS_MIXED", `Document ${i} names another issuer key than document 0.`, { index: i });
    items.push(d);
    if ((i + 1) % 1000 === 0) await new Promise((r) => setImmediate(r));
  }
  const seen = new Set<string>();
  items.forEach((d, i) => {
    if (seen.has(d.certId)) throw badRequest("DUPLICATE_CERTIFICATE", `Document ${i} repeats a certId.`, { index: i });
    seen.add(d.certId);
  });
  return items;
}

/** Several single certificates in one transaction, under one `IssueMany` signature (all or nothing). */
export async function issueManySigned(
  deps: DomainDeps,
  p: SignatureParameters & { agency: Address; documents: unknown[]; max: number },
): Promise<{ certificates: ReturnType<typeof out>[]; txHash: Hex; blockNumber: number }> {
  const now = deps.clock.now();
  const agency = p.agency.toLowerCase() as Address;
  const items = await checkGroup(deps, agency, p.documents, now, p.max);
  if (items.some((d) => d.batch))
    throw badRequest("DOCUMENT_BATCHED", "A document belongs to a Merkle batch: anchor its batch instead.");
  checkDeadline(p.deadline, now);
  const requests = items.map((d) => ({
    certId: d.certId,
    typeId: d.typeId,
    validFrom: d.validFrom,
    validUntil: d.validUntil,
  }));
  const issuerKey = items[0].issuerKey;
  checkSigner(deps, { kind: "IssueMany", requests, deadline: p.deadline }, p.signature, issuerKey);
  const receipt = await deps.chain.issueMany({
    agency,
    issuerKey,
    requests,
    signed: { signer: issuerKey, deadline: p.deadline, signature: p.signature },
    outboxKey: `issue-many-signed:${items[0].certId}:${items.length}`,
  });
  return { certificates: items.map(out), txHash: receipt.txHash, blockNumber: receipt.blockNumber };
}

/**
 * A Merkle batch the agency built: every document carries its proof to `root`; the gateway rebuilds the
 * root from the documents' leaves (so `count` is exact), stores the members, and relays the signed
 * `AnchorBatch`.
 */
export async function anchorSignedBatch(
  deps: DomainDeps,
  p: SignatureParameters & { agency: Address; root: Bytes32; documents: unknown[]; max: number },
): Promise<{ root: Bytes32; count: number; type: string; issuerKey: Address; txHash: Hex; blockNumber: number }> {
  const now = deps.clock.now();
  const agency = p.agency.toLowerCase() as Address;
  const root = p.root.toLowerCase() as Bytes32;
  const items = await checkGroup(deps, agency, p.documents, now, p.max);
  items.forEach((d, i) => {
    if (d.batch?.root.toLowerCase() !== root)
      throw badRequest("DOCUMENT_NOT_IN_BATCH", `Document ${i} does not carry a proof to root ${root}.`, {
        index: i,
      });
  });
  const rebuilt = deps.documents.batchRoot(items).toLowerCase();
  if (rebuilt !== root)
    throw badRequest(
      "BATCH_ROOT_MISMATCH",
      `The documents' leaves make root ${rebuilt}, not ${root}: send every document of the batch.`,
      { root: rebuilt },
    );
  checkDeadline(p.deadline, now);
  const issuerKey = items[0].issuerKey;
  const message: LedgerMessage = {
    kind: "AnchorBatch",
    root,
    typeId: items[0].typeId,
    count: items.length,
    deadline: p.deadline,
  };
  checkSigner(deps, message, p.signature, issuerKey);
  const receipt = await deps.chain.anchorBatch({
    agency,
    issuerKey,
    root,
    typeId: items[0].typeId,
    count: items.length,
    outboxKey: `batch-signed:${root}`,
    members: items.map((d) => ({ certId: d.certId, validFrom: d.validFrom, validUntil: d.validUntil })),
    signed: { signer: issuerKey, deadline: p.deadline, signature: p.signature },
  });
  return {
    root,
    count: items.length,
    type: items[0].type.code,
    issuerKey,
    txHash: receipt.txHash,
    blockNumber: receipt.blockNumber,
  };
}

export interface StatusNonceReturnType {
  certId: Bytes32;
  batchRoot: Bytes32;
  status: string;
  /** The nonce the next signed StatusChange must carry. */
  nonce: number;
}

/** What an agency needs to sign a StatusChange for one of its certificates. */
export async function statusNonce(
  deps: DomainDeps,
  p: { agency: Address; certId: Bytes32 },
): Promise<StatusNonceReturnType> {
  const cert = await ownCertificate(deps, p.agency, p.certId);
  const batchRoot = (cert.batchRoot ?? ZERO32).toLowerCase() as Bytes32;
  return {
    certId: cert.certId,
    batchRoot,
    status: cert.status,
    nonce: await deps.chain.statusNonce(cert.certId, batchRoot),
  };
}

/** Builds the StatusChange message of a status change (the same for the signer and the checker). */
export function statusChangeMessage(p: {
  certId: Bytes32;
  batchRoot: Bytes32;
  action: StatusAction;
  reason: number;
  replacement?: Bytes32;
  nonce: number;
  deadline: number;
}): LedgerMessage {
  return {
    kind: "StatusChange",
    certId: p.certId,
    batchRoot: p.batchRoot,
    status: STATUS_NUMBER[p.action],
    reason: p.reason,
    replacementCertId: p.replacement ?? ZERO32,
    // Replacements are single certificates (a batched one would need its proof).
    replacementBatchRoot: ZERO32,
    nonce: p.nonce,
    deadline: p.deadline,
  };
}

/** A status change signed by any current key of the issuing agency, carrying the certificate's nonce. */
export async function changeStatusSigned(
  deps: DomainDeps,
  p: SignatureParameters &
    Omit<ChangeStatusParameters, "idempotencyKey"> & {
      signer: Address;
      nonce: number;
    },
) {
  const now = deps.clock.now();
  const reason = reasonNumber(p.action, p.reason);
  const { cert, replacement } = await statusTransition(deps, p);
  await agencyKey(deps, cert.agency, p.signer, now);
  checkDeadline(p.deadline, now);
  const batchRoot = (cert.batchRoot ?? ZERO32).toLowerCase() as Bytes32;
  const current = await deps.chain.statusNonce(cert.certId, batchRoot);
  if (p.nonce !== current)
    throw conflict(
      "STATUS_NONCE_STALE",
      `The certificate's status nonce is ${current}, not ${p.nonce}: read it again (GET /v1/agency/certificates/{certId}/status-nonce) and sign again.`,
      { expected: current, given: p.nonce },
    );
  const message = statusChangeMessage({ ...p, certId: cert.certId, batchRoot, reason, replacement });
  checkSigner(deps, message, p.signature, p.signer);
  const signer = p.signer.toLowerCase() as Address;
  return sendStatusChange(deps, p, cert, replacement, {
    issuerKey: signer,
    outboxKey: `status-signed:${cert.certId}:${batchRoot}:${p.nonce}`,
    signed: { signer, deadline: p.deadline, signature: p.signature, nonce: p.nonce },
  });
}
