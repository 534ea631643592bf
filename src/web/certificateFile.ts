/**
 * What a person gives the verify page or the wallet as "a certificate": a file or pasted text. It may
 * be the document itself or the agency's whole issue answer ({ certId, document, ... }); anything else
 * (a photo, a text file, an empty box, JSON of another kind) is MALFORMED — not a certificate file —
 * which the document library tells apart from TAMPERED (a real certificate whose content was changed).
 */
import { verifyDocumentIntegrity, type VerifyDocumentIntegrityReturnType } from "../document";

export interface CertificateFile {
  /** The document to verify or keep (the parsed JSON, or the text itself when it is not JSON). */
  document: unknown;
  integrity: VerifyDocumentIntegrityReturnType;
}

export function readCertificateText(text: string): CertificateFile {
  let document: unknown = text;
  try {
    document = JSON.parse(text);
  } catch {
    // Not JSON: the library reads the text itself and answers MALFORMED with its reason.
  }
  if (document && typeof document === "object" && "document" in document && !("credentialSubject" in document))
    document = (document as { document: unknown }).document;
  return { document, integrity: verifyDocumentIntegrity(document) };
}
