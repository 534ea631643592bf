/**
 * The index in memory: what the verify path asks per request (certificate status, batch, grant, type,
 * key, accreditation) answered synchronously from Maps that the indexer updates after each commit.
 *
 * The registry (types, agencies, keys, accreditations, verifiers) and the batches' roots are held whole:
 * they grow with agencies and batches, not with certificates. Certificates (with their batch memberships
 * and status overrides) and grants grow with history: they are held in bounded LRUs in front of the
 * store, so memory follows the working set. A miss reads the store (indexed, one certId or grantId) and
 * keeps the answer; the indexer updates a cached entry after each commit. Lists that only people read
 * (status history, checks, grants of a certificate, an agency's certificates) go to the database.
 * Why and what it costs: docs/decisions/0021-index-memory-bounded-by-the-working-set.md.
 */
import type { Kysely, Selectable } from "kysely";
import type {
  Address,
  AgencyView,
  Awaitable,
  BatchView,
  Bytes32,
  CertificateStatus,
  CertificateTypeView,
  CertificateView,
  CheckView,
  DelegationRecord,
  GrantView,
  Hex,
  IndexReader,
  Page,
  SigningKeyView,
  StatusChangeView,
} from "../domain/ports";
import type {
  AccreditationsTable,
  AgenciesTable,
  BatchesTable,
  CertificatesTable,
  CertTypesTable,
  Database,
  DelegationsTable,
  GrantsTable,
  SigningKeysTable,
} from "../store/schema";
import { ZERO_ROOT } from "../store/schema";
import { Lru } from "./lru";

const UINT40_MAX = 2 ** 40 - 1;

/** Certificates and grants kept in memory by default (each LRU): ~13 MB for both when full (~0.6 kB an entry). */
export const INDEX_CACHE_ENTRIES = 10_000;

type Row<T> = Selectable<T>;

export type CacheChange =
  | { table: "cert_types"; row: Row<CertTypesTable> }
  | { table: "agencies"; row: Row<AgenciesTable> }
  | { table: "accreditations"; row: Row<AccreditationsTable> }
  | { table: "signing_keys"; row: Row<SigningKeysTable> }
  | { table: "certificates"; row: Row<CertificatesTable> }
  | { table: "batches"; row: Row<BatchesTable> }
  | { table: "grants"; row: Row<GrantsTable> }
  | { table: "delegations"; row: Row<DelegationsTable> };

interface Member {
  root: string;
  validFrom: number;
  validUntil: number;
}

/** What the store holds about one certId: complete, or not cached at all. */
interface CertEntry {
  /** Its rows of `certificates`: the single issue (batch_root ZERO_ROOT) and status overrides in batches. */
  rows: Row<CertificatesTable>[];
  /** The batches it is a member of. */
  members: Member[];
}

export class IndexCache implements IndexReader {
  private types = new Map<number, Row<CertTypesTable>>();
  private typeByCode = new Map<string, number>();
  private typeLabels = new Map<string, string>();
  private agenciesById = new Map<number, Row<AgenciesTable>>();
  private accountsByHash = new Map<string, { address: string; name: string }>();
  private accountsByAddress = new Map<string, { name: string; nameHash: string }>();
  private accreditations = new Map<string, Row<AccreditationsTable>>();
  private keysById = new Map<number, Row<SigningKeysTable>>();
  private keysByAddress = new Map<string, number>();
  private batches = new Map<string, Row<BatchesTable>>();
  /** Certificates by certId (every row and membership of the id), the least recently used forgotten. */
  private certs: Lru<string, CertEntry>;
  private grants: Lru<string, Row<GrantsTable>>;
  /** Delegations by id: a check under a delegate's grant reads its delegation. */
  private delegations: Lru<string, Row<DelegationsTable>>;
  /**
   * Counts applied changes and reloads: a store read that saw an older state than the cache holds
   * (a commit landed while it ran) answers its caller but is not kept.
   */
  private epoch = 0;
  private verifierRows = new Map<string, { verifier: Address; name: string; active: boolean }>();
  private caughtUp = false;
  /** The block the index matched the chain's head at, and when (wall-clock ms). */
  private synced: { block: number; atMs: number } | undefined;
  /** The embedded chain: blocks are applied as the process makes them, so the index is never behind. */
  private inProcessChain = false;
  private syncNow: { sync: () => Promise<void>; limitMs: number } | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => number = () => Math.floor(Date.now() / 1000),
    /** Entries of each LRU (certificates, grants). */
    private readonly entries = INDEX_CACHE_ENTRIES,
  ) {
    this.certs = new Lru(entries);
    this.grants = new Lru(entries);
    this.delegations = new Lru(entries);
  }

  /** (Re)loads the registry and the batches from the database and forgets every cached certificate and grant. */
  async load(): Promise<void> {
    const fresh = new IndexCache(this.db, this.now, this.entries);
    const [types, labels, agencies, accounts, accs, keys, batches, verifiers] = await Promise.all([
      this.db.selectFrom("cert_types").selectAll().execute(),
      this.db.selectFrom("type_labels").selectAll().execute(),
      this.db.selectFrom("agencies").selectAll().execute(),
      this.db.selectFrom("agency_accounts").selectAll().execute(),
      this.db.selectFrom("accreditations").selectAll().execute(),
      this.db.selectFrom("signing_keys").selectAll().execute(),
      this.db.selectFrom("batches").selectAll().execute(),
      this.db.selectFrom("verifiers").selectAll().execute(),
    ]);
    for (const l of labels) fresh.typeLabels.set(l.code, l.name);
    for (const a of accounts) fresh.setAgencyAccount(a.address, a.name, a.name_hash);
    for (const v of verifiers)
      fresh.verifierRows.set(v.verifier, { verifier: v.verifier as Address, name: v.name, active: v.active === 1 });
    fresh.apply([
      ...types.map((row) => ({ table: "cert_types" as const, row })),
      ...agencies.map((row) => ({ table: "agencies" as const, row })),
      ...accs.map((row) => ({ table: "accreditations" as const, row })),
      ...keys.map((row) => ({ table: "signing_keys" as const, row })),
      ...batches.map((row) => ({ table: "batches" as const, row })),
    ]);
    Object.assign(this, {
      types: fresh.types,
      typeByCode: fresh.typeByCode,
      typeLabels: fresh.typeLabels,
      agenciesById: fresh.agenciesById,
      accountsByHash: fresh.accountsByHash,
      accountsByAddress: fresh.accountsByAddress,
      accreditations: fresh.accreditations,
      keysById: fresh.keysById,
      keysByAddress: fresh.keysByAddress,
      certs: fresh.certs,
      batches: fresh.batches,
      grants: fresh.grants,
      delegations: fresh.delegations,
      verifierRows: fresh.verifierRows,
      epoch: this.epoch + 1,
    });
  }

  /** Applies committed row images (the indexer calls this right after its transaction commits). */
  apply(changes: CacheChange[]): void {
    if (changes.length > 0) this.epoch++;
    for (const c of changes) {
      switch (c.table) {
        case "cert_types": {
          const old = this.types.get(c.row.type_id);
          if (old && this.typeByCode.get(old.name) === old.type_id) this.typeByCode.delete(old.name);
          this.types.set(c.row.type_id, c.row);
          this.typeByCode.set(c.row.name, c.row.type_id);
          break;
        }
        case "agencies":
          this.agenciesById.set(c.row.agency_id, c.row);
          break;
        case "accreditations":
          this.accreditations.set(`${c.row.agency_id}:${c.row.type_id}`, c.row);
          break;
        case "signing_keys":
          this.keysById.set(c.row.key_id, c.row);
          this.keysByAddress.set(c.row.key, c.row.key_id);
          break;
        case "certificates": {
          // Only an entry already held is completed: one made here would lack the id's memberships.
          const e = this.certs.peek(c.row.cert_id);
          if (e) e.rows = [...e.rows.filter((r) => r.batch_root !== c.row.batch_root), c.row];
          break;
        }
        case "batches":
          this.batches.set(c.row.root, c.row);
          break;
        case "grants":
          // A grant row is complete by itself; a new one is about to be used (a counter, a link).
          this.grants.set(c.row.grant_id, c.row);
          break;
        case "delegations":
          this.delegations.set(c.row.delegation_id, c.row);
          break;
      }
    }
  }

  // ---- facts the gateway writes before the chain sees them

  setAgencyAccount(address: string, name: string, nameHash: string): void {
    this.accountsByHash.set(nameHash, { address: address.toLowerCase(), name });
    this.accountsByAddress.set(address.toLowerCase(), { name, nameHash });
  }

  setTypeLabel(code: string, name: string): void {
    this.typeLabels.set(code, name);
  }

  setVerifier(verifier: string, name: string, active: boolean): void {
    this.verifierRows.set(verifier.toLowerCase(), { verifier: verifier.toLowerCase() as Address, name, active });
  }

  /** The indexer reached the chain's head at `block` (confirmations aside). */
  setCaughtUp(block?: number): void {
    this.caughtUp = true;
    if (block !== undefined) this.synced = { block, atMs: Date.now() };
  }

  /** The chain is in this process (embedded): the index's view is current whenever it is read. */
  followsInProcessChain(): void {
    this.inProcessChain = true;
  }

  /**
   * How to apply what the chain holds beyond this index (the indexer's sync), for `catchUp`. A chain
   * in this process needs none: its blocks are applied as they are made.
   */
  catchUpWith(sync: () => Promise<void>, limitMs: number): void {
    this.syncNow = { sync, limitMs };
  }

  async catchUp(): Promise<void> {
    const s = this.syncNow;
    if (!s || this.inProcessChain) return;
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, s.limitMs);
      timer.unref();
    });
    await Promise.race([s.sync().catch(() => undefined), limit]);
    clearTimeout(timer);
  }

  /** How old the index's view of the chain is (undefined before its first catch-up). */
  freshness(): { block: number; syncedAt: number; ageSeconds: number } | undefined {
    const s = this.synced;
    if (!s) return undefined;
    const atMs = this.inProcessChain ? Date.now() : s.atMs;
    return { block: s.block, syncedAt: Math.floor(atMs / 1000), ageSeconds: Math.floor((Date.now() - atMs) / 1000) };
  }

  // ---- raw lookups the indexer and relayer use

  typeRow(typeId: number): Row<CertTypesTable> | undefined {
    return this.types.get(typeId);
  }

  agencyRow(agencyId: number): Row<AgenciesTable> | undefined {
    return this.agenciesById.get(agencyId);
  }

  accreditationRow(agencyId: number, typeId: number): Row<AccreditationsTable> | undefined {
    return this.accreditations.get(`${agencyId}:${typeId}`);
  }

  keyRow(keyId: number): Row<SigningKeysTable> | undefined {
    return this.keysById.get(keyId);
  }

  batchRow(root: string): Row<BatchesTable> | undefined {
    return this.batches.get(root);
  }

  /**
   * The committed row of a grant. `via` is the indexer's open transaction: read through it on a miss,
   * and not kept (SQLite's one connection is the transaction's until it ends).
   */
  grantRow(grantId: string, via?: Kysely<Database>): Awaitable<Row<GrantsTable> | undefined> {
    return this.grants.get(grantId) ?? this.readGrant(grantId, via);
  }

  /** The membership of `certId` in the batch `root`, as the store holds it. */
  member(root: string, certId: string, via?: Kysely<Database>): Awaitable<Member | undefined> {
    return then(this.certEntry(certId, via), (e) => e?.members.find((m) => m.root === root));
  }

  singleRow(certId: string): Awaitable<Row<CertificatesTable> | undefined> {
    return this.overrideRow(ZERO_ROOT, certId);
  }

  /** The row of `certId` under `root` (ZERO_ROOT: its single issue; a batch root: its status override). */
  overrideRow(root: string, certId: string, via?: Kysely<Database>): Awaitable<Row<CertificatesTable> | undefined> {
    return then(this.certEntry(certId, via), (e) => e?.rows.find((r) => r.batch_root === root));
  }

  /** What the store holds about `certId`: from the LRU, else read (undefined when the store has nothing). */
  private certEntry(certId: string, via?: Kysely<Database>): Awaitable<CertEntry | undefined> {
    return this.certs.get(certId) ?? this.readCert(certId, via);
  }

  private async readCert(certId: string, via?: Kysely<Database>): Promise<CertEntry | undefined> {
    const epoch = this.epoch;
    const db = via ?? this.db;
    const [rows, members] = await Promise.all([
      db.selectFrom("certificates").selectAll().where("cert_id", "=", certId).execute(),
      db.selectFrom("batch_members").selectAll().where("cert_id", "=", certId).execute(),
    ]);
    if (rows.length === 0 && members.length === 0) return undefined;
    const entry: CertEntry = {
      rows,
      members: members.map((m) => ({
        root: m.root,
        validFrom: Number(m.valid_from),
        validUntil: Number(m.valid_until),
      })),
    };
    if (via) return entry;
    if (this.epoch !== epoch) return this.certs.get(certId) ?? entry;
    this.certs.set(certId, entry);
    return entry;
  }

  private readGrant(grantId: string, via?: Kysely<Database>): Promise<Row<GrantsTable> | undefined> {
    return this.readKept(this.grants, grantId, via, (db) =>
      db.selectFrom("grants").selectAll().where("grant_id", "=", grantId).executeTakeFirst(),
    );
  }

  /** The committed row of a delegation; `via` as for grantRow. */
  delegationRow(delegationId: string, via?: Kysely<Database>): Awaitable<Row<DelegationsTable> | undefined> {
    return (
      this.delegations.get(delegationId) ??
      this.readKept(this.delegations, delegationId, via, (db) =>
        db.selectFrom("delegations").selectAll().where("delegation_id", "=", delegationId).executeTakeFirst(),
      )
    );
  }

  /** Reads a row on a cache miss and keeps it, unless a commit landed meanwhile or it was read through `via`. */
  private async readKept<T>(
    lru: Lru<string, T>,
    key: string,
    via: Kysely<Database> | undefined,
    read: (db: Kysely<Database>) => Promise<T | undefined>,
  ): Promise<T | undefined> {
    const epoch = this.epoch;
    const row = await read(via ?? this.db);
    if (!row || via) return row;
    if (this.epoch !== epoch) return lru.get(key) ?? row;
    lru.set(key, row);
    return row;
  }

  agencyIdOf(address: string): number | undefined {
    const acc = this.accountsByAddress.get(address.toLowerCase());
    if (!acc) return undefined;
    for (const a of this.agenciesById.values()) if (a.name_hash === acc.nameHash) return a.agency_id;
    return undefined;
  }

  agencyAddressOf(agencyId: number): Address {
    const a = this.agenciesById.get(agencyId);
    const acc = a ? this.accountsByHash.get(a.name_hash) : undefined;
    // An agency registered by someone else than this gateway has no account here: a stable placeholder.
    return (acc?.address ?? `0x${agencyId.toString(16).padStart(40, "0")}`) as Address;
  }

  keyIdOf(address: string): number | undefined {
    return this.keysByAddress.get(address.toLowerCase());
  }

  typeIdByCode(code: string): number | undefined {
    return this.typeByCode.get(code);
  }

  // ---- IndexReader

  certificateType(typeId: number): CertificateTypeView | undefined {
    const t = this.types.get(typeId);
    return t ? this.typeView(t) : undefined;
  }

  certificateTypeByCode(code: string): CertificateTypeView | undefined {
    const id = this.typeByCode.get(code);
    return id === undefined ? undefined : this.certificateType(id);
  }

  certificateTypes(): CertificateTypeView[] {
    return [...this.types.values()].sort((a, b) => a.type_id - b.type_id).map((t) => this.typeView(t));
  }

  agency(agency: Address): AgencyView | undefined {
    const id = this.agencyIdOf(agency);
    return id === undefined ? undefined : this.agencyView(id);
  }

  agencies(): AgencyView[] {
    return [...this.agenciesById.keys()].sort((a, b) => a - b).map((id) => this.agencyView(id));
  }

  signingKey(key: Address): SigningKeyView | undefined {
    const id = this.keysByAddress.get(key.toLowerCase());
    const k = id === undefined ? undefined : this.keysById.get(id);
    return k ? this.keyView(k) : undefined;
  }

  signingKeys(agency: Address): SigningKeyView[] {
    const id = this.agencyIdOf(agency);
    if (id === undefined) return [];
    return [...this.keysById.values()]
      .filter((k) => k.agency_id === id)
      .sort((a, b) => a.key_id - b.key_id)
      .map((k) => this.keyView(k));
  }

  wasAccredited(agency: Address, typeId: number, at: number): boolean {
    const id = this.agencyIdOf(agency) ?? agencyIdFromPlaceholder(agency);
    if (id === undefined) return false;
    const a = this.accreditations.get(`${id}:${typeId}`);
    return !!a && a.from_at <= at && at < a.until_at;
  }

  certificate(certId: Bytes32): Awaitable<CertificateView | undefined> {
    const id = certId.toLowerCase();
    return then(this.certEntry(id), (e) => (e ? this.certificateOf(id, e) : undefined));
  }

  private certificateOf(id: string, e: CertEntry): CertificateView | undefined {
    const single = e.rows.find((r) => r.batch_root === ZERO_ROOT);
    if (single) return this.certView(single);
    // A member of a batch not anchored (yet, or dropped by a reorg) is not on the ledger.
    const m = e.members.find((x) => this.batches.has(x.root));
    if (!m) return undefined;
    const b = this.batches.get(m.root)!;
    const override = e.rows.find((r) => r.batch_root === m.root);
    if (override) return this.certView(override);
    const k = this.keysById.get(b.key_id);
    const v: CertificateView = {
      certId: id as Bytes32,
      typeId: b.type_id,
      issuerKey: (k?.key ?? b.issuer_key) as Address,
      agency: this.agencyAddressOf(b.agency_id),
      issuedAt: b.issued_at,
      validFrom: m.validFrom,
      validUntil: m.validUntil,
      status: "ACTIVE",
      batchRoot: m.root as Bytes32,
    };
    if (b.tx_hash) v.txHash = b.tx_hash as Address;
    return v;
  }

  batch(root: Bytes32): BatchView | undefined {
    const b = this.batches.get(root.toLowerCase());
    if (!b) return undefined;
    const v: BatchView = {
      root: b.root as Bytes32,
      typeId: b.type_id,
      issuerKey: b.issuer_key as Address,
      agency: this.agencyAddressOf(b.agency_id),
      issuedAt: b.issued_at,
      count: b.count,
    };
    if (b.tx_hash) v.txHash = b.tx_hash as Address;
    return v;
  }

  async statusHistory(certId: Bytes32): Promise<StatusChangeView[]> {
    const rows = await this.db
      .selectFrom("status_history")
      .selectAll()
      .where("cert_id", "=", certId.toLowerCase())
      .orderBy("block_number")
      .orderBy("log_index")
      .execute();
    return rows.map((r) => ({
      certId: r.cert_id as Bytes32,
      status: r.status as CertificateStatus,
      reason: r.reason,
      ...(r.superseded_by ? { supersededBy: r.superseded_by as Bytes32 } : {}),
      at: Number(r.at),
      txHash: r.tx_hash as Address,
    }));
  }

  async certificatesByAgency(
    agency: Address,
    filter: { typeId?: number; status?: CertificateStatus; limit: number; cursor?: string },
  ): Promise<Page<CertificateView>> {
    const id = this.agencyIdOf(agency);
    if (id === undefined) return { items: [] };
    let q = this.db
      .selectFrom("certificates")
      .selectAll()
      .where("agency_id", "=", id)
      .where("batch_root", "=", ZERO_ROOT);
    if (filter.typeId !== undefined) q = q.where("type_id", "=", filter.typeId);
    if (filter.status !== undefined) q = q.where("status", "=", filter.status);
    if (filter.cursor) {
      const [at, cert] = Buffer.from(filter.cursor, "base64url").toString("utf8").split(":");
      q = q.where((eb) =>
        eb.or([eb("issued_at", "<", Number(at)), eb.and([eb("issued_at", "=", Number(at)), eb("cert_id", "<", cert)])]),
      );
    }
    const rows = await q
      .orderBy("issued_at", "desc")
      .orderBy("cert_id", "desc")
      .limit(filter.limit + 1)
      .execute();
    const items = rows.slice(0, filter.limit).map((r) => this.certView(r));
    const last = rows.length > filter.limit ? rows[filter.limit - 1] : undefined;
    return { items, ...(last ? { next: Buffer.from(`${last.issued_at}:${last.cert_id}`).toString("base64url") } : {}) };
  }

  grant(grantId: Bytes32): Awaitable<GrantView | undefined> {
    return then(this.grantRow(grantId.toLowerCase()), (g) => (g ? grantView(g) : undefined));
  }

  async grantsForCertificate(certId: Bytes32): Promise<GrantView[]> {
    const rows = await this.db
      .selectFrom("grants")
      .selectAll()
      .where("cert_id", "=", certId.toLowerCase())
      .orderBy("block_number")
      .orderBy("created_at")
      .orderBy("grant_id")
      .execute();
    return rows.map((g) => grantView(this.grants.peek(g.grant_id) ?? g));
  }

  async checksForCertificate(certId: Bytes32): Promise<CheckView[]> {
    const rows = await this.db
      .selectFrom("checks")
      .selectAll()
      .where("cert_id", "=", certId.toLowerCase())
      .orderBy("block_number")
      .orderBy("log_index")
      .execute();
    return rows.map((r) => ({
      grantId: r.grant_id as Bytes32,
      certId: r.cert_id as Bytes32,
      verifier: r.verifier as Address,
      purpose: r.purpose as Bytes32,
      at: Number(r.at),
      txHash: r.tx_hash as Address,
    }));
  }

  delegation(delegationId: Bytes32): Awaitable<DelegationRecord | undefined> {
    return then(this.delegationRow(delegationId.toLowerCase()), (d) => (d ? this.delegationRecord(d) : undefined));
  }

  async delegationsForCertificate(certId: Bytes32): Promise<DelegationRecord[]> {
    const rows = await this.db
      .selectFrom("delegations")
      .selectAll()
      .where("cert_id", "=", certId.toLowerCase())
      .orderBy("block_number")
      .orderBy("delegation_id")
      .execute();
    return rows.map((d) => this.delegationRecord(this.delegations.peek(d.delegation_id) ?? d));
  }

  /** A delegation row as the domain sees it; an agency-named one carries the agency its key belongs to. */
  private delegationRecord(d: Row<DelegationsTable>): DelegationRecord {
    return delegationRecord(d, (keyId) => this.agencyAddressOf(this.keyRow(keyId)?.agency_id ?? 0));
  }

  verifiers(): { verifier: Address; name: string; active: boolean }[] {
    return [...this.verifierRows.values()];
  }

  verifier(address: Address): { verifier: Address; name: string; active: boolean } | undefined {
    return this.verifierRows.get(address.toLowerCase());
  }

  ready(): boolean {
    return this.caughtUp;
  }

  /** Sizes, for /metrics and the memory figures: certificates and grants are those held in memory. */
  sizes(): Record<string, number> {
    return {
      types: this.types.size,
      agencies: this.agenciesById.size,
      keys: this.keysById.size,
      certificates: this.certs.size,
      batches: this.batches.size,
      grants: this.grants.size,
      entriesPerCache: this.entries,
    };
  }

  // ---- views

  private typeView(t: Row<CertTypesTable>): CertificateTypeView {
    return {
      typeId: t.type_id,
      code: t.name,
      name: this.typeLabels.get(t.name) ?? t.name,
      schemaHash: t.schema_hash as Bytes32,
      maxValiditySeconds: Number(t.max_validity),
      active: t.active === 1,
    };
  }

  private agencyView(id: number): AgencyView {
    const a = this.agenciesById.get(id)!;
    const acc = this.accountsByHash.get(a.name_hash);
    const now = this.now();
    const typeIds: number[] = [];
    for (const r of this.accreditations.values())
      if (r.agency_id === id && r.from_at <= now && now < r.until_at) typeIds.push(r.type_id);
    return {
      agency: this.agencyAddressOf(id),
      name: acc?.name ?? `agency ${id}`,
      active: a.active === 1,
      typeIds: typeIds.sort((x, y) => x - y),
    };
  }

  private keyView(k: Row<SigningKeysTable>): SigningKeyView {
    return {
      key: k.key as Address,
      agency: this.agencyAddressOf(k.agency_id),
      validFrom: Number(k.valid_from),
      validUntil: Number(k.valid_until) >= UINT40_MAX ? 0 : Number(k.valid_until),
    };
  }

  private certView(r: Row<CertificatesTable>): CertificateView {
    const v: CertificateView = {
      certId: r.cert_id as Bytes32,
      typeId: r.type_id,
      issuerKey: r.issuer_key as Address,
      agency: this.agencyAddressOf(r.agency_id),
      issuedAt: Number(r.issued_at),
      validFrom: Number(r.valid_from),
      validUntil: Number(r.valid_until),
      status: r.status as CertificateStatus,
    };
    // Optional members are set, not spread in: spreading them into the literal costs V8 (Node 20) a
    // new hidden class per call (verifications read these views on every request).
    if (r.batch_root !== ZERO_ROOT) v.batchRoot = r.batch_root as Bytes32;
    if (r.superseded_by) v.supersededBy = r.superseded_by as Bytes32;
    if (r.tx_hash) v.txHash = r.tx_hash as Address;
    return v;
  }
}

/** Applies `f` at once to a value at hand, or once a read from the store brings it. */
function then<T, U>(v: Awaitable<T>, f: (x: T) => U): Awaitable<U> {
  return v instanceof Promise ? v.then(f) : f(v);
}

function grantView(g: Row<GrantsTable>): GrantView {
  const v: GrantView = {
    grantId: g.grant_id as Bytes32,
    certId: g.cert_id as Bytes32,
    grantee: g.grantee as Address,
    purpose: g.purpose as Bytes32,
    validUntil: Number(g.valid_until),
    maxUses: Number(g.max_uses),
    uses: Number(g.uses),
    revoked: g.revoked === 1,
    createdAt: Number(g.created_at),
  };
  if (g.delegation_id) v.delegationId = g.delegation_id as Bytes32;
  return v;
}

function delegationRecord(d: Row<DelegationsTable>, agencyOfKey: (keyId: number) => Address): DelegationRecord {
  return {
    delegationId: d.delegation_id as Bytes32,
    certId: d.cert_id as Bytes32,
    delegate: d.delegate as Address,
    purpose: d.purpose as Bytes32,
    verifier: d.verifier as Address,
    online: d.online === 1,
    validUntil: Number(d.valid_until),
    revoked: d.revoked === 1,
    ...(d.revoked_at !== null ? { revokedAt: Number(d.revoked_at) } : {}),
    createdAt: Number(d.created_at),
    ...(d.tx_hash ? { txHash: d.tx_hash as Hex } : {}),
    ...(d.named_by_key_id !== null && d.named_by_key_id !== undefined
      ? { namedBy: { agency: agencyOfKey(Number(d.named_by_key_id)), keyId: Number(d.named_by_key_id) } }
      : {}),
  };
}

function agencyIdFromPlaceholder(address: string): number | undefined {
  return /^0x0{30}[0-9a-f]{10}$/.test(address) ? parseInt(address.slice(2), 16) : undefined;
}
