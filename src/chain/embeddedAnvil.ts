/**
 * The embedded chain's anvil engine: anvil (src/chain/anvil.ts) as a child process on 127.0.0.1 that
 * only this gateway talks to, mined by the same `BlockProducer` as the in-process EDR engine.
 *
 * Its state lives on disk, in the chain state file (src/chain/chainState.ts): the node is forked from
 * the file's server at the last checkpoint's block, so it starts at once whatever the history, reads
 * the slots it needs as it needs them, and mines a block in time that follows the block, not the state
 * (a forked anvil does not recompute a state root). A checkpoint merges into the file what the node
 * wrote since it was forked.
 *
 * A data directory written before the state file has `chain-checkpoint.json` (anvil's own state format,
 * loaded with `--load-state`); it is loaded once, and its first checkpoint moves it into the state file.
 *
 * After a checkpoint the process is replaced by a fresh one forked at the new base once it holds
 * `recycleBlocks` blocks or `recycleTransactions` transactions, so its memory stays bounded. Readers are
 * moved to the new process at once; the old one ends when its last answer is sent.
 */
import fs from "node:fs";
import path from "node:path";
import { keepAliveRpc, startAnvil, type AnvilNode } from "./anvil";
import {
  HASH_WINDOW,
  KEEP_TRANSACTIONS,
  openChainState,
  startStateServer,
  type ChainStateBase,
  type RpcBlock,
  type RpcTransaction,
  type StateServer,
} from "./chainState";
import type { GenesisSpec } from "./journal";
import type { BatchingRpc, Rpc } from "./submitter";

/** The checkpoint file of the earlier format (the whole state as JSON), read once and then removed. */
export const CHECKPOINT_FILE = "chain-checkpoint.json";
const HARDFORKS_WITH_TX_GAS_CAP = new Set(["osaka", "amsterdam"]);
/** A spare node is kept after a replacement that came this soon after the one before (see `spare`). */
const SPARE_WITHIN_MS = 30_000;

export interface CheckpointHead {
  number: number;
  hash: string;
}

/** Where a checkpoint is in its writing: a test pauses here (and is killed) to prove each step safe. */
export type CheckpointPhase = "dumped" | "temp-written" | "renamed" | "journal-truncated";

export interface AnvilEngineOptions {
  /** Blocks whose transactions, receipts and logs stay readable (anvil's --transaction-block-keeper). */
  keepBlocks: number;
  /** Replace the anvil process after a checkpoint once it holds this many blocks. */
  recycleBlocks: number;
  /** ... or this many transactions (with their receipts and traces: most of its memory). */
  recycleTransactions: number;
  log?: (msg: string, fields?: Record<string, unknown>, level?: "info" | "warn") => void;
}

export interface AnvilEngine {
  rpc: BatchingRpc;
  /** The block the node started from (the checkpoint's; 0 from genesis) and its hash. */
  start: CheckpointHead;
  /** Writes the state at `head` (the node's head, between blocks) to the chain state file, durably. */
  /** `last`: the chain is closing, so the node is not replaced (the next start forks from the file). */
  checkpoint(
    head: CheckpointHead,
    hook?: (phase: CheckpointPhase) => Promise<void>,
    last?: boolean,
  ): Promise<{ bytes: number }>;
  /**
   * Reads what a checkpoint at block `upTo` writes besides the state (headers, the newest blocks'
   * transactions and receipts) and writes those transactions into the file, while blocks are still
   * being made: a block never changes once mined, so the checkpoint, which holds the producer, then
   * reads and writes only the blocks mined since. Unless `last` (a closing checkpoint, which replaces
   * nothing), starts the spare node the checkpoint will move if none is started. Never throws.
   */
  readAhead(upTo: number, last?: boolean): Promise<void>;
  /** The first block whose transactions, receipts and logs the node still serves. */
  historyFrom(head: number): number;
  /** Resident memory of the anvil processes (the serving one, and the spare once started), bytes. */
  rss(): number;
  /** The process id of the anvil process that serves now (a recycle replaces it). */
  pid(): number;
  /** Why the anvil process is gone, when it ended without being closed. */
  failure(): string | undefined;
  /** Bytes of the chain state file. */
  stateBytes(): number;
  /** An online copy of the chain state file at `dest` (call between blocks, checkpoints held). */
  backupState(dest: string): Promise<void>;
  close(): Promise<void>;
}

export function checkpointFile(dataDir: string): string {
  return path.join(dataDir, CHECKPOINT_FILE);
}

/** Removes what a checkpoint write killed half-way left behind (never the checkpoint itself). */
export function removeCheckpointLeftovers(dataDir: string): void {
  if (!fs.existsSync(dataDir)) return;
  for (const f of fs.readdirSync(dataDir))
    if (f.startsWith(`${CHECKPOINT_FILE}.tmp-`)) fs.rmSync(path.join(dataDir, f), { force: true });
}

export function anvilArgs(genesis: GenesisSpec, keepBlocks: number, stateFile?: string): string[] {
  return [
    "--no-mining",
    "--order",
    "fifo",
    "--chain-id",
    String(genesis.chainId),
    "--accounts",
    "0",
    "--timestamp",
    String(genesis.initialTimestamp),
    "--gas-limit",
    String(genesis.blockGasLimit),
    "--base-fee",
    "0",
    "--hardfork",
    genesis.hardfork,
    "--prune-history",
    "--transaction-block-keeper",
    String(keepBlocks),
    "--disable-default-create2-deployer",
    "--disable-min-priority-fee",
    "--disable-console-log",
    "--no-request-size-limit",
    ...(HARDFORKS_WITH_TX_GAS_CAP.has(genesis.hardfork) ? ["--enable-tx-gas-limit"] : []),
    ...(stateFile ? ["--load-state", stateFile] : []),
  ];
}

async function headOf(rpc: Rpc): Promise<CheckpointHead> {
  const b = (await rpc("eth_getBlockByNumber", ["latest", false])) as { number: string; hash: string };
  return { number: Number(BigInt(b.number)), hash: b.hash };
}

/** Resident memory of a process, bytes (0 when it cannot be read: gone, or no /proc). */
function residentBytes(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/**
 * anvil's arguments for a node forked from the chain state server at `block`. `source`: what the node
 * forks from, a URL or a Unix socket's path (anvil's --fork-url takes either).
 */
export function forkArgs(genesis: GenesisSpec, keepBlocks: number, source: string, block: number): string[] {
  return [
    ...anvilArgs(genesis, keepBlocks),
    "--fork-url",
    source,
    "--fork-block-number",
    String(block),
    "--fork-chain-id",
    String(genesis.chainId),
    "--no-rate-limit",
    "--no-storage-caching",
    "--retries",
    "1",
  ];
}

/**
 * Starts anvil forked from the data directory's chain state (chain-state.sqlite), or, before its first
 * checkpoint, from a checkpoint file of the earlier format or from genesis (the genesis accounts funded
 * with anvil_setBalance, the same on every start, so replaying the journal gives the same blocks).
 * The first checkpoint writes the whole state to the chain state file and moves the chain onto a forked
 * node at once: every later block is mined (and replayed after a crash) by a forked node.
 */
export async function startAnvilEngine(
  genesis: GenesisSpec,
  dataDir: string,
  opts: AnvilEngineOptions,
): Promise<AnvilEngine> {
  removeCheckpointLeftovers(dataDir);
  const legacy = checkpointFile(dataDir);
  const state = openChainState(dataDir);
  const base = state.base();
  // A kill after the first merge and before the old file was removed leaves it: the state file wins.
  if (base && fs.existsSync(legacy)) fs.rmSync(legacy, { force: true });
  const fromLegacy = !base && fs.existsSync(legacy);
  let server: StateServer | undefined;
  // The fork block of the node serving now: the file keeps serving it to that node while one forked at
  // a later block starts, and until the next start (the old node may still be answering).
  let servingFork = base?.number;
  const serveFork = async (n: number) => {
    server ??= await startStateServer(state.file, genesis.chainId);
    await server.forks(servingFork === undefined || servingFork === n ? [n] : [servingFork, n]);
  };
  const launch = async (from: ChainStateBase | undefined) => {
    if (from) await serveFork(from.number);
    return startAnvil({
      quiet: true,
      dieWithParent: true,
      readyTimeoutMs: 120_000,
      args: from
        ? forkArgs(genesis, opts.keepBlocks, server!.ipcPath, from.number)
        : anvilArgs(genesis, opts.keepBlocks, fs.existsSync(legacy) ? legacy : undefined),
    });
  };
  let node: AnvilNode;
  try {
    node = await launch(base);
  } catch (e) {
    await state.close();
    await server?.stop();
    throw new Error(
      base
        ? `the chain could not start from its state ${state.file}: ${(e as Error).message.split("\n")[0]}`
        : fromLegacy
          ? `the chain checkpoint ${legacy} could not be loaded: ${(e as Error).message.split("\n")[0]}`
          : (e as Error).message,
      { cause: e },
    );
  }
  /**
   * The block a node was forked at, and the mixHash it was mined with: the node got it with a zero
   * mixHash (chainState.ts says why) and would show readers that, under the block's unchanged hash.
   */
  const forkOf = (b: ChainStateBase | undefined) =>
    b ? { number: b.number, mixHash: state.mixHashOf(b.number) } : undefined;
  let current = { node, rpc: keepAliveRpc(node.url), inflight: 0, retired: false, fork: forkOf(base) };
  let forked = base !== undefined;
  if (!base && !fromLegacy) {
    for (const a of genesis.accounts)
      await current.rpc("anvil_setBalance", [a.address, "0x" + BigInt(a.balanceWei).toString(16)]);
  }
  const start = await headOf(current.rpc);
  if (base && (start.number !== base.number || start.hash !== base.hash)) {
    await node.stop("SIGKILL");
    await state.close();
    await server?.stop();
    throw new Error(
      `the chain state holds block ${base.number} (${base.hash}) but the node forked from it is at ${start.number} (${start.hash})`,
    );
  }
  let blocksInNode = 0;
  let txsInNode = 0;
  let lastHead = start.number;

  const retire = (c: typeof current) => {
    c.retired = true;
    if (c.inflight === 0) void c.node.stop();
  };
  /** A block as the chain mined it: the block a node was forked at carries its own mixHash back. */
  const served = (c: typeof current, method: string, r: unknown): unknown => {
    if (c.fork?.mixHash && (method === "eth_getBlockByNumber" || method === "eth_getBlockByHash")) {
      const b = r as { number?: string } | null;
      if (b?.number !== undefined && Number(BigInt(b.number)) === c.fork.number)
        return { ...b, mixHash: c.fork.mixHash };
    }
    return r;
  };
  /** Calls the node serving now; a retired node stops once its last answer is in. */
  const onCurrent = async <T>(call: (c: typeof current) => Promise<T>): Promise<T> => {
    const c = current;
    c.inflight++;
    try {
      return await call(c);
    } finally {
      c.inflight--;
      if (c.retired && c.inflight === 0) void c.node.stop();
    }
  };
  const rpc = ((method, params) =>
    onCurrent(async (c) => served(c, method, await c.rpc(method, params)))) as BatchingRpc;
  rpc.batch = (calls) =>
    onCurrent(async (c) =>
      (await c.rpc.batch(calls)).map((a, i) => (a.error ? a : { result: served(c, calls[i].method, a.result) })),
    );

  /**
   * A node forked at the base and left idle, started between checkpoints. The next replacement moves it
   * to its block with anvil_reset (17-28 ms measured) instead of starting a process while the producer
   * waits (71 ms on a quiet machine, 100-160 ms under load). It mines the same blocks as a node started
   * there (the head is checked, and a replay after a crash, by a started node, checks every hash). It is
   * started as a checkpoint begins (readAhead), and kept after a replacement only while replacements
   * come within SPARE_WITHIN_MS of each other, i.e. under load: a gateway that checkpoints every few
   * minutes does not keep a second process between its checkpoints.
   */
  let spare: Promise<AnvilNode | undefined> | undefined;
  /** The spare once started, until it is moved or stopped (its memory counts with the serving node's). */
  let spareStarted: AnvilNode | undefined;
  let lastReplaced = -Infinity;
  const prepareSpare = (at: number) => {
    if (!server) return;
    const started = startAnvil({
      quiet: true,
      dieWithParent: true,
      readyTimeoutMs: 120_000,
      args: forkArgs(genesis, opts.keepBlocks, server.ipcPath, at),
    }).catch(() => undefined);
    spare = started;
    void started.then((s) => {
      if (spare === started) spareStarted = s;
    });
  };
  /** The spare, moved to `head` and its head checked there; undefined (and stopped) if it cannot be. */
  const moveSpare = async (head: CheckpointHead): Promise<{ node: AnvilNode; rpc: BatchingRpc } | undefined> => {
    const s = await spare;
    spare = undefined;
    spareStarted = undefined;
    if (!s || !server) return undefined;
    try {
      await serveFork(head.number);
      const rpc = keepAliveRpc(s.url);
      await rpc("anvil_reset", [{ forking: { jsonRpcUrl: server.ipcPath, blockNumber: head.number } }]);
      const got = await headOf(rpc);
      if (got.number === head.number && got.hash === head.hash) return { node: s, rpc };
      opts.log?.("spare chain node forked as another block", { block: head.number, got }, "warn");
    } catch (e) {
      opts.log?.("spare chain node not moved", { block: head.number, error: (e as Error).message }, "warn");
    }
    await s.stop("SIGKILL");
    return undefined;
  };
  /** A node started forked at `head`, its head checked: the state file must fork as that very block. */
  const startAt = async (head: CheckpointHead): Promise<{ node: AnvilNode; rpc: BatchingRpc }> => {
    const node = await launch(head);
    const rpc = keepAliveRpc(node.url);
    const got = await headOf(rpc).catch((e: unknown) => ({ number: -1, hash: String(e) }));
    if (got.number !== head.number || got.hash !== head.hash) {
      await node.stop("SIGKILL");
      throw new Error(
        `the chain state of block ${head.number} (${head.hash}) forks as block ${got.number} (${got.hash})`,
      );
    }
    return { node, rpc };
  };

  // Headers and bodies read ahead of a checkpoint (`readAhead`), by block number, from the node serving.
  const ahead = new Map<string, Promise<unknown>>();
  const readOnce = <T>(key: string, read: () => Promise<T>): Promise<T> => {
    let p = ahead.get(key) as Promise<T> | undefined;
    if (!p) {
      p = read();
      ahead.set(key, p);
      // A failed read is read again next time.
      p.catch(() => ahead.delete(key));
    }
    return p;
  };
  /**
   * The headers a checkpoint at `upTo` writes, the file not holding them yet: a forked node answers
   * older ones from the file itself. Read side by side (the node's connection keeps up to 16 requests
   * open).
   */
  const headersTo = (upTo: number): Promise<RpcBlock[]> => {
    const from = Math.max(forked ? lastHead + 1 : 0, upTo - HASH_WINDOW + 1);
    const numbers = forked ? [] : [0];
    for (let n = Math.max(from, 1); n <= upTo; n++) numbers.push(n);
    return Promise.all(
      numbers.map((n) =>
        readOnce(
          `h${n}`,
          () => current.rpc("eth_getBlockByNumber", ["0x" + n.toString(16), false]) as Promise<RpcBlock>,
        ),
      ),
    );
  };
  /** The newest blocks with transactions, whole blocks up to KEEP_TRANSACTIONS, that a checkpoint at `upTo` keeps. */
  const keptOf = (blocks: RpcBlock[], upTo: number): RpcBlock[] => {
    const kept: RpcBlock[] = [];
    let count = 0;
    for (let i = blocks.length - 1; i >= 0; i--) {
      const b = blocks[i];
      const n = (b.transactions as unknown[] | undefined)?.length ?? 0;
      if (n === 0) continue;
      // Older blocks' bodies are pruned in the node (--transaction-block-keeper).
      if (Number(BigInt(b.number)) <= upTo - opts.keepBlocks) break;
      if (count > 0 && count + n > KEEP_TRANSACTIONS) break;
      kept.push(b);
      count += n;
    }
    return kept;
  };
  /** Blocks (by number, as the node spells it) whose transactions readAhead wrote into the file already. */
  const bodiesWritten = new Set<string>();
  /** The kept blocks of a checkpoint at `upTo` whose transactions are not in the file yet. */
  const unwritten = (blocks: RpcBlock[], upTo: number) =>
    keptOf(blocks, upTo).filter((b) => !bodiesWritten.has(b.number));
  /** A block's transactions with their receipts. */
  const bodyOf = (b: RpcBlock): Promise<RpcTransaction[]> =>
    readOnce(`b${b.number}`, async () => {
      const [full, receipts] = await Promise.all([
        current.rpc("eth_getBlockByNumber", [b.number, true]) as Promise<{ transactions: RpcTransaction["tx"][] }>,
        current.rpc("eth_getBlockReceipts", [b.number]) as Promise<unknown[]>,
      ]);
      return full.transactions.map((tx, k) => ({ tx, receipt: receipts[k] }));
    });

  return {
    rpc,
    start,
    async readAhead(upTo, last = false) {
      // A checkpoint that will replace a forked node moves a spare: one started now is ready sooner than
      // a process the checkpoint starts while the producer waits (the first replacements under load).
      if (!last && forked && !spare && servingFork !== undefined && upTo > lastHead) prepareSpare(servingFork);
      try {
        const blocks = await headersTo(upTo);
        const kept = unwritten(blocks, upTo);
        const bodies = await Promise.all(kept.map(bodyOf));
        // Into the file now, while blocks are still made: the checkpoint writes only the newer ones.
        await state.keepTransactions(bodies.flat());
        for (const b of kept) bodiesWritten.add(b.number);
      } catch {
        // The checkpoint reads and writes what is missing.
      }
    },
    async checkpoint(head, hook, last = false) {
      // Read and merged on the state file's writer thread: the gzip of the node's JSON dump, as bytes.
      // The dump, and the headers and bodies not read ahead, side by side: the node serves reads while
      // it dumps.
      const [dumped, { blocks, transactions }] = await Promise.all([
        current.rpc("anvil_dumpState", []) as Promise<string>,
        headersTo(head.number).then(async (blocks) => {
          if (blocks.at(-1)?.hash !== head.hash)
            throw new Error(`checkpoint: block ${head.number} is ${blocks.at(-1)?.hash}, not ${head.hash}`);
          const bodies = await Promise.all(unwritten(blocks, head.number).map(bodyOf));
          return { blocks, transactions: bodies.flat() };
        }),
      ]);
      const dump = Buffer.from(dumped.slice(2), "hex");
      await hook?.("dumped");
      await hook?.("temp-written");
      const counted = await state.mergeDump(dump, blocks, transactions, head);
      for (const b of blocks)
        if (Number(BigInt(b.number)) > lastHead) txsInNode += (b.transactions as unknown[] | undefined)?.length ?? 0;
      // What the node holds: counted in the dump when it was read whole, else from the blocks it mined.
      const held = counted ?? txsInNode;
      blocksInNode += head.number - lastHead;
      lastHead = head.number;
      ahead.clear();
      bodiesWritten.clear();
      if (fs.existsSync(legacy)) fs.rmSync(legacy, { force: true });
      await hook?.("renamed");
      // A node not forked yet (the first checkpoint) must be replaced at once: blocks after this one are
      // replayed after a crash by a forked node, and must come out the same. A forked node that has
      // mined many blocks holds all their headers and what it wrote: it is replaced too.
      if (!last && (!forked || blocksInNode >= opts.recycleBlocks || held >= opts.recycleTransactions)) {
        // Either way the new node's head is checked once, as it is moved or started.
        const moved = await moveSpare(head);
        const { node: fresh, rpc: freshRpc } = moved ?? (await startAt(head));
        const old = current;
        current = { node: fresh, rpc: freshRpc, inflight: 0, retired: false, fork: forkOf(head) };
        servingFork = head.number;
        retire(old);
        if (performance.now() - lastReplaced < SPARE_WITHIN_MS) prepareSpare(head.number);
        lastReplaced = performance.now();
        opts.log?.(forked ? "chain node replaced from its state" : "chain node moved onto its state file", {
          block: head.number,
          blocksInOldNode: blocksInNode,
          transactionsInOldNode: held,
          // The spare, moved to the block, or a process started there.
          spare: moved !== undefined,
        });
        forked = true;
        blocksInNode = 0;
        txsInNode = 0;
      }
      return { bytes: state.bytes() };
    },
    historyFrom(head) {
      return Math.max(0, head - opts.keepBlocks + 1);
    },
    failure() {
      const p = current.node.process;
      return p.exitCode === null && p.signalCode === null
        ? undefined
        : `the chain node (anvil) exited (${p.exitCode ?? p.signalCode}): ${current.node.stderr().slice(-500)}`;
    },
    pid: () => current.node.pid,
    rss: () => residentBytes(current.node.pid) + (spareStarted ? residentBytes(spareStarted.pid) : 0),
    stateBytes: () => state.bytes(),
    backupState: (dest) => state.backup(dest),
    async close() {
      await (await spare)?.stop("SIGKILL");
      spare = undefined;
      spareStarted = undefined;
      await current.node.stop();
      await server?.stop();
      await state.close();
    },
  };
}
