/**
 * The embedded chain's state on disk: every account and storage slot at the last checkpoint, in an
 * SQLite file of its own (`chain-state.sqlite`), and a small JSON-RPC server that answers from it what
 * a forking anvil asks (accounts, code, slots, block headers), on a Unix socket for the nodes (one round
 * trip per slot a block reads first: docs/decisions/0031) and on 127.0.0.1 for other readers. The anvil
 * process forks from that server at the checkpoint's block, so it starts without loading the state and
 * reads a slot only when a transaction or a call touches it; it holds only what it wrote or read since
 * it started.
 *
 * Why not anvil's own state file: anvil loads all of it at start (~6.4 µs per slot) and recomputes
 * every account's storage root for every block it mines (1.7 ms per 1,000 slots), so both a restart
 * and each block grew with every certificate ever issued (docs/decisions/0028).
 *
 * A checkpoint merges what the node changed since its fork (anvil's dump of a forked node holds only
 * the accounts and slots it wrote) into the file in one transaction, with the headers of the new blocks
 * (the last `HASH_WINDOW` are kept for BLOCKHASH and readers), and moves the base to the head.
 *
 * The server answers every state read at the base, whatever block the node names: the only node ever
 * forked from this file is the one whose changes moved the base since its own fork block, and it
 * answers the slots it changed itself, so a slot it asks for is the same at its fork block and at the
 * base.
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { Worker } from "node:worker_threads";
import { constants as zlibConstants, gunzipSync } from "node:zlib";
import { startModuleWorker } from "../store/moduleWorker";
import { workerStopper } from "../store/workerStop";

export const CHAIN_STATE_FILE = "chain-state.sqlite";
/** Block headers kept: BLOCKHASH reaches back 256 blocks. */
export const HASH_WINDOW = 256;
/**
 * Transactions kept with their receipts (and logs): those of the newest blocks, whole, up to this many
 * (and always the newest block's), for `POST /rpc` readers of recent receipts after the node is
 * replaced. Nothing the gateway needs after a restart is among them: a checkpoint waits until the index
 * has applied its block and every outbox row settled by transaction hash is marked.
 */
export const KEEP_TRANSACTIONS = 1024;

export function chainStateFile(dataDir: string): string {
  return path.join(dataDir, CHAIN_STATE_FILE);
}

/** What anvil_dumpState gives for an account (balance and values hex, storage keys 32-byte hex). */
export interface DumpedAccount {
  nonce: number;
  balance: string;
  code: string;
  storage: Record<string, string>;
}

/** A transaction as eth_getTransactionByHash answers it, with its receipt. */
export interface RpcTransaction {
  tx: { hash: string; blockNumber: string; transactionIndex: string; [k: string]: unknown };
  receipt: unknown;
}

/** A block as eth_getBlockByNumber(n, false) answers it. */
export interface RpcBlock {
  number: string;
  hash: string;
  [k: string]: unknown;
}

export interface ChainStateBase {
  number: number;
  hash: string;
}

export interface ChainState {
  readonly file: string;
  /** The block the file holds the state of; undefined before the first checkpoint. */
  base(): ChainStateBase | undefined;
  /**
   * Writes the accounts and slots a node changed up to `head`, and the headers of its new blocks, and
   * moves the base to `head`: all in one transaction, synced before it resolves. The writing runs on a
   * thread of its own (src/chain/chainStateWriter.ts), so the event loop does not wait for it.
   */
  merge(
    accounts: Record<string, DumpedAccount>,
    blocks: RpcBlock[],
    transactions: RpcTransaction[],
    head: ChainStateBase,
  ): Promise<void>;
  /**
   * The same from anvil's own dump of the node (anvil_dumpState: gzip of its JSON), decompressed and
   * read on that thread too; refused, with nothing written, unless the dump is of block `head`.
   * Resolves with the number of transactions the node held when the dump was read whole, undefined when
   * only its head was (see `dumpHead`).
   */
  mergeDump(
    dump: Uint8Array,
    blocks: RpcBlock[],
    transactions: RpcTransaction[],
    head: ChainStateBase,
  ): Promise<number | undefined>;
  /**
   * Writes transactions of blocks past the base, with their receipts, ahead of the merge that moves the
   * base past them (read while blocks are still made; the merge then writes only the newer ones). No
   * node reads them from the file before that merge: a node holds the blocks it mined itself. Pruned
   * to the newest whole blocks up to KEEP_TRANSACTIONS as a merge prunes.
   */
  keepTransactions(transactions: RpcTransaction[]): Promise<void>;
  /** The mixHash block `number` was mined with, when its header is kept. */
  mixHashOf(number: number): string | undefined;
  /** Transactions held with their receipts. */
  transactionCount(): number;
  /** Slots held (for figures and tests). */
  slotCount(): number;
  /** An online backup of the file (SQLite's backup API) at `dest`. */
  backup(dest: string): Promise<void>;
  /** Bytes of the file and its WAL. */
  bytes(): number;
  close(): Promise<void>;
}

/** What anvil_dumpState gives, in the parts a checkpoint reads. */
export interface AnvilDump {
  best_block_number: number | string;
  accounts: Record<string, DumpedAccount>;
  /** Absent when only the dump's head was read (`dumpHead`). */
  transactions?: unknown[];
  [k: string]: unknown;
}

/**
 * What a merge needs of anvil's dump (gzip of `{"block":…,"accounts":…,"best_block_number":…,
 * "blocks":[…],"transactions":[…],…}`): the accounts and the block number, which come first. The
 * blocks and transactions the node holds, with their receipts and traces, are 95 % of it and are read
 * from the node's answers instead, so only the dump's head is inflated (measured: 1-2 ms against 28-37 ms
 * to inflate and parse a dump of 1,000 transfers whole). A dump without that order is read whole.
 */
export function dumpHead(gz: Uint8Array): AnvilDump {
  for (let size = 16 * 1024; ; size *= 4) {
    const whole = size >= gz.length;
    const text = (
      whole ? gunzipSync(gz) : gunzipSync(gz.subarray(0, size), { finishFlush: zlibConstants.Z_SYNC_FLUSH })
    ).toString("utf8");
    // No account field holds this text: accounts are keyed by address, with nonce, balance, code, storage.
    const cut = text.indexOf(',"blocks":');
    if (cut !== -1) {
      const head = JSON.parse(text.slice(0, cut) + "}") as AnvilDump;
      if (head.accounts !== undefined && head.best_block_number !== undefined) return head;
    }
    if (whole) return JSON.parse(text) as AnvilDump;
  }
}

/**
 * A merge for the writer thread (the accounts themselves, or anvil's dump to take them from), or, with
 * no head, transactions kept ahead of one.
 */
export interface WriterRequest {
  id: number;
  accounts?: Record<string, DumpedAccount>;
  dump?: Uint8Array;
  blocks: RpcBlock[];
  transactions: RpcTransaction[];
  head?: ChainStateBase;
}
export type WriterReply = { id: number; held?: number } | { id: number; error: string };

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS account (
  address BLOB PRIMARY KEY, nonce INTEGER NOT NULL, balance TEXT NOT NULL, code BLOB NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS slot (
  address BLOB NOT NULL, key BLOB NOT NULL, value BLOB NOT NULL, PRIMARY KEY (address, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS block (number INTEGER PRIMARY KEY, hash TEXT NOT NULL UNIQUE, json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tx (
  hash TEXT PRIMARY KEY, block INTEGER NOT NULL, idx INTEGER NOT NULL, json TEXT NOT NULL, receipt TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS tx_block ON tx (block, idx);
`;

const hexBytes = (h: string, size?: number): Buffer => {
  const digits = h.startsWith("0x") ? h.slice(2) : h;
  return Buffer.from(size ? digits.padStart(size * 2, "0") : digits.length % 2 ? "0" + digits : digits, "hex");
};

/** A read-write connection to a chain state file, made and set up if it is new. */
export function openWritable(file: string): Database.Database {
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  // Each merge is a checkpoint the journal is truncated after: it must be on disk when it returns.
  db.pragma("synchronous = FULL");
  // The first merge of a large data directory writes its whole state through the WAL; truncate it after.
  db.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
  db.exec(SCHEMA);
  return db;
}

/**
 * The merge, as one transaction on `db` (see ChainState.merge), and the transactions kept ahead of it,
 * as another (see ChainState.keepTransactions).
 */
export function mergeStatements(db: Database.Database): {
  merge: (
    accounts: Record<string, DumpedAccount>,
    blocks: RpcBlock[],
    transactions: RpcTransaction[],
    head: ChainStateBase,
  ) => void;
  keep: (transactions: RpcTransaction[]) => void;
} {
  const setMeta = db.prepare("INSERT INTO meta (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v");
  const putAccount = db.prepare(
    `INSERT INTO account (address, nonce, balance, code) VALUES (?, ?, ?, ?)
     ON CONFLICT (address) DO UPDATE SET nonce = excluded.nonce, balance = excluded.balance, code = excluded.code`,
  );
  const putSlot = db.prepare(
    "INSERT INTO slot (address, key, value) VALUES (?, ?, ?) ON CONFLICT (address, key) DO UPDATE SET value = excluded.value",
  );
  const dropSlot = db.prepare("DELETE FROM slot WHERE address = ? AND key = ?");
  const putBlock = db.prepare("INSERT OR REPLACE INTO block (number, hash, json) VALUES (?, ?, ?)");
  const pruneBlocks = db.prepare("DELETE FROM block WHERE number > 0 AND number <= ?");
  const putTx = db.prepare("INSERT OR REPLACE INTO tx (hash, block, idx, json, receipt) VALUES (?, ?, ?, ?, ?)");
  const txsByBlock = db.prepare<[], { block: number; n: number }>(
    "SELECT block, count(*) AS n FROM tx GROUP BY block ORDER BY block DESC",
  );
  const pruneTxs = db.prepare("DELETE FROM tx WHERE block < ?");
  const ZERO = Buffer.alloc(32);
  const putTransactions = (transactions: RpcTransaction[]) => {
    for (const t of transactions)
      putTx.run(
        t.tx.hash,
        Number(BigInt(t.tx.blockNumber)),
        Number(BigInt(t.tx.transactionIndex)),
        JSON.stringify(t.tx),
        JSON.stringify(t.receipt),
      );
    // Whole blocks, newest first, up to KEEP_TRANSACTIONS (the newest block's always).
    let kept = 0;
    let oldest: number | undefined;
    for (const { block, n } of txsByBlock.all()) {
      if (oldest !== undefined && kept + n > KEEP_TRANSACTIONS) break;
      kept += n;
      oldest = block;
    }
    if (oldest !== undefined) pruneTxs.run(oldest);
  };
  const keep = db.transaction(putTransactions);

  const merge = db.transaction(
    (
      accounts: Record<string, DumpedAccount>,
      blocks: RpcBlock[],
      transactions: RpcTransaction[],
      head: ChainStateBase,
    ) => {
      for (const [address, a] of Object.entries(accounts)) {
        const addr = hexBytes(address, 20);
        putAccount.run(addr, Number(a.nonce), a.balance, hexBytes(a.code ?? "0x"));
        for (const [key, value] of Object.entries(a.storage ?? {})) {
          const v = hexBytes(value, 32);
          if (v.equals(ZERO)) dropSlot.run(addr, hexBytes(key, 32));
          else putSlot.run(addr, hexBytes(key, 32), v);
        }
      }
      for (const b of blocks) putBlock.run(Number(BigInt(b.number)), b.hash, JSON.stringify(b));
      pruneBlocks.run(head.number - HASH_WINDOW);
      putTransactions(transactions);
      setMeta.run("base", JSON.stringify(head));
    },
  );
  // BEGIN IMMEDIATE: the write lock at once, not at the first write.
  return {
    merge: (accounts, blocks, transactions, head) => merge.immediate(accounts, blocks, transactions, head),
    keep: (transactions) => keep.immediate(transactions),
  };
}

export function openChainState(dataDir: string): ChainState {
  const file = chainStateFile(dataDir);
  const db = openWritable(file);
  const getMeta = db.prepare<[string], { v: string }>("SELECT v FROM meta WHERE k = ?");
  const getBlock = db.prepare<[number], { json: string }>("SELECT json FROM block WHERE number = ?");
  let writer: { worker: Worker; pending: Map<number, (r: WriterReply) => void>; stop: () => Promise<void> } | undefined;
  let nextId = 0;
  const startWriter = () => {
    const worker = startModuleWorker(__filename, __dirname, "chainStateWriter", {
      name: "certledger-chain-state-writer",
      workerData: { file },
    });
    worker.unref();
    const w = { worker, pending: new Map<number, (r: WriterReply) => void>(), stop: workerStopper(worker) };
    const fail = (error: string) => {
      if (writer === w) writer = undefined;
      for (const [id, settle] of w.pending) settle({ id, error });
      w.pending.clear();
    };
    worker.on("message", (m: WriterReply | { stopped: true }) => {
      if (!("id" in m)) return;
      const settle = w.pending.get(m.id);
      w.pending.delete(m.id);
      // Idle, it does not keep the process alive.
      if (w.pending.size === 0) worker.unref();
      settle?.(m);
    });
    worker.on("error", (e) => fail(`the chain state writer failed: ${e.message}`));
    worker.on("exit", (code) => fail(`the chain state writer exited (${code})`));
    return w;
  };
  const write = (req: Omit<WriterRequest, "id">): Promise<number | undefined> =>
    new Promise((resolve, reject) => {
      const w = (writer ??= startWriter());
      const id = ++nextId;
      w.pending.set(id, (r) => ("error" in r ? reject(new Error(r.error)) : resolve(r.held)));
      w.worker.ref();
      w.worker.postMessage({ ...req, id } satisfies WriterRequest);
    });

  return {
    file,
    base() {
      const row = getMeta.get("base");
      return row ? (JSON.parse(row.v) as ChainStateBase) : undefined;
    },
    async merge(accounts, blocks, transactions, head) {
      await write({ accounts, blocks, transactions, head });
    },
    mergeDump: (dump, blocks, transactions, head) => write({ dump, blocks, transactions, head }),
    async keepTransactions(transactions) {
      if (transactions.length > 0) await write({ blocks: [], transactions });
    },
    mixHashOf(number) {
      const row = getBlock.get(number);
      return row ? (JSON.parse(row.json) as { mixHash?: string }).mixHash : undefined;
    },
    transactionCount: () => (db.prepare("SELECT count(*) AS n FROM tx").get() as { n: number }).n,
    slotCount: () => (db.prepare("SELECT count(*) AS n FROM slot").get() as { n: number }).n,
    async backup(dest) {
      await db.backup(dest);
    },
    bytes() {
      let n = 0;
      for (const f of [file, `${file}-wal`]) if (fs.existsSync(f)) n += fs.statSync(f).size;
      return n;
    },
    async close() {
      await writer?.stop();
      db.close();
    },
  };
}

/** The state server thread's heap limit (old generation). */
const STATE_SERVER_HEAP_MB = 128;

export interface StateServer {
  /** http://127.0.0.1:port (readers and tests). */
  url: string;
  /** The Unix socket the chain nodes fork from (anvil's --fork-url takes a socket's path). */
  ipcPath: string;
  /**
   * The blocks the nodes served now were forked at: state reads name one of them (or a tag). Any other
   * block is history before the base, which is not kept, and is refused rather than answered wrongly.
   */
  forks(blocks: number[]): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The server's code: plain CommonJS on a thread of its own with its own read connection, so that the
 * node's reads during a block never wait for the gateway's event loop.
 */
const SERVER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const http = require("node:http");
const net = require("node:net");
const Database = require(workerData.driver);
const db = new Database(workerData.file, { readonly: true, fileMustExist: true });
const q = {
  meta: db.prepare("SELECT v FROM meta WHERE k = 'base'"),
  account: db.prepare("SELECT nonce, balance, code FROM account WHERE address = ?"),
  slot: db.prepare("SELECT value FROM slot WHERE address = ? AND key = ?"),
  byNumber: db.prepare("SELECT json FROM block WHERE number = ?"),
  byHash: db.prepare("SELECT json FROM block WHERE hash = ?"),
  tx: db.prepare("SELECT json, receipt FROM tx WHERE hash = ?"),
  txsOf: db.prepare("SELECT json, receipt FROM tx WHERE block = ? ORDER BY idx"),
  txsIn: db.prepare("SELECT receipt FROM tx WHERE block BETWEEN ? AND ? ORDER BY block, idx"),
};
const hex = (n) => "0x" + BigInt(n).toString(16);
const bytes = (h, size) => {
  const d = String(h).toLowerCase().replace(/^0x/, "");
  return Buffer.from(size ? d.padStart(size * 2, "0") : d, "hex");
};
const ZERO_WORD = "0x" + "0".repeat(64);
const word = (b) => "0x" + (b ? b.toString("hex") : "").padStart(64, "0");
const base = () => JSON.parse(q.meta.get().v);
// The blocks the live nodes were forked at: the only blocks whose state this file gives (see above).
let forks = new Set();
function at(tag) {
  if (typeof tag !== "string" || !tag.startsWith("0x") || tag.length === 66) return;
  const n = Number(BigInt(tag));
  if (!forks.has(n)) throw Object.assign(new Error("the state of block " + n + " is not kept (history is pruned)"), { code: -32000 });
}
const account = (a, tag) => (at(tag), q.account.get(bytes(a, 20)));
function blockNumber(tag) {
  if (tag === "earliest") return 0;
  if (typeof tag === "string" && tag.startsWith("0x")) return Number(BigInt(tag));
  if (typeof tag === "number") return tag;
  return base().number;
}
function block(tag, full) {
  let row;
  if (typeof tag === "string" && tag.startsWith("0x") && tag.length === 66) row = q.byHash.get(tag.toLowerCase());
  else {
    row = q.byNumber.get(blockNumber(tag));
  }
  if (!row) return null;
  const b = JSON.parse(row.json);
  // anvil forked at a block takes that block's mixHash as the difficulty of the first block it mines
  // (later ones have 0): a node forked at another checkpoint would then mine different blocks from the
  // same journal. The block the node forks at is served with a zero mixHash, so every block a forked
  // node mines has difficulty 0, wherever it was forked (its hash is the one the block was mined with).
  if (Number(BigInt(b.number)) === base().number) b.mixHash = ZERO_WORD;
  // Full transactions where they are kept; a block whose transactions are not kept lists none.
  if (full) b.transactions = q.txsOf.all(Number(BigInt(b.number))).map((t) => JSON.parse(t.json));
  return b;
}
const match = (want, got) => want == null || (Array.isArray(want) ? want.length === 0 || want.some((w) => w && w.toLowerCase() === got) : want.toLowerCase() === got);
function logs(f) {
  f = f || {};
  let from, to;
  if (f.blockHash) {
    const b = block(f.blockHash, false);
    if (!b) return [];
    from = to = Number(BigInt(b.number));
  } else {
    from = blockNumber(f.fromBlock == null ? "latest" : f.fromBlock);
    to = blockNumber(f.toBlock == null ? "latest" : f.toBlock);
  }
  const out = [];
  for (const row of q.txsIn.all(from, to))
    for (const l of JSON.parse(row.receipt).logs || [])
      if (match(f.address, l.address.toLowerCase()) && (f.topics || []).every((t, i) => match(t, l.topics[i] && l.topics[i].toLowerCase())))
        out.push(l);
  return out;
}
const methods = {
  eth_chainId: () => hex(workerData.chainId),
  net_version: () => String(workerData.chainId),
  eth_blockNumber: () => hex(base().number),
  eth_gasPrice: () => "0x0",
  eth_maxPriorityFeePerGas: () => "0x0",
  eth_getBlockByNumber: (p) => block(p[0], p[1]),
  eth_getBlockByHash: (p) => block(p[0], p[1]),
  eth_getBalance: (p) => { const a = account(p[0], p[1]); return a ? a.balance : "0x0"; },
  eth_getTransactionCount: (p) => { const a = account(p[0], p[1]); return hex(a ? a.nonce : 0); },
  eth_getCode: (p) => { const a = account(p[0], p[1]); return a && a.code.length ? "0x" + a.code.toString("hex") : "0x"; },
  eth_getAccountInfo: (p) => {
    const a = account(p[0], p[1]);
    return { balance: a ? a.balance : "0x0", nonce: hex(a ? a.nonce : 0), code: a && a.code.length ? "0x" + a.code.toString("hex") : "0x" };
  },
  eth_getStorageAt: (p) => {
    at(p[2]);
    const r = q.slot.get(bytes(p[0], 20), bytes(hex(p[1]), 32));
    return word(r && r.value);
  },
  // History before the base: only the newest transactions (KEEP_TRANSACTIONS) are kept.
  eth_getTransactionByHash: (p) => { const t = q.tx.get(String(p[0]).toLowerCase()); return t ? JSON.parse(t.json) : null; },
  eth_getTransactionReceipt: (p) => { const t = q.tx.get(String(p[0]).toLowerCase()); return t ? JSON.parse(t.receipt) : null; },
  eth_getBlockReceipts: (p) => { const b = block(p[0], false); return b ? q.txsOf.all(Number(BigInt(b.number))).map((t) => JSON.parse(t.receipt)) : null; },
  eth_getLogs: (p) => logs(p[0]),
};
function answer(m) {
  const f = methods[m && m.method];
  if (!f) return { jsonrpc: "2.0", id: m && m.id, error: { code: -32601, message: "not served by the chain state: " + (m && m.method) } };
  try {
    return { jsonrpc: "2.0", id: m.id, result: f(m.params || []) };
  } catch (e) {
    return { jsonrpc: "2.0", id: m.id, error: { code: (e && e.code) || -32603, message: String(e && e.message ? e.message : e) } };
  }
}
// The answer to a request's text, and the request's method (none for a batch).
const reply = (text) => {
  try {
    const msg = JSON.parse(text);
    if (Array.isArray(msg)) return { body: JSON.stringify(msg.map(answer)) };
    return { body: JSON.stringify(answer(msg)), method: msg && msg.method };
  } catch (e) {
    return { body: JSON.stringify({ jsonrpc: "2.0", id: null, error: { code: -32700, message: "parse error" } }) };
  }
};
// The node reads over a Unix socket: a slot it has not read yet costs one round trip while a block is
// mined, and over HTTP that round trip was ~30 % dearer (request and response framing on both sides).
// A socket carries JSON values one after another, with or without whitespace between them; each
// request is answered with one value and a newline, matched to it by its id.
//
// A node's first account read races eth_getAccountInfo against eth_getBalance, eth_getTransactionCount
// and eth_getCode, and keeps to whichever answered first: one request per account or three. It sends
// the three first, so they are answered a moment late and the one request wins.
const SEPARATE_ACCOUNT_READS = new Set(["eth_getBalance", "eth_getTransactionCount", "eth_getCode"]);
const LATE_MS = 2;
const send = (sock, text) => {
  const { body, method } = reply(text);
  const out = body + "\\n";
  if (SEPARATE_ACCOUNT_READS.has(method)) setTimeout(() => sock.writable && sock.write(out), LATE_MS);
  else sock.write(out);
};
const sockets = new Set();
const ipc = net.createServer((sock) => {
  sockets.add(sock);
  sock.on("close", () => sockets.delete(sock));
  sock.on("error", () => sock.destroy());
  let pending = Buffer.alloc(0);
  let depth = 0;
  let inString = false;
  let escaped = false;
  let scanned = 0;
  let start = 0;
  sock.on("data", (chunk) => {
    pending = pending.length ? Buffer.concat([pending.subarray(start), chunk]) : chunk;
    scanned -= start;
    start = 0;
    for (let i = scanned; i < pending.length; i++) {
      const c = pending[i];
      if (inString) {
        if (escaped) escaped = false;
        else if (c === 0x5c) escaped = true;
        else if (c === 0x22) inString = false;
      } else if (c === 0x7b || c === 0x5b) depth++;
      else if (depth === 0) {
        // Between requests only whitespace: anything else is not a request, and the connection cannot
        // be resynchronised.
        if (c > 0x20) {
          sock.destroy();
          return;
        }
      } else if (c === 0x22) inString = true;
      else if (c === 0x7d || c === 0x5d) {
        if (--depth === 0) {
          send(sock, pending.toString("utf8", start, i + 1));
          start = i + 1;
        }
      }
    }
    scanned = pending.length;
    if (start === pending.length) {
      pending = Buffer.alloc(0);
      scanned = start = 0;
    }
  });
});
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    res.setHeader("content-type", "application/json");
    res.end(reply(Buffer.concat(chunks).toString("utf8")).body);
  });
});
server.keepAliveTimeout = 60000;
try { require("node:fs").rmSync(workerData.ipcPath, { force: true }); } catch {}
ipc.listen(workerData.ipcPath, () =>
  server.listen(0, "127.0.0.1", () => parentPort.postMessage({ port: server.address().port })),
);
parentPort.on("message", (m) => {
  if (m && m.forks) {
    forks = new Set(m.forks);
    parentPort.postMessage({ forksSet: true });
    return;
  }
  if (m !== "stop") return;
  server.close();
  server.closeAllConnections();
  ipc.close();
  for (const s of sockets) s.destroy();
  db.close();
  parentPort.postMessage({ stopped: true });
});
`;

/**
 * Where the sockets go: the system's temporary directory, unless its path is too long for a socket's
 * (107 bytes in all on Linux; a data directory's path has no such limit, so sockets do not go there).
 */
function socketDir(): string {
  return os.tmpdir().length <= 60 ? os.tmpdir() : "/tmp";
}

let staleSocketsRemoved = false;
/**
 * Sockets of state servers whose process is gone (killed: a clean stop removes its own); looked for
 * once per process, at its first server.
 */
function removeStaleSockets(): void {
  if (staleSocketsRemoved) return;
  staleSocketsRemoved = true;
  const dir = socketDir();
  try {
    for (const name of fs.readdirSync(dir)) {
      const pid = /^certledger-state-(\d+)-[0-9a-f]+\.ipc$/.exec(name)?.[1];
      if (!pid || Number(pid) === process.pid) continue;
      try {
        process.kill(Number(pid), 0);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ESRCH") fs.rmSync(path.join(dir, name), { force: true });
      }
    }
  } catch {
    // Leftovers in the temporary directory are harmless.
  }
}

/**
 * Starts the server for the chain state file `file`: on a Unix socket in the system's temporary
 * directory (the nodes) and on 127.0.0.1, a port the system picks (readers and tests).
 */
export async function startStateServer(file: string, chainId: number): Promise<StateServer> {
  removeStaleSockets();
  const ipcPath = path.join(socketDir(), `certledger-state-${process.pid}-${randomBytes(6).toString("hex")}.ipc`);
  const worker = new Worker(SERVER_SOURCE, {
    eval: true,
    name: "certledger-chain-state",
    workerData: { file, chainId, ipcPath, driver: require.resolve("better-sqlite3") },
    // It holds almost nothing between requests, but allocates for each one: without a limit of its own
    // its heap grows to the process's default limit before it collects.
    resourceLimits: { maxOldGenerationSizeMb: STATE_SERVER_HEAP_MB, maxYoungGenerationSizeMb: 16 },
  });
  worker.unref();
  const port = await new Promise<number>((resolve, reject) => {
    worker.once("error", reject);
    worker.once("exit", (code) => reject(new Error(`the chain state server exited (${code})`)));
    worker.once("message", (m: { port: number }) => resolve(m.port));
  });
  const stop = workerStopper(worker);
  return {
    url: `http://127.0.0.1:${port}`,
    ipcPath,
    forks: (blocks) =>
      new Promise<void>((resolve) => {
        const ack = (m: { forksSet?: boolean }) => {
          if (!m.forksSet) return;
          worker.off("message", ack);
          resolve();
        };
        worker.on("message", ack);
        worker.postMessage({ forks: blocks });
      }),
    async stop() {
      await stop();
      fs.rmSync(ipcPath, { force: true });
    },
  };
}
