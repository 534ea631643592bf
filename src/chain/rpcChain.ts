/**
 * An external chain: any EVM JSON-RPC node (a `hardhat node`, anvil, Besu...). `RpcSubmitter` signs with
 * the keyring in nonce order per sender (one flush loop), re-sends the same raw transaction when the node
 * cannot be reached (retries with backoff for as long as the node is away, until the submitter closes:
 * the hash makes it idempotent, and a new signature would be a second transaction), and resolves once
 * the receipt has `confirmations` blocks on top.
 *
 * Reorgs: a receipt seen and then gone (its block left the canonical chain) makes the submitter hand the
 * node the same signed bytes again at once; the same nonce means the transaction lands once or not at
 * all. When that nonce went to another transaction meanwhile, the transaction is lost for good
 * (`TxDroppedError`) and its sender may sign the work again. Acknowledged transactions keep their bytes
 * for a while so that `recheck` can do the same after the indexer saw a reorg under them.
 */
import {
  sleep,
  isTransportError,
  NonceManager,
  presigned,
  signTx,
  toMinedTx,
  type FeeFields,
  type MinedTx,
  type PendingTx,
  type Rpc,
  type TxRequest,
  type TxSubmitter,
} from "./submitter";
import type { SigningKey } from "ethers";

/** Same bytes the node has already (hardhat: "already known"/"known transaction"; anvil: "already imported"). */
const ALREADY_KNOWN = /already known|known transaction|already imported/i;
const NONCE_TAKEN = /nonce too low|nonce has already been used|invalid nonce/i;
/**
 * Another transaction of this sender with the same nonce waits in the node's pool (geth, anvil, hardhat,
 * Besu: "replacement transaction underpriced"): another replica got there first, not yet mined.
 */
const NONCE_PENDING = /replacement transaction underpriced|replacement_underpriced/i;
/**
 * How often one transaction is signed again after another sender's transaction took its nonce. Replicas
 * sharing a key take turns, so a loser may lose several times in a row; each attempt waits a little
 * longer, at random, so that they stop colliding.
 */
const MAX_RESIGNS = 24;

/**
 * A `hardhat node` answers eth_sendRawTransaction with an error when the transaction it just mined
 * reverted (its `data.txHash` names it); anvil returns the hash and leaves status 0 in the receipt. Either
 * way the transaction is on chain and its nonce used: the receipt says the rest.
 */
function minedAnyway(e: unknown, hash: string): boolean {
  const txHash = (e as { data?: { txHash?: unknown } })?.data?.txHash;
  return typeof txHash === "string" && txHash.toLowerCase() === hash.toLowerCase();
}

/** A transaction that left the chain in a reorg and whose nonce another transaction took: it will never land. */
export class TxDroppedError extends Error {
  readonly code = "TX_DROPPED";
  constructor(readonly hash: string) {
    super(`transaction ${hash} left the chain in a reorg and its nonce was used by another one`);
  }
}

let rpcId = 0;

/** A small JSON-RPC client over fetch (keep-alive): transport failures carry code NETWORK_ERROR. */
export function httpRpc(url: string, timeoutMs = 30_000): Rpc {
  return async (method, params = []) => {
    let res: Response;
    try {
      res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: ++rpcId, method, params }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (e) {
      throw Object.assign(new Error(`${method}: ${(e as Error).message}`), { code: "NETWORK_ERROR", cause: e });
    }
    if (!res.ok)
      throw Object.assign(new Error(`${method}: HTTP ${res.status}`), {
        code: res.status >= 500 ? "SERVER_ERROR" : "BAD_RESPONSE",
      });
    const body = (await res.json()) as { result?: unknown; error?: { code: number; message: string; data?: unknown } };
    if (body.error)
      throw Object.assign(new Error(body.error.message), { code: body.error.code, data: body.error.data });
    return body.result;
  };
}

export interface RpcSubmitterOptions {
  confirmations: number;
  pollMs?: number;
  /** One gas price for every transaction (type 0), e.g. 0 on a zero-gas-price network; default the node's fees. */
  gasPriceWei?: bigint;
  /** Re-sends a transaction still without a receipt after this long, ms (default 30,000). */
  rebroadcastMs?: number;
  /** Signed bytes kept for `recheck` after acknowledgement, most recent first (default 4,096). */
  keepSent?: number;
}

export class RpcSubmitter implements TxSubmitter {
  private queue: PendingTx[] = [];
  private flushing: Promise<void> | undefined;
  private readonly nonces: NonceManager;
  private fees: { at: number; value: FeeFields } | undefined;
  private closed = false;
  /** Signed bytes by hash, for transactions a reorg may still take away. */
  private readonly sent = new Map<string, string>();

  constructor(
    private readonly rpc: Rpc,
    private readonly chainId: number,
    private readonly signer: (address: string) => SigningKey,
    private readonly opts: RpcSubmitterOptions,
  ) {
    this.nonces = new NonceManager(rpc);
  }

  submit(req: TxRequest): Promise<MinedTx> {
    if (this.closed) return Promise.reject(new Error("the submitter is closed"));
    return new Promise((resolve, reject) => {
      this.queue.push({ req, resolve, reject });
      this.startFlush();
    });
  }

  submitAll(reqs: TxRequest[]): Promise<MinedTx>[] {
    return reqs.map((r) => this.submit(r));
  }

  /**
   * Runs the flush loop unless it runs. A request queued after the loop saw the queue empty but before it
   * ended (a retry's continuation in the same microtask turn) starts it again, rather than waiting for a
   * next request that may never come (seen after a node outage: one issue stranded in the queue).
   */
  private startFlush(): void {
    if (this.flushing) return;
    this.flushing = this.flush().finally(() => {
      this.flushing = undefined;
      if (this.queue.length > 0 && !this.closed) this.startFlush();
    });
  }

  private async flush(): Promise<void> {
    while (this.queue.length > 0) {
      const p = this.queue.shift()!;
      try {
        const { hash, raw } = await this.sendInOrder(p.req);
        void this.watch(hash, raw).then(p.resolve, p.reject);
      } catch (e) {
        p.reject(e);
      }
    }
  }

  private async sendInOrder(req: TxRequest): Promise<{ hash: string; raw: string }> {
    const from = req.from;
    const own = presigned(req);
    if (own) {
      const { raw, hash } = own;
      if (req.beforeSend) await req.beforeSend(hash);
      await this.withRetry(() => this.rpc("eth_sendRawTransaction", [raw])).catch((e: unknown) => {
        if (!ALREADY_KNOWN.test(String((e as Error).message)) && !minedAnyway(e, hash)) throw e;
      });
      return { hash, raw };
    }
    const fees = await this.currentFees();
    for (let resigned = 0; ; resigned++) {
      const nonce = await this.withRetry(() => this.nonces.peek(from));
      const { raw, hash } = signTx(req, nonce, this.chainId, fees, this.signer(from));
      if (req.beforeSend) await req.beforeSend(hash);
      try {
        await this.withRetry(() => this.rpc("eth_sendRawTransaction", [raw]));
        this.nonces.advance(from);
        return { hash, raw };
      } catch (e) {
        const msg = String((e as Error).message);
        if (ALREADY_KNOWN.test(msg) || minedAnyway(e, hash)) {
          this.nonces.advance(from);
          return { hash, raw };
        }
        // The node took these very bytes before an answer was lost (it went away mid-request), and has
        // mined them since: that is this transaction, not someone else's nonce.
        if (NONCE_TAKEN.test(msg) && (await this.receiptOf(hash))) {
          this.nonces.advance(from);
          return { hash, raw };
        }
        this.nonces.reset(from);
        // Someone else used this sender's nonce, or holds it in the pool (another replica, a manual send):
        // re-read the node's pending count and sign again.
        if ((NONCE_TAKEN.test(msg) || NONCE_PENDING.test(msg)) && resigned < MAX_RESIGNS) {
          await sleep(Math.random() * 5 * Math.min(resigned + 1, 10));
          continue;
        }
        throw e;
      }
    }
  }

  private receiptOf(hash: string): Promise<unknown> {
    return this.withRetry(() => this.rpc("eth_getTransactionReceipt", [hash]));
  }

  private async watch(hash: string, raw: string): Promise<MinedTx> {
    this.remember(hash, raw);
    const poll = this.opts.pollMs ?? 250;
    let lastBroadcast = Date.now();
    let seen = false;
    for (;;) {
      let away = false;
      const r = await this.withRetry(
        () => this.rpc("eth_getTransactionReceipt", [hash]),
        () => (away = true),
      );
      // A node that was away may have restarted without its pending transactions: hand them over again.
      if (away && !r) lastBroadcast = 0;
      if (r) {
        seen = true;
        const mined = toMinedTx(r);
        if (this.opts.confirmations <= 0) return mined;
        const head = Number(BigInt((await this.withRetry(() => this.rpc("eth_blockNumber"))) as string));
        if (head - mined.blockNumber >= this.opts.confirmations) {
          // Still the same block after waiting? (A reorg may have moved or dropped it.)
          const again = await this.withRetry(() => this.rpc("eth_getTransactionReceipt", [hash]));
          if (again && toMinedTx(again).blockHash === mined.blockHash) return mined;
        }
      }
      if (this.closed) throw new Error("the submitter closed while waiting for a receipt");
      // A node may drop a pending transaction (restart, eviction), a reorg may drop a mined one: hand it
      // the same bytes again (at once after a reorg).
      // A node that does not know the hash at all (a reorg took it before its receipt was seen here).
      const gone = !r && (seen || !(await this.rpc("eth_getTransactionByHash", [hash]).catch(() => true)));
      if (gone || Date.now() - lastBroadcast > (this.opts.rebroadcastMs ?? 30_000)) {
        lastBroadcast = Date.now();
        seen = false;
        await this.rebroadcast(hash, raw);
      }
      await sleep(poll);
    }
  }

  /** Sends the same bytes again; throws TxDroppedError when their nonce went to another transaction. */
  private async rebroadcast(hash: string, raw: string): Promise<void> {
    try {
      await this.rpc("eth_sendRawTransaction", [raw]);
    } catch (e) {
      if (!NONCE_TAKEN.test(String((e as Error).message))) return;
      // Mined meanwhile (its receipt is back), or its nonce is someone else's now.
      if (await this.rpc("eth_getTransactionReceipt", [hash]).catch(() => undefined)) return;
      throw new TxDroppedError(hash);
    }
  }

  /**
   * Makes sure an acknowledged transaction is still on the canonical chain: when its receipt is gone
   * (a reorg), sends its bytes again and resolves once it has its confirmations again. Throws
   * TxDroppedError when it can never land (its nonce was used by another transaction, or its bytes
   * are no longer known here).
   */
  async recheck(hash: string): Promise<MinedTx> {
    const raw = this.sent.get(hash.toLowerCase());
    const r = await this.withRetry(() => this.rpc("eth_getTransactionReceipt", [hash]));
    if (!raw) {
      if (r) return toMinedTx(r);
      throw new TxDroppedError(hash);
    }
    if (!r) await this.rebroadcast(hash, raw);
    return this.watch(hash, raw);
  }

  private remember(hash: string, raw: string): void {
    const h = hash.toLowerCase();
    this.sent.delete(h);
    this.sent.set(h, raw);
    if (this.sent.size > (this.opts.keepSent ?? 4096)) this.sent.delete(this.sent.keys().next().value as string);
  }

  /** `f` until it gets through (backing off to 2 s while the node is away), or the submitter closes. */
  private async withRetry<T>(f: () => Promise<T>, onAway?: () => void): Promise<T> {
    for (let n = 0; ; n++) {
      try {
        return await f();
      } catch (e) {
        if (this.closed || !isTransportError(e)) throw e;
        onAway?.();
        await sleep(Math.min(100 * 2 ** n, 2_000));
      }
    }
  }

  private async currentFees(): Promise<FeeFields> {
    if (this.opts.gasPriceWei !== undefined) return { gasPrice: this.opts.gasPriceWei };
    if (this.fees && Date.now() - this.fees.at < 5_000) return this.fees.value;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const block = (await this.withRetry(() => this.rpc("eth_getBlockByNumber", ["latest", false]))) as any;
    let value: FeeFields;
    if (block?.baseFeePerGas !== undefined) {
      let prio = 1_000_000_000n;
      try {
        prio = BigInt((await this.rpc("eth_maxPriorityFeePerGas")) as string);
      } catch {
        // not every node answers it
      }
      value = { maxFeePerGas: BigInt(block.baseFeePerGas) * 2n + prio, maxPriorityFeePerGas: prio };
    } else {
      value = { gasPrice: BigInt((await this.withRetry(() => this.rpc("eth_gasPrice"))) as string) };
    }
    this.fees = { at: Date.now(), value };
    return value;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.flushing;
  }
}
