/**
 * The certificate document (docs/architecture.md#the-certificate-document): a W3C Verifiable
 * Credential 2.0 shape whose every statement
 * is a salted leaf, and the leaf and root hashes that tie it to its certId.
 *
 *   leaf         = keccak256(salt[16] ‖ uint32be(len(path)) ‖ utf8(path) ‖ utf8(JCS(value)))
 *   documentRoot = keccak256(leaf_1 ‖ leaf_2 ‖ … ‖ leaf_n)   with leaves sorted ascending as bytes
 *   certId       = keccak256(abi.encode(address holder, bytes32 documentRoot))   (ids.ts)
 *
 * Leaves: one per field value (paths.ts names them; a value is a JSON scalar, or an empty object or
 * array), plus five metadata leaves that can never be redacted: @certificateType ({code, id}),
 * @issuer (the issuer DID), @ledger (CAIP-10 of the ledger contract), @validFrom and @validUntil
 * (unix seconds, as the chain stores them). The holder is not a leaf: certId commits to it.
 */
import type { Hex } from "./ids";
import type { Address } from "./encoding";
import type { JsonValue } from "./strictJson";
import type { BitstringStatusListEntry } from "./statusList";

export const VC_CONTEXT_V2 = "https://www.w3.org/ns/credentials/v2";
export const STATUS_TYPE = "CertLedgerStatus";
export const PROOF_TYPE = "CertLedgerSaltedLeaves2026";

export const META_PATHS = ["@certificateType", "@issuer", "@ledger", "@validFrom", "@validUntil"] as const;
export type MetaPath = (typeof META_PATHS)[number];

/** A document has at most this many leaves (fields, metadata and redacted leaves together). */
export const MAX_LEAVES = 10_000;
/** Nesting allowed inside credentialSubject's fields (the document's own two levels come on top). */
export const MAX_FIELD_DEPTH = 24;
/** Size bound of a serialised document, and of any input to the parser. */
export const MAX_DOCUMENT_LENGTH = 1 << 20;
/** Longest batch proof accepted (a tree of 2^64 leaves). */
export const MAX_BATCH_PROOF_LENGTH = 64;
export const SALT_BYTES = 16;

export interface CertificateType {
  /** The on-chain uint32 type id. */
  id: number;
  /** The type's code, also the document's second `type` (e.g. "BusinessLicence"). */
  code: string;
}

export interface BatchStatus {
  /** Merkle root anchored on chain (StandardMerkleTree of [certId, validFrom, validUntil]). */
  root: Hex;
  /** Sibling hashes from this certificate's leaf up to the root. */
  proof: Hex[];
}

export interface CredentialStatus {
  type: typeof STATUS_TYPE;
  chainId: number;
  ledger: Address;
  certId: Hex;
  batch?: BatchStatus;
}

/**
 * A document that carries its status list entries: the ledger's status first, then one W3C
 * BitstringStatusListEntry per purpose, signed by the agency in proof.statusEntryProof (statusEntries.ts).
 */
export type CredentialStatusWithEntries = [CredentialStatus, ...BitstringStatusListEntry[]];

export interface CredentialSubject {
  /** did:pkh of this certificate's own holder key. */
  id: string;
  [field: string]: JsonValue;
}

export interface DocumentProof {
  type: typeof PROOF_TYPE;
  /** Salt of every disclosed leaf, by path (metadata paths start with "@"). */
  salts: Record<string, Hex>;
  /** Leaf hashes of redacted fields, strictly ascending; their paths are not revealed. */
  redacted: Hex[];
  /** With status list entries: the agency's detached JWS over them and the certId (statusEntries.ts). */
  statusEntryProof?: string;
}

export interface CertificateDocument {
  "@context": [typeof VC_CONTEXT_V2];
  type: ["VerifiableCredential", string];
  certificateType: CertificateType;
  issuer: string;
  validFrom: string;
  validUntil: string;
  credentialSubject: CredentialSubject;
  credentialStatus: CredentialStatus;
  proof: DocumentProof;
}

/** A document that carries its signed status list entries (statusEntries.ts); the same certId. */
export type CertificateDocumentWithStatusEntries = Omit<CertificateDocument, "credentialStatus"> & {
  credentialStatus: CredentialStatusWithEntries;
};

/** A type code: a JSON-LD-friendly term. */
export const TYPE_CODE = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

/** The ledger's own status entry (chain, ledger, certId, batch), in either document form. */
export function ledgerStatus(document: {
  credentialStatus: CredentialStatus | CredentialStatusWithEntries;
}): CredentialStatus {
  const s = document.credentialStatus;
  return Array.isArray(s) ? s[0] : s;
}
