/**
 * The event follower. It reads the three contracts' logs from its cursor up to the newest block with
 * the configured confirmations (head − confirmations + 1),
 * applies them to the projection tables and moves the cursor IN ONE TRANSACTION, then hands the row
 * images to the in-memory cache. A reorg deeper than the confirmation depth shows up as a cursor block
 * whose hash the chain no longer has: the indexer walks its stored block hashes back to the newest one
 * the chain still agrees with, rewinds to it (before-images from `index_undo` for updated rows, deletes
 * for rows created later) and follows again.
 */
import type { Kysely, Transaction } from "kysely";
import { AbiCoder, ParamType, concat, type Interface } from "ethers";
import type { Database } from "../store/schema";
import { PRIMARY_KEYS, ZERO_ROOT } from "../store/schema";
import { consentIface, ledgerIface, registryIface, type ContractAddresses } from "../chain/contracts";
import type { Rpc } from "../chain/submitter";
import type { CacheChange, IndexCache } from "./indexCache";
import { chainMismatchError, type ChainGuard } from "../chain/chainIdentity";

export const CURSOR_NAME = "certledger";
/**
 * A row beside the cursor that every rewind rewrites (block = where it rewound to, hash = a token): a
 * replica whose neighbour on the same database did the rewind learns of it at its next sync.
 */
const REWIND_MARK = "certledger:rewind";

export interface IndexerOptions {
  /**
   * Blocks that must be on top of a block before it is applied (0 = apply the head). A reorg that
   * replaces at most this many blocks never reaches what was applied.
   */
  confirmations: number;
  /** The block of the first deployment transaction: nothing earlier is read. */
  fromBlock: number;
  /** Most blocks read per step (one transaction each). */
  maxBlocksPerStep?: number;
  /** Undo images older than this many blocks behind the cursor are dropped. */
  keepUndoBlocks?: number;
  onError?: (e: unknown) => void;
  /** The store's dialect (PostgreSQL locks the cursor row while a step applies). */
  dialect?: "sqlite" | "postgres";
  /**
   * Is the node still the chain this index belongs to? Asked before any rewind and when the node
   * answers again after failing; a mismatch stops the indexer with the index kept as it is.
   */
  guard?: Pick<ChainGuard, "assertSameChain" | "check">;
  /** Told after a rewind to `block` (the relayer re-checks what it wrote above it). */
  onRewind?: (block: number) => void;
  /**
   * Projections kept beside the cache (the status lists): told of each applied step's changes before the
   * step's block counts as applied, and reset whenever the cache is loaded again from the database.
   */
  projection?: { applied(changes: CacheChange[]): Promise<void>; reset(): void };
}

import type { RawLog } from "../chain/embeddedChain";

export interface Header {
  number: number;
  hash: string;
  parentHash: string;
  timestamp: number;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyTrx = Transaction<any>;

export class Indexer {
  private cursor: { block: number; hash: string } | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private waiters: { block: number; resolve: () => void; reject: (e: unknown) => void }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** The last sync failed (the node may have been away, or come back as something else). */
  private failing = false;
  /** The rewind mark last seen (undefined: not read yet). */
  private rewindToken: string | undefined;
  /** Blocks the block producer handed over (noteBlock), oldest first; and the head it last reported. */
  private readonly known = new Map<number, { header: Header; logs: RawLog[] }>();
  private knownHead: number | undefined;
  readonly stats = { steps: 0, logs: 0, rewinds: 0, stepMs: 0, lastError: undefined as string | undefined };

  constructor(
    private readonly db: Kysely<Database>,
    private readonly rpc: Rpc,
    private readonly addresses: ContractAddresses,
    private readonly cache: IndexCache,
    private readonly opts: IndexerOptions,
  ) {}

  /** The last applied block (fromBlock − 1 before the first step). */
  async cursorBlock(): Promise<number> {
    return (await this.loadCursor()).block;
  }

  /** Follows the chain every `pollMs` (external chains); the embedded chain calls `poke` per block. */
  start(pollMs: number): void {
    this.stopped = false;
    const tick = () => {
      if (this.stopped) return;
      this.poke();
      this.timer = setTimeout(tick, pollMs);
    };
    tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }

  /**
   * The embedded chain's producer hands over each block as it becomes durable: its header and all its
   * logs. The next sync takes head, headers and logs from here instead of asking the node (no node call
   * per block instead of five, on a node that serves one call at a time). A block at height n replaces
   * any remembered block above n (the chain was rewound under it, as tests do with evm_revert).
   */
  noteBlock(h: Header, logs: RawLog[]): Promise<void> {
    for (const k of this.known.keys()) if (k >= h.number) this.known.delete(k);
    this.known.set(h.number, { header: h, logs });
    if (this.known.size > 256) this.known.delete(this.known.keys().next().value as number);
    this.knownHead = h.number;
    return this.poke();
  }

  /** Starts a sync unless one runs (then it runs once more after it). */
  poke(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          try {
            if (this.failing) await this.verifyChain();
            await this.sync();
          } catch (e) {
            if (!(e instanceof CursorMovedError)) throw e;
            // Another replica applied these blocks: take its rows and cursor, and go on from there.
            this.cursor = undefined;
            await this.cache.load();
            this.opts.projection?.reset();
            this.again = true;
          }
        } while (this.again && !this.stopped);
        this.failing = false;
      } catch (e) {
        // The next attempt starts from what the database holds.
        this.failing = true;
        this.cursor = undefined;
        this.stats.lastError = (e as Error).message;
        this.opts.onError?.(e);
        const pending = this.waiters;
        this.waiters = [];
        for (const w of pending) w.reject(e);
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  /** Resolves once `blockNumber` is applied (read-your-writes for the relayer's callers). */
  async waitFor(blockNumber: number): Promise<void> {
    if (this.cursor && this.cursor.block >= blockNumber) return;
    const p = new Promise<void>((resolve, reject) => this.waiters.push({ block: blockNumber, resolve, reject }));
    void this.poke();
    return p;
  }

  /** Tells onRewind about a rewind another replica made on the shared database since the last look. */
  private async noticeRewinds(): Promise<void> {
    const r = await this.db
      .selectFrom("chain_cursor")
      .select(["block_number", "block_hash"])
      .where("name", "=", REWIND_MARK)
      .executeTakeFirst();
    const token = r?.block_hash ?? "";
    if (this.rewindToken !== undefined && token !== this.rewindToken && r) {
      this.cursor = undefined;
      await this.cache.load();
      this.opts.projection?.reset();
      this.opts.onRewind?.(Number(r.block_number));
    }
    this.rewindToken = token;
  }

  /** Throws CHAIN_MISMATCH when the node is not the chain this index belongs to. */
  private async verifyChain(): Promise<void> {
    if (!this.opts.guard) return;
    const m = await this.opts.guard.check();
    if (m) throw chainMismatchError(m);
  }

  /** Catches up with the head (confirmations aside). */
  async sync(): Promise<void> {
    this.opts.guard?.assertSameChain();
    if (this.opts.onRewind) await this.noticeRewinds();
    for (;;) {
      const cursor = await this.loadCursor();
      const head = this.knownHead ?? Number(BigInt((await this.rpc("eth_blockNumber")) as string));
      // Apply blocks with `confirmations` blocks on top of them.
      const target = head - this.opts.confirmations;
      if (cursor.block >= this.opts.fromBlock && cursor.hash !== "") {
        const onChain = await this.header(cursor.block);
        if (!onChain || onChain.hash !== cursor.hash) {
          await this.rewind();
          continue;
        }
      }
      if (cursor.block >= target) {
        this.cache.setCaughtUp(cursor.block);
        this.release();
        return;
      }
      const from = cursor.block + 1;
      const to = Math.min(target, from + (this.opts.maxBlocksPerStep ?? 2000) - 1);
      await this.step(from, to);
    }
  }

  private async step(from: number, to: number): Promise<void> {
    const t0 = performance.now();
    // The chain segment the logs are read from, named by its last block: the same before and after the
    // read, or the logs may come from blocks a reorg replaced meanwhile.
    const before = this.known.has(to) ? undefined : await this.header(to);
    const logs =
      this.knownLogs(from, to) ??
      ((await this.rpc("eth_getLogs", [
        {
          fromBlock: "0x" + from.toString(16),
          toBlock: "0x" + to.toString(16),
          address: [this.addresses.registry, this.addresses.ledger, this.addresses.consent],
        },
      ])) as RawLog[]);
    const numbers = new Set<number>(logs.map((l) => Number(BigInt(l.blockNumber))));
    numbers.add(to);
    numbers.add(from);
    const headers = new Map<number, Header>();
    await Promise.all(
      [...numbers].map(async (n) => {
        const h = await this.header(n);
        if (!h) throw new Error(`block ${n} vanished while indexing (reorg): retrying`);
        headers.set(n, h);
      }),
    );
    for (const l of logs) {
      if (headers.get(Number(BigInt(l.blockNumber)))!.hash !== l.blockHash)
        throw new Error(`block ${Number(BigInt(l.blockNumber))} changed while indexing (reorg)`);
    }
    if (before && before.hash !== headers.get(to)!.hash) throw new Error(`block ${to} changed while indexing (reorg)`);
    // The first new block must sit on the cursor's block: else the chain under the cursor was replaced.
    const cursor = this.cursor;
    if (cursor && cursor.hash !== "" && cursor.block === from - 1 && headers.get(from)!.parentHash !== cursor.hash) {
      await this.rewind();
      return;
    }
    logs.sort(
      (a, b) =>
        Number(BigInt(a.blockNumber) - BigInt(b.blockNumber)) || Number(BigInt(a.logIndex) - BigInt(b.logIndex)),
    );

    const changes: CacheChange[] = [];
    await this.db.transaction().execute(async (trx) => {
      // Another gateway replica on the same database may have applied these blocks already: the cursor
      // row (locked on PostgreSQL) must still be where this step starts, else the step is abandoned.
      let q = trx.selectFrom("chain_cursor").select("block_number").where("name", "=", CURSOR_NAME);
      if (this.opts.dialect === "postgres") q = q.forUpdate();
      const row = await q.executeTakeFirst();
      const at = row ? Number(row.block_number) : this.opts.fromBlock - 1;
      if (at !== from - 1) throw new CursorMovedError(from - 1, at);
      const w = new ProjectionWriter(trx as AnyTrx, this.cache, changes);
      for (const l of logs) await applyLog(w, this.addresses, l, headers.get(Number(BigInt(l.blockNumber)))!);
      for (const h of headers.values()) {
        await trx
          .insertInto("indexed_blocks")
          .values({ block_number: h.number, block_hash: h.hash, parent_hash: h.parentHash, timestamp: h.timestamp })
          .onConflict((oc) =>
            oc
              .column("block_number")
              .doUpdateSet({ block_hash: h.hash, parent_hash: h.parentHash, timestamp: h.timestamp }),
          )
          .execute();
      }
      await putCursor(trx as AnyTrx, CURSOR_NAME, to, headers.get(to)!.hash);
      const keep = this.opts.keepUndoBlocks ?? 1024;
      if (to % 256 === 0 && to > keep) {
        await trx
          .deleteFrom("index_undo")
          .where("block_number", "<", to - keep)
          .execute();
        await trx
          .deleteFrom("indexed_blocks")
          .where("block_number", "<", to - keep)
          .execute();
      }
    });
    this.cache.apply(changes);
    if (this.opts.projection) {
      // A projection that cannot follow is built again from the index at its next use, never left stale.
      await this.opts.projection.applied(changes).catch(() => this.opts.projection!.reset());
    }
    this.cursor = { block: to, hash: headers.get(to)!.hash };
    this.stats.steps++;
    this.stats.logs += logs.length;
    this.stats.stepMs += performance.now() - t0;
    this.release();
  }

  /** The contracts' logs of blocks from..to when the producer handed over every one of them. */
  private knownLogs(from: number, to: number): RawLog[] | undefined {
    const ours = new Set(
      [this.addresses.registry, this.addresses.ledger, this.addresses.consent].map((a) => a.toLowerCase()),
    );
    const out: RawLog[] = [];
    for (let n = from; n <= to; n++) {
      const b = this.known.get(n);
      if (!b) return undefined;
      for (const l of b.logs) if (ours.has(l.address.toLowerCase())) out.push(l);
    }
    return out;
  }

  /** Rewinds to the newest stored block the chain still agrees with (never onto another chain). */
  private async rewind(): Promise<void> {
    await this.verifyChain();
    const stored = await this.db
      .selectFrom("indexed_blocks")
      .select(["block_number", "block_hash"])
      .orderBy("block_number", "desc")
      .execute();
    let to = this.opts.fromBlock - 1;
    let toHash = "";
    for (const s of stored) {
      const h = await this.header(Number(s.block_number));
      if (h && h.hash === s.block_hash) {
        to = Number(s.block_number);
        toHash = h.hash;
        break;
      }
    }
    const token = `${Date.now()}:${Math.random().toString(36).slice(2)}`;
    await this.db.transaction().execute(async (trx) => {
      await rewindTo(trx as AnyTrx, to);
      await putCursor(trx as AnyTrx, REWIND_MARK, to, token);
      await putCursor(trx as AnyTrx, CURSOR_NAME, to, toHash);
    });
    await this.cache.load();
    this.opts.projection?.reset();
    this.cursor = { block: to, hash: toHash };
    this.stats.rewinds++;
    this.rewindToken = token;
    this.opts.onRewind?.(to);
  }

  private release(): void {
    if (!this.cursor) return;
    const c = this.cursor.block;
    const still: typeof this.waiters = [];
    for (const w of this.waiters) w.block <= c ? w.resolve() : still.push(w);
    this.waiters = still;
  }

  private async loadCursor(): Promise<{ block: number; hash: string }> {
    if (this.cursor) return this.cursor;
    const r = await this.db.selectFrom("chain_cursor").selectAll().where("name", "=", CURSOR_NAME).executeTakeFirst();
    this.cursor = r
      ? { block: Number(r.block_number), hash: r.block_hash }
      : { block: this.opts.fromBlock - 1, hash: "" };
    return this.cursor;
  }

  private async header(n: number): Promise<Header | undefined> {
    const known = this.known.get(n);
    if (known) return known.header;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const b = (await this.rpc("eth_getBlockByNumber", ["0x" + n.toString(16), false])) as any;
    if (!b) return undefined;
    return { number: n, hash: b.hash, parentHash: b.parentHash, timestamp: Number(BigInt(b.timestamp)) };
  }
}

class CursorMovedError extends Error {
  constructor(expected: number, found: number) {
    super(
      `the index cursor moved under this indexer (expected block ${expected}, found ${found}): another replica indexes too`,
    );
  }
}

/** Writes a row of `chain_cursor` (the cursor, or the rewind mark). */
async function putCursor(trx: AnyTrx, name: string, block: number, hash: string): Promise<void> {
  await trx
    .insertInto("chain_cursor")
    .values({ name, block_number: block, block_hash: hash, updated_ms: Date.now() })
    .onConflict((oc) =>
      oc.column("name").doUpdateSet({ block_number: block, block_hash: hash, updated_ms: Date.now() }),
    )
    .execute();
}

/** Undoes every change of blocks after `block`: before-images first, then rows created later. */
export async function rewindTo(trx: AnyTrx, block: number): Promise<void> {
  const undo = await trx
    .selectFrom("index_undo")
    .selectAll()
    .where("block_number", ">", block)
    .orderBy("id", "desc")
    .execute();
  for (const u of undo) {
    const pk = JSON.parse(u.pk) as Record<string, unknown>;
    let q = trx.deleteFrom(u.tbl);
    for (const [k, v] of Object.entries(pk)) q = q.where(k, "=", v);
    await q.execute();
    if (u.before !== null) await trx.insertInto(u.tbl).values(JSON.parse(u.before)).execute();
  }
  await trx.deleteFrom("index_undo").where("block_number", ">", block).execute();
  for (const t of [...Object.keys(PRIMARY_KEYS), "status_history", "checks", "indexed_blocks"]) {
    await trx.deleteFrom(t).where("block_number", ">", block).execute();
  }
}

/** Writes projection rows inside the indexer's transaction; keeps before-images of updates. */
class ProjectionWriter {
  /** Rows written in this transaction, read before the cache (which sees only committed ones). */
  private readonly overlay = new Map<string, Record<string, unknown>>();

  /** The transaction, to read committed rows the cache does not hold. */
  readonly store: Kysely<Database>;

  constructor(
    readonly trx: AnyTrx,
    readonly cache: IndexCache,
    private readonly changes: CacheChange[],
  ) {
    this.store = trx as unknown as Kysely<Database>;
  }

  /** The row as this transaction sees it: written by it, else committed (`committed` reads through `trx`). */
  async get<T>(
    table: keyof typeof PRIMARY_KEYS,
    pk: Record<string, unknown>,
    committed: () => T | undefined | Promise<T | undefined>,
  ): Promise<T | undefined> {
    return (this.overlay.get(keyOf(table, pk)) as T | undefined) ?? (await committed());
  }

  async insert(table: keyof typeof PRIMARY_KEYS, row: Record<string, unknown>): Promise<void> {
    await this.trx.insertInto(table).values(row).execute();
    this.remember(table, row);
  }

  async update(
    table: keyof typeof PRIMARY_KEYS,
    before: Record<string, unknown>,
    patch: Record<string, unknown>,
    block: number,
  ): Promise<void> {
    const pk = Object.fromEntries(PRIMARY_KEYS[table].map((k) => [k, before[k]]));
    await this.trx
      .insertInto("index_undo")
      .values({ block_number: block, tbl: table, pk: JSON.stringify(pk), before: JSON.stringify(before) })
      .execute();
    let q = this.trx.updateTable(table).set(patch);
    for (const [k, v] of Object.entries(pk)) q = q.where(k, "=", v);
    await q.execute();
    this.remember(table, { ...before, ...patch });
  }

  async append(table: "status_history" | "checks", row: Record<string, unknown>): Promise<void> {
    await this.trx.insertInto(table).values(row).execute();
  }

  private remember(table: keyof typeof PRIMARY_KEYS, row: Record<string, unknown>): void {
    const pk = Object.fromEntries(PRIMARY_KEYS[table].map((k) => [k, row[k]]));
    this.overlay.set(keyOf(table, pk), row);
    this.changes.push({ table, row } as CacheChange);
  }
}

function keyOf(table: string, pk: Record<string, unknown>): string {
  return `${table}|${Object.values(pk).join("|")}`;
}

const STATUS_OF: Record<string, string> = {
  CertificateRevoked: "REVOKED",
  CertificateSuspended: "SUSPENDED",
  CertificateReinstated: "ACTIVE",
  CertificateSuperseded: "SUPERSEDED",
};

interface DecodedLog {
  name: string;
  args: Record<string, unknown>;
}

interface EventDecoder {
  name: string;
  /** Topic types after topics[0] (an indexed string, bytes, tuple or array is its bytes32 hash). */
  indexed: ParamType[];
  data: ParamType[];
  names: { name: string; indexed: boolean }[];
}

/**
 * Events of each interface by topic0, worked out once. Interface.parseLog hashes every event signature
 * of the contract on every call to find the event (and once more to check it): ~40% of indexing.
 */
const decoders = new WeakMap<Interface, Map<string, EventDecoder>>();
const abi = AbiCoder.defaultAbiCoder();

function decoderOf(iface: Interface, topic0: string): EventDecoder | undefined {
  let byTopic = decoders.get(iface);
  if (!byTopic) {
    byTopic = new Map();
    iface.forEachEvent((f) => {
      if (f.anonymous) return;
      const hashed = (p: ParamType) =>
        p.type === "string" || p.type === "bytes" || p.baseType === "tuple" || p.baseType === "array";
      byTopic!.set(f.topicHash, {
        name: f.name,
        indexed: f.inputs.filter((p) => p.indexed).map((p) => (hashed(p) ? ParamType.from("bytes32") : p)),
        data: f.inputs.filter((p) => !p.indexed),
        names: f.inputs.map((p) => ({ name: p.name, indexed: !!p.indexed })),
      });
    });
    decoders.set(iface, byTopic);
  }
  return byTopic.get(topic0.toLowerCase());
}

/** The event a log records, with its arguments by name; undefined for an event the interface lacks. */
function decodeLog(iface: Interface, l: RawLog): DecodedLog | undefined {
  const d = l.topics.length > 0 ? decoderOf(iface, l.topics[0]) : undefined;
  if (!d || l.topics.length !== d.indexed.length + 1) return undefined;
  const topics = abi.decode(d.indexed, concat(l.topics.slice(1)));
  const data = abi.decode(d.data, l.data);
  const args: Record<string, unknown> = {};
  let t = 0;
  let v = 0;
  for (const { name, indexed } of d.names) args[name] = indexed ? topics[t++] : data[v++];
  return { name: d.name, args };
}

async function applyLog(w: ProjectionWriter, addrs: ContractAddresses, l: RawLog, h: Header): Promise<void> {
  const address = l.address.toLowerCase();
  const iface =
    address === addrs.registry
      ? registryIface
      : address === addrs.ledger
        ? ledgerIface
        : address === addrs.consent
          ? consentIface
          : undefined;
  if (!iface) return;
  let ev: DecodedLog | undefined;
  try {
    ev = decodeLog(iface, l);
  } catch {
    return;
  }
  if (!ev) return;
  const a = ev.args;
  const block = h.number;
  const ts = h.timestamp;
  const txHash = l.transactionHash;
  const logIndex = Number(BigInt(l.logIndex));
  const hex = (v: unknown) => String(v).toLowerCase();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  type R = any;

  switch (ev.name) {
    case "TypeRegistered":
      await w.insert("cert_types", {
        type_id: Number(a.typeId),
        name: a.name,
        schema_hash: hex(a.schemaHash),
        max_validity: Number(a.maxValidity),
        active: 1,
        block_number: block,
      });
      return;
    case "TypeUpdated":
    case "TypeDeactivated": {
      const before = await w.get<R>("cert_types", { type_id: Number(a.typeId) }, () =>
        w.cache.typeRow(Number(a.typeId)),
      );
      if (!before) return;
      const patch =
        ev.name === "TypeDeactivated"
          ? { active: 0 }
          : { name: a.name, schema_hash: hex(a.schemaHash), max_validity: Number(a.maxValidity) };
      await w.update("cert_types", before, patch, block);
      return;
    }
    case "AgencyRegistered":
      await w.insert("agencies", {
        agency_id: Number(a.agencyId),
        name_hash: hex(a.nameHash),
        active: 1,
        block_number: block,
      });
      return;
    case "AgencyDeactivated": {
      const before = await w.get<R>("agencies", { agency_id: Number(a.agencyId) }, () =>
        w.cache.agencyRow(Number(a.agencyId)),
      );
      if (before) await w.update("agencies", before, { active: 0 }, block);
      return;
    }
    case "AccreditationSet": {
      const pk = { agency_id: Number(a.agencyId), type_id: Number(a.typeId) };
      const before = await w.get<R>("accreditations", pk, () => w.cache.accreditationRow(pk.agency_id, pk.type_id));
      const patch = { from_at: Number(a.accreditedFrom), until_at: Number(a.accreditedUntil) };
      if (before) await w.update("accreditations", before, patch, block);
      else await w.insert("accreditations", { ...pk, ...patch, block_number: block });
      return;
    }
    case "KeyAdded":
      await w.insert("signing_keys", {
        key_id: Number(a.keyId),
        key: hex(a.account),
        agency_id: Number(a.agencyId),
        valid_from: Number(a.validFrom),
        valid_until: Number(a.validUntil),
        block_number: block,
      });
      return;
    case "KeyRetired": {
      const before = await w.get<R>("signing_keys", { key_id: Number(a.keyId) }, () => w.cache.keyRow(Number(a.keyId)));
      if (before) await w.update("signing_keys", before, { valid_until: Number(a.validUntil) }, block);
      return;
    }
    case "CertificateIssued": {
      const key = await w.get<R>("signing_keys", { key_id: Number(a.keyId) }, () => w.cache.keyRow(Number(a.keyId)));
      await w.insert("certificates", {
        batch_root: ZERO_ROOT,
        cert_id: hex(a.certId),
        type_id: Number(a.typeId),
        key_id: Number(a.keyId),
        issuer_key: key?.key ?? "",
        agency_id: key?.agency_id ?? 0,
        issued_at: ts,
        valid_from: Number(a.validFrom),
        valid_until: Number(a.validUntil),
        status: "ACTIVE",
        superseded_by: null,
        tx_hash: txHash,
        block_number: block,
      });
      return;
    }
    case "BatchAnchored": {
      const key = await w.get<R>("signing_keys", { key_id: Number(a.keyId) }, () => w.cache.keyRow(Number(a.keyId)));
      await w.insert("batches", {
        root: hex(a.root),
        type_id: Number(a.typeId),
        key_id: Number(a.keyId),
        issuer_key: key?.key ?? "",
        agency_id: key?.agency_id ?? 0,
        issued_at: ts,
        count: Number(a.count),
        tx_hash: txHash,
        block_number: block,
      });
      return;
    }
    case "CertificateRevoked":
    case "CertificateSuspended":
    case "CertificateReinstated":
    case "CertificateSuperseded": {
      const certId = hex(a.certId);
      const root = hex(a.batchRoot);
      const status = STATUS_OF[ev.name];
      const supersededBy = ev.name === "CertificateSuperseded" ? hex(a.newCertId) : null;
      const pk = { batch_root: root, cert_id: certId };
      const before = await w.get<R>("certificates", pk, () => w.cache.overrideRow(root, certId, w.store));
      if (before) {
        await w.update(
          "certificates",
          before,
          { status, ...(supersededBy ? { superseded_by: supersededBy } : {}) },
          block,
        );
      } else if (root !== ZERO_ROOT) {
        // First change of a batched certificate: its row starts here, with the batch's facts.
        const b = await w.get<R>("batches", { root }, () => w.cache.batchRow(root));
        const m = await w.cache.member(root, certId, w.store);
        await w.insert("certificates", {
          ...pk,
          type_id: b?.type_id ?? 0,
          key_id: b?.key_id ?? 0,
          issuer_key: b?.issuer_key ?? "",
          agency_id: b?.agency_id ?? 0,
          issued_at: b?.issued_at ?? 0,
          valid_from: m?.validFrom ?? 0,
          valid_until: m?.validUntil ?? 0,
          status,
          superseded_by: supersededBy,
          tx_hash: b?.tx_hash ?? null,
          block_number: block,
        });
      }
      await w.append("status_history", {
        batch_root: root,
        cert_id: certId,
        status,
        reason: Number(a.reason),
        superseded_by: supersededBy,
        key_id: Number(a.keyId),
        at: ts,
        tx_hash: txHash,
        log_index: logIndex,
        block_number: block,
      });
      return;
    }
    case "GrantCreated":
      await w.insert("grants", {
        grant_id: hex(a.grantId),
        cert_id: hex(a.certId),
        grantee: hex(a.grantee),
        purpose: hex(a.purpose),
        valid_until: Number(a.validUntil),
        max_uses: Number(a.maxUses),
        uses: 0,
        revoked: 0,
        created_at: ts,
        tx_hash: txHash,
        block_number: block,
        delegation_id: null,
      });
      return;
    case "DelegationCreated":
      await w.insert("delegations", {
        delegation_id: hex(a.delegationId),
        cert_id: hex(a.certId),
        delegate: hex(a.delegate),
        purpose: hex(a.purpose),
        verifier: hex(a.verifier),
        online: a.online ? 1 : 0,
        valid_until: Number(a.validUntil),
        revoked: 0,
        revoked_at: null,
        created_at: ts,
        tx_hash: txHash,
        block_number: block,
        named_by_key_id: null,
      });
      return;
    case "DelegationNamedByIssuer": {
      // Follows the delegation's DelegationCreated in the same transaction: the agency's mark, undone on a rewind.
      const id = hex(a.delegationId);
      const before = await w.get<R>("delegations", { delegation_id: id }, () => w.cache.delegationRow(id, w.store));
      if (before) await w.update("delegations", before, { named_by_key_id: Number(a.keyId) }, block);
      return;
    }
    case "DelegationRevoked": {
      const id = hex(a.delegationId);
      const before = await w.get<R>("delegations", { delegation_id: id }, () => w.cache.delegationRow(id, w.store));
      if (before) await w.update("delegations", before, { revoked: 1, revoked_at: ts }, block);
      return;
    }
    case "GrantRevoked":
    case "GrantCreatedByDelegate": {
      const before = await w.get<R>("grants", { grant_id: hex(a.grantId) }, () =>
        w.cache.grantRow(hex(a.grantId), w.store),
      );
      // GrantCreatedByDelegate follows the grant's GrantCreated in the same transaction: the delegate's mark.
      const patch = ev.name === "GrantRevoked" ? { revoked: 1 } : { delegation_id: hex(a.delegationId) };
      if (before) await w.update("grants", before, patch, block);
      return;
    }
    case "CheckRecorded": {
      const grantId = hex(a.grantId);
      const before = await w.get<R>("grants", { grant_id: grantId }, () => w.cache.grantRow(grantId, w.store));
      await w.append("checks", {
        grant_id: grantId,
        cert_id: hex(a.certId),
        verifier: hex(a.verifier),
        purpose: before?.purpose ?? ZERO_ROOT,
        use_no: Number(a.use),
        at: ts,
        tx_hash: txHash,
        log_index: logIndex,
        block_number: block,
      });
      if (before) await w.update("grants", before, { uses: Number(a.use) }, block);
      return;
    }
    default:
      return;
  }
}
