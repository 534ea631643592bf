/**
 * The embedded chain: an in-process Hardhat network (EDR), built from code (no hardhat.config.ts, no
 * Hardhat runtime environment, so it starts in ~0.2 s from any cwd), made durable by a block journal.
 *
 * Automine is off. `BlockProducer` is the only miner: it collects the transactions submitted in the
 * last few milliseconds (group commit), assigns nonces, signs, hands them to the node, mines one block
 * with an explicit timestamp (`evm_mine`), appends the block (timestamp + raw transactions) to the
 * journal with fdatasync, and only then resolves the callers. On start, `openEmbeddedChain` replays the
 * journal into a fresh network with the same genesis: same transactions, same timestamps, same block
 * hashes, same state. Anything not in the journal was never acknowledged.
 */
import fs from "node:fs";
import path from "node:path";
import { createHardhatNetworkProvider } from "hardhat/internal/hardhat-network/provider/provider";
import type { EIP1193Provider } from "hardhat/types";
import { BlockJournal, type GenesisSpec, type JournalBlock } from "./journal";
import {
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

export const EMBEDDED_CHAIN_ID = 31337;
/** Large enough that our blocks never pass the EIP-1559 target: the base fee stays 0. */
export const EMBEDDED_BLOCK_GAS_LIMIT = 1_000_000_000;
/**
 * Osaka, like Hardhat 2.29's default (EIP-7825 caps one transaction at 16,777,216 gas). A new data
 * directory may choose another with CERTLEDGER_EMBEDDED_HARDFORK; an existing one keeps its genesis's.
 */
export const EMBEDDED_HARDFORK = process.env.CERTLEDGER_EMBEDDED_HARDFORK ?? "osaka";

export interface EmbeddedChainOptions {
  dataDir: string;
  /** Genesis accounts: private key and balance. Must be the same on every start (derive them from the seed). */
  genesisAccounts: { privateKey: string; address: string; balanceWei: bigint }[];
  /** Resolves the signing key of a sender. */
  signer: (address: string) => SigningKey;
  /** Longest wait for more transactions before mining a block, ms (default 2). */
  lingerMs?: number;
  /** Most transactions in one block (default 400). */
  maxTxPerBlock?: number;
  /**
   * Called after each block is durable, with its header and every log of the block, from the receipts
   * the producer reads anyway (the indexer takes them instead of asking the node).
   */
  onBlock?: (header: BlockHeader, logs: RawLog[]) => void;
  /** Unix seconds now; tests may move time forward. */
  now?: () => number;
}

export interface BlockHeader {
  number: number;
  hash: string;
  parentHash: string;
  /** Unix seconds. */
  timestamp: number;
}

/** A log as eth_getLogs returns it (hex quantities). */
export interface RawLog {
  address: string;
  topics: string[];
  data: string;
  blockNumber: string;
  blockHash: string;
  transactionHash: string;
  logIndex: string;
}

export interface ReplayStats {
  blocks: number;
  transactions: number;
  ms: number;
}

export interface EmbeddedChain {
  provider: EIP1193Provider;
  rpc: Rpc;
  chainId: number;
  producer: BlockProducer;
  journal: BlockJournal;
  genesis: GenesisSpec;
  replay: ReplayStats;
  /**
   * Writes a consistent copy of the chain's durable files into `dir` (which must exist) and returns
   * their names, relative to `dir`: opening a chain on a directory holding them gives the chain as it
   * was at one block boundary, every block acknowledged before the call included. The producer is held
   * between blocks while the files are copied; transactions submitted meanwhile wait, none is refused.
   */
  backupTo(dir: string): Promise<string[]>;
  close(): Promise<void>;
}

export async function createEdrProvider(genesis: GenesisSpec, privateKeys: string[]): Promise<EIP1193Provider> {
  return createHardhatNetworkProvider(
    {
      hardfork: genesis.hardfork,
      chainId: genesis.chainId,
      networkId: genesis.chainId,
      blockGasLimit: genesis.blockGasLimit,
      minGasPrice: 0n,
      automine: false,
      intervalMining: 0,
      mempoolOrder: "fifo",
      chains: new Map(),
      genesisAccounts: genesis.accounts.map((a, i) => ({ privateKey: privateKeys[i], balance: BigInt(a.balanceWei) })),
      allowUnlimitedContractSize: false,
      throwOnTransactionFailures: false,
      throwOnCallFailures: true,
      allowBlocksWithSameTimestamp: true,
      initialBaseFeePerGas: 0,
      initialDate: new Date(genesis.initialTimestamp * 1000),
      enableTransientStorage: false,
      enableRip7212: false,
    },
    { enabled: false },
  );
}

export async function openEmbeddedChain(opts: EmbeddedChainOptions): Promise<EmbeddedChain> {
  const journal = new BlockJournal(opts.dataDir);
  const now = opts.now ?? (() => Math.floor(Date.now() / 1000));
  let genesis = journal.readGenesis();
  if (!genesis) {
    genesis = {
      chainId: EMBEDDED_CHAIN_ID,
      initialTimestamp: now() - 1,
      accounts: opts.genesisAccounts.map((a) => ({
        address: a.address.toLowerCase(),
        balanceWei: a.balanceWei.toString(),
      })),
      hardfork: EMBEDDED_HARDFORK,
      blockGasLimit: EMBEDDED_BLOCK_GAS_LIMIT,
    };
    journal.writeGenesis(genesis);
  }
  const keys = genesis.accounts.map((a) => {
    const k = opts.genesisAccounts.find((g) => g.address.toLowerCase() === a.address);
    if (!k)
      throw new Error(
        `the keyring seed does not derive genesis account ${a.address}: wrong seed for this data directory?`,
      );
    return k.privateKey;
  });
  const provider = await createEdrProvider(genesis, keys);
  const rpc: Rpc = (method, params = []) => provider.request({ method, params });

  const t0 = Date.now();
  const blocks = journal.readAll();
  let txCount = 0;
  for (const b of blocks) {
    await replayBlock(rpc, b);
    txCount += b.txs.length;
  }
  const replay = { blocks: blocks.length, transactions: txCount, ms: Date.now() - t0 };
  journal.open();
  const lastTs = blocks.length > 0 ? blocks[blocks.length - 1].ts : genesis.initialTimestamp;
  const producer = new BlockProducer(rpc, genesis.chainId, journal, opts.signer, {
    lingerMs: opts.lingerMs ?? 2,
    maxTxPerBlock: opts.maxTxPerBlock ?? 400,
    onBlock: opts.onBlock,
    now,
    lastTimestamp: lastTs,
    lastBlock: blocks.length > 0 ? blocks[blocks.length - 1].n : 0,
  });
  return {
    provider,
    rpc,
    chainId: genesis.chainId,
    producer,
    journal,
    genesis,
    replay,
    backupTo: (dir) =>
      producer.hold(async () => {
        await journal.idle();
        const names: string[] = [];
        for (const file of [journal.genesisFile, journal.file]) {
          if (!fs.existsSync(file)) continue;
          await fs.promises.copyFile(file, path.join(dir, path.basename(file)));
          names.push(path.basename(file));
        }
        return names;
      }),
    async close() {
      await producer.close();
      await journal.close();
    },
  };
}

async function replayBlock(rpc: Rpc, b: JournalBlock): Promise<void> {
  for (const raw of b.txs) await rpc("eth_sendRawTransaction", [raw]);
  await rpc("evm_mine", [b.ts]);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const block = (await rpc("eth_getBlockByNumber", ["latest", false])) as any;
  const n = Number(BigInt(block.number));
  if (n !== b.n || block.transactions.length !== b.txs.length || (b.h !== undefined && block.hash !== b.h)) {
    throw new Error(
      `chain journal replay diverged at block ${b.n} (got block ${n} with ${block.transactions.length} transactions, hash ${block.hash}); ` +
        `the journal or the genesis does not match this network`,
    );
  }
}

/**
 * The embedded chain's only miner (see the file comment). One flush at a time; callers wait at most
 * `lingerMs` plus one block's work.
 */
export class BlockProducer implements TxSubmitter {
  private queue: PendingTx[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  /** Settles when a `hold` ends; no block is produced while it is set. */
  private held: Promise<void> | undefined;
  private closed = false;
  private readonly nonces: NonceManager;
  private lastTimestamp: number;
  private durable: number;
  /** Sent to the node but not yet in a block (kept with their raw bytes for the journal). */
  private readonly inPool = new Map<string, { raw: string; p: PendingTx }>();
  readonly fees: FeeFields = { maxFeePerGas: 1_000_000_000n, maxPriorityFeePerGas: 0n };
  /** Blocks and transactions produced since start. */
  readonly stats = { blocks: 0, transactions: 0, sendMs: 0, mineMs: 0, journalMs: 0 };

  constructor(
    private readonly rpc: Rpc,
    private readonly chainId: number,
    private readonly journal: BlockJournal,
    private readonly signer: (address: string) => SigningKey,
    private readonly opts: {
      lingerMs: number;
      maxTxPerBlock: number;
      onBlock?: (header: BlockHeader, logs: RawLog[]) => void;
      now: () => number;
      lastTimestamp: number;
      /** The last block the journal holds (0: genesis only). */
      lastBlock: number;
    },
  ) {
    this.nonces = new NonceManager(rpc);
    this.lastTimestamp = opts.lastTimestamp;
    this.durable = opts.lastBlock;
  }

  /**
   * The last block the journal holds. The node may be one block ahead (mined, fdatasync under way) and
   * holds the next block's transactions in its pool: neither was acknowledged, so readers outside the
   * gateway see the chain up to here only.
   */
  get durableBlock(): number {
    return this.durable;
  }

  submit(req: TxRequest): Promise<MinedTx> {
    if (this.closed) return Promise.reject(new Error("the block producer is closed"));
    return new Promise<MinedTx>((resolve, reject) => {
      this.queue.push({ req, resolve, reject });
      this.schedule();
    });
  }

  submitAll(reqs: TxRequest[]): Promise<MinedTx>[] {
    return reqs.map((r) => this.submit(r));
  }

  /** Forgets every nonce counter (after the chain was reverted under the producer, e.g. evm_revert in tests). */
  resetNonces(): void {
    this.nonces.resetAll();
  }

  /**
   * Runs `fn` between two blocks: after the block being produced (if any) is done, before the next one
   * starts. Submissions made meanwhile queue up and go into the next block once `fn` settles.
   */
  async hold<T>(fn: () => Promise<T>): Promise<T> {
    while (this.held) await this.held;
    let release!: () => void;
    this.held = new Promise<void>((r) => (release = r));
    try {
      while (this.flushing) await this.flushing;
      return await fn();
    } finally {
      this.held = undefined;
      release();
      if (this.queue.length > 0 && !this.closed) this.schedule();
    }
  }

  /** Mines an empty block now (moves chain time forward), journaled like any other. */
  async mineEmpty(timestamp?: number): Promise<number> {
    while (this.held) await this.held;
    await this.flushing;
    const { n, durable } = await this.produce([], timestamp);
    await durable;
    return n;
  }

  private schedule(): void {
    if (this.timer || this.flushing || this.held) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.held) return; // the hold reschedules when it ends
      this.flushing = this.flushLoop().finally(() => {
        this.flushing = undefined;
        if (this.queue.length > 0 && !this.closed) this.schedule();
      });
    }, this.opts.lingerMs);
  }

  private async flushLoop(): Promise<void> {
    // A hold stops the loop between two blocks.
    while (this.queue.length > 0 && !this.held) {
      const batch = this.queue.splice(0, this.opts.maxTxPerBlock);
      try {
        // Not waiting for the block's fdatasync: the next block is sent and mined while the disk
        // works. Its callers are answered when it is durable, in block order (src/chain/journal.ts).
        await this.produce(batch);
      } catch (e) {
        // The node failed: nothing of this block is acknowledged.
        for (const p of batch) p.reject(e);
        for (const [h, v] of this.inPool) if (batch.includes(v.p)) this.inPool.delete(h);
      }
    }
  }

  /** Sends and mines one block; `durable` settles its callers once the journal holds it. */
  private async produce(batch: PendingTx[], timestamp?: number): Promise<{ n: number; durable: Promise<void> }> {
    const t0 = performance.now();
    // Sign the whole block first, record every hash (beforeSend: one group commit for all of them),
    // then hand the transactions to the node in nonce order. A transaction that cannot be signed or
    // recorded is refused alone; one the node refuses leaves a nonce gap, so its sender's later
    // transactions in this block are refused too and its nonce is read again from the node.
    const signed: { p: PendingTx; raw: string; hash: string }[] = [];
    for (const p of batch) {
      const from = p.req.from;
      try {
        const own = presigned(p.req);
        if (own) {
          signed.push({ p, ...own });
          continue;
        }
        const nonce = await this.nonces.peek(from);
        const { raw, hash } = signTx(p.req, nonce, this.chainId, this.fees, this.signer(from));
        this.nonces.advance(from);
        signed.push({ p, raw, hash });
      } catch (e) {
        p.reject(e);
      }
    }
    const recorded = await Promise.all(
      signed.map((t) =>
        t.p.req.beforeSend
          ? t.p.req.beforeSend(t.hash).then(
              () => undefined,
              (e: unknown) => e ?? new Error("beforeSend failed"),
            )
          : undefined,
      ),
    );
    const broken = new Set<string>();
    for (let i = 0; i < signed.length; i++) {
      const { p, raw, hash } = signed[i];
      const from = p.req.from.toLowerCase();
      try {
        if (broken.has(from)) throw new Error(`an earlier transaction of ${from} in this block was refused`);
        if (recorded[i] !== undefined) throw recorded[i];
        await this.rpc("eth_sendRawTransaction", [raw]);
        this.inPool.set(hash, { raw, p });
      } catch (e) {
        broken.add(from);
        p.reject(e);
      }
    }
    for (const from of broken) this.nonces.reset(from);
    const ts = Math.max(this.lastTimestamp, timestamp ?? this.opts.now());
    const t1 = performance.now();
    await this.rpc("evm_mine", [ts]);
    this.lastTimestamp = ts;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const block = (await this.rpc("eth_getBlockByNumber", ["latest", false])) as any;
    const n = Number(BigInt(block.number));
    const hashes: string[] = block.transactions;
    const included = hashes.map((h) => {
      const e = this.inPool.get(h);
      if (!e) throw new Error(`block ${n} holds transaction ${h} that the producer did not send`);
      return { h, ...e };
    });
    const receipts = await Promise.all(included.map((i) => this.rpc("eth_getTransactionReceipt", [i.h])));
    for (const i of included) this.inPool.delete(i.h);
    const t2 = performance.now();
    this.stats.sendMs += t1 - t0;
    this.stats.mineMs += t2 - t1;
    this.stats.blocks++;
    this.stats.transactions += included.length;
    const header: BlockHeader = {
      number: n,
      hash: block.hash,
      parentHash: block.parentHash,
      timestamp: Number(BigInt(block.timestamp)),
    };
    const durable = this.journal.append({ n, ts, txs: included.map((i) => i.raw), h: block.hash }).then(
      () => {
        this.stats.journalMs += performance.now() - t2;
        this.durable = Math.max(this.durable, n);
        included.forEach((i, k) => i.p.resolve(toMinedTx(receipts[k])));
        this.opts.onBlock?.(
          header,
          receipts.flatMap((r) => (r as { logs?: RawLog[] }).logs ?? []),
        );
      },
      (e: unknown) => {
        // Mined but not durable: never acknowledged (a restart replays the journal without it).
        for (const i of included) i.p.reject(e);
        throw e;
      },
    );
    durable.catch(() => undefined);
    return { n, durable };
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.queue.length > 0 && !this.flushing) this.flushing = this.flushLoop();
    await this.flushing;
  }
}
