/**
 * The store's tables, as Kysely sees them. One schema for SQLite and PostgreSQL: addresses and
 * bytes32 values are lower-case 0x hex text, times are integers (unix seconds unless the column says
 * `_ms`), booleans are 0/1 integers (SQLite has no boolean), structured values are JSON text.
 *
 * Three groups of tables:
 * - the relayer's: `outbox` (accepted work until it is on chain), `custodial_keys` (labels of the
 *   keyring's derived keys);
 * - the indexer's projections of contract events (`cert_types`, `agencies`, `accreditations`,
 *   `signing_keys`, `verifiers`, `certificates`, `batches`, `status_history`, `grants`, `delegations`,
 *   `checks`),
 *   its cursor (`chain_cursor`), the hashes of the blocks it applied (`indexed_blocks`, for reorg
 *   detection) and the before-images of what it changed (`index_undo`, to rewind a reorg);
 * - the gateway's own: `principals`, `idempotency_keys`, `idempotent_requests`, `replay_guard`, `counter_sessions`,
 *   `batch_members` (the leaves of a batch, known to the gateway only), and `batch_jobs` with
 *   `batch_documents` and `batch_guardians` (src/store/batchJobs.ts).
 */
import type { Generated } from "kysely";

export interface OutboxTable {
  id: Generated<number>;
  /** What to send: "issue", "anchorBatch", "changeStatus", "grant", "revokeGrant", "check", ... */
  kind: string;
  /** Exactly-once key: the same key is accepted once. */
  dedup_key: string;
  /** The sending address (the relayer groups work per sender). */
  sender: string;
  payload: string;
  /** pending → sent → done | failed */
  state: string;
  tx_hash: string | null;
  block_number: number | null;
  attempts: number;
  last_error: string | null;
  /** JSON of the outcome handed to a caller that asks again (e.g. the grant id). */
  result: string | null;
  created_ms: number;
  updated_ms: number;
}

export interface CustodialKeysTable {
  address: string;
  label: string;
  created_ms: number;
}

export interface ChainCursorTable {
  name: string;
  block_number: number;
  block_hash: string;
  updated_ms: number;
}

/**
 * The chain this store's index and outbox belong to, recorded at first start on an external chain and
 * compared with the node on every start and periodically (src/chain/chainIdentity.ts).
 */
export interface ChainIdentityTable {
  name: string;
  chain_id: number;
  genesis_hash: string;
  registry: string;
  ledger: string;
  consent: string;
  deploy_block: number;
  deploy_block_hash: string;
  recorded_ms: number;
}

export interface IndexedBlocksTable {
  block_number: number;
  block_hash: string;
  parent_hash: string;
  timestamp: number;
}

export interface IndexUndoTable {
  id: Generated<number>;
  block_number: number;
  tbl: string;
  /** JSON of the primary key columns. */
  pk: string;
  /** JSON of the row before the change; null when the change created it. */
  before: string | null;
}

export interface CertTypesTable {
  type_id: number;
  /** The on-chain name: the type's stable code (e.g. "resident-id-card"). */
  name: string;
  schema_hash: string;
  max_validity: number;
  active: number;
  block_number: number;
}

/** Display names of types by code (the chain holds only the code); written by the gateway. */
export interface TypeLabelsTable {
  code: string;
  name: string;
}

export interface AgenciesTable {
  agency_id: number;
  name_hash: string;
  active: number;
  block_number: number;
}

/**
 * The gateway's account for each agency (a custodial address) and its name, whose keccak256 is the
 * on-chain nameHash: joins an AgencyRegistered event to the address the gateway's principals act for.
 * Written before the registration is sent.
 */
export interface AgencyAccountsTable {
  address: string;
  name: string;
  name_hash: string;
}

/** The current accreditation window of an agency for a type, [from_at, until_at), as on chain. */
export interface AccreditationsTable {
  agency_id: number;
  type_id: number;
  from_at: number;
  until_at: number;
  block_number: number;
}

export interface SigningKeysTable {
  key_id: number;
  key: string;
  agency_id: number;
  valid_from: number;
  valid_until: number;
  block_number: number;
}

/** Verifiers known to the gateway (the chain has no verifier registry: a grant names any address). */
export interface VerifiersTable {
  verifier: string;
  name: string;
  active: number;
  created_at: number;
}

export interface CertificatesTable {
  /** ZERO_ROOT for a singly issued certificate; the batch root for a status override inside a batch. */
  batch_root: string;
  cert_id: string;
  type_id: number;
  key_id: number;
  issuer_key: string;
  agency_id: number;
  issued_at: number;
  valid_from: number;
  valid_until: number;
  status: string;
  superseded_by: string | null;
  tx_hash: string | null;
  block_number: number;
}

export interface BatchesTable {
  root: string;
  type_id: number;
  key_id: number;
  issuer_key: string;
  agency_id: number;
  issued_at: number;
  count: number;
  tx_hash: string | null;
  block_number: number;
}

export interface BatchMembersTable {
  root: string;
  cert_id: string;
  valid_from: number;
  valid_until: number;
}

export interface StatusHistoryTable {
  id: Generated<number>;
  batch_root: string;
  cert_id: string;
  status: string;
  reason: number;
  superseded_by: string | null;
  /** The key that made the change. */
  key_id: number;
  at: number;
  tx_hash: string;
  log_index: number;
  block_number: number;
}

export interface GrantsTable {
  grant_id: string;
  cert_id: string;
  grantee: string;
  purpose: string;
  valid_until: number;
  max_uses: number;
  uses: number;
  revoked: number;
  created_at: number;
  tx_hash: string | null;
  block_number: number;
  /** The delegation under which a delegate made the grant (GrantCreatedByDelegate); null for the holder's own. */
  delegation_id: string | null;
}

/**
 * A delegation of one certificate to another wallet (DelegationCreated, DelegationRevoked), by the holder or
 * named by the issuing agency at issuance (DelegationNamedByIssuer).
 */
export interface DelegationsTable {
  delegation_id: string;
  cert_id: string;
  delegate: string;
  /** keccak256 of the purpose code, or zero: any purpose. */
  purpose: string;
  /** The only verifier the delegate may grant to, or the zero address: any verifier. */
  verifier: string;
  /** 1: the delegate may share online too; 0: counter presentations only. */
  online: number;
  valid_until: number;
  revoked: number;
  /** Block time of the revocation; null while it holds. */
  revoked_at: number | null;
  created_at: number;
  tx_hash: string | null;
  block_number: number;
  /** The issuing agency's key that named this guardian delegate (DelegationNamedByIssuer); null: the holder's. */
  named_by_key_id: number | null;
}

export interface ChecksTable {
  id: Generated<number>;
  grant_id: string;
  cert_id: string;
  verifier: string;
  purpose: string;
  /** Which use of the grant this check was (1, 2, ...). */
  use_no: number;
  at: number;
  tx_hash: string;
  log_index: number;
  block_number: number;
}

export interface PrincipalsTable {
  id: string;
  key_hash: string;
  role: string;
  address: string;
  label: string;
  created_at: number;
  disabled: number;
}

export interface IdempotencyKeysTable {
  key: string;
  request_hash: string;
  /** JSON of what the first request built before touching the chain. */
  result: string;
  done: number;
  created_at: number;
}

/** An Idempotency-Key's binding (principal and key hashed into `key`) and the first answer. */
export interface IdempotentRequestsTable {
  key: string;
  /** "POST /v1/agency/certificates/:certId/revoke" */
  route: string;
  request_hash: string;
  token: string;
  /** Null while the first request runs (or after it failed on the gateway's side). */
  status: number | null;
  /** JSON {body, headers} of the first answer. */
  answer: string | null;
  created_at: number;
}

export interface ReplayGuardTable {
  key: string;
  expires_at: number;
}

export interface CounterSessionsTable {
  id: string;
  verifier: string;
  /** JSON array of type codes. */
  types_wanted: string;
  purpose: string;
  nonce: string;
  expires_at: number;
  /** open → presented → verified | failed | expired, or open → declined (by the holder) */
  state: string;
  /** JSON of the verdict (never document content beyond what the holder disclosed). */
  result: string | null;
  created_at: number;
}

export interface Database {
  outbox: OutboxTable;
  custodial_keys: CustodialKeysTable;
  chain_cursor: ChainCursorTable;
  chain_identity: ChainIdentityTable;
  indexed_blocks: IndexedBlocksTable;
  index_undo: IndexUndoTable;
  cert_types: CertTypesTable;
  type_labels: TypeLabelsTable;
  agencies: AgenciesTable;
  agency_accounts: AgencyAccountsTable;
  accreditations: AccreditationsTable;
  signing_keys: SigningKeysTable;
  verifiers: VerifiersTable;
  certificates: CertificatesTable;
  batches: BatchesTable;
  batch_members: BatchMembersTable;
  status_history: StatusHistoryTable;
  grants: GrantsTable;
  delegations: DelegationsTable;
  checks: ChecksTable;
  principals: PrincipalsTable;
  idempotency_keys: IdempotencyKeysTable;
  idempotent_requests: IdempotentRequestsTable;
  replay_guard: ReplayGuardTable;
  counter_sessions: CounterSessionsTable;
  batch_jobs: BatchJobsTable;
  batch_documents: BatchDocumentsTable;
  batch_inputs: BatchInputsTable;
  batch_guardians: BatchGuardiansTable;
  pickups: PickupsTable;
  backups: BackupsTable;
  claim_offers: ClaimOffersTable;
  issuer_keys: IssuerKeysTable;
  status_list_entries: StatusListEntriesTable;
}

/** Public keys of agency keys learned from the SD-JWT VCs they signed (src/store/issuerKeys.ts). */
export interface IssuerKeysTable {
  address: string;
  agency: string;
  /** JSON of the secp256k1 JWK (kty, crv, x, y). */
  jwk: string;
  recorded_ms: number;
}

/** A certificate's index in its agency's status list of one purpose (src/store/statusLists.ts). */
export interface StatusListEntriesTable {
  cert_id: string;
  /** revocation | suspension */
  purpose: string;
  /** The agency's address (the principal that issued). */
  agency: string;
  list_index: number;
  /** ZERO_ROOT for a singly issued certificate; its batch's root otherwise. */
  batch_root: string;
  created_at: number;
}

export interface PickupsTable {
  id: string;
  agency: string;
  cert_id: string;
  /** base64url(iv ‖ AES-GCM ciphertext); null once picked up. */
  sealed: string | null;
  confirm_hash: string;
  /** waiting | picked_up */
  state: string;
  created_at: number;
  expires_at: number;
  picked_up_at: number | null;
}

export interface ClaimOffersTable {
  id: string;
  agency: string;
  type: string;
  origin: string;
  item_index: number;
  code_hash: string | null;
  reference_hash: string | null;
  /** JSON array of the identity fields' names. */
  reference_fields: string;
  /** Sealed fields while open, the bound document until on chain, then null (src/domain/ports.ts). */
  draft: string | null;
  /** open | claimed | locked | expired */
  state: string;
  failures: number;
  created_at: number;
  expires_at: number;
  claimed_at: number | null;
  holder: string | null;
  cert_id: string | null;
}

export interface BackupsTable {
  id: string;
  version: number;
  blob: string;
  updated_at: number;
}

export interface BatchJobsTable {
  batch_id: string;
  agency: string;
  type: string;
  /** building → anchoring → done | failed */
  state: string;
  total: number;
  root: string | null;
  tx_hash: string | null;
  block_number: number | null;
  /** JSON {code, message} when failed. */
  error: string | null;
  created_at: number;
  finished_at: number | null;
  /** The gateway process building or anchoring the job (a random id per process). */
  owner: string | null;
  /** Unix seconds; past it, the owner is presumed gone and another process may take a building job over. */
  lease_until: number | null;
}

/** What a building job was asked to build, kept until its documents are stored (it holds personal data). */
export interface BatchInputsTable {
  batch_id: string;
  /** JSON BatchInput (src/domain/issuance.ts). */
  body: string;
}

export interface BatchDocumentsTable {
  batch_id: string;
  /** Position in the request's items. */
  idx: number;
  cert_id: string;
  holder: string;
  /** The document JSON, with its batch proof. */
  document: string;
  /** JSON array of the proof's hashes. */
  proof: string;
}

/**
 * The guardian delegations a batch's items name, stored with the documents before the root is anchored and
 * relayed once it has landed; one whose outbox row is missing after a restart is relayed then.
 */
export interface BatchGuardiansTable {
  batch_id: string;
  /** Position in the request's items. */
  idx: number;
  cert_id: string;
  delegation_id: string;
  /** The relayer's outbox key of its delegateInBatchByIssuerSig. */
  outbox_key: string;
  /** JSON: the issuer key, the Delegation's terms and the leaf (root, validity, proof) relayed with it. */
  relay: string;
}

/** The batch_root of a singly issued certificate. */
export const ZERO_ROOT = `0x${"0".repeat(64)}`;

/** Primary key columns of each projection table (the indexer's undo log needs them). */
export const PRIMARY_KEYS = {
  cert_types: ["type_id"],
  agencies: ["agency_id"],
  accreditations: ["agency_id", "type_id"],
  signing_keys: ["key_id"],
  certificates: ["batch_root", "cert_id"],
  batches: ["root"],
  grants: ["grant_id"],
  delegations: ["delegation_id"],
} as const satisfies Partial<Record<keyof Database, readonly string[]>>;

export type ProjectionTable = keyof typeof PRIMARY_KEYS;
