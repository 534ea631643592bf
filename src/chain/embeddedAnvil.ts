/**
 * The embedded chain's anvil engine: anvil (src/chain/anvil.ts) as a child process on 127.0.0.1 that
 * only this gateway talks to, mined by the same `BlockProducer` as the in-process EDR engine, and able
 * to write its whole state to a checkpoint file, which EDR cannot (docs/decisions/0017).
 *
 * The checkpoint (`chain-checkpoint.json`) is anvil's own state format (`anvil_dumpState`, loaded back
 * with `--load-state`) cut down to what a restart needs: every account with its code and storage, the
 * block environment, and only the last `HASH_WINDOW` block headers (with the transactions and receipts
 * anvil still keeps of the last `keepBlocks`). So its size follows the state, not the history.
 *
 * anvil keeps every block header it mined since it started (about 1.6 kB each); after a checkpoint the
 * process is replaced by a fresh one loaded from that checkpoint once it holds `recycleBlocks`, so its
 * memory and the next dump stay bounded too. Readers are moved to the new process at once; the old one
 * ends when its last answer is sent.
 */
import fs from "node:fs";
import path from "node:path";
import { gunzip } from "node:zlib";
import { promisify } from "node:util";
import { keepAliveRpc, startAnvil, type AnvilNode } from "./anvil";
import type { GenesisSpec } from "./journal";
import type { Rpc } from "./submitter";

export const CHECKPOINT_FILE = "chain-checkpoint.json";
/** Block headers a checkpoint keeps: BLOCKHASH reaches back 256 blocks. */
const HASH_WINDOW = 256;
/**
 * Transactions (with receipts and traces, ~5 kB each) a checkpoint keeps: those of the newest blocks,
 * whole, up to this many (and always the newest block's), for `POST /rpc` readers of recent receipts.
 * Nothing the gateway needs after a restart is among them: a checkpoint waits until the index has
 * applied its block and every outbox row settled by transaction hash is marked (src/chain/engine.ts).
 * Older blocks keep their headers (and hashes) only.
 */
const KEEP_TRANSACTIONS = 1024;
const HARDFORKS_WITH_TX_GAS_CAP = new Set(["osaka", "amsterdam"]);

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
  log?: (msg: string, fields?: Record<string, unknown>) => void;
}

export interface AnvilEngine {
  rpc: Rpc;
  /** The block the node started from (the checkpoint's; 0 from genesis) and its hash. */
  start: CheckpointHead;
  /** Writes the state at `head` (the node's head, between blocks) to the checkpoint file, durably. */
  checkpoint(head: CheckpointHead, hook?: (phase: CheckpointPhase) => Promise<void>): Promise<{ bytes: number }>;
  /** The first block whose transactions, receipts and logs the node still serves. */
  historyFrom(head: number): number;
  /** Resident memory of the anvil process, bytes (0 when it cannot be read). */
  rss(): number;
  /** The process id of the anvil process that serves now (a recycle replaces it). */
  pid(): number;
  /** Why the anvil process is gone, when it ended without being closed. */
  failure(): string | undefined;
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

/**
 * Starts anvil from the data directory's checkpoint, or from genesis (the genesis accounts funded with
 * anvil_setBalance, the same on every start, so replaying the journal gives the same blocks).
 */
export async function startAnvilEngine(
  genesis: GenesisSpec,
  dataDir: string,
  opts: AnvilEngineOptions,
): Promise<AnvilEngine> {
  removeCheckpointLeftovers(dataDir);
  const file = checkpointFile(dataDir);
  const fromCheckpoint = fs.existsSync(file);
  const launch = () =>
    startAnvil({
      quiet: true,
      dieWithParent: true,
      readyTimeoutMs: 120_000,
      args: anvilArgs(genesis, opts.keepBlocks, fs.existsSync(file) ? file : undefined),
    });
  let node: AnvilNode;
  try {
    node = await launch();
  } catch (e) {
    throw new Error(
      fromCheckpoint
        ? `the chain checkpoint ${file} could not be loaded: ${(e as Error).message.split("\n")[0]}`
        : (e as Error).message,
      { cause: e },
    );
  }
  let current = { node, rpc: keepAliveRpc(node.url), inflight: 0, retired: false };
  if (!fromCheckpoint) {
    for (const a of genesis.accounts)
      await current.rpc("anvil_setBalance", [a.address, "0x" + BigInt(a.balanceWei).toString(16)]);
  }
  const start = await headOf(current.rpc);
  let blocksInNode = 0;
  let lastHead = start.number;

  const retire = (c: typeof current) => {
    c.retired = true;
    if (c.inflight === 0) void c.node.stop();
  };
  const rpc: Rpc = async (method, params) => {
    const c = current;
    c.inflight++;
    try {
      return await c.rpc(method, params);
    } finally {
      c.inflight--;
      if (c.retired && c.inflight === 0) void c.node.stop();
    }
  };

  return {
    rpc,
    start,
    async checkpoint(head, hook) {
      const dumped = (await current.rpc("anvil_dumpState", [])) as string;
      const state = JSON.parse(
        (await promisify(gunzip)(Buffer.from(dumped.slice(2), "hex"))).toString("utf8"),
      ) as AnvilState;
      if (Number(state.best_block_number) !== head.number)
        throw new Error(`checkpoint: the node is at block ${state.best_block_number}, not ${head.number}`);
      blocksInNode += head.number - lastHead;
      lastHead = head.number;
      const held = state.transactions.length;
      cutDown(state, head.number);
      await hook?.("dumped");
      const bytes = await writeDurably(file, JSON.stringify(state), hook);
      // A node that has mined many blocks holds all their headers: replace it by one loaded from the
      // checkpoint just written, which proves at once that the checkpoint loads into the same head.
      if (blocksInNode >= opts.recycleBlocks || held >= opts.recycleTransactions) {
        const fresh = await startAnvil({
          quiet: true,
          dieWithParent: true,
          readyTimeoutMs: 120_000,
          args: anvilArgs(genesis, opts.keepBlocks, file),
        });
        const freshRpc = keepAliveRpc(fresh.url);
        const got = await headOf(freshRpc).catch((e: unknown) => ({ number: -1, hash: String(e) }));
        if (got.number !== head.number || got.hash !== head.hash) {
          await fresh.stop("SIGKILL");
          throw new Error(
            `the checkpoint of block ${head.number} (${head.hash}) loads as block ${got.number} (${got.hash})`,
          );
        }
        const old = current;
        current = { node: fresh, rpc: freshRpc, inflight: 0, retired: false };
        retire(old);
        opts.log?.("chain node replaced from its checkpoint", {
          block: head.number,
          blocksInOldNode: blocksInNode,
          transactionsInOldNode: held,
        });
        blocksInNode = 0;
      }
      return { bytes };
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
    rss() {
      try {
        const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${current.node.pid}/status`, "utf8"));
        return m ? Number(m[1]) * 1024 : 0;
      } catch {
        return 0;
      }
    },
    async close() {
      await current.node.stop();
    },
  };
}

/**
 * Cuts a state dump down to what a restart needs: the last `HASH_WINDOW` block headers, and the
 * transactions of the newest blocks (see KEEP_TRANSACTIONS); the other blocks' bodies are emptied
 * (a header's hash does not depend on the body it is stored with, measured: the loaded chain has the
 * same head hash). So the checkpoint, the load and the loaded node's memory follow the state, not
 * how many transactions the last blocks held.
 */
export function cutDown(state: AnvilState, head: number): void {
  const oldest = head - HASH_WINDOW;
  const numberOf = (b: AnvilState["blocks"][number]) => Number(BigInt(b.header.number));
  // anvil dumps its blocks in no particular order (a hash map's): newest last from here on.
  state.blocks = state.blocks.filter((b) => numberOf(b) > oldest).sort((x, y) => numberOf(x) - numberOf(y));
  const keep = new Set<number>();
  let kept = 0;
  for (let i = state.blocks.length - 1; i >= 0; i--) {
    const b = state.blocks[i];
    const n = Number(BigInt(b.header.number));
    const txs = b.transactions?.length ?? 0;
    if (keep.size > 0 && kept + txs > KEEP_TRANSACTIONS) break;
    keep.add(n);
    kept += txs;
  }
  for (const b of state.blocks) if (!keep.has(Number(BigInt(b.header.number)))) b.transactions = [];
  state.transactions = state.transactions.filter((t) => keep.has(Number(t.block_number)));
  state.historical_states = null;
}

/** The parts of anvil's state dump that are cut down here; the rest is passed through untouched. */
export interface AnvilState {
  best_block_number: number | string;
  blocks: { header: { number: string }; transactions?: unknown[] }[];
  transactions: { block_number: number | string }[];
  historical_states: unknown;
  [k: string]: unknown;
}

/**
 * Temp file, fsync, rename, fsync of the directory: a reader (or a restart after a kill at any
 * point) finds the old checkpoint or the new one, whole.
 */
async function writeDurably(
  file: string,
  content: string,
  hook?: (phase: CheckpointPhase) => Promise<void>,
): Promise<number> {
  const tmp = `${file}.tmp-${process.pid}`;
  const fh = await fs.promises.open(tmp, "w", 0o600);
  let bytes: number;
  try {
    const buf = Buffer.from(content, "utf8");
    bytes = buf.length;
    await fh.writeFile(buf);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await hook?.("temp-written");
  await fs.promises.rename(tmp, file);
  const dir = await fs.promises.open(path.dirname(file), "r");
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
  await hook?.("renamed");
  return bytes;
}
