/**
 * What the domain needs from the world, and nothing more. The use cases in src/domain receive these
 * as arguments; the chain (src/chain), the store (src/store), the indexer (src/indexer) and the
 * document library (src/document) implement them, and src/wiring.ts adapts where the shapes differ.
 *
 * Conventions for implementers:
 * - Addresses are lower-case 0x hex; bytes32 values are lower-case 0x hex of 64 digits.
 * - Times are unix seconds (number). Ids of types are the small on-chain integers (uint16/uint32).
 * - `Awaitable<T>` reads may be synchronous: the verify path calls them per request, so the index
 *   should answer from memory (never an eth_call per verification: docs/architecture.md#verification).
 * - A write that the chain refuses throws `DomainError` (src/domain/errors.ts) with one of the
 *   codes of `ChainRejectionCode` when the reason is known (a custom error of the contracts), so the
 *   gateway answers 4xx for a client's mistake and 5xx only for its own failures.
 * - "Acknowledged" writes resolve only when the work is durable in the outbox AND mined AND applied to
 *   the index, so that a read right after a write sees it (read-your-writes for the caller).
 */

export type Hex = `0x${string}`;
export type Address = Hex;
export type Bytes32 = Hex;
export type Awaitable<T> = T | Promise<T>;

// ---------------------------------------------------------------------------------------------
// Clock
// ---------------------------------------------------------------------------------------------

export interface Clock {
  /** Unix seconds. Tests pass a fixed or advancing clock; production uses Date.now(). */
  now(): number;
}

// ---------------------------------------------------------------------------------------------
// Index views (read side, kept current by the indexer from contract events)
// ---------------------------------------------------------------------------------------------

export type CertificateStatus = "ACTIVE" | "REVOKED" | "SUSPENDED" | "SUPERSEDED";

export interface CertificateTypeView {
  typeId: number;
  /** Stable code, e.g. "resident-id-card" (the catalog's key). */
  code: string;
  name: string;
  /** keccak256 of the canonical JSON Schema of the type's fields. */
  schemaHash: Bytes32;
  /** Longest validFrom..validUntil span, in seconds; 0 = unlimited. */
  maxValiditySeconds: number;
  active: boolean;
}

export interface AgencyView {
  agency: Address;
  name: string;
  active: boolean;
  /** Type ids the agency is accredited for now. */
  typeIds: number[];
}

export interface SigningKeyView {
  key: Address;
  agency: Address;
  /** The key may issue in [validFrom, validUntil); validUntil 0 = open-ended. */
  validFrom: number;
  validUntil: number;
}

export interface StatusChangeView {
  certId: Bytes32;
  status: CertificateStatus;
  /** Reason code number as recorded on chain (see REASON_CODES in src/domain/reasons.ts). */
  reason: number;
  /** For SUPERSEDED: the replacement. */
  supersededBy?: Bytes32;
  at: number;
  txHash?: Hex;
}

export interface CertificateView {
  certId: Bytes32;
  typeId: number;
  /** The key that issued it (single issue: the record's key; batched: the batch's key). */
  issuerKey: Address;
  agency: Address;
  issuedAt: number;
  validFrom: number;
  validUntil: number;
  status: CertificateStatus;
  /** Set when the certificate was issued inside a Merkle batch. */
  batchRoot?: Bytes32;
  supersededBy?: Bytes32;
  txHash?: Hex;
}

export interface BatchView {
  root: Bytes32;
  typeId: number;
  issuerKey: Address;
  agency: Address;
  issuedAt: number;
  count: number;
  txHash?: Hex;
}

export interface GrantView {
  grantId: Bytes32;
  certId: Bytes32;
  grantee: Address;
  /** keccak256 of the purpose code. */
  purpose: Bytes32;
  validUntil: number;
  maxUses: number;
  uses: number;
  revoked: boolean;
  createdAt: number;
  /** Set when a delegate made the grant (GrantCreatedByDelegate): the delegation it was made under. */
  delegationId?: Bytes32;
}

/** A delegation as the index holds it (DelegationCreated, DelegationRevoked, DelegationNamedByIssuer). */
export interface DelegationRecord extends Omit<DelegationTerms, "nonce" | "deadline"> {
  delegationId: Bytes32;
  revoked: boolean;
  /** Block time of the revocation. */
  revokedAt?: number;
  createdAt: number;
  txHash?: Hex;
  /** Set when the issuing agency named this delegate at issuance (a guardian): the agency and its key. */
  namedBy?: { agency: Address; keyId: number };
}

export interface CheckView {
  grantId: Bytes32;
  certId: Bytes32;
  verifier: Address;
  purpose: Bytes32;
  at: number;
  txHash?: Hex;
}

export interface Page<T> {
  items: T[];
  /** Opaque; pass back to get the next page. Absent on the last page. */
  next?: string;
}

/**
 * Reads the index. The verify path calls certificate/batch/grant/signingKey/wasAccredited once per
 * request each: answer them from memory.
 */
export interface IndexReader {
  certificateType(typeId: number): Awaitable<CertificateTypeView | undefined>;
  certificateTypeByCode(code: string): Awaitable<CertificateTypeView | undefined>;
  certificateTypes(): Awaitable<CertificateTypeView[]>;

  agency(agency: Address): Awaitable<AgencyView | undefined>;
  agencies(): Awaitable<AgencyView[]>;
  signingKey(key: Address): Awaitable<SigningKeyView | undefined>;
  signingKeys(agency: Address): Awaitable<SigningKeyView[]>;
  /** Was `agency` accredited for `typeId` at time `at` (accreditations have a history)? */
  wasAccredited(agency: Address, typeId: number, at: number): Awaitable<boolean>;

  /** A single or batched certificate. For a batched one, known once anchored: status ACTIVE unless changed. */
  certificate(certId: Bytes32): Awaitable<CertificateView | undefined>;
  batch(root: Bytes32): Awaitable<BatchView | undefined>;
  statusHistory(certId: Bytes32): Awaitable<StatusChangeView[]>;
  /** Certificates issued by one agency, newest first. */
  certificatesByAgency(
    agency: Address,
    filter: { typeId?: number; status?: CertificateStatus; limit: number; cursor?: string },
  ): Awaitable<Page<CertificateView>>;

  grant(grantId: Bytes32): Awaitable<GrantView | undefined>;
  grantsForCertificate(certId: Bytes32): Awaitable<GrantView[]>;
  checksForCertificate(certId: Bytes32): Awaitable<CheckView[]>;
  delegation(delegationId: Bytes32): Awaitable<DelegationRecord | undefined>;
  delegationsForCertificate(certId: Bytes32): Awaitable<DelegationRecord[]>;

  verifiers(): Awaitable<{ verifier: Address; name: string; active: boolean }[]>;
  verifier(address: Address): Awaitable<{ verifier: Address; name: string; active: boolean } | undefined>;

  /** True once the indexer has caught up with the chain head at least once (for /readyz). */
  ready(): Awaitable<boolean>;
  /**
   * How old the index's view is: the last block applied, when the index last matched the chain's head
   * (unix seconds) and the seconds since. Verification answers carry it (while the chain node is away
   * they come from the index alone).
   */
  freshness?(): { block: number; syncedAt: number; ageSeconds: number } | undefined;
  /**
   * Applies now whatever the chain holds that the index has not applied yet (bounded in time; never
   * throws). Absent or immediate where the index follows the chain in this process.
   */
  catchUp?(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Chain writes (through the relayer and its outbox)
// ---------------------------------------------------------------------------------------------

export interface TxReceiptView {
  txHash: Hex;
  blockNumber: number;
}

/** Known refusals of the contracts, mapped from their custom errors by src/chain. */
export type ChainRejectionCode =
  | "CERTIFICATE_ALREADY_ISSUED"
  | "CERTIFICATE_NOT_FOUND"
  | "CERTIFICATE_REVOKED" // final: no further change
  | "INVALID_STATUS_TRANSITION"
  | "NOT_ACCREDITED"
  | "KEY_NOT_VALID"
  | "TYPE_NOT_FOUND"
  | "TYPE_INACTIVE"
  | "TYPE_ALREADY_EXISTS"
  | "VALIDITY_TOO_LONG"
  | "AGENCY_NOT_FOUND"
  | "AGENCY_ALREADY_EXISTS"
  | "BAD_SIGNATURE"
  | "REPLAYED" // nonce already spent
  | "SIGNATURE_EXPIRED" // past the deadline
  | "GRANT_NOT_FOUND"
  | "GRANT_ALREADY_EXISTS"
  | "GRANT_REVOKED"
  | "GRANT_EXPIRED"
  | "GRANT_USED_UP"
  | "CHECK_USE_TAKEN" // a grantee-signed check named a use another check took first
  | "DELEGATION_NOT_FOUND"
  | "DELEGATION_REVOKED"
  | "DELEGATION_EXPIRED"
  | "DELEGATION_OUT_OF_SCOPE" // purpose, verifier, counter-only, another certificate, or past the delegation's end
  | "WRONG_VERIFIER"
  | "BAD_PROOF"
  | "PAUSED";

/**
 * The authorisation of a by-signature ledger write: the agency key that signed the EIP-712 message, the
 * last second it may be relayed, and the signature. Absent on a custodial gateway's requests: the chain
 * writer then signs the same message with the custodial key itself.
 */
export interface SignedWrite {
  signer: Address;
  deadline: number;
  signature: Hex;
}

/** The EIP-712 messages agencies sign for the CertificateLedger (the recovery lives outside the domain). */
export type LedgerMessage =
  | { kind: "Issue"; certId: Bytes32; typeId: number; validFrom: number; validUntil: number; deadline: number }
  | {
      kind: "IssueMany";
      requests: { certId: Bytes32; typeId: number; validFrom: number; validUntil: number }[];
      deadline: number;
    }
  | { kind: "AnchorBatch"; root: Bytes32; typeId: number; count: number; deadline: number }
  | {
      kind: "StatusChange";
      certId: Bytes32;
      batchRoot: Bytes32;
      /** The status asked for, as the ledger numbers it: 0 active, 1 suspended, 2 revoked, 3 superseded. */
      status: number;
      reason: number;
      replacementCertId: Bytes32;
      replacementBatchRoot: Bytes32;
      nonce: number;
      deadline: number;
    };

export interface IssueRequest {
  /** Who asks (the agency principal's address). */
  agency: Address;
  /** The agency's signing key that issues (held in the custodial keyring). */
  issuerKey: Address;
  certId: Bytes32;
  typeId: number;
  validFrom: number;
  validUntil: number;
  /**
   * Exactly-once key for the outbox: the same key twice returns the first outcome and sends nothing
   * more (the gateway passes a hash of the agency and the client's Idempotency-Key).
   */
  outboxKey: string;
  /** The agency's own signature (external custody); absent: the custodial key signs. */
  signed?: SignedWrite;
}

/** Several certificates under one signed IssueMany message (external custody). */
export interface IssueManyRequest {
  agency: Address;
  issuerKey: Address;
  requests: { certId: Bytes32; typeId: number; validFrom: number; validUntil: number }[];
  signed: SignedWrite;
  outboxKey: string;
}

export interface BatchAnchorRequest {
  agency: Address;
  issuerKey: Address;
  root: Bytes32;
  typeId: number;
  count: number;
  outboxKey: string;
  /**
   * The leaves' certificates and validity, so that the indexer can list each batched certificate
   * (certificate(certId), certificatesByAgency) without the documents. The chain stores only the root.
   */
  members: { certId: Bytes32; validFrom: number; validUntil: number }[];
  /**
   * Wait for the root to land however long the chain node is away (a batch job in the background);
   * otherwise an unreachable node answers WRITE_PENDING at once.
   */
  untilLanded?: boolean;
  /** The agency's own signature (external custody); absent: the custodial key signs. */
  signed?: SignedWrite;
}

export type StatusAction = "revoke" | "suspend" | "reinstate" | "supersede";

export interface StatusChangeRequest {
  agency: Address;
  /** The agency's current signing key (the tx sender), from the keyring. */
  issuerKey: Address;
  certId: Bytes32;
  action: StatusAction;
  reason: number;
  /** supersede: the replacement certificate. */
  replacement?: Bytes32;
  /** A batched certificate: its batch root, leaf fields and proof so the contract can check membership. */
  batch?: { root: Bytes32; validFrom: number; validUntil: number; proof: Bytes32[] };
  outboxKey: string;
  /** The agency's own signature over the StatusChange carrying `nonce` (external custody). */
  signed?: SignedWrite & { nonce: number };
}

export interface GrantRelayRequest {
  grant: {
    certId: Bytes32;
    grantee: Address;
    purpose: Bytes32;
    validUntil: number;
    maxUses: number;
    /** uint256 as a decimal string. */
    nonce: string;
    deadline: number;
  };
  signature: Hex;
  documentRoot: Bytes32;
  /** For a batched certificate: the batch root, the leaf's validity and the proof. */
  batch?: { root: Bytes32; validFrom: number; validUntil: number; proof: Bytes32[] };
}

export interface RevokeGrantRelayRequest {
  grantId: Bytes32;
  /** uint256 as a decimal string. */
  nonce: string;
  deadline: number;
  signature: Hex;
  /** The holder proves the binding to the grant's certId with documentRoot (certId = H(holder, root)). */
  documentRoot: Bytes32;
}

/** The holder's signed Delegation: another wallet may sign grants for one certificate, within these terms. */
export interface DelegationTerms {
  certId: Bytes32;
  delegate: Address;
  /** keccak256 of the only purpose code the delegate may grant for, or zero for any. */
  purpose: Bytes32;
  /** The only grantee the delegate may grant to, or the zero address for any. */
  verifier: Address;
  /** false: counter presentations only (one use, ending within the registry's counter limit). */
  online: boolean;
  validUntil: number;
  /** uint256 as a decimal string. */
  nonce: string;
  deadline: number;
}

export interface DelegationRelayRequest {
  delegation: DelegationTerms;
  signature: Hex;
  documentRoot: Bytes32;
  /** For a batched certificate: the batch root, the leaf's validity and the proof. */
  batch?: { root: Bytes32; validFrom: number; validUntil: number; proof: Bytes32[] };
}

/**
 * A delegation the certificate's issuing agency names (a guardian for a minor), relayed to
 * `delegateByIssuerSig` (`delegateInBatchByIssuerSig` with `batch`). Signed with the agency's custodial key
 * `issuerKey` as the work is sent, unless `signature` is given (the agency signed it with that key itself).
 */
export interface IssuerDelegationRequest {
  issuerKey: Address;
  delegation: DelegationTerms;
  /** For a certificate anchored in a batch: the batch root, the leaf's validity and the proof. */
  batch?: { root: Bytes32; validFrom: number; validUntil: number; proof: Bytes32[] };
  /** The agency's own signature over the Delegation (external custody); absent: the custodial key signs. */
  signature?: Hex;
  /** Wait for it to land even while the node is unreachable (a background job), instead of WRITE_PENDING. */
  untilLanded?: boolean;
  /** The relayer's outbox key: the same key sends it once. */
  outboxKey: string;
}

export interface RevokeDelegationRelayRequest {
  delegationId: Bytes32;
  /** uint256 as a decimal string. */
  nonce: string;
  deadline: number;
  signature: Hex;
  /** The holder proves the binding to the delegation's certId with documentRoot. */
  documentRoot: Bytes32;
}

/** A grant signed by a delegate, relayed with the delegation's terms (the chain recomputes its id from them). */
export interface DelegateGrantRelayRequest {
  grant: GrantRelayRequest["grant"];
  delegation: DelegationTerms;
  signature: Hex;
}

/** A delegation as the ConsentRegistry holds it (`getDelegation`); undefined when there is none. */
export interface DelegationView {
  delegationId: Bytes32;
  certId: Bytes32;
  delegate: Address;
  validUntil: number;
  online: boolean;
  revoked: boolean;
}

/** A check signed by the grant's grantee (RecordCheck), relayed by the gateway's key. */
export interface RecordCheckRelayRequest {
  grantId: Bytes32;
  /** The use this check takes: the grant's uses so far + 1. */
  use: number;
  deadline: number;
  signature: Hex;
}

export interface ChainWriter {
  issue(req: IssueRequest): Promise<TxReceiptView>;
  /** All or nothing, under one signed IssueMany message. */
  issueMany(req: IssueManyRequest): Promise<TxReceiptView>;
  /** The nonce the certificate's next signed StatusChange must carry (its count of status changes). */
  statusNonce(certId: Bytes32, batchRoot?: Bytes32): Promise<number>;
  anchorBatch(req: BatchAnchorRequest): Promise<TxReceiptView>;
  changeStatus(req: StatusChangeRequest): Promise<TxReceiptView>;
  /** Relays a holder-signed grant; resolves with the grant id the ConsentRegistry assigned. */
  relayGrant(req: GrantRelayRequest): Promise<TxReceiptView & { grantId: Bytes32 }>;
  relayRevokeGrant(req: RevokeGrantRelayRequest): Promise<TxReceiptView>;
  /** Relays the holder's signed delegation; resolves with its id (the Delegation's EIP-712 digest). */
  relayDelegation(req: DelegationRelayRequest): Promise<TxReceiptView & { delegationId: Bytes32 }>;
  relayRevokeDelegation(req: RevokeDelegationRelayRequest): Promise<TxReceiptView>;
  /** Signs (custodial agency key, unless signed already) and relays the issuing agency's delegation. */
  delegateByIssuer(req: IssuerDelegationRequest): Promise<TxReceiptView & { delegationId: Bytes32 }>;
  /** Relays a grant signed by a delegate under the relayed delegation (`grantByDelegateSig`). */
  relayDelegateGrant(req: DelegateGrantRelayRequest): Promise<TxReceiptView & { grantId: Bytes32 }>;
  /** The delegation as the registry holds it now, read from the chain; undefined when unknown. */
  delegation(delegationId: Bytes32): Promise<DelegationView | undefined>;
  /** The verifier (grantee, a custodial key) records one check: uses one grant use. */
  recordCheck(req: { verifier: Address; grantId: Bytes32; outboxKey: string }): Promise<TxReceiptView>;
  /** Relays a check the grantee signed (a share link's key has no gas): uses one grant use. */
  relayRecordCheck(req: RecordCheckRelayRequest): Promise<TxReceiptView>;

  // authority (sent from the authority's custodial key)
  registerType(req: {
    typeId: number;
    code: string;
    name: string;
    schemaHash: Bytes32;
    maxValiditySeconds: number;
  }): Promise<TxReceiptView>;
  updateType(req: {
    typeId: number;
    name?: string;
    schemaHash?: Bytes32;
    maxValiditySeconds?: number;
  }): Promise<TxReceiptView>;
  deactivateType(req: { typeId: number }): Promise<TxReceiptView>;
  registerAgency(req: { agency: Address; name: string }): Promise<TxReceiptView>;
  accredit(req: { agency: Address; typeId: number }): Promise<TxReceiptView>;
  withdrawAccreditation(req: { agency: Address; typeId: number }): Promise<TxReceiptView>;
  addSigningKey(req: { agency: Address; key: Address; validFrom: number; validUntil: number }): Promise<TxReceiptView>;
  /** Ends a key's window at `at` (retire); certificates issued before stay valid. */
  retireSigningKey(req: { agency: Address; key: Address; at: number }): Promise<TxReceiptView>;
  registerVerifier(req: { verifier: Address; name: string }): Promise<TxReceiptView>;
  /**
   * Passes on a registry transaction the authority signed with its own key (external custody): only to
   * the registry on this chain; with registerAgency, the agency's name and address here are stored first.
   */
  relayAuthorityTransaction(req: {
    rawTransaction: Hex;
    agency?: { address: Address; name: string };
  }): Promise<TxReceiptView & { from: Address; function: string }>;
  /**
   * What the authority needs to sign a registry transaction offline: chain id, registry, its account's
   * next nonce and fees, and the registry's numbers for an agency and a key it names.
   */
  authorityTransactionParameters(req: { from: Address; agency?: Address; key?: Address }): Promise<{
    chainId: number;
    registry: Address;
    nonce: number;
    maxFeePerGas: string;
    maxPriorityFeePerGas: string;
    agencyId?: number;
    keyId?: number;
  }>;

  /** Chain id and ConsentRegistry / CertificateLedger addresses (for documents and EIP-712). */
  info(): Awaitable<{ chainId: number; ledger: Address; consent: Address; registry: Address }>;
}

/** Custodial keys of agencies, verifiers and the authority (src/chain keyring). */
export interface Keyring {
  /** Creates and stores the key of `label` (the same label gives the same key: callers make labels unique). */
  create(label: string): Awaitable<Address>;
  has(address: Address): Awaitable<boolean>;
  /** The 65-byte uncompressed public key of a held key; undefined when the keyring does not hold it. */
  publicKey?(address: Address): Awaitable<Uint8Array | undefined>;
  /** ECDSA (secp256k1) over a 32-byte digest with a held key: r ‖ s, 64 bytes, low s. */
  signDigest?(address: Address, digest: Uint8Array): Awaitable<Uint8Array>;
}

/** A secp256k1 public key as a JWK (kty EC, crv secp256k1, base64url x and y). */
export interface IssuerJwk {
  kty: "EC";
  crv: "secp256k1";
  x: string;
  y: string;
}

/**
 * Public keys of agency signing keys learned from signatures they made outside the gateway (the chain
 * holds only addresses); the JWT VC Issuer Metadata publishes them.
 */
export interface IssuerKeyStore {
  /** Records a key (a second record of the same address changes nothing). */
  put(agency: Address, address: Address, jwk: IssuerJwk): Promise<void>;
  byAgency(agency: Address): Promise<{ address: Address; jwk: IssuerJwk }[]>;
}

// ---------------------------------------------------------------------------------------------
// Store (gateway-only state: principals, idempotency, replay guard, batch jobs)
// ---------------------------------------------------------------------------------------------

export type PrincipalRole = "authority" | "agency" | "verifier";

export interface Principal {
  id: string;
  role: PrincipalRole;
  /** The on-chain identity it acts for: the authority admin, an agency or a verifier address. */
  address: Address;
  label: string;
  createdAt: number;
  disabled: boolean;
}

export interface PrincipalStore {
  /** keyHash = sha256 hex of the API key; the key itself is never stored. */
  create(p: Principal & { keyHash: string }): Promise<void>;
  findByKeyHash(keyHash: string): Promise<Principal | undefined>;
  list(): Promise<Principal[]>;
  count(): Promise<number>;
}

export interface IdempotencyRecord {
  /** sha256 of the canonical request body: the same key with another body is refused (409). */
  requestHash: string;
  /**
   * What the first request built before it touched the chain (e.g. the document with its random salts),
   * saved first so that a retry after a crash finishes the same work instead of building another one.
   */
  result: unknown;
  /** Set by markDone; informational (the outbox, keyed by the same key, records completion). */
  done: boolean;
  createdAt: number;
}

export interface IdempotencyStore {
  /**
   * Atomically inserts `record` under `key` when the key is new and returns undefined; otherwise
   * changes nothing and returns the record already there.
   */
  claim(key: string, record: IdempotencyRecord): Promise<IdempotencyRecord | undefined>;
  get(key: string): Promise<IdempotencyRecord | undefined>;
  /** Bookkeeping for tools; the issue path does not call it (the outbox is the record of completion). */
  markDone(key: string): Promise<void>;
}

/** The first answer to a write, kept so that the same request under the same key gets it again. */
export interface StoredAnswer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/**
 * What an Idempotency-Key is bound to: the route and the hash of the request (path parameters and body,
 * RFC 8785 canonical), and, once the first request finished, its answer. `token` is random per binding:
 * the work under the key (outbox rows, drafts) is keyed by it, so a key reused after its record was
 * swept starts new work instead of finding the old.
 */
export interface IdempotentRequestRecord {
  route: string;
  requestHash: string;
  token: string;
  answer?: StoredAnswer;
  /** Unix seconds. */
  createdAt: number;
}

export interface IdempotentRequestStore {
  /** Atomically records a new binding under `key` (undefined), or changes nothing and returns the one there. */
  begin(key: string, record: IdempotentRequestRecord): Promise<IdempotentRequestRecord | undefined>;
  /** Stores the first answer of the binding under `key`. */
  complete(key: string, answer: StoredAnswer): Promise<void>;
  /** Forgets an unanswered binding whose request was refused (nothing happened; the key is free again). */
  release(key: string): Promise<void>;
}

/**
 * A document waiting for its holder's wallet (src/domain/pickup.ts): stored sealed (AES-GCM under a
 * key the gateway does not keep), one per certificate, deleted once picked up or past `expiresAt`.
 */
export interface PickupRecord {
  id: string;
  agency: Address;
  certId: Bytes32;
  /** base64url(iv ‖ AES-GCM ciphertext) of the document JSON; null once picked up. */
  sealed: string | null;
  /** sha256 hex of the confirmation token the key yields: proves a confirmation (and a re-shown key). */
  confirmHash: string;
  state: "waiting" | "picked_up";
  createdAt: number;
  expiresAt: number;
  pickedUpAt?: number;
}

export interface PickupStore {
  /** Inserts `r` unless the certificate already has a pickup; returns the row now stored for it. */
  create(r: PickupRecord): Promise<PickupRecord>;
  get(id: string): Promise<PickupRecord | undefined>;
  byCert(certId: Bytes32): Promise<PickupRecord | undefined>;
  /** waiting → picked_up, dropping the ciphertext; false when it was not waiting. */
  markPickedUp(id: string, at: number): Promise<boolean>;
  /** Deletes every pickup (and tombstone) whose retention ended at or before `now`; returns how many. */
  purge(now: number): Promise<number>;
}

/**
 * An unclaimed certificate offer (src/domain/claims.ts): issued to a claim reference instead of a holder.
 * The claim code and the identity fields are kept only as keyed hashes; the draft (the certificate's
 * fields) is personal data, dropped once the certificate is issued and when the offer expires.
 */
export interface ClaimOfferRecord {
  id: string;
  agency: Address;
  type: string;
  /** Which batch (or single issue) made it, and the item's position there: the agency's manifest. */
  origin: string;
  itemIndex: number;
  /** HMAC-SHA256 of the secret part of the claim code; null once claimed or expired. */
  codeHash: string | null;
  /** HMAC-SHA256 of the normalised identity fields; null once claimed or expired. */
  referenceHash: string | null;
  /** The names (never the values) of the identity fields the claimant must give. */
  referenceFields: string[];
  /**
   * While open: JSON {fields, validFrom, validUntil} sealed (AES-256-GCM) under a key derived from the
   * claim code; once claimed: the bound document until it is on chain; then, and at expiry, null.
   */
  draft: string | null;
  state: "open" | "claimed" | "locked" | "expired";
  failures: number;
  createdAt: number;
  expiresAt: number;
  claimedAt?: number;
  /** Set when claimed: the fresh holder key the certificate is bound to, and its certId. */
  holder?: Address;
  certId?: Bytes32;
}

export interface ClaimOfferStore {
  /** Inserts offers; false when an id is taken (the caller draws another). All or nothing. */
  create(offers: ClaimOfferRecord[]): Promise<boolean>;
  get(id: string): Promise<ClaimOfferRecord | undefined>;
  /** An agency's offers from one origin, in item order. */
  byOrigin(agency: Address, origin: string): Promise<ClaimOfferRecord[]>;
  /** One more wrong attempt on an open offer; at `lockAt` failures it becomes locked. Returns the count. */
  fail(id: string, lockAt: number): Promise<{ failures: number; state: ClaimOfferRecord["state"] } | undefined>;
  /**
   * open → claimed for `holder` with `certId`; the draft becomes `draft` (the bound document, kept until
   * it is on chain). False when it was no longer open.
   */
  markClaimed(id: string, p: { holder: Address; certId: Bytes32; at: number; draft: string }): Promise<boolean>;
  /** The certificate is on chain: drop the draft and the hashes. */
  finish(id: string): Promise<void>;
  /**
   * Offers past their expiry lose their personal data (draft, hashes) and become expired tombstones;
   * tombstones expired before `purgeBefore` are deleted. Returns how many offers lost their data.
   */
  expire(now: number, purgeBefore: number): Promise<number>;
}

/**
 * A wallet's encrypted backup (src/domain/backup.ts): an opaque blob under an opaque id, the sha256 of
 * a write token only the mnemonic yields (so the id itself authorises nobody and reveals nothing).
 */
export interface BackupRecord {
  id: string;
  version: number;
  blob: string;
  updatedAt: number;
}

export interface BackupStore {
  get(id: string): Promise<BackupRecord | undefined>;
  /**
   * Writes `r` when the stored version is `r.version - 1` (no row for version 1); false, changing
   * nothing, when another write got there first.
   */
  put(r: BackupRecord): Promise<boolean>;
  /** Deletes backups last written before `before`; returns how many. */
  purge(before: number): Promise<number>;
}

export interface ReplayGuard {
  /** Returns false when `key` was already used (before `expiresAt`); true and remembers it otherwise. */
  claim(key: string, expiresAt: number): Awaitable<boolean>;
}

// ---------------------------------------------------------------------------------------------
// Document library (src/document): pure functions, no I/O
// ---------------------------------------------------------------------------------------------

export type CertificateDocument = Record<string, unknown>;

export interface DocumentIntegrity {
  status: "OK" | "TAMPERED" | "MALFORMED";
  /** Present when the document could be parsed far enough. */
  certId?: Bytes32;
  documentRoot?: Bytes32;
  holder?: Address;
  issuerKey?: Address;
  typeCode?: string;
  validFrom?: number;
  validUntil?: number;
  /** From credentialStatus: chain id, ledger and, for a batched certificate, root and proof. */
  chainId?: number;
  ledger?: Address;
  batch?: { root: Bytes32; proof: Bytes32[] };
  /** Disclosed field paths and values (redacted ones are absent). */
  disclosed: Record<string, unknown>;
  redacted: string[];
  /** Why not OK, for people. */
  problems: string[];
}

export interface BuildDocumentInput {
  typeId: number;
  typeCode: string;
  typeName: string;
  issuerKey: Address;
  holder: Address;
  fields: Record<string, unknown>;
  validFrom: number;
  validUntil: number;
  chainId: number;
  ledger: Address;
}

export interface DocumentLibrary {
  build(input: BuildDocumentInput): { document: CertificateDocument; certId: Bytes32; documentRoot: Bytes32 };
  /**
   * Builds many and a StandardMerkleTree over their leaves; each document carries its proof. Works in
   * slices, yielding to other requests between them (a 100,000-certificate batch is ~15 s of CPU), and
   * reports how many documents are built so far. Each document comes as its JSON text in UTF-8 (what
   * is stored and sent): 100,000 document objects, or strings, are most of a mass issue's garbage on the
   * calling thread.
   */
  buildBatch(
    inputs: BuildDocumentInput[],
    onProgress?: (built: number) => void,
  ): Promise<{
    root: Bytes32;
    /** `proofText`: the proof's JSON text, as the document holds it (made once, stored as it is). */
    items: { documentJson: Uint8Array; certId: Bytes32; documentRoot: Bytes32; proof: Bytes32[]; proofText: string }[];
  }>;
  verifyIntegrity(document: unknown): DocumentIntegrity;
  /** The same answer as verifyIntegrity, possibly computed off the calling thread (verification uses it). */
  checkIntegrity?(document: unknown): Promise<DocumentIntegrity>;
  /** The StandardMerkleTree root over computeBatchLeaf(certId, validFrom, validUntil) of every member. */
  batchRoot(members: { certId: Bytes32; validFrom: number; validUntil: number }[]): Bytes32;
  /** Checks a StandardMerkleTree proof of computeBatchLeaf(certId, validFrom, validUntil). */
  verifyBatchProof(root: Bytes32, certId: Bytes32, validFrom: number, validUntil: number, proof: Bytes32[]): boolean;
}

// ---------------------------------------------------------------------------------------------
// Certificate type catalog (src/domain/catalog)
// ---------------------------------------------------------------------------------------------

export interface CatalogEntry {
  /** The catalog's stable on-chain type id, when it assigns one (registration uses it). */
  id?: number;
  code: string;
  name: string;
  nameZh?: string;
  /** JSON Schema (draft 2020-12) of the fields. */
  schema: Record<string, unknown>;
  maxValiditySeconds: number;
}

export interface Catalog {
  entries(): CatalogEntry[];
  get(code: string): CatalogEntry | undefined;
  /** Validates fields against the type's schema, check digits included. */
  validate(code: string, fields: unknown): { ok: true } | { ok: false; errors: { path: string; message: string }[] };
  /** keccak256 of the canonical schema (what goes on chain). */
  schemaHash(code: string): Bytes32 | undefined;
}

// ---------------------------------------------------------------------------------------------
// Signatures (holder-signed messages; recovery lives outside the domain)
// ---------------------------------------------------------------------------------------------

export interface SignatureRecovery {
  /** EIP-191 personal_sign recovery; undefined when the signature is malformed. */
  recoverPersonal(message: string, signature: Hex): Address | undefined;
  /** The grant's id: its EIP-712 digest over the ConsentRegistry domain (what the registry keys grants by). */
  grantId(grant: GrantRelayRequest["grant"]): Bytes32;
  /** EIP-712 Grant recovery over the ConsentRegistry domain. */
  recoverGrant(grant: GrantRelayRequest["grant"], signature: Hex): Address | undefined;
  recoverRevokeGrant(msg: { grantId: Bytes32; nonce: string; deadline: number }, signature: Hex): Address | undefined;
  /** The delegation's id: its EIP-712 digest over the ConsentRegistry domain. */
  delegationId(delegation: DelegationTerms): Bytes32;
  /** EIP-712 Delegation recovery over the ConsentRegistry domain. */
  recoverDelegation(delegation: DelegationTerms, signature: Hex): Address | undefined;
  recoverRevokeDelegation(
    msg: { delegationId: Bytes32; nonce: string; deadline: number },
    signature: Hex,
  ): Address | undefined;
  /** EIP-712 recovery over the CertificateLedger domain; undefined when the signature is malformed. */
  recoverLedger(message: LedgerMessage, signature: Hex): Address | undefined;
  /** EIP-712 RecordCheck recovery (a check signed by the grantee, e.g. a share link's key). */
  recoverRecordCheck(msg: Omit<RecordCheckRelayRequest, "signature">, signature: Hex): Address | undefined;
}

/** Everything the use cases receive. */
export interface DomainDeps {
  clock: Clock;
  index: IndexReader;
  chain: ChainWriter;
  keyring: Keyring;
  principals: PrincipalStore;
  idempotency: IdempotencyStore;
  replay: ReplayGuard;
  documents: DocumentLibrary;
  catalog: Catalog;
  signatures: SignatureRecovery;
  /**
   * Who holds the agencies' and the authority's keys. external: the gateway holds none, so every use case
   * that would sign for them refuses and says how to sign instead. Default custodial.
   */
  custody?: "custodial" | "external";
  /** Told of every verdict the gateway gives (the operations metrics count them by reason). */
  verdicts?: VerdictObserver;
}

export interface VerdictObserver {
  observe(verdict: "VALID" | "INVALID", reasons: readonly string[]): void;
}

// ---------------------------------------------------------------------------------------------
// Request to "engine": one function that opens everything below the domain
// ---------------------------------------------------------------------------------------------

/**
 * What src/main.ts and the HTTP tests need from the engine in one call, so that the front does not
 * re-assemble chain + store + relayer + indexer itself. Proposed home: src/chain/runtime.ts exporting
 * `openEngine(options: EngineOptions): Promise<EngineRuntime>`. src/wiring/ adapts if the shape differs.
 */
export interface EngineOptions {
  /** Where the journal, the keyring's keystore and the SQLite file live (created if missing). */
  dataDir: string;
  /** sqlite:<file> or postgres://...; default: SQLite under dataDir. */
  databaseUrl?: string;
  /** Empty: the embedded chain (deployed on first start). Otherwise an external JSON-RPC node. */
  rpcUrl?: string;
  contracts?: { registry: string; ledger: string; consent: string };
  confirmations?: number;
  /** Unix seconds; tests move time forward. Block timestamps follow it on the embedded chain. */
  now?: () => number;
  /** Called with progress lines during start (journal replay, deploy, catch-up). */
  log?: (msg: string, fields?: Record<string, unknown>) => void;
}

export interface EngineRuntime {
  index: IndexReader;
  chain: ChainWriter;
  keyring: Keyring;
  principals: PrincipalStore;
  idempotency: IdempotencyStore;
  replay: ReplayGuard;
  /** The authority admin's custodial address (the demo's authority principal acts for it). */
  authorityAddress: Address;
  /** True on the first start (contracts just deployed, store empty): the gateway seeds the demo. */
  fresh: boolean;
  /** Outbox drained and indexer caught up. */
  ready(): boolean;
  /** Stops the relayer and indexer, flushes the journal, closes the database. Idempotent. */
  close(): Promise<void>;
  /** Anything else the engine wants to expose (counter sessions store, database handle, ...). */
  extras?: Record<string, unknown>;
}
