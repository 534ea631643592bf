/**
 * Documents as text. serializeDocument writes RFC 8785 canonical JSON, so equal documents are equal
 * strings (and stable across Node, the browser and any JCS implementation); parseDocument reads
 * text strictly and checks the shape, throwing DocumentError("MALFORMED_DOCUMENT") with the reason.
 */
import { DocumentError } from "./errors";
import type { CertificateDocument } from "./format";
import { canonicalJson } from "./leaves";
import { readDocumentInput, verifyDocumentIntegrity } from "./verify";

export function serializeDocument(document: CertificateDocument): string {
  return canonicalJson(document);
}

/**
 * Parses a document (text, UTF-8 bytes or a parsed value) and checks its integrity; throws
 * DocumentError with the verdict's reason unless it is OK.
 */
export function parseDocument(input: unknown): CertificateDocument {
  let value;
  try {
    value = readDocumentInput(input);
  } catch (e) {
    throw new DocumentError("MALFORMED_DOCUMENT", e instanceof Error ? e.message : String(e));
  }
  const verdict = verifyDocumentIntegrity(value);
  if (verdict.code !== "OK") {
    throw new DocumentError(
      verdict.code === "TAMPERED" ? "TAMPERED_DOCUMENT" : "MALFORMED_DOCUMENT",
      verdict.reason ?? verdict.code,
    );
  }
  return value as unknown as CertificateDocument;
}
