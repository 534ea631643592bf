/**
 * certledger's certificate document library: build, canonicalise, salt, hash, redact and verify
 * documents, build Merkle batches, hold per-certificate wallet keys that sign consent grants, and sign
 * an agency's ledger writes with the agency's own key (agencySigning).
 * No I/O and no Node-only modules: the same code runs in Node and, bundled, in the browser.
 */
export {
  buildDocument,
  defaultRandom,
  type BuildDocumentParameters,
  type BuildDocumentReturnType,
  type RandomSource,
} from "./build";
export { redactDocument } from "./redact";
export { verifyDocumentIntegrity, type VerifyDocumentIntegrityReturnType, type IntegrityCode } from "./verify";
export { serializeDocument, parseDocument } from "./serialize";
export { buildBatch, processBatchProof, verifyBatchProof, withBatchProof, type Batch, type BatchItem } from "./batch";
export { formatPath, parsePath, type PathSegment } from "./paths";
export { canonicalJson, computeLeafHash } from "./leaves";
export * from "./format";
export { DocumentError, type DocumentErrorCode } from "./errors";
export { parseStrictJson, type JsonValue, type JsonObject, type JsonLimits } from "./strictJson";
export { toDidPkh, parseDidPkh, toChecksumAddress, toIsoSeconds, parseIsoSeconds, type Address } from "./encoding";
export { computeCertId, computeBatchLeaf, bytesToHex, hexToBytes, BATCH_LEAF_ENCODING, type Hex } from "./ids";
export * from "./typedData";
export {
  computeGrantId,
  hashRevokeGrant,
  hashRecordCheck,
  domainSeparator,
  purposeHash,
  counterGrant,
  grantMessage,
  type CounterRequestTerms,
  type GrantJson,
  signDigest,
  recoverDigestSigner,
  privateKeyToAddress,
  GRANT_TYPEHASH,
  REVOKE_GRANT_TYPEHASH,
  computeDelegationId,
  hashRevokeDelegation,
  DELEGATION_TYPEHASH,
  REVOKE_DELEGATION_TYPEHASH,
} from "./grant";
export {
  hashIssue,
  hashIssueMany,
  hashIssueRequests,
  hashAnchorBatch,
  hashStatusChange,
  ISSUE_TYPEHASH,
  ISSUE_REQUEST_TYPEHASH,
  ISSUE_MANY_TYPEHASH,
  ANCHOR_BATCH_TYPEHASH,
  STATUS_CHANGE_TYPEHASH,
} from "./ledgerDigest";
export {
  signIssue,
  signIssueMany,
  signAnchorBatch,
  signStatusChange,
  signGuardianDelegation,
  mutableTypes,
  type TypedDataSigner,
  type TypedDataField,
} from "./agencySigning";
export {
  createHolderWallet,
  generateMnemonic,
  mnemonicSeed,
  validateMnemonic,
  holderKeyPath,
  HOLDER_KEY_ACCOUNT,
  type HolderWallet,
  type HolderKey,
  type SignedGrant,
  type SignedRevokeGrant,
  type SignedDelegation,
  type CreateHolderWalletParameters,
} from "./wallet";
export { keccakReady } from "./keccak";
export {
  prepareSdJwtVc,
  finishSdJwtVc,
  presentSdJwtVc,
  parseSdJwt,
  checkDisclosures,
  disclosedClaims,
  sdJwtStatusClaim,
  certificateVct,
  publicKeyToJwk,
  jwkToPublicKey,
  jwkAddress,
  jwkThumbprint,
  es256kDigest,
  es256kSign,
  es256kVerify,
  es256kSignerCandidates,
  base64url,
  base64urlDecode,
  SD_JWT_VC_TYP,
  KB_JWT_TYP,
  SD_JWT_ALG,
  SD_HASH_ALG,
  type Secp256k1Jwk,
  type StatusListEntry,
  type UnsignedSdJwtVc,
  type ParsedSdJwt,
  type PrepareSdJwtVcParameters,
  type PresentSdJwtVcParameters,
} from "./sdJwt";
export {
  STATUS_LIST_MIN_LENGTH,
  STATUS_PURPOSES,
  StatusListError,
  buildStatusListCredential,
  decodeStatusList,
  encodeStatusList,
  getStatusBit,
  setStatusBit,
  signStatusListJwt,
  statusFromList,
  statusListEntry,
  verifyStatusListJwt,
  type BitstringStatusListCredential,
  type BitstringStatusListEntry,
  type StatusFromListReturnType,
  type StatusListErrorCode,
  type StatusPurpose,
  type VerifiedStatusListJwt,
} from "./statusList";
export {
  STATUS_ENTRIES_TYP,
  STATUS_LIST_MAX_AGE_SECONDS,
  documentStatusEntries,
  parseStatusListUrl,
  readStatusEntries,
  signStatusEntries,
  statusFromLists,
  verifyStatusEntries,
  withStatusEntries,
  type StatusFromListsParameters,
  type StatusFromListsReason,
  type StatusFromListsReturnType,
} from "./statusEntries";
