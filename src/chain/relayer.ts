/**
 * The relayer: exactly-once chain writes through the outbox.
 *
 *   execute(kind, dedupKey, sender, payload)
 *     1. outbox row written (or found: same dedupKey = same work, never sent twice)
 *     2. queued per (kind, sender); kinds that can share a transaction (issueMany, recordChecks) are
 *        flushed as one transaction after `lingerMs` or at `max` items (group commit), or, while the
 *        submitter is making a block, when it takes the next one's transactions (`whenTaking`)
 *     3. the submitter signs with its nonce manager, mines/sends, waits for durability/confirmations
 *     4. the indexer applies the block (read-your-writes), the outbox row becomes done, callers resolve
 *
 * A group that reverts is split and each item sent alone, so one bad item fails only itself; a single
 * item that reverts is explained (eth_call of the same call → the contract's custom error → the
 * domain's code) and recorded as failed, so asking again returns the same answer.
 *
 * While the chain node cannot be reached (`health`), nothing is given up: the submitter keeps the signed
 * transaction and sends the same bytes again, the relayer keeps waiting for its block to be indexed,
 * and the caller is told at once that its write is pending (WRITE_PENDING, with the id to follow it)
 * rather than kept waiting or told to try again: the row lands once the node is back.
 *
 * After a crash, `recover()` takes every row not done: if the index (caught up with the chain) shows
 * its effect, it is marked done; kinds whose effect cannot be seen in state (a check uses a grant's
 * use) record their transaction hash before sending and are settled by that hash's receipt; the rest
 * are sent again.
 *
 * Reorgs: an acknowledged transaction is watched for `watchBlocks` blocks. When the indexer rewinds
 * below it (`reconcile`), the submitter hands the node the same signed bytes again (same nonce: it lands
 * once or not at all); if it can never land (its nonce went to another transaction), its rows go back
 * to pending and are sent again like work found at a restart (the chain's state, or the recorded hash,
 * says whether it is already there). See docs/decisions/0011.
 */
import { DomainError, writePending } from "../domain/errors";
import { writeIdOf, type OutboxRepository, type OutboxRow } from "../store/outbox";
import type { ChainHealth } from "./chainHealth";
import { rejection, revertData } from "./contracts";
import { TxDroppedError } from "./rpcChain";
import {
  isTransportError,
  sleep,
  toMinedTx,
  type MinedTx,
  type Rpc,
  type TxRequest,
  type TxSubmitter,
} from "./submitter";

export interface Outcome {
  txHash: string;
  blockNumber: number;
  result?: unknown;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface WorkKind<P = any> {
  /** For messages: "issue a certificate". */
  action: string;
  tx(payload: P, sender: string): TxRequest;
  /** Several items of one sender in one transaction. */
  group?: { max: number; tx(payloads: P[], sender: string): TxRequest };
  /** Is the effect already on chain? (Asked only for work that may have been sent before.) */
  applied?(payload: P): Promise<{ result?: unknown } | undefined> | { result?: unknown } | undefined;
  /** What the caller gets besides the receipt (e.g. the grant id from the event). */
  result?(payload: P, tx: MinedTx): unknown;
  /** Record the tx hash durably before sending (effect not visible in state). */
  recordHash?: boolean;
}

interface Item {
  row: OutboxRow;
  payload: unknown;
  /** Work that may have been on chain before (a restart, a reorg). */
  resent?: boolean;
  resolve: (o: Outcome) => void;
  reject: (e: unknown) => void;
}

export interface RelayerOptions {
  /** How long a group waits for company, ms (default 2). */
  lingerMs?: number;
  /** Whether the node answers: a write waiting while it does not is answered WRITE_PENDING. */
  health?: ChainHealth;
  /** Makes sure the sender's key is at hand (another replica may have created it since this one started). */
  ensureSigner?: (address: string) => Promise<void>;
  /** Refuses writes while the node is not the chain the store belongs to (throws CHAIN_MISMATCH). */
  guard?: { assertSameChain(): void };
  /** Blocks an acknowledged transaction stays watched for reorgs (default 128). */
  watchBlocks?: number;
}

/** An acknowledged transaction and the outbox rows it settled, watched until a reorg can no longer take it. */
interface Acked {
  hash: string;
  blockNumber: number;
  blockHash: string;
  kind: string;
  rows: OutboxRow[];
}

export class Relayer {
  private readonly inflight = new Map<string, Promise<Outcome>>();
  private closed = false;
  private readonly queues = new Map<
    string,
    { kind: string; sender: string; items: Item[]; timer?: NodeJS.Timeout; waiting?: boolean }
  >();
  private readonly acked = new Map<string, Acked>();
  readonly stats = {
    executed: 0,
    transactions: 0,
    grouped: 0,
    splits: 0,
    retries: 0,
    recovered: 0,
    resent: 0,
    /** Acknowledged transactions a reorg took away: landed again with the same bytes, or sent again. */
    reorgedBack: 0,
    reorgedResent: 0,
  };
  /** Set while `quiesce` runs: no transaction is handed to the chain until it settles. */
  private gate: Promise<void> | undefined;
  /** Transactions handed to the chain and not yet settled, and who waits for there to be none. */
  private submitting = 0;
  private drained: (() => void)[] = [];
  /**
   * Mined transactions of kinds settled by hash whose rows are not marked yet, by block: until they
   * are, only the transaction's receipt tells a restart that the work was done.
   */
  private readonly unsettled = new Map<number, number>();
  private settledWaiters: (() => void)[] = [];

  constructor(
    private readonly outbox: OutboxRepository,
    private readonly submitter: TxSubmitter,
    private readonly rpc: Rpc,
    private readonly waitForIndex: (blockNumber: number) => Promise<void>,
    private readonly kinds: Record<string, WorkKind>,
    private readonly opts: RelayerOptions = {},
  ) {}

  /**
   * Puts the work on chain once. With `untilLanded`, waits for it however long the node is away (work
   * nobody waits for, e.g. a batch job); otherwise a node that cannot be reached turns the answer into
   * WRITE_PENDING while the work goes on.
   */
  async execute(
    kind: string,
    dedupKey: string,
    sender: string,
    payload: unknown,
    opts: { untilLanded?: boolean } = {},
  ): Promise<Outcome> {
    let work = this.inflight.get(dedupKey);
    if (!work) {
      this.opts.guard?.assertSameChain();
      await this.opts.ensureSigner?.(sender);
      const { row, created } = await this.outbox.accept(kind, dedupKey, sender.toLowerCase(), payload);
      work = this.track(row, created);
    }
    const health = this.opts.health;
    if (!health || opts.untilLanded) return work;
    return health.race(work, () => writePending(writeIdOf(dedupKey), this.kind(kind).action));
  }

  /** Stops waiting for the node (the process is closing); unfinished rows stay for the next start. */
  close(): void {
    this.closed = true;
  }

  /** Finishes every unfinished outbox row (call once at start, with the index caught up). */
  async recover(): Promise<{ rows: number; failed: number }> {
    this.opts.guard?.assertSameChain();
    // Rows settled by hash are looked up by their receipts: no checkpoint may drop one meanwhile (each
    // row holds its own mark from its first step, `run`; this one covers the listing).
    this.unsettle(0);
    let tracked: Promise<Outcome>[];
    try {
      tracked = (await this.outbox.unfinished()).map((r) => this.track(r, false));
    } finally {
      this.settle(0);
    }
    const results = await Promise.allSettled(tracked);
    this.stats.recovered += tracked.length;
    return { rows: tracked.length, failed: results.filter((r) => r.status === "rejected").length };
  }

  /**
   * The indexer rewound to `block`: every acknowledged transaction above it must be on the canonical
   * chain again, or its work is sent again. Resolves when all of them are settled.
   */
  async reconcile(block: number): Promise<void> {
    const above = [...this.acked.values()].filter((a) => a.blockNumber > block);
    await Promise.all(above.map((a) => this.settleAgain(a)));
  }

  private async settleAgain(a: Acked): Promise<void> {
    const k = this.kind(a.kind);
    const ids = a.rows.map((r) => r.id);
    const now = await this.rpc("eth_getTransactionReceipt", [a.hash]);
    if (now && toMinedTx(now).blockHash === a.blockHash) return; // the reorg did not reach it
    let mined: MinedTx | undefined;
    try {
      mined = await this.submitter.recheck!(a.hash);
    } catch (e) {
      if (!(e instanceof TxDroppedError)) throw e;
    }
    if (mined && mined.status === 1) {
      // Back on chain with the same bytes (possibly in an identical block, when nothing else changed).
      this.stats.reorgedBack++;
      await this.waitForIndex(mined.blockNumber);
      await this.outbox.moved(ids, mined.hash, mined.blockNumber);
      this.watch({ ...a, blockNumber: mined.blockNumber, blockHash: mined.blockHash });
      return;
    }
    // Gone for good (or reverted now): the work is sent again, after a look at what the chain holds.
    this.acked.delete(a.hash);
    this.stats.reorgedResent++;
    await this.outbox.markRetry(ids, `transaction ${a.hash} left the chain in a reorg`);
    await Promise.allSettled(
      a.rows.map((r) => this.track({ ...r, state: "pending", tx_hash: k.recordHash ? a.hash : r.tx_hash }, false)),
    );
  }

  private watch(a: Acked): void {
    this.acked.delete(a.hash);
    this.acked.set(a.hash, a);
    const keep = this.opts.watchBlocks ?? 128;
    for (const [h, old] of this.acked) {
      if (old.blockNumber >= a.blockNumber - keep) break;
      this.acked.delete(h);
    }
  }

  private track(row: OutboxRow, fresh: boolean): Promise<Outcome> {
    if (row.state === "done") return Promise.resolve(doneOutcome(row));
    if (row.state === "failed") return Promise.reject(storedError(row));
    const running = this.inflight.get(row.dedup_key);
    if (running) return running;
    const p = this.run(row, fresh).finally(() => this.inflight.delete(row.dedup_key));
    this.inflight.set(row.dedup_key, p);
    return p;
  }

  private async run(row: OutboxRow, fresh: boolean): Promise<Outcome> {
    const k = this.kind(row.kind);
    const payload = JSON.parse(row.payload);
    if (!fresh) {
      if (k.recordHash && row.tx_hash) {
        const hash = row.tx_hash;
        this.unsettle(0);
        try {
          const receipt = await this.untilReachable(() => this.rpc("eth_getTransactionReceipt", [hash]));
          if (receipt) {
            const mined = toMinedTx(receipt);
            if (mined.status === 1) {
              await this.indexed(mined.blockNumber);
              const result = k.result?.(payload, mined);
              await this.outbox.markDone([row.id], mined.hash, mined.blockNumber, () => result);
              return { txHash: mined.hash, blockNumber: mined.blockNumber, result };
            }
          }
        } finally {
          this.settle(0);
        }
      } else if (k.applied) {
        const applied = k.applied;
        const a = await this.untilReachable(async () => applied(payload));
        if (a) {
          await this.outbox.markDone([row.id], row.tx_hash, row.block_number, () => a.result);
          return { txHash: row.tx_hash ?? "", blockNumber: row.block_number ?? 0, result: a.result };
        }
      }
      this.stats.resent++;
    }
    return new Promise<Outcome>((resolve, reject) => {
      const item: Item = { row, payload, resolve, reject, resent: !fresh };
      if (k.group) this.enqueue(row.kind, row.sender, item);
      else void this.send(row.kind, row.sender, [item], false);
    });
  }

  private enqueue(kind: string, sender: string, item: Item): void {
    const key = `${kind}|${sender}`;
    let q = this.queues.get(key);
    if (!q) {
      q = { kind, sender, items: [] };
      this.queues.set(key, q);
    }
    q.items.push(item);
    const max = this.kind(kind).group!.max;
    if (q.items.length >= max) {
      this.flush(key);
    } else if (!q.timer && !q.waiting) {
      // While a block is being made, the group grows until the next block is taken: one transaction
      // for everything that came meanwhile (lingering alone cut it into a few per block).
      if (this.submitter.whenTaking?.(() => this.flush(key))) q.waiting = true;
      else q.timer = setTimeout(() => this.flush(key), this.opts.lingerMs ?? 2);
    }
  }

  private flush(key: string): void {
    const q = this.queues.get(key);
    if (!q) return;
    if (q.timer) clearTimeout(q.timer);
    q.timer = undefined;
    const max = this.kind(q.kind).group!.max;
    while (q.items.length > 0) {
      const items = q.items.splice(0, max);
      void this.send(q.kind, q.sender, items, items.length > 1);
    }
    this.queues.delete(key);
  }

  private async send(kindName: string, sender: string, items: Item[], grouped: boolean): Promise<void> {
    const k = this.kind(kindName);
    const ids = items.map((i) => i.row.id);
    let settling: number | undefined;
    try {
      const tx = grouped
        ? k.group!.tx(
            items.map((i) => i.payload),
            sender,
          )
        : k.tx(items[0].payload, sender);
      if (k.recordHash) tx.beforeSend = (hash) => this.outbox.markSent(ids, hash);
      const mined = await this.submitWithRetry(tx);
      // Only a landed transaction's receipt settles its rows (a reverted one did nothing: sent again).
      if (k.recordHash && mined.status === 1) {
        this.unsettle(mined.blockNumber);
        settling = mined.blockNumber;
      }
      this.stats.transactions++;
      if (grouped) this.stats.grouped += items.length;
      if (mined.status === 1) {
        await this.indexed(mined.blockNumber);
        const results = new Map(items.map((i) => [i.row.id, k.result?.(i.payload, mined)]));
        await this.outbox.markDone(ids, mined.hash, mined.blockNumber, k.result ? (id) => results.get(id) : undefined);
        if (this.submitter.recheck)
          this.watch({
            hash: mined.hash,
            blockNumber: mined.blockNumber,
            blockHash: mined.blockHash,
            kind: kindName,
            rows: items.map((i) => i.row),
          });
        this.stats.executed += items.length;
        for (const i of items)
          i.resolve({ txHash: mined.hash, blockNumber: mined.blockNumber, result: results.get(i.row.id) });
        return;
      }
      if (!grouped && items[0].resent && k.applied) {
        // Sent again after a reorg or a restart: the first landing may have come back meanwhile.
        await this.waitForIndex(mined.blockNumber);
        const a = await k.applied(items[0].payload);
        if (a) {
          await this.outbox.markDone(ids, items[0].row.tx_hash, items[0].row.block_number, () => a.result);
          items[0].resolve({
            txHash: items[0].row.tx_hash ?? "",
            blockNumber: items[0].row.block_number ?? 0,
            result: a.result,
          });
          return;
        }
      }
      if (grouped) {
        // One bad item reverts the group: send each alone so only the bad ones fail.
        this.stats.splits++;
        await Promise.all(items.map((i) => this.send(kindName, sender, [i], false)));
        return;
      }
      const error = await this.explain(tx, k.action);
      await this.outbox.markFailed(ids, error.message, {
        code: error.code,
        message: error.message,
        status: error.status,
        details: error.details,
      });
      for (const i of items) i.reject(error);
    } catch (e) {
      // Not sent, or its fate unknown (the process is closing): the row stays pending and the next start
      // settles it, so the caller hears that it is pending, never that it failed.
      const error = e instanceof DomainError ? e : writePending(writeIdOf(items[0].row.dedup_key), k.action);
      await this.outbox.markRetry(ids, String((e as Error)?.message ?? e)).catch(() => undefined);
      for (const i of items) i.reject(error);
    } finally {
      if (settling !== undefined) this.settle(settling);
    }
  }

  /** Marks a row settled by hash as being marked (block 0: its block is not known yet). */
  private unsettle(block: number): void {
    this.unsettled.set(block, (this.unsettled.get(block) ?? 0) + 1);
  }

  private settle(block: number): void {
    const left = (this.unsettled.get(block) ?? 1) - 1;
    if (left > 0) this.unsettled.set(block, left);
    else this.unsettled.delete(block);
    for (const r of this.settledWaiters.splice(0)) r();
  }

  /**
   * Resolves once every row of a kind settled by transaction hash whose transaction is in a block at or
   * below `block` is marked (done or failed) in the store, or rejects after `timeoutMs`. A chain
   * checkpoint waits for it, so it may drop the receipts of the blocks it holds (docs/decisions/0017).
   */
  async settledThrough(block: number, timeoutMs: number): Promise<void> {
    const until = Date.now() + timeoutMs;
    while ([...this.unsettled.keys()].some((b) => b <= block)) {
      const left = until - Date.now();
      if (left <= 0) throw new Error(`outbox rows of block ${block} or older are still being marked`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.settledWaiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  /**
   * Runs `fn` while no transaction of this relayer is on its way to the chain: new ones wait (none is
   * refused), those handed over already are mined (or failed) first. A copy of the store and of the
   * chain taken inside `fn` agree: every transaction in the chain copy has its outbox row, with its
   * hash where the kind records one, in the store copy, so a gateway started on them sends none twice.
   */
  async quiesce<T>(fn: () => Promise<T>): Promise<T> {
    while (this.gate) await this.gate;
    let open!: () => void;
    this.gate = new Promise<void>((r) => (open = r));
    try {
      if (this.submitting > 0) await new Promise<void>((r) => this.drained.push(r));
      return await fn();
    } finally {
      this.gate = undefined;
      open();
    }
  }

  /**
   * Hands the transaction to the submitter, waiting for the node however long it is away. A reorg that
   * took the transaction and gave its nonce to another one: the same call is signed again (a few times).
   */
  private async submitWithRetry(tx: TxRequest): Promise<MinedTx> {
    for (let n = 0; ; n++) {
      while (this.gate) await this.gate;
      this.submitting++;
      try {
        return await this.submitter.submit(tx);
      } catch (e) {
        const dropped = e instanceof TxDroppedError && !tx.raw;
        if (this.closed || !(isTransportError(e) || (dropped && n < 5))) throw e;
        this.stats.retries++;
        await sleep(Math.min(100 * 2 ** n, 2_000));
      } finally {
        if (--this.submitting === 0) for (const r of this.drained.splice(0)) r();
      }
    }
  }

  /**
   * Waits until `blockNumber` is indexed, however long the node is away. (Any other failure of the
   * indexer is thrown: the row stays pending and is settled by the chain's state at the next start.)
   */
  private indexed(blockNumber: number): Promise<void> {
    return this.untilReachable(() => this.waitForIndex(blockNumber));
  }

  /** `f` again and again while it fails on transport (the node is away), backing off to 2 s, until the relayer closes. */
  private async untilReachable<T>(f: () => Promise<T>): Promise<T> {
    for (let n = 0; ; n++) {
      try {
        return await f();
      } catch (e) {
        if (this.closed || !isTransportError(e)) throw e;
        this.stats.retries++;
        await sleep(Math.min(100 * 2 ** n, 2_000));
      }
    }
  }

  /** Why a transaction reverted: the same call now, decoded. */
  private async explain(tx: TxRequest, action: string): Promise<DomainError> {
    try {
      await this.rpc("eth_call", [
        { from: tx.from, to: tx.to, data: tx.data, gas: "0x" + tx.gasLimit.toString(16) },
        "latest",
      ]);
    } catch (e) {
      return rejection(revertData(e), action);
    }
    return new DomainError("CHAIN_REJECTED", `The chain refused to ${action}.`, { status: 409 });
  }

  private kind(name: string): WorkKind {
    const k = this.kinds[name];
    if (!k) throw new Error(`relayer: unknown work kind ${name}`);
    return k;
  }
}

function doneOutcome(row: OutboxRow): Outcome {
  return {
    txHash: row.tx_hash ?? "",
    blockNumber: row.block_number ?? 0,
    result: row.result === null ? undefined : JSON.parse(row.result),
  };
}

function storedError(row: OutboxRow): DomainError {
  const r = row.result ? JSON.parse(row.result) : {};
  return new DomainError(r.code ?? "CHAIN_REJECTED", r.message ?? row.last_error ?? "The chain refused this request.", {
    status: r.status ?? 409,
    details: r.details,
  });
}
