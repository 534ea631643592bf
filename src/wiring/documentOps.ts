/**
 * The document operations the gateway runs, as pure functions of plain, cloneable data, so that the
 * main thread and the integrity workers (src/wiring/documentPool.ts) run exactly the same code.
 */
import { DomainError } from "../domain/errors";
import { DocumentError, buildDocument, verifyDocumentIntegrity } from "../document";
import { buildDocumentText } from "../document/build";
import type { Address, BuildDocumentInput, Bytes32, CertificateDocument, DocumentIntegrity } from "../domain/ports";

const HEX32 = /^0x[0-9a-fA-F]{64}$/;
export const lower = <T extends string>(s: T | undefined) => s?.toLowerCase() as T | undefined;

/** The certId an altered document claims (untrusted), from the document or its JSON text. */
function claimedCertId(document: unknown): unknown {
  let doc = document;
  if (typeof document === "string") {
    try {
      doc = JSON.parse(document);
    } catch {
      return undefined;
    }
  }
  const status = (doc as { credentialStatus?: unknown } | null)?.credentialStatus;
  // A document with status list entries has the ledger's status first (src/document/statusEntries.ts).
  return ((Array.isArray(status) ? status[0] : status) as { certId?: unknown } | undefined)?.certId;
}

/**
 * The integrity of a document in the domain's terms (never throws). `document` is the parsed
 * document or its JSON text; the text is read by the library's strict parser in place, where a
 * parsed value is first copied (to refuse getters, prototypes and cycles), so passing the text a
 * worker received allocates one document less.
 */
export function integrityOf(document: unknown): DocumentIntegrity {
  const r = verifyDocumentIntegrity(document);
  if (r.code !== "OK") {
    // An altered document still names the certId it claims; report it (untrusted) so the verdict can say which.
    const claimed = r.code === "TAMPERED" ? claimedCertId(document) : undefined;
    return {
      status: r.code,
      certId:
        r.code === "TAMPERED" && typeof claimed === "string" && HEX32.test(claimed)
          ? (claimed.toLowerCase() as Bytes32)
          : undefined,
      disclosed: {},
      redacted: [],
      problems: r.reason ? [r.reason] : [],
    };
  }
  // The check read every disclosed value already (by path, in sorted order): take them from it.
  const disclosed: Record<string, unknown> = r.values!;
  const redactedCount = r.redactedCount ?? 0;
  // The certId and root are hex the check wrote, and the batch root and proof were refused unless
  // lowercase: only the checksummed addresses need lowering.
  return {
    status: "OK",
    certId: r.certId as Bytes32,
    documentRoot: r.documentRoot as Bytes32,
    holder: lower(r.holder) as Address,
    issuerKey: lower(r.issuer) as Address,
    typeCode: r.certificateType?.code,
    validFrom: r.validFrom,
    validUntil: r.validUntil,
    chainId: r.chainId,
    ledger: lower(r.ledger) as Address,
    batch: r.batch && { root: r.batch.root as Bytes32, proof: r.batch.proof as Bytes32[] },
    disclosed,
    // Redacted leaves do not reveal their paths: report how many, as opaque markers.
    redacted: Array.from({ length: redactedCount }, (_, i) => `#${i + 1}`),
    problems: [],
  };
}

/** The library refuses some inputs the schemas let through (a top-level field named "id"): a 422, not a 500. */
function asDomainError<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof DocumentError)
      throw new DomainError(e.code === "INVALID_FIELD" ? "FIELDS_INVALID" : e.code, e.message, {
        status: 422,
        cause: e,
      });
    throw e;
  }
}

/** The library's parameters for a document the gateway builds. */
function buildParameters(input: BuildDocumentInput) {
  return {
    certificateType: { id: input.typeId, code: input.typeCode },
    issuer: input.issuerKey,
    holder: input.holder,
    chainId: input.chainId,
    ledger: input.ledger,
    validFrom: input.validFrom,
    validUntil: input.validUntil,
    fields: input.fields,
  };
}

/** Builds one document (salts, leaves, certId); a refused input throws a 422 DomainError. */
export function buildOne(input: BuildDocumentInput): {
  document: CertificateDocument;
  certId: Bytes32;
  documentRoot: Bytes32;
} {
  const r = asDomainError(() => buildDocument(buildParameters(input)));
  return {
    document: r.document as unknown as CertificateDocument,
    certId: lower(r.certId) as Bytes32,
    documentRoot: lower(r.documentRoot) as Bytes32,
  };
}

/**
 * A batch member's document as UTF-8 JSON text around the place its batch proof goes (the end of
 * `credentialStatus`), with the validity its leaf is computed from. Built where the document is (a
 * worker), so that the thread holding the batch gets bytes (outside its heap, moved, not copied, from a
 * worker), not strings or objects, and adds the proof as bytes: the documents of a batch are tens of
 * megabytes that, as strings, the event loop's garbage collector copied and promoted.
 */
export interface BatchPart {
  certId: Bytes32;
  documentRoot: Bytes32;
  validFrom: number;
  validUntil: number;
  /** The document's JSON text as UTF-8 without its batch member (root and proof). */
  json: Uint8Array;
  /** Where in `json` the batch member goes: after the last member of `credentialStatus`. */
  split: number;
}

const UTF8 = new TextEncoder();

/** What ends a built document's JSON text: its proof, the last member, begins with its type. */
const PROOF_MEMBER = ',"proof":{"type":';

/**
 * Builds one batch member (buildOne) as a BatchPart, the document serialised once
 * (docs/decisions/0026-cli-writes-documents-synchronously.md).
 */
export function buildBatchPart(input: BuildDocumentInput): BatchPart {
  const { document, certId, documentRoot, text } = asDomainError(() => buildDocumentText(buildParameters(input)));
  // The text buildDocument checked the length of is the document's: {...status, batch} puts batch last in
  // credentialStatus, just before the proof (the last member; no string in the text can hold `,"`, so
  // the last such match is the proof's own).
  const keys = Object.keys(document);
  const at = text.lastIndexOf(PROOF_MEMBER);
  if (keys[keys.length - 1] !== "proof" || keys[keys.length - 2] !== "credentialStatus" || text[at - 1] !== "}")
    throw new Error("a built document does not end with credentialStatus and proof");
  const json = UTF8.encode(text);
  return {
    certId: lower(certId) as Bytes32,
    documentRoot: lower(documentRoot) as Bytes32,
    validFrom: Date.parse(document.validFrom as string) / 1000,
    validUntil: Date.parse(document.validUntil as string) / 1000,
    json,
    split: json.length - Buffer.byteLength(text.slice(at - 1)),
  };
}

/**
 * The batch member of a document, `,"batch":{"root":…,"proof":…}`, as the prefix every member of one
 * batch shares (its root: hex, ASCII) and what each adds (its proof's JSON text, ASCII, and "}").
 */
export function batchMemberPrefix(rootText: string): string {
  return `,"batch":{"root":${rootText},"proof":`;
}

/** Bytes writeBatchPart writes for `part` with that member. */
export function batchPartLength(part: BatchPart, memberPrefix: string, proofText: string): number {
  return part.json.byteLength + memberPrefix.length + proofText.length + 1;
}

/**
 * Writes the UTF-8 JSON text of withBatchProof(document, batch, i) into `out` at `at`, from the
 * document's BatchPart, its batch's batchMemberPrefix and its proof's JSON text; returns where it ends.
 */
export function writeBatchPart(
  out: Buffer,
  at: number,
  part: BatchPart,
  memberPrefix: string,
  proofText: string,
): number {
  const { json, split } = part;
  out.set(json.subarray(0, split), at);
  at += split;
  // Hex, digits and punctuation: one byte a character.
  at += out.write(memberPrefix, at, "latin1");
  at += out.write(proofText, at, "latin1");
  out[at++] = 0x7d; // "}"
  out.set(json.subarray(split), at);
  return at + json.byteLength - split;
}
