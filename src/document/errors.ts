/**
 * Errors thrown by the document library's builders (buildDocument, redactDocument, parseDocument,
 * buildBatch, the wallet). Each carries a stable machine code and a sentence a person can act on.
 * verifyDocumentIntegrity never throws: it reports the same facts as a verdict.
 */
export type DocumentErrorCode =
  | "INVALID_PARAMETER"
  | "INVALID_FIELD"
  | "MALFORMED_DOCUMENT"
  | "TAMPERED_DOCUMENT"
  | "PATH_NOT_FOUND"
  | "INVALID_PATH"
  | "INVALID_BATCH"
  | "INVALID_MNEMONIC";

export class DocumentError extends Error {
  override readonly name = "DocumentError";
  constructor(
    readonly code: DocumentErrorCode,
    message: string,
  ) {
    super(message);
  }
}
