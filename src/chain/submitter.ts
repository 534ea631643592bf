/**
 * What the relayer hands transactions to, and what it gets back. Two implementations:
 * `BlockProducer` (the embedded chain: mines and journals blocks itself) and `RpcSubmitter` (any
 * JSON-RPC node: sends, then waits for confirmations). Both sign with the keyring and keep one nonce
 * counter per sender, assigning nonces only inside their single flush loop, so concurrent callers never
 * collide and the node always receives a sender's transactions in nonce order.
 */
import { Transaction, type SigningKey } from "ethers";
import { signTransaction } from "./txEncoding";

export type HexString = `0x${string}`;

export interface TxRequest {
  from: string;
  /** null deploys a contract. */
  to: string | null;
  data: string;
  gasLimit: bigint;
  value?: bigint;
  /**
   * Called with the transaction hash after signing and before the node sees it: lets the relayer record
   * the hash of work that is not idempotent on chain (checks) durably first.
   */
  beforeSend?: (hash: string) => Promise<void>;
  /**
   * A transaction its sender signed itself (the authority under external custody): sent as it is, with
   * its own nonce; the submitter neither signs nor counts it. from/to/data describe it for explanations.
   */
  raw?: string;
}

/** A pre-signed request's bytes and hash (undefined for a request the submitter signs). */
export function presigned(req: TxRequest): { raw: string; hash: string } | undefined {
  return req.raw ? { raw: req.raw, hash: Transaction.from(req.raw).hash! } : undefined;
}

export interface MinedLog {
  address: string;
  topics: string[];
  data: string;
  logIndex: number;
  blockNumber: number;
  blockHash: string;
  transactionHash: string;
}

export interface MinedTx {
  hash: string;
  blockNumber: number;
  blockHash: string;
  /** 1 success, 0 reverted. */
  status: number;
  gasUsed: bigint;
  contractAddress: string | null;
  logs: MinedLog[];
}

export interface TxSubmitter {
  /** Resolves once the transaction is mined, durable and confirmed (reverted ones resolve with status 0). */
  submit(req: TxRequest): Promise<MinedTx>;
  /** Submits several at once, kept in order (same sender: consecutive nonces in one block when possible). */
  submitAll(reqs: TxRequest[]): Promise<MinedTx>[];
  /**
   * After a reorg: resolves once the transaction is on the canonical chain again with its confirmations
   * (sent again if needed); throws when it can never land. Absent where the chain never reorgs.
   */
  recheck?(hash: string): Promise<MinedTx>;
  /**
   * While a block is being made (or is about to be), registers `take`, called once just before the
   * submitter takes the next block's transactions: work that waits to be grouped can then join that
   * block as one transaction instead of several sent while the block was made. False when no block is
   * under way (the caller sends now; `take` is never called). Absent: the caller never waits.
   */
  whenTaking?(take: () => void): boolean;
  close(): Promise<void>;
}

/** A request waiting in a submitter's queue, with the promise its caller holds. */
export interface PendingTx {
  req: TxRequest;
  resolve: (tx: MinedTx) => void;
  reject: (e: unknown) => void;
}

export type Rpc = (method: string, params?: unknown[]) => Promise<unknown>;

/** One call's answer in a batch: its result, or the node's refusal of that call alone. */
export type BatchAnswer = { result: unknown; error?: undefined } | { error: Error };

/** An Rpc that can also send several calls as one JSON-RPC batch, answered in the calls' order. */
export type BatchingRpc = Rpc & { batch(calls: { method: string; params?: unknown[] }[]): Promise<BatchAnswer[]> };

export type FeeFields = { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint } | { gasPrice: bigint };

/** One counter per sender, initialised from the node's pending count the first time it is needed. */
export class NonceManager {
  private readonly next = new Map<string, number>();
  constructor(private readonly rpc: Rpc) {}

  async peek(address: string): Promise<number> {
    const a = address.toLowerCase();
    let n = this.next.get(a);
    if (n === undefined) {
      n = Number(BigInt((await this.rpc("eth_getTransactionCount", [a, "pending"])) as string));
      if (!this.next.has(a)) this.next.set(a, n);
      n = this.next.get(a)!;
    }
    return n;
  }

  advance(address: string): void {
    const a = address.toLowerCase();
    this.next.set(a, (this.next.get(a) ?? 0) + 1);
  }

  resetAll(): void {
    this.next.clear();
  }

  /** Forget the counter (after the node refused a nonce): the next use re-reads it from the node. */
  reset(address: string): void {
    this.next.delete(address.toLowerCase());
  }
}

export function signTx(
  req: TxRequest,
  nonce: number,
  chainId: number,
  fees: FeeFields,
  key: SigningKey,
): { raw: string; hash: string } {
  return signTransaction(
    { chainId, nonce, to: req.to, data: req.data, value: req.value ?? 0n, gasLimit: req.gasLimit, fees },
    key,
  );
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function toMinedTx(r: any): MinedTx {
  return {
    hash: r.transactionHash,
    blockNumber: Number(BigInt(r.blockNumber)),
    blockHash: r.blockHash,
    status: Number(BigInt(r.status ?? "0x1")),
    gasUsed: BigInt(r.gasUsed),
    contractAddress: r.contractAddress ?? null,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    logs: (r.logs ?? []).map((l: any) => ({
      address: String(l.address).toLowerCase(),
      topics: l.topics,
      data: l.data,
      logIndex: Number(BigInt(l.logIndex)),
      blockNumber: Number(BigInt(l.blockNumber)),
      blockHash: l.blockHash,
      transactionHash: l.transactionHash,
    })),
  };
}

/** True when an RPC error is about transport (worth retrying the same request), not a refusal. */
export function isTransportError(e: unknown): boolean {
  const err = e as { code?: unknown; message?: string; cause?: unknown };
  const code = String(err?.code ?? "");
  if (
    [
      "ECONNREFUSED",
      "ECONNRESET",
      "ETIMEDOUT",
      "EPIPE",
      "UND_ERR_SOCKET",
      "TIMEOUT",
      "NETWORK_ERROR",
      "SERVER_ERROR",
    ].includes(code)
  )
    return true;
  const msg = String(err?.message ?? "");
  return /ECONNREFUSED|ECONNRESET|socket hang up|fetch failed|timeout|network|502|503|504/i.test(msg);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
