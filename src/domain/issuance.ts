/**
 * Issuing certificates: one at a time with an idempotency key, or many anchored as one Merkle root.
 * The agency must be accredited for the type now, the fields must pass the type's schema, and the
 * validity must fit the type's maximum; the gateway picks the agency's current signing key.
 */
import { DomainError, badRequest, conflict, forbidden, idempotencyKeyReused, notFound } from "./errors";
import { canonicalJson, randomId, sha256Hex, sha256HexOfLong } from "./hashing";
import { requireCustodialAgency } from "./custody";
import type {
  Address,
  BuildDocumentInput,
  Bytes32,
  CertificateDocument,
  CertificateTypeView,
  DelegationTerms,
  DomainDeps,
  Hex,
  SigningKeyView,
} from "./ports";

export interface IssueItem {
  holder: Address;
  fields: Record<string, unknown>;
  validFrom?: number;
  validUntil?: number;
  /** A batch item's guardian (single issues carry theirs in IssueCertificateParameters). */
  guardian?: GuardianTerms;
}

/**
 * A guardian the issuing agency names for a minor's certificate: an ordinary delegation (the holder may
 * revoke it) signed by the agency's key instead of the holder's and relayed right after the issue lands.
 */
export interface GuardianTerms {
  delegate: Address;
  validUntil: number;
  /** true: the guardian may share online too; false or absent: counter presentations only. */
  online?: boolean;
  /** keccak256 of the only purpose code; absent: any. */
  purpose?: Bytes32;
  /** The only verifier; absent: any. */
  verifier?: Address;
}

export interface IssueCertificateParameters extends IssueItem {
  agency: Address;
  type: string;
  /** The client's Idempotency-Key header. */
  idempotencyKey: string;
}

/** The guardian's delegation as relayed: its id (the Delegation's EIP-712 digest), receipt and terms. */
export interface GuardianDelegation {
  delegationId: Bytes32;
  txHash: Hex;
  blockNumber: number;
  delegation: DelegationTerms;
}

export interface IssuedCertificate {
  certId: Bytes32;
  type: string;
  holder: Address;
  issuerKey: Address;
  validFrom: number;
  validUntil: number;
  txHash: Hex;
  blockNumber: number;
  document: CertificateDocument;
  guardian?: GuardianDelegation;
}

export interface IssueCertificateReturnType {
  certificate: IssuedCertificate;
  /** True when this answer repeats the first request with the same key and body. */
  replayed: boolean;
}

/** Documents always carry an end of validity: a type without a maximum defaults to a century. */
const OPEN_ENDED_SECONDS = 100 * 365 * 24 * 3600;

/** The agency's newest signing key whose window contains `now`. */
export async function activeSigningKey(
  deps: Pick<DomainDeps, "index">,
  agency: Address,
  now: number,
): Promise<SigningKeyView> {
  const keys = await deps.index.signingKeys(agency);
  const usable = keys
    .filter((k) => k.validFrom <= now && (k.validUntil === 0 || now < k.validUntil))
    .sort((a, b) => b.validFrom - a.validFrom);
  if (usable.length === 0)
    throw conflict(
      "NO_ACTIVE_KEY",
      "The agency has no signing key valid now; ask the authority to add or rotate a key.",
    );
  return usable[0];
}

/** Checks everything that does not depend on the individual item. */
export async function prepareType(
  deps: Pick<DomainDeps, "index" | "catalog">,
  agency: Address,
  typeCode: string,
): Promise<CertificateTypeView> {
  const type = await deps.index.certificateTypeByCode(typeCode);
  if (!type) throw notFound("TYPE_NOT_FOUND", `No certificate type "${typeCode}" is registered.`);
  if (!type.active) throw conflict("TYPE_INACTIVE", `Certificate type "${typeCode}" is deactivated.`);
  const view = await deps.index.agency(agency);
  if (!view || !view.active)
    throw forbidden("AGENCY_NOT_FOUND", "This principal's agency is not registered or inactive.");
  if (!view.typeIds.includes(type.typeId))
    throw forbidden("NOT_ACCREDITED", `The agency is not accredited to issue "${typeCode}".`, { type: typeCode });
  return type;
}

export function validity(
  type: CertificateTypeView,
  item: Partial<IssueItem>,
  now: number,
  index?: number,
): { validFrom: number; validUntil: number } {
  const at = index === undefined ? "" : ` (item ${index})`;
  const validFrom = item.validFrom ?? now;
  const validUntil =
    item.validUntil ?? validFrom + (type.maxValiditySeconds > 0 ? type.maxValiditySeconds : OPEN_ENDED_SECONDS);
  if (validUntil <= validFrom)
    throw badRequest("INVALID_VALIDITY", `validUntil must be after validFrom${at}.`, { index });
  if (type.maxValiditySeconds > 0 && validUntil - validFrom > type.maxValiditySeconds)
    throw badRequest(
      "VALIDITY_TOO_LONG",
      `A "${type.code}" may be valid for at most ${type.maxValiditySeconds} seconds${at}.`,
      { index, maxValiditySeconds: type.maxValiditySeconds },
    );
  return { validFrom, validUntil };
}

export function validateFields(deps: Pick<DomainDeps, "catalog">, type: string, fields: unknown, index?: number): void {
  const r = deps.catalog.validate(type, fields);
  if (!r.ok)
    throw new DomainError(
      "FIELDS_INVALID",
      `The fields do not match the "${type}" schema${index === undefined ? "" : ` (item ${index})`}: ${r.errors
        .slice(0, 3)
        .map((e) => `${e.path || "/"} ${e.message}`)
        .join("; ")}.`,
      { status: 422, details: { index, errors: r.errors } },
    );
}

interface IssueDraft {
  certificate: Omit<IssuedCertificate, "txHash" | "blockNumber" | "guardian">;
  typeId: number;
  agency: Address;
  /** The guardian's Delegation, fixed (nonce and deadline included) when the request was first accepted. */
  guardian?: DelegationTerms;
}

const ZERO_ADDRESS = `0x${"0".repeat(40)}` as Address;
const ZERO_HASH = `0x${"0".repeat(64)}` as Bytes32;
/** How long the relayer may take to put the guardian's delegation on chain (retries after a restart). */
const GUARDIAN_RELAY_SECONDS = 7 * 24 * 3600;
const UINT40_MAX = 2 ** 40 - 1;

/** Which of a guardian's terms the chain would refuse, and why (a sentence without its closing stop). */
export interface GuardianTermsProblem {
  code: "INVALID_DELEGATION" | "DELEGATION_EXPIRED";
  /** The term at fault: the guardian's address or its validUntil. */
  term: "delegate" | "validUntil";
  reason: string;
}

/**
 * What the chain would refuse in a guardian's terms, or undefined: the one list of these checks, used by
 * the issue and batch routes (requireGuardian) and by an agency's batch file (src/intake/rows.ts).
 */
export function guardianTermsProblem(
  g: Pick<GuardianTerms, "delegate" | "validUntil">,
  holder: Address,
  now: number,
): GuardianTermsProblem | undefined {
  if (g.delegate.toLowerCase() === ZERO_ADDRESS)
    return {
      code: "INVALID_DELEGATION",
      term: "delegate",
      reason: "The guardian must be a wallet address, not the zero address",
    };
  if (g.delegate.toLowerCase() === holder.toLowerCase())
    return {
      code: "INVALID_DELEGATION",
      term: "delegate",
      reason: "The guardian cannot be the certificate's own holder key",
    };
  if (g.validUntil <= now)
    return { code: "DELEGATION_EXPIRED", term: "validUntil", reason: "The guardian's validUntil is in the past" };
  if (g.validUntil > UINT40_MAX)
    return {
      code: "INVALID_DELEGATION",
      term: "validUntil",
      reason: "The guardian's validUntil does not fit the registry's 40 bits",
    };
  return undefined;
}

/**
 * What the chain would refuse in a guardian's terms, refused before anything is issued. `index` names a
 * batch item.
 */
export function requireGuardian(
  g: Pick<GuardianTerms, "delegate" | "validUntil">,
  holder: Address,
  now: number,
  index?: number,
): void {
  const p = guardianTermsProblem(g, holder, now);
  if (!p) return;
  const at = index === undefined ? "" : ` (item ${index})`;
  throw badRequest(p.code, `${p.reason}${at}.`, {
    index,
    ...(p.code === "DELEGATION_EXPIRED" ? { validUntil: g.validUntil } : {}),
  });
}

/** A claim offer has no holder key to name a guardian for (single issue and batch items alike). */
export function guardianNeedsHolder(index?: number): DomainError {
  return badRequest(
    "GUARDIAN_NEEDS_HOLDER",
    `A guardian is named for a certificate issued to a holder key; a claim offer has no holder yet${
      index === undefined ? "" : ` (item ${index})`
    }.`,
    { index },
  );
}

/**
 * The Delegation the agency signs; its nonce comes from `nonceKey` (the idempotency key, or the batch's
 * outbox key and the item's index), so a retry names the same one.
 */
function guardianDelegation(certId: Bytes32, g: GuardianTerms, nonceKey: string, now: number): DelegationTerms {
  return {
    certId,
    delegate: g.delegate.toLowerCase() as Address,
    purpose: (g.purpose?.toLowerCase() ?? ZERO_HASH) as Bytes32,
    verifier: (g.verifier?.toLowerCase() ?? ZERO_ADDRESS) as Address,
    online: g.online ?? false,
    validUntil: g.validUntil,
    nonce: BigInt(`0x${sha256Hex(`guardian:${nonceKey}`)}`).toString(),
    deadline: now + GUARDIAN_RELAY_SECONDS,
  };
}

export async function issueCertificate(
  deps: DomainDeps,
  p: IssueCertificateParameters,
): Promise<IssueCertificateReturnType> {
  const now = deps.clock.now();
  const agency = p.agency.toLowerCase() as Address;
  const requestHash = sha256Hex(
    canonicalJson({
      type: p.type,
      holder: p.holder.toLowerCase(),
      fields: p.fields,
      validFrom: p.validFrom,
      validUntil: p.validUntil,
      // Only when present: the hash of a request without a guardian stays what it was.
      ...(p.guardian ? { guardian: p.guardian } : {}),
    }),
  );
  const idemKey = `issue:${agency}:${sha256Hex(p.idempotencyKey)}`;

  requireCustodialAgency(
    deps,
    p.guardian
      ? "POST /v1/agency/certificates/signed with `guardian`: the guardian's Delegation signed with the document's issuer key"
      : "POST /v1/agency/certificates/signed",
  );
  // A retry with a known key skips validation: the first request passed it.
  const existing = await peekIdempotent(deps, idemKey, requestHash);
  if (existing) return finish(deps, idemKey, existing, true);

  const type = await prepareType(deps, agency, p.type);
  validateFields(deps, p.type, p.fields);
  const { validFrom, validUntil } = validity(type, p, now);
  if (p.guardian) requireGuardian(p.guardian, p.holder, now);
  const { key, built } = await buildForHolder(deps, agency, type, {
    holder: p.holder.toLowerCase() as Address,
    fields: p.fields,
    validFrom,
    validUntil,
  });
  const draft: IssueDraft = {
    agency,
    typeId: type.typeId,
    certificate: {
      certId: built.certId,
      type: type.code,
      holder: p.holder.toLowerCase() as Address,
      issuerKey: key.key,
      validFrom,
      validUntil,
      document: built.document,
    },
    guardian: p.guardian && guardianDelegation(built.certId, p.guardian, idemKey, now),
  };
  const raced = await deps.idempotency.claim(idemKey, { requestHash, result: draft, done: false, createdAt: now });
  if (raced) {
    if (raced.requestHash !== requestHash) throw idempotencyKeyReused();
    return finish(deps, idemKey, raced.result as IssueDraft, true);
  }
  return finish(deps, idemKey, draft, false);
}

/** Builds the document of one certificate for `item.holder`, under the agency's signing key valid now. */
export async function buildForHolder(
  deps: Pick<DomainDeps, "index" | "chain" | "documents" | "clock">,
  agency: Address,
  type: CertificateTypeView,
  item: { holder: Address; fields: Record<string, unknown>; validFrom: number; validUntil: number },
): Promise<{ key: SigningKeyView; built: ReturnType<DomainDeps["documents"]["build"]> }> {
  const key = await activeSigningKey(deps, agency, deps.clock.now());
  const info = await deps.chain.info();
  const built = deps.documents.build({
    typeId: type.typeId,
    typeCode: type.code,
    typeName: type.name,
    issuerKey: key.key,
    ...item,
    chainId: info.chainId,
    ledger: info.ledger,
  });
  return { key, built };
}

async function peekIdempotent(deps: DomainDeps, key: string, requestHash: string): Promise<IssueDraft | undefined> {
  const rec = await deps.idempotency.get(key);
  if (!rec) return undefined;
  if (rec.requestHash !== requestHash) throw idempotencyKeyReused();
  return rec.result as IssueDraft;
}

/** Sends (or re-sends: the outbox key makes it once) the drafted certificate and completes the key. */
async function finish(
  deps: DomainDeps,
  idemKey: string,
  draft: IssueDraft,
  replayed: boolean,
): Promise<IssueCertificateReturnType> {
  const c = draft.certificate;
  const receipt = await deps.chain.issue({
    agency: draft.agency,
    issuerKey: c.issuerKey,
    certId: c.certId,
    typeId: draft.typeId,
    validFrom: c.validFrom,
    validUntil: c.validUntil,
    outboxKey: idemKey,
  });
  // The guardian's delegation goes after the issue has landed (the registry refuses an unknown certificate),
  // under its own outbox key: a retry of the request re-sends neither.
  const guardian = draft.guardian
    ? {
        ...(await deps.chain.delegateByIssuer({
          issuerKey: c.issuerKey,
          delegation: draft.guardian,
          outboxKey: `guardian:${idemKey}`,
        })),
        delegation: draft.guardian,
      }
    : undefined;
  // No markDone here: it would cost a synchronous commit per certificate, and a replay needs no
  // flag: it re-sends the draft under the same outbox key, which answers from the outbox's own record.
  return {
    certificate: { ...c, txHash: receipt.txHash, blockNumber: receipt.blockNumber, ...(guardian ? { guardian } : {}) },
    replayed,
  };
}

// ---------------------------------------------------------------------------------------------
// Batches
// ---------------------------------------------------------------------------------------------

export interface IssueBatchParameters {
  agency: Address;
  type: string;
  items: IssueItem[];
  /** The client's Idempotency-Key: a retried POST gets the same batch, anchored once. */
  idempotencyKey?: string;
}

export type BatchJobState = "building" | "anchoring" | "done" | "failed";

export interface BatchJob {
  batchId: string;
  agency: Address;
  type: string;
  state: BatchJobState;
  total: number;
  built: number;
  root?: Bytes32;
  txHash?: Hex;
  blockNumber?: number;
  createdAt: number;
  finishedAt?: number;
  error?: { code: string; message: string };
  /** True once the documents were dropped from memory to make room for newer batches. */
  documentsReleased?: boolean;
  /** True once the documents are in the durable registry (read them with BatchJobs.documents). */
  documentsStored?: boolean;
  /** Resolves when the job finishes (not serialised). */
  finished?: Promise<BatchJob>;
  /** The failure as thrown, for the log; never sent to clients. */
  cause?: unknown;
  /** Filled when done: each document carries its batch proof in credentialStatus. */
  items?: {
    certId: Bytes32;
    holder: Address;
    document: CertificateDocument;
    proof: Bytes32[];
    guardian?: BatchItemGuardian;
  }[];
}

export type BatchItemView = NonNullable<BatchJob["items"]>[number];

/** A batch item's guardian delegation as the agency reads it with the item's document. */
export interface BatchItemGuardian {
  delegationId: Bytes32;
  delegation: DelegationTerms;
}

/**
 * A batch item's guardian delegation: fixed and stored with the documents before the root is anchored,
 * relayed to delegateInBatchByIssuerSig (custodial key) under `outboxKey` once the root has landed.
 */
export interface BatchGuardian extends BatchItemGuardian {
  index: number;
  certId: Bytes32;
  outboxKey: string;
  issuerKey: Address;
  batch: { root: Bytes32; validFrom: number; validUntil: number; proof: Bytes32[] };
}

/** What a batch job builds: kept durably while it builds, so that another process can build it again. */
export interface BatchInput {
  type: string;
  items: IssueItem[];
  /** Each item's validity window, fixed when the batch was accepted. */
  windows: { validFrom: number; validUntil: number }[];
  /** The outbox key its root is anchored under (from the Idempotency-Key, else the batchId). */
  outboxKey: string;
}

/**
 * Where batch jobs live. Running jobs are objects in memory (`put`/`get`); a durable registry also
 * records each job's state, its input while it builds and, before its root is anchored, its documents,
 * so that all outlive the process (the chain write itself goes through the outbox). The process running
 * a job owns it; should that process stop, `claimStale` hands the job to another (or the restarted) one.
 */
export interface BatchJobs {
  put(job: BatchJob): void;
  get(batchId: string): BatchJob | undefined;
  /** Forgets a job held in memory (another process took it over; reads go to the durable registry). */
  drop?(batchId: string): void;
  /** Called when a job's documents arrive, to keep memory bounded. */
  trim?(): void;
  /** Durable: records a new job, owned by this process, with its input, in one transaction. */
  begin?(job: BatchJob, input: BatchInput): Promise<void>;
  /**
   * Durable: records the job's state (called at every change). False when another process has taken the
   * job over (this one stalled past its lease): nothing was written and this process must stop the job.
   */
  persist?(job: BatchJob): Promise<boolean>;
  /**
   * Durable: replaces whatever documents the job has stored (a previous owner's) with these; once it
   * resolves the job no longer holds them in memory. Throws BATCH_TAKEN_OVER if another process owns the job.
   */
  saveDocuments?(job: BatchJob, items: BatchItemToStore[]): Promise<void>;
  /** Durable: extends this process's lease on a job it is running (and nothing else). */
  renew?(job: BatchJob): Promise<void>;
  /** Milliseconds between two `renew` calls of a running job: well inside the lease (default BATCH_LEASE_RENEW_MS). */
  renewEveryMs?: number;
  /**
   * Durable: takes over the building jobs whose owner's lease ran out (every building job, with `all`:
   * a restarted single process owns its whole store) and returns them with their inputs.
   */
  claimStale?(opts?: { all?: boolean }): Promise<{ job: BatchJob; input: BatchInput }[]>;
  /** Durable: a job this process does not hold (it ran before a restart, or on another replica). */
  load?(batchId: string): Promise<BatchJob | undefined>;
  /**
   * Durable: replaces whatever guardian delegations the job has stored (a previous owner's) with these,
   * before its root is anchored. Throws BATCH_TAKEN_OVER if another process owns the job.
   */
  saveGuardians?(job: BatchJob, guardians: BatchGuardian[]): Promise<void>;
  /** Durable: the guardian delegations stored for a page of a job's items (only the items that name one). */
  guardians?(batchId: string, offset: number, limit: number): Promise<BatchGuardian[]>;
  /**
   * Durable: takes over the anchored jobs whose owner stopped (lease run out; every one, with `all`) before
   * relaying all their guardian delegations, and returns them with all their guardians (the outbox sends
   * each once: those already relayed answer from it).
   */
  claimGuardians?(opts?: { all?: boolean }): Promise<{ job: BatchJob; guardians: BatchGuardian[] }[]>;
  /** Durable: a page of a job's stored documents, in request order. */
  documents?(batchId: string, offset: number, limit: number): Promise<BatchItemView[]>;
  /**
   * Durable: the same page with each document and proof as the JSON text it is stored as, for an answer
   * that sends them on as they are (parsing and serialising again 10,000 documents was most of a mass
   * issue's event-loop time).
   */
  documentTexts?(batchId: string, offset: number, limit: number): Promise<BatchItemText[]>;
  /**
   * Durable: the same page with each document and proof as the UTF-8 bytes of its JSON text, for an
   * answer written as bytes (no text decoded into strings and encoded again: 100,000 documents are ~500 MB).
   */
  documentBytes?(batchId: string, offset: number, limit: number): Promise<BatchItemBytes[]>;
}

/** A stored batch item whose document and proof are the UTF-8 bytes of their JSON text. */
export interface BatchItemBytes {
  certId: Bytes32;
  holder: Address;
  document: Uint8Array;
  proof: Uint8Array;
}

/** A batch item to store: its document as JSON text, or that text's UTF-8 bytes (as a batch is built). */
export interface BatchItemToStore {
  certId: Bytes32;
  holder: Address;
  document: string | Uint8Array;
  proof: string;
}

/** A stored batch item whose document and proof are JSON text. */
export interface BatchItemText {
  certId: Bytes32;
  holder: Address;
  document: string;
  proof: string;
}

/**
 * Jobs in memory. Documents are big (a 10,000-certificate batch holds ~100 MB of objects), so only the
 * newest `maxHeldDocuments` are kept, counting the batches still being built; older jobs keep their facts
 * (root, tx) and lose their documents, which the agency is expected to have downloaded.
 */
export function memoryBatchJobs(opts: { maxJobs?: number; maxHeldDocuments?: number } = {}): BatchJobs {
  const maxJobs = opts.maxJobs ?? 1000;
  const maxHeld = opts.maxHeldDocuments ?? 20_000;
  const jobs = new Map<string, BatchJob>();
  const trim = () => {
    while (jobs.size > maxJobs) jobs.delete(jobs.keys().next().value as string);
    // A job still building counts with its total: the documents it is about to produce need room too,
    // so the peak (older documents + a batch being built) stays within the bound, not bound + a batch.
    let held = 0;
    for (const j of [...jobs.values()].reverse()) {
      const building = !j.items && (j.state === "building" || j.state === "anchoring");
      const n = j.items ? j.items.length : building ? j.total : 0;
      if (n === 0) continue;
      if (j.items && held + n > maxHeld && held > 0) {
        j.items = undefined;
        j.documentsReleased = true;
      } else held += n;
    }
  };
  return {
    put(job) {
      jobs.set(job.batchId, job);
      trim();
    },
    get: (id) => jobs.get(id),
    drop: (id) => void jobs.delete(id),
    trim,
  };
}

/**
 * Validates every item up front (so a bad row is refused before anything is built), then builds and
 * anchors in the background. Returns the job at once; `done` resolves when it finishes.
 */
export async function startBatch(
  deps: DomainDeps,
  jobs: BatchJobs,
  p: IssueBatchParameters,
): Promise<{ job: BatchJob; done: Promise<BatchJob> }> {
  const now = deps.clock.now();
  const agency = p.agency.toLowerCase() as Address;
  requireCustodialAgency(
    deps,
    p.items.some((i) => i.guardian)
      ? "POST /v1/agency/batches/signed, then relay each guardian's Delegation, signed with the same key, to ConsentRegistry.delegateInBatchByIssuerSig with its leaf and proof"
      : "POST /v1/agency/batches/signed",
  );
  if (p.items.length === 0) throw badRequest("EMPTY_BATCH", "A batch needs at least one item.");
  const type = await prepareType(deps, agency, p.type);
  // Validated in slices, yielding between them: 100,000 items are seconds of CPU other requests should not wait on.
  const windows: { validFrom: number; validUntil: number }[] = new Array(p.items.length);
  for (let i = 0; i < p.items.length; i++) {
    validateFields(deps, p.type, p.items[i].fields, i);
    windows[i] = validity(type, p.items[i], now, i);
    const g = p.items[i].guardian;
    if (g) requireGuardian(g, p.items[i].holder, now, i);
    if ((i + 1) % VALIDATE_SLICE === 0) await new Promise((r) => setImmediate(r));
  }
  let batchId = randomId();
  if (p.idempotencyKey !== undefined) {
    const idemKey = `batch:${agency}:${sha256Hex(p.idempotencyKey)}`;
    const requestHash = await sha256HexOfLong(canonicalJson({ type: p.type, items: p.items }));
    const existing =
      (await deps.idempotency.get(idemKey)) ??
      (await deps.idempotency.claim(idemKey, { requestHash, result: { batchId }, done: false, createdAt: now }));
    if (existing) {
      if (existing.requestHash !== requestHash) throw idempotencyKeyReused();
      batchId = (existing.result as { batchId: string }).batchId;
      const known = jobs.get(batchId) ?? (await jobs.load?.(batchId));
      if (!known || (known.state === "failed" && known.error?.code === "BATCH_INTERRUPTED"))
        // The first request's documents lived in a gateway process that has since stopped.
        throw conflict(
          "BATCH_RESULT_UNAVAILABLE",
          "This batch was submitted before the gateway restarted; its documents are no longer held. Submit the items again under a new Idempotency-Key.",
          { batchId },
        );
      return { job: known, done: known.finished ?? Promise.resolve(known) };
    }
  }
  await activeSigningKey(deps, agency, now); // refused now, not after the 202, if the agency has no key
  const job: BatchJob = {
    batchId,
    agency,
    type: type.code,
    state: "building",
    total: p.items.length,
    built: 0,
    createdAt: now,
  };
  const input: BatchInput = {
    type: p.type,
    items: p.items,
    windows,
    outboxKey: p.idempotencyKey !== undefined ? `batch:${agency}:${sha256Hex(p.idempotencyKey)}` : `batch:${batchId}`,
  };
  jobs.put(job);
  if (jobs.begin) await jobs.begin(job, input);
  else await jobs.persist?.(job);
  job.finished = runBatch(deps, jobs, job, input);
  return { job, done: job.finished };
}

/** Batch items validated between two turns of the event loop. */
const VALIDATE_SLICE = 1_000;

/** Thrown inside a job whose durable registry says another process owns it now (by the registry, too). */
export function batchTakenOver(batchId: string): DomainError {
  return new DomainError("BATCH_TAKEN_OVER", `Another gateway process has taken batch ${batchId} over.`, {
    status: 409,
  });
}

/**
 * Takes over the batch jobs whose gateway stopped while building them (see BatchJobs.claimStale) and
 * builds and anchors each again, from its stored input. Returns the jobs resumed.
 */
export async function resumeBatches(
  deps: DomainDeps,
  jobs: BatchJobs,
  opts: { all?: boolean } = {},
): Promise<BatchJob[]> {
  const claimed = (await jobs.claimStale?.(opts)) ?? [];
  for (const { job, input } of claimed) {
    jobs.put(job);
    job.finished = runBatch(deps, jobs, job, input);
  }
  // Anchored, but their process stopped before it had handed every guardian delegation to the outbox.
  const anchored = (await jobs.claimGuardians?.(opts)) ?? [];
  for (const { job, guardians } of anchored) {
    jobs.put(job);
    job.finished = (async () => {
      await relayGuardians(deps, job, guardians);
      job.state = "done";
      job.finishedAt = deps.clock.now();
      await jobs.persist?.(job).catch((e: unknown) => void (job.cause ??= e));
      return job;
    })();
  }
  return [...claimed.map((c) => c.job), ...anchored.map((c) => c.job)];
}

/**
 * Relays a batch's guardian delegations (after its root has landed), each under its own outbox key, so a
 * second call sends nothing again. The registry has no call taking several: they go out together, one
 * transaction each. A delegation that cannot be relayed leaves the batch done, with `error` saying so.
 */
async function relayGuardians(deps: DomainDeps, job: BatchJob, guardians: BatchGuardian[]): Promise<void> {
  const results = await Promise.allSettled(
    guardians.map((g) =>
      deps.chain.delegateByIssuer({
        issuerKey: g.issuerKey,
        delegation: g.delegation,
        batch: g.batch,
        outboxKey: g.outboxKey,
        untilLanded: true,
      }),
    ),
  );
  const failed = results.flatMap((r, k) =>
    r.status === "rejected" ? [{ index: guardians[k].index, e: r.reason }] : [],
  );
  if (failed.length === 0) return;
  const first = failed[0].e;
  job.error = {
    code: "GUARDIAN_NOT_RELAYED",
    message:
      `The batch is anchored, but ${failed.length} of its ${guardians.length} guardian delegations could not be stored ` +
      `(item ${failed[0].index}: ${first instanceof DomainError ? `${first.code}: ${first.message}` : "chain write failed"}).`,
  };
  job.cause = first;
}

const utf8Text = new TextDecoder();

/** Builds a job's documents, stores them, and anchors their root once (the outbox key fixes "once"). */
async function runBatch(deps: DomainDeps, jobs: BatchJobs, job: BatchJob, p: BatchInput): Promise<BatchJob> {
  const agency = job.agency;
  const windows = p.windows;
  const persist = async () => {
    if (jobs.persist && !(await jobs.persist(job))) throw batchTakenOver(job.batchId);
  };
  const run = async (): Promise<BatchJob | undefined> => {
    try {
      const type = await prepareType(deps, agency, p.type);
      const key = await activeSigningKey(deps, agency, deps.clock.now());
      const info = await deps.chain.info();
      const inputs: BuildDocumentInput[] = p.items.map((item, i) => ({
        typeId: type.typeId,
        typeCode: type.code,
        typeName: type.name,
        issuerKey: key.key,
        holder: item.holder.toLowerCase() as Address,
        fields: item.fields,
        validFrom: windows[i].validFrom,
        validUntil: windows[i].validUntil,
        chainId: info.chainId,
        ledger: info.ledger,
      }));
      // Let the response go out before the CPU-bound build (which then yields between slices).
      await new Promise((r) => setImmediate(r));
      const built = await deps.documents.buildBatch(inputs, (n) => {
        job.built = n;
      });
      // As stored and sent: the documents' JSON text, in UTF-8 (the built batch holds no document objects).
      const texts: BatchItemToStore[] = built.items.map((it, i) => ({
        certId: it.certId,
        holder: inputs[i].holder,
        document: it.documentJson,
        proof: it.proofText,
      }));
      job.built = job.total;
      job.root = built.root;
      job.state = "anchoring";
      // Each guardian's Delegation is fixed now, for the certificate just built; the outbox key names the
      // root, which is anchored once, so its delegation is relayed once.
      const guardians: BatchGuardian[] = [];
      const now = deps.clock.now();
      p.items.forEach((item, i) => {
        if (!item.guardian) return;
        const certId = built.items[i].certId;
        const delegation = guardianDelegation(certId, item.guardian, `${p.outboxKey}:${i}`, now);
        guardians.push({
          index: i,
          certId,
          delegationId: deps.signatures.delegationId(delegation),
          delegation,
          outboxKey: `guardian:${built.root}:${i}`,
          issuerKey: key.key,
          batch: { root: built.root, ...windows[i], proof: built.items[i].proof },
        });
      });
      // The documents and guardians are stored before the root is sent: an anchored batch always has them.
      if (jobs.saveDocuments) {
        await jobs.saveDocuments(job, texts);
        job.documentsStored = true;
      }
      if (guardians.length > 0) await jobs.saveGuardians?.(job, guardians);
      // building -> anchoring only while this process still owns the job: past this point nobody builds it again.
      await persist();
      const receipt = await deps.chain.anchorBatch({
        agency,
        issuerKey: key.key,
        root: built.root,
        typeId: type.typeId,
        count: built.items.length,
        outboxKey: p.outboxKey,
        untilLanded: true,
        members: built.items.map((it, i) => ({
          certId: it.certId,
          validFrom: windows[i].validFrom,
          validUntil: windows[i].validUntil,
        })),
      });
      job.txHash = receipt.txHash;
      job.blockNumber = receipt.blockNumber;
      // The registry refuses a delegation for a certificate it does not know: only now do they go.
      if (guardians.length > 0) await relayGuardians(deps, job, guardians);
      if (!job.documentsStored) {
        const named = new Map(guardians.map((g) => [g.index, g]));
        job.items = built.items.map((it, i) => {
          const g = named.get(i);
          return {
            certId: it.certId,
            holder: inputs[i].holder,
            document: JSON.parse(utf8Text.decode(it.documentJson)) as CertificateDocument,
            proof: it.proof,
            ...(g ? { guardian: { delegationId: g.delegationId, delegation: g.delegation } } : {}),
          };
        });
      }
      // Stored as done before this process shows it done: a client that saw "done" here may read the
      // documents through another gateway replica, which knows the job from the store only.
      // (A failure to store it is no failure of the batch, which is on chain: the write below tries again.)
      await jobs.persist?.({ ...job, state: "done", finishedAt: deps.clock.now() }).catch(() => false);
      job.state = "done";
      jobs.trim?.();
    } catch (e) {
      // Another process owns the job now and will finish it: this one stops without a word.
      if (e instanceof DomainError && e.code === "BATCH_TAKEN_OVER") return undefined;
      job.state = "failed";
      job.error =
        e instanceof DomainError
          ? { code: e.code, message: e.message }
          : { code: "BATCH_FAILED", message: "The batch could not be anchored; submit it again." };
      job.cause = e;
    }
    job.finishedAt = deps.clock.now();
    try {
      await jobs.persist?.(job);
    } catch (e) {
      // The chain holds the outcome; a stale job row only misreports progress until the next read.
      job.cause ??= e;
    }
    return job;
  };
  // While it runs, the job's lease is renewed, so no other process takes it over.
  const renew = setInterval(
    () => void jobs.renew?.(job).catch(() => undefined),
    jobs.renewEveryMs ?? BATCH_LEASE_RENEW_MS,
  );
  renew.unref();
  try {
    const done = await run();
    if (done) return done;
    // Taken over: from now on reads go to the durable registry, which the new owner keeps current.
    jobs.drop?.(job.batchId);
    return (await jobs.load?.(job.batchId)) ?? job;
  } finally {
    clearInterval(renew);
  }
}

/**
 * How often a running batch job renews its lease, by default: a quarter of the default lease
 * (src/store/batchJobs.ts renews every quarter of whatever lease it is given).
 */
export const BATCH_LEASE_RENEW_MS = 15_000;
