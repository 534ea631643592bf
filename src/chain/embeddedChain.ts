/**
 * The embedded chain: an EVM that only this gateway mines, made durable by a block journal. Two
 * engines (docs/decisions/0017, 0023): anvil in a child process (src/chain/embeddedAnvil.ts, the default
 * for a new data directory), which checkpoints its state into a file it is forked from
 * (src/chain/chainState.ts), so a restart, memory and each block's cost do not grow with history
 * (docs/decisions/0028); or Hardhat's EDR in this process, built from code (no hardhat.config.ts, no Hardhat runtime
 * environment), which keeps its whole history in memory and replays the whole journal on start.
 * The genesis file records the engine, so a data directory keeps the one that made it.
 *
 * Automine is off. `BlockProducer` is the only miner: it collects the transactions submitted in the
 * last few milliseconds (group commit), assigns nonces, signs, hands them to the node, mines one block
 * with an explicit timestamp (`evm_mine`), appends the block (timestamp + raw transactions) to the
 * journal with fdatasync, and only then resolves the callers. On start, `openEmbeddedChain` forks the
 * node from the checkpointed state (anvil) and replays the journal past it into the node: same transactions, same
 * timestamps, same block hashes (checked), same state. Anything not in the journal was never acknowledged.
 *
 * Checkpoints (anvil) are taken between blocks, the producer paused: every `checkpointBlocks` blocks,
 * `checkpointTransactions` transactions, `replayMs` of making blocks or `checkpointSeconds` seconds with
 * something new, sooner when no block came for `idleMs` (see CheckpointPolicy), and on a clean close.
 * The index must have applied the head first (`beforeCheckpoint`): a restart cannot give the indexer
 * the logs of blocks older than the checkpoint.
 */
import fs from "node:fs";
import path from "node:path";
import type { EIP1193Provider } from "hardhat/types";
import {
  CHECKPOINT_FILE,
  checkpointFile,
  startAnvilEngine,
  type CheckpointHead,
  type CheckpointPhase,
} from "./embeddedAnvil";
import { CHAIN_STATE_FILE, chainStateFile } from "./chainState";
import { BlockJournal, type GenesisSpec, type JournalBlock } from "./journal";
import {
  NonceManager,
  presigned,
  signTx,
  toMinedTx,
  type FeeFields,
  type MinedTx,
  type BatchAnswer,
  type BatchingRpc,
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

export const EMBEDDED_ENGINES = ["anvil", "edr"] as const;
export type EmbeddedEngine = (typeof EMBEDDED_ENGINES)[number];

/** Reads a setting of the embedded chain from the environment: a whole number ≥ min, or the default. */
function envInt(name: string, fallback: number, min: number): number {
  const v = process.env[name];
  if (v === undefined || v === "") return fallback;
  if (!/^\d+$/.test(v) || Number(v) < min) throw new Error(`${name} must be a whole number ≥ ${min}, not "${v}"`);
  return Number(v);
}

/**
 * The engine of a NEW data directory (CERTLEDGER_EMBEDDED_ENGINE, default anvil: the one whose restart
 * and memory do not grow with history, docs/decisions/0023). A data directory made earlier keeps the
 * engine its genesis names (none named: edr).
 */
export function embeddedEngineForNewDataDir(): EmbeddedEngine {
  const v = process.env.CERTLEDGER_EMBEDDED_ENGINE ?? "anvil";
  if (!(EMBEDDED_ENGINES as readonly string[]).includes(v))
    throw new Error(`CERTLEDGER_EMBEDDED_ENGINE must be one of ${EMBEDDED_ENGINES.join(", ")}, not "${v}"`);
  return v as EmbeddedEngine;
}

/** When the anvil engine takes a checkpoint, and how much history it keeps readable. */
export interface CheckpointPolicy {
  /** After this many blocks since the last checkpoint (CERTLEDGER_CHECKPOINT_BLOCKS, default 1,000). */
  blocks: number;
  /** After this many transactions (CERTLEDGER_CHECKPOINT_TRANSACTIONS, default 4,000). */
  transactions: number;
  /** After this many seconds with at least one new block (CERTLEDGER_CHECKPOINT_SECONDS, default 300). */
  seconds: number;
  /**
   * After the blocks since the last checkpoint took this long to make (CERTLEDGER_CHECKPOINT_REPLAY_MS,
   * default 1,000): sending their transactions to the node and mining them, which is what a replay after
   * a kill repeats. anvil's cost per block grows with the state (it computes the state root afresh:
   * ~43 ms per empty block at 30,000 certificates, measured). Counting the mining alone let full blocks
   * replay in 2.3 times the counted time (sending 400 transactions one by one), measured at 100,000.
   */
  replayMs: number;
  /**
   * After this long with no block made (CERTLEDGER_CHECKPOINT_IDLE_MS, default 500; 0: never), once the
   * blocks since the last checkpoint took `idleReplayMs` to make: a checkpoint holds the block producer,
   * so one taken while nothing is being made keeps that pause away from the next burst.
   */
  idleMs: number;
  /** See `idleMs` (CERTLEDGER_CHECKPOINT_IDLE_REPLAY_MS, default a quarter of `replayMs`). */
  idleReplayMs: number;
  /**
   * Blocks whose transactions, receipts and logs stay readable (CERTLEDGER_CHAIN_KEEP_BLOCKS, default
   * `blocks` + 128).
   */
  keepBlocks: number;
  /** The anvil process is replaced from a checkpoint once it holds this many blocks (default 4,096). */
  recycleBlocks: number;
  /**
   * ... or this many transactions (CERTLEDGER_CHAIN_RECYCLE_TRANSACTIONS, default 1: at every checkpoint
   * after a transaction). anvil keeps each kept block's transactions with their receipts and traces
   * (~5 kB each) and puts them all in its dump, so a checkpoint of a node that holds many costs more
   * (measured: 0.4 s of dump for 4,000, 1.2 s for 12,000); a fresh fork starts in ~0.15 s.
   */
  recycleTransactions: number;
}

export function checkpointPolicyFromEnv(): CheckpointPolicy {
  const blocks = envInt("CERTLEDGER_CHECKPOINT_BLOCKS", 1000, 1);
  const replayMs = envInt("CERTLEDGER_CHECKPOINT_REPLAY_MS", 1000, 1);
  return {
    blocks,
    transactions: envInt("CERTLEDGER_CHECKPOINT_TRANSACTIONS", 4000, 1),
    seconds: envInt("CERTLEDGER_CHECKPOINT_SECONDS", 300, 1),
    replayMs,
    idleMs: envInt("CERTLEDGER_CHECKPOINT_IDLE_MS", 500, 0),
    idleReplayMs: envInt("CERTLEDGER_CHECKPOINT_IDLE_REPLAY_MS", Math.ceil(replayMs / 4), 1),
    // More than one checkpoint interval: after a crash, the blocks replayed from the journal still
    // have their logs when the index catches up with them.
    keepBlocks: envInt("CERTLEDGER_CHAIN_KEEP_BLOCKS", blocks + 128, 1),
    recycleBlocks: envInt("CERTLEDGER_CHAIN_RECYCLE_BLOCKS", 4096, 1),
    recycleTransactions: envInt("CERTLEDGER_CHAIN_RECYCLE_TRANSACTIONS", 1, 1),
  };
}

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
  /** Engine of a new data directory (default: embeddedEngineForNewDataDir()). An existing one keeps its own. */
  engine?: EmbeddedEngine;
  /** Checkpoint policy (anvil engine; default checkpointPolicyFromEnv()). */
  checkpoints?: Partial<CheckpointPolicy>;
  /**
   * Resolves once everything that follows the chain has applied block `head` (the indexer): a
   * checkpoint waits for it. Rejecting skips this checkpoint.
   */
  beforeCheckpoint?: (head: number) => Promise<void>;
  /** Tests: called at each step of writing a checkpoint (a test pauses there and kills the process). */
  checkpointHook?: (phase: CheckpointPhase) => Promise<void>;
  log?: (msg: string, fields?: Record<string, unknown>, level?: "info" | "warn") => void;
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
  /** The checkpoint the node started from (0: genesis). */
  fromBlock: number;
  blocks: number;
  transactions: number;
  ms: number;
}

export interface CheckpointStats {
  /** The block the last checkpoint holds (0: none yet). */
  block: number;
  /** Its size, bytes (0 when not written by this process). */
  bytes: number;
  ms: number;
  /** Checkpoints written since start. */
  count: number;
  /** Unix ms of the last one written by this process (0: none). */
  at: number;
  /**
   * Checkpoints that failed since start (each is tried again 10 s later). While they fail the journal
   * keeps growing, and with it what a restart after a crash replays.
   */
  failures: number;
  /** Why the last one failed, if one did. */
  lastError?: string;
}

export interface EmbeddedChain {
  provider: EIP1193Provider;
  rpc: Rpc;
  chainId: number;
  engine: EmbeddedEngine;
  producer: BlockProducer;
  journal: BlockJournal;
  genesis: GenesisSpec;
  replay: ReplayStats;
  checkpoints: CheckpointStats;
  /**
   * Takes a checkpoint now, between blocks (anvil; EDR has none and resolves undefined). Resolves once
   * it is durable and the journal holds only later blocks.
   */
  checkpoint(): Promise<CheckpointStats | undefined>;
  /** The first block whose transactions, receipts and logs the node still serves. */
  historyFrom(): number;
  /**
   * Resident memory of the node when it runs in its own processes (anvil: the serving one and, once
   * started, the spare the next checkpoint moves), bytes; 0 for EDR.
   */
  nodeRss(): number;
  /** The process id of the node when it runs in its own process (anvil); 0 for EDR. */
  nodePid(): number;
  /** Why the chain cannot make blocks any more (the journal failed a write, or the node's process ended). */
  failure(): string | undefined;
  /** Size of the checkpoint and of the journal, bytes. */
  durableBytes(): { checkpoint: number; journal: number };
  /**
   * Between blocks, writes a consistent copy of the chain's durable files (genesis, checkpoint,
   * journal) into `dir` (fsynced) and returns their names; the data directory's files as they were at
   * that instant restore the chain. `during`, when given, runs inside that same pause, after the copy
   * (e.g. a backup of the store, which then holds no block the copy lacks, and is at or past the
   * checkpoint's block because a checkpoint waits for the index).
   */
  backupTo(dir: string, during?: () => Promise<void>): Promise<string[]>;
  /**
   * Keeps checkpoints from being taken until the returned function is called (a backup of the store
   * taken meanwhile stays at or past the checkpoint that a later `backupTo` copies).
   */
  holdCheckpoints(): () => void;
  close(): Promise<void>;
}

export async function createEdrProvider(genesis: GenesisSpec, privateKeys: string[]): Promise<EIP1193Provider> {
  // Loaded only for the EDR engine: Hardhat's provider modules take a while to load.
  const { createHardhatNetworkProvider } =
    require("hardhat/internal/hardhat-network/provider/provider") as typeof import("hardhat/internal/hardhat-network/provider/provider");
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
      engine: opts.engine ?? embeddedEngineForNewDataDir(),
    };
    journal.writeGenesis(genesis);
  }
  const engine: EmbeddedEngine = genesis.engine ?? "edr";
  const keys = genesis.accounts.map((a) => {
    const k = opts.genesisAccounts.find((g) => g.address.toLowerCase() === a.address);
    if (!k)
      throw new Error(
        `the keyring seed does not derive genesis account ${a.address}: wrong seed for this data directory?`,
      );
    return k.privateKey;
  });
  const policy = { ...checkpointPolicyFromEnv(), ...opts.checkpoints };
  for (const f of [checkpointFile(opts.dataDir), chainStateFile(opts.dataDir)])
    if (engine === "edr" && fs.existsSync(f))
      throw new Error(`${path.basename(f)} in an EDR data directory: its genesis names the wrong engine`);

  const t0 = Date.now();
  let provider: EIP1193Provider;
  let rpc: Rpc;
  let anvil: Awaited<ReturnType<typeof startAnvilEngine>> | undefined;
  let start: CheckpointHead = { number: 0, hash: "" };
  if (engine === "anvil") {
    anvil = await startAnvilEngine(genesis, opts.dataDir, {
      keepBlocks: policy.keepBlocks,
      recycleBlocks: policy.recycleBlocks,
      recycleTransactions: policy.recycleTransactions,
      log: opts.log,
    });
    rpc = anvil.rpc;
    provider = { request: ({ method, params }) => rpc(method, params as unknown[] | undefined) } as EIP1193Provider;
    start = anvil.start;
  } else {
    const edr = await createEdrProvider(genesis, keys);
    provider = edr;
    rpc = (method, params = []) => edr.request({ method, params });
  }

  try {
    const blocks = journal.readAll();
    // Blocks at or below the checkpoint are in it already (a kill after the checkpoint was written
    // and before the journal was emptied leaves them); the one at its height must be the same block.
    const same = blocks.find((b) => b.n === start.number);
    if (same?.h !== undefined && start.number > 0 && same.h !== start.hash)
      throw new Error(
        `the chain checkpoint holds block ${start.number} as ${start.hash} but the journal as ${same.h}: ` +
          "the checkpoint and the journal are from different chains",
      );
    const todo = blocks.filter((b) => b.n > start.number);
    if (todo.length > 0 && todo[0].n !== start.number + 1)
      throw new Error(
        `the chain journal starts at block ${todo[0].n} but the node holds blocks up to ${start.number}: ` +
          `blocks ${start.number + 1}..${todo[0].n - 1} are missing (was the checkpoint file removed or replaced?)`,
      );
    let txCount = 0;
    for (const b of todo) {
      await replayBlock(rpc, b, b === todo[todo.length - 1], anvil?.rpc.batch);
      txCount += b.txs.length;
    }
    const replay = { fromBlock: start.number, blocks: todo.length, transactions: txCount, ms: Date.now() - t0 };
    journal.open();
    const last = todo.length > 0 ? todo[todo.length - 1] : undefined;
    let lastTs = last?.ts ?? genesis.initialTimestamp;
    if (!last && start.number > 0) {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const b = (await rpc("eth_getBlockByNumber", ["latest", false])) as any;
      lastTs = Number(BigInt(b.timestamp));
    }
    const checkpoints: CheckpointStats = { block: start.number, bytes: 0, ms: 0, count: 0, at: 0, failures: 0 };
    // The journal just replayed counts as mined time: it would be replayed again after a crash.
    const since = { blocks: todo.length, transactions: txCount, at: Date.now(), madeMs: -replay.ms };
    let holds = 0;
    let retryAfter = 0;
    let checkpointing: Promise<CheckpointStats | undefined> | undefined;
    let closed = false;

    const producer = new BlockProducer(rpc, genesis.chainId, journal, opts.signer, {
      batch: anvil?.rpc.batch,
      lingerMs: opts.lingerMs ?? 2,
      maxTxPerBlock: opts.maxTxPerBlock ?? 400,
      onBlock: (header, logs, transactions) => {
        since.blocks++;
        since.transactions += transactions;
        opts.onBlock?.(header, logs);
        if (due()) void takeCheckpoint().catch(() => undefined);
        else idle?.refresh();
      },
      now,
      lastTimestamp: lastTs,
      lastBlock: last?.n ?? start.number,
    });

    const may = () =>
      anvil !== undefined && !checkpointing && holds === 0 && Date.now() >= retryAfter && since.blocks > 0;
    /** Time spent making the blocks since the last checkpoint, ms: what a replay after a kill repeats. */
    const madeSince = () => producer.madeMs() - since.madeMs;
    const due = () =>
      may() &&
      (since.blocks >= policy.blocks ||
        since.transactions >= policy.transactions ||
        madeSince() >= policy.replayMs ||
        Date.now() - since.at >= policy.seconds * 1000);
    // Restarted by every block: fires once no block came for `idleMs`.
    const idle =
      anvil && policy.idleMs > 0
        ? setTimeout(() => {
            if (may() && madeSince() >= policy.idleReplayMs) void takeCheckpoint().catch(() => undefined);
          }, policy.idleMs)
        : undefined;
    idle?.unref();

    /** `last`: on close, the node is not replaced after it (nothing more is mined). */
    const takeCheckpoint = (last = false): Promise<CheckpointStats | undefined> => {
      if (!anvil) return Promise.resolve(undefined);
      if (checkpointing) return checkpointing;
      const node = anvil;
      checkpointing = node
        // What the checkpoint writes of the blocks made so far is read while blocks are still made.
        .readAhead(producer.durableBlock, last)
        .then(() =>
          producer.between(async () => {
            if (journal.failure) throw journal.failure;
            const head = producer.durableBlock;
            if (head === checkpoints.block) return checkpoints;
            const tc = performance.now();
            await opts.beforeCheckpoint?.(head);
            // eslint-disable-next-line @typescript-eslint/no-explicit-any
            const b = (await rpc("eth_getBlockByNumber", ["latest", false])) as any;
            const at = { number: Number(BigInt(b.number)), hash: b.hash as string };
            if (at.number !== head)
              throw new Error(`checkpoint: the node is at block ${at.number}, the journal at ${head}`);
            const { bytes } = await node.checkpoint(at, opts.checkpointHook, last);
            await journal.truncate();
            await opts.checkpointHook?.("journal-truncated");
            Object.assign(checkpoints, {
              block: head,
              bytes,
              ms: performance.now() - tc,
              count: checkpoints.count + 1,
              at: Date.now(),
            });
            Object.assign(since, { blocks: 0, transactions: 0, at: Date.now(), madeMs: producer.madeMs() });
            return { ...checkpoints };
          }),
        )
        .catch((e: unknown) => {
          retryAfter = Date.now() + 10_000;
          checkpoints.failures++;
          checkpoints.lastError = (e as Error).message;
          opts.log?.(
            "chain checkpoint skipped",
            { error: checkpoints.lastError, failures: checkpoints.failures },
            "warn",
          );
          throw e;
        })
        .finally(() => (checkpointing = undefined));
      return checkpointing;
    };
    // A slow trickle of blocks still gets its checkpoint within `seconds`.
    const timer = anvil
      ? setInterval(() => {
          if (due()) void takeCheckpoint().catch(() => undefined);
        }, 1000)
      : undefined;
    timer?.unref();

    return {
      provider,
      rpc,
      chainId: genesis.chainId,
      engine,
      producer,
      journal,
      genesis,
      replay,
      checkpoints,
      checkpoint: () => takeCheckpoint(),
      historyFrom: () => (anvil ? anvil.historyFrom(producer.durableBlock) : 0),
      nodeRss: () => anvil?.rss() ?? 0,
      nodePid: () => anvil?.pid() ?? 0,
      failure: () => journal.failure?.message ?? (closed ? undefined : anvil?.failure()),
      durableBytes: () => {
        const f = checkpointFile(opts.dataDir);
        const legacy = fs.existsSync(f) ? fs.statSync(f).size : 0;
        return { checkpoint: (anvil?.stateBytes() ?? 0) + legacy, journal: journal.size() };
      },
      backupTo: (dir, during) =>
        producer.between(async () => {
          await journal.idle();
          await fs.promises.mkdir(dir, { recursive: true });
          const names = [path.basename(journal.genesisFile), path.basename(journal.file)];
          if (fs.existsSync(checkpointFile(opts.dataDir))) names.push(CHECKPOINT_FILE);
          for (const n of names) await copyDurably(path.join(opts.dataDir, n), path.join(dir, n));
          if (anvil) {
            await anvil.backupState(path.join(dir, CHAIN_STATE_FILE));
            await fsyncFile(path.join(dir, CHAIN_STATE_FILE));
            names.push(CHAIN_STATE_FILE);
          }
          await fsyncDir(dir);
          await during?.();
          return names;
        }),
      holdCheckpoints: () => {
        holds++;
        let released = false;
        return () => {
          if (!released) holds--;
          released = true;
        };
      },
      async close() {
        closed = true;
        if (timer) clearInterval(timer);
        if (idle) clearTimeout(idle);
        await producer.close();
        // A clean stop leaves a checkpoint at the head, so the next start replays nothing.
        if (anvil && !journal.failure && holds === 0 && producer.durableBlock !== checkpoints.block)
          await takeCheckpoint(true).catch(() => undefined);
        await checkpointing?.catch(() => undefined);
        await journal.close();
        await anvil?.close();
      },
    };
  } catch (e) {
    await anvil?.close();
    throw e;
  }
}

async function copyDurably(from: string, to: string): Promise<void> {
  await fs.promises.copyFile(from, to);
  await fsyncFile(to);
}

async function fsyncFile(file: string): Promise<void> {
  const fh = await fs.promises.open(file, "r+");
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

async function fsyncDir(dir: string): Promise<void> {
  const fh = await fs.promises.open(dir, "r");
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Sends a journalled block's transactions and mines it at its timestamp. Only the last block of a
 * replay is read back and checked (number, transaction count, hash): a block's hash covers its parent's,
 * so the last one matching proves every block before it matched (one node call per block saved).
 *
 * With `batch` (anvil), a block of three or more is sent in one request, as the producer sent it: anvil
 * takes a batch's transactions in its order (measured: 40 senders, shuffled, cold in the fork, 5 of 5
 * blocks in order), and each such block is checked too, so a different order stops the start with the
 * divergence error instead of going on unseen.
 */
async function replayBlock(rpc: Rpc, b: JournalBlock, check: boolean, batch?: BatchingRpc["batch"]): Promise<void> {
  const batched = batch !== undefined && b.txs.length >= 3;
  if (batched) {
    const answers = await batch(b.txs.map((raw) => ({ method: "eth_sendRawTransaction", params: [raw] })));
    const refused = answers.find((a) => a.error);
    if (refused?.error) throw refused.error;
  } else for (const raw of b.txs) await rpc("eth_sendRawTransaction", [raw]);
  await rpc("evm_mine", [b.ts]);
  if (!check && !batched) return;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const block = (await rpc("eth_getBlockByNumber", ["latest", false])) as any;
  const n = Number(BigInt(block.number));
  if (n !== b.n || block.transactions.length !== b.txs.length || (b.h !== undefined && block.hash !== b.h)) {
    throw new Error(
      `chain journal replay diverged by block ${b.n} (got block ${n} with ${block.transactions.length} transactions, hash ${block.hash}); ` +
        `the journal or the genesis does not match this network`,
    );
  }
}

/** A transaction of the block being made, signed, with the promise its caller holds. */
interface SignedTx {
  p: PendingTx;
  raw: string;
  hash: string;
}

/** What the producer reads of a block it mined (hashes only). */
interface MinedBlock {
  number: string;
  hash: string;
  parentHash: string;
  timestamp: string;
  transactions: string[];
}

/**
 * The embedded chain's only miner (see the file comment). One flush at a time; callers wait at most
 * `lingerMs` plus one block's work.
 */
export class BlockProducer implements TxSubmitter {
  private queue: PendingTx[] = [];
  /** Called just before the next block's transactions are taken (`whenTaking`). */
  private takers: (() => void)[] = [];
  private collecting = false;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  /** Set while `between` runs: no block is produced. */
  private gate: Promise<unknown> | undefined;
  /** Settles when the last produced block is durable (or failed). */
  private lastDurable: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly nonces: NonceManager;
  private lastTimestamp: number;
  private durable: number;
  /** Sent to the node but not yet in a block (kept with their raw bytes for the journal). */
  private readonly inPool = new Map<string, { raw: string; p: PendingTx }>();
  readonly fees: FeeFields = { maxFeePerGas: 1_000_000_000n, maxPriorityFeePerGas: 0n };
  /** Blocks and transactions produced since start. */
  readonly stats = { blocks: 0, transactions: 0, sendMs: 0, mineMs: 0, journalMs: 0 };

  /**
   * Time spent handing blocks' transactions to the node and mining them, ms: what a replay of those
   * blocks repeats (it sends each transaction and mines), so what the checkpoint trigger counts.
   */
  madeMs(): number {
    return this.stats.sendMs + this.stats.mineMs;
  }

  constructor(
    private readonly rpc: Rpc,
    private readonly chainId: number,
    private readonly journal: BlockJournal,
    private readonly signer: (address: string) => SigningKey,
    private readonly opts: {
      /**
       * Sends several calls as one request (anvil over HTTP): a block's transactions are sent, and the
       * mined block read back, one round trip each instead of one per call. Absent (EDR, in process),
       * calls are made one by one.
       */
      batch?: BatchingRpc["batch"];
      lingerMs: number;
      maxTxPerBlock: number;
      onBlock?: (header: BlockHeader, logs: RawLog[], transactions: number) => void;
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

  whenTaking(take: () => void): boolean {
    if (this.closed || !(this.timer || this.flushing || this.gate)) return false;
    this.takers.push(take);
    return true;
  }

  /**
   * Lets the work waiting for the next block join the queue (each `whenTaking` caller, once). Whoever
   * collects then takes the queue, so the submits made meanwhile schedule nothing of their own.
   */
  private collect(): void {
    this.collecting = true;
    try {
      for (const take of this.takers.splice(0)) {
        try {
          take();
        } catch {
          // A caller's own failure: it answers its own callers; the block is made without it.
        }
      }
    } finally {
      this.collecting = false;
    }
  }

  /** Forgets every nonce counter (after the chain was reverted under the producer, e.g. evm_revert in tests). */
  resetNonces(): void {
    this.nonces.resetAll();
  }

  /**
   * Runs `fn` between blocks: once the block being made is durable, with no other block made until
   * `fn` settles (callers meanwhile wait in the queue). One `between` at a time.
   */
  async between<T>(fn: () => Promise<T>): Promise<T> {
    while (this.gate) await this.gate.catch(() => undefined);
    const run = (async () => {
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      await this.flushing;
      await this.lastDurable;
      return fn();
    })();
    this.gate = run;
    try {
      return await run;
    } finally {
      this.gate = undefined;
      this.collect();
      if (this.queue.length > 0 && !this.closed) this.schedule();
    }
  }

  /** Mines an empty block now (moves chain time forward), journaled like any other. */
  async mineEmpty(timestamp?: number): Promise<number> {
    while (this.gate) await this.gate.catch(() => undefined);
    await this.flushing;
    const { n, durable } = await this.produce([], timestamp);
    await durable;
    return n;
  }

  private schedule(): void {
    if (this.timer || this.flushing || this.gate || this.collecting) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.gate) return; // `between` reschedules when it ends
      this.flushing = this.flushLoop().finally(() => {
        this.flushing = undefined;
        if (this.queue.length > 0 && !this.closed) this.schedule();
      });
    }, this.opts.lingerMs);
  }

  private async flushLoop(): Promise<void> {
    for (;;) {
      if (this.gate) return; // `between` collects the waiting work when it ends
      this.collect();
      if (this.queue.length === 0) return;
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
    const signed: SignedTx[] = [];
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
    const refuse = (t: SignedTx, e: unknown) => {
      broken.add(t.p.req.from.toLowerCase());
      t.p.reject(e);
    };
    const toSend: typeof signed = [];
    for (let i = 0; i < signed.length; i++) {
      const from = signed[i].p.req.from.toLowerCase();
      if (broken.has(from)) refuse(signed[i], new Error(`an earlier transaction of ${from} in this block was refused`));
      else if (recorded[i] !== undefined) refuse(signed[i], recorded[i]);
      else toSend.push(signed[i]);
    }
    await this.send(toSend, refuse);
    for (const from of broken) this.nonces.reset(from);
    const ts = Math.max(this.lastTimestamp, timestamp ?? this.opts.now());
    const t1 = performance.now();
    await this.rpc("evm_mine", [ts]);
    this.lastTimestamp = ts;
    const { block, receiptOf } = await this.readMined();
    const n = Number(BigInt(block.number));
    const included = block.transactions.map((h) => {
      const e = this.inPool.get(h);
      if (!e) throw new Error(`block ${n} holds transaction ${h} that the producer did not send`);
      return { h, ...e };
    });
    const receipts = await Promise.all(included.map((i) => receiptOf(i.h)));
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
          included.length,
        );
      },
      (e: unknown) => {
        // Mined but not durable: never acknowledged (a restart replays the journal without it).
        for (const i of included) i.p.reject(e);
        throw e;
      },
    );
    this.lastDurable = durable.catch(() => undefined);
    return { n, durable };
  }

  /**
   * Hands a block's transactions to the node in order; the ones it takes wait in `inPool`. A refused
   * transaction leaves a nonce gap, so its sender's later transactions are refused too. Sent in one
   * batch, those have reached the node already and wait behind the gap: the sender's transactions are
   * taken out of the node's pool and the ones before the refused one sent again, so that none can be
   * mined later under a nonce the producer gives again.
   */
  private async send(txs: SignedTx[], refuse: (t: SignedTx, e: unknown) => void): Promise<void> {
    const later = (from: string) => new Error(`an earlier transaction of ${from} in this block was refused`);
    /** One request each, in order; after a refusal, the sender's later ones are refused unsent. */
    const oneByOne = async (list: SignedTx[]) => {
      const broken = new Set<string>();
      for (const t of list) {
        const from = t.p.req.from.toLowerCase();
        try {
          if (broken.has(from)) throw later(from);
          await this.rpc("eth_sendRawTransaction", [t.raw]);
          this.inPool.set(t.hash, { raw: t.raw, p: t.p });
        } catch (e) {
          broken.add(from);
          refuse(t, e);
        }
      }
    };
    if (!this.opts.batch || txs.length < 2) return oneByOne(txs);
    let answers: BatchAnswer[];
    try {
      answers = await this.opts.batch(txs.map((t) => ({ method: "eth_sendRawTransaction", params: [t.raw] })));
    } catch (e) {
      for (const t of txs) refuse(t, e);
      return;
    }
    const refused = new Set<string>();
    /** Per sender with a refusal: its transactions the node took before it; senders with some after (parked). */
    const before = new Map<string, SignedTx[]>();
    const parked = new Set<string>();
    txs.forEach((t, i) => {
      const from = t.p.req.from.toLowerCase();
      const a = answers[i];
      if (a.error && !refused.has(from)) {
        refused.add(from);
        before.set(
          from,
          txs.slice(0, i).filter((b, j) => b.p.req.from.toLowerCase() === from && !answers[j].error),
        );
        refuse(t, a.error);
      } else if (refused.has(from)) {
        if (!a.error) parked.add(from);
        refuse(t, a.error ?? later(from));
      } else this.inPool.set(t.hash, { raw: t.raw, p: t.p });
    });
    for (const from of parked) {
      const kept = before.get(from)!;
      for (const t of kept) this.inPool.delete(t.hash);
      // A node that cannot do this fails the block, as any node failure does (its callers are refused).
      await this.rpc("anvil_removePoolTransactions", [from]);
      await oneByOne(kept);
    }
  }

  /** The block just mined, and its transactions' receipts (one batch with the node's batch calls). */
  private async readMined(): Promise<{ block: MinedBlock; receiptOf: (hash: string) => Promise<unknown> }> {
    const alone = (h: string) => this.rpc("eth_getTransactionReceipt", [h]);
    if (!this.opts.batch) {
      return { block: (await this.rpc("eth_getBlockByNumber", ["latest", false])) as MinedBlock, receiptOf: alone };
    }
    // Both calls read "latest" after the mine and only the producer mines: the same block.
    const [b, r] = await this.opts.batch([
      { method: "eth_getBlockByNumber", params: ["latest", false] },
      { method: "eth_getBlockReceipts", params: ["latest"] },
    ]);
    if (b.error) throw b.error;
    const receipts = !r.error && Array.isArray(r.result) ? (r.result as { transactionHash: string }[]) : [];
    const byHash = new Map(receipts.map((x) => [x.transactionHash, x]));
    return { block: b.result as MinedBlock, receiptOf: async (h) => byHash.get(h) ?? alone(h) };
  }

  async close(): Promise<void> {
    this.collect(); // waiting work is made like the queued work, not refused
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    while (this.gate) await this.gate.catch(() => undefined);
    if (this.queue.length > 0 && !this.flushing) this.flushing = this.flushLoop();
    await this.flushing;
    await this.lastDurable;
  }
}
