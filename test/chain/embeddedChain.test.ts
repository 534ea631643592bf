import { expect } from "chai";
import fs from "node:fs";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import Database from "better-sqlite3";
import { spawnSync } from "node:child_process";
import {
  EMBEDDED_ENGINES,
  openEmbeddedChain,
  type CheckpointPolicy,
  type EmbeddedChain,
  type EmbeddedChainOptions,
  type EmbeddedEngine,
} from "../../src/chain/embeddedChain";
import { BlockJournal } from "../../src/chain/journal";
import { CustodialKeyring } from "../../src/chain/keyring";
import { scratchDir } from "../support/scratch";

const seed = new Uint8Array(32).fill(7);
const CHAIN_CHILD = path.join(__dirname, "../support/chainChild.ts");
/** EIP-2935's history storage contract. */
const HISTORY_STORAGE_ADDRESS = "0x0000f90827f1c53a10cb7a02335b175320002935";

function tmpDir(): string {
  return scratchDir("certledger-chain-");
}

async function open(
  dir: string,
  keyring: CustodialKeyring,
  engine: EmbeddedEngine = "anvil",
  checkpoints: Partial<CheckpointPolicy> = {},
  more: Pick<EmbeddedChainOptions, "log" | "checkpointHook"> = {},
): Promise<EmbeddedChain> {
  const funder = keyring.addressOf("relayer");
  return openEmbeddedChain({
    dataDir: dir,
    genesisAccounts: [{ address: funder, privateKey: keyring.privateKeyOf("relayer"), balanceWei: 10n ** 30n }],
    signer: (a) => keyring.signer(a),
    engine,
    checkpoints,
    ...more,
  });
}

/**
 * Rows of the chain state file: of one table, or the accounts, the slots (but the EIP-2935 ring of
 * block hashes) and the block headers.
 */
function stateRows(dir: string, table?: "tx"): number {
  const db = new Database(path.join(dir, "chain-state.sqlite"), { readonly: true });
  try {
    const count = (sql: string, ...args: unknown[]) => (db.prepare(sql).get(...args) as { n: number }).n;
    if (table) return count(`SELECT count(*) AS n FROM ${table}`);
    return (
      count("SELECT count(*) AS n FROM account") +
      count("SELECT count(*) AS n FROM slot WHERE address != ?", Buffer.from(HISTORY_STORAGE_ADDRESS.slice(2), "hex")) +
      count("SELECT count(*) AS n FROM block")
    );
  } finally {
    db.close();
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const latest = async (chain: EmbeddedChain) => (await chain.rpc("eth_getBlockByNumber", ["latest", false])) as any;

for (const engine of EMBEDDED_ENGINES)
  describe(`embedded chain (${engine})`, function () {
    it("lands 50 concurrent transfers from one sender with no nonce error, in few blocks", async function () {
      const keyring = new CustodialKeyring(seed);
      const chain = await open(tmpDir(), keyring, engine);
      const from = keyring.addressOf("relayer");
      const to = keyring.addressOf("someone");
      const mined = await Promise.all(
        Array.from({ length: 50 }, () => chain.producer.submit({ from, to, data: "0x", gasLimit: 21_000n, value: 1n })),
      );
      expect(mined.every((m) => m.status === 1)).to.equal(true);
      expect(new Set(mined.map((m) => m.blockNumber)).size).to.be.lessThan(5);
      expect(BigInt((await chain.rpc("eth_getBalance", [to, "latest"])) as string)).to.equal(50n);
      await chain.close();
    });

    it("refuses, in a block the node refused a transaction of, that sender's later ones, and mines none of them afterwards", async function () {
      const keyring = new CustodialKeyring(seed);
      const chain = await open(tmpDir(), keyring, engine);
      const from = keyring.addressOf("relayer");
      const to = keyring.addressOf("someone");
      const transfer = (value: bigint, gasLimit = 21_000n) =>
        chain.producer.submit({ from, to, data: "0x", gasLimit, value });
      // One block: the second transfer asks for more gas than a block holds, so the node refuses it; the
      // third (the next nonce) would wait behind the gap (anvil gets all three in one request).
      const [first, tooBig, after] = await Promise.allSettled([transfer(1n), transfer(2n, 10n ** 12n), transfer(4n)]);
      expect(first.status).to.equal("fulfilled");
      expect(tooBig.status).to.equal("rejected");
      expect(after.status).to.equal("rejected");
      expect(String((after as PromiseRejectedResult).reason)).to.match(/earlier transaction of .* was refused/);
      // The sender's nonce is read again: new work lands, alone in its block, and nothing refused is mined.
      const next = await transfer(8n);
      expect(next.status).to.equal(1);
      await chain.producer.mineEmpty();
      expect(BigInt((await chain.rpc("eth_getBalance", [to, "latest"])) as string)).to.equal(9n);
      const block = await chain.rpc("eth_getBlockByNumber", ["0x" + next.blockNumber.toString(16), false]);
      expect((block as { transactions: string[] }).transactions).to.deep.equal([next.hash]);
      expect(await chain.rpc("eth_getTransactionCount", [from, "pending"])).to.equal(
        await chain.rpc("eth_getTransactionCount", [from, "latest"]),
      );
      await chain.close();
    });

    it("replays its journal after a restart into the same blocks and state", async function () {
      const dir = tmpDir();
      const keyring = new CustodialKeyring(seed);
      const from = keyring.addressOf("relayer");
      const other = keyring.addressOf("agency:1:1");
      // No checkpoint while the 20 rounds are mined, however slowly a loaded machine mines them.
      const noCheckpoint = { replayMs: 3_600_000 };
      let chain = await open(dir, keyring, engine, noCheckpoint);
      for (let round = 0; round < 20; round++) {
        await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            chain.producer.submit({ from, to: other, data: "0x", gasLimit: 21_000n, value: BigInt(i + 1) }),
          ),
        );
      }
      const head = await latest(chain);
      // The files as a kill at this instant would leave them: no checkpoint yet, every block in the journal.
      const crashed = tmpDir();
      expect(await chain.backupTo(crashed)).to.include("chain-journal.jsonl");
      await chain.close();

      // A torn append (crash in the middle of a write) was never acknowledged and must be dropped.
      fs.appendFileSync(path.join(crashed, "chain-journal.jsonl"), '{"n":999,"ts":1,"txs":["0x02');

      for (const d of [crashed, dir]) {
        chain = await open(d, keyring, engine, noCheckpoint);
        // A clean close leaves a checkpoint at the head on anvil (nothing to replay); EDR replays everything.
        const cleanAnvil = d === dir && engine === "anvil";
        expect(chain.replay.transactions).to.equal(cleanAnvil ? 0 : 200);
        expect(chain.replay.fromBlock).to.equal(cleanAnvil ? Number(BigInt(head.number)) : 0);
        expect((await latest(chain)).hash).to.equal(head.hash);
        expect(BigInt((await chain.rpc("eth_getBalance", [other, "latest"])) as string)).to.equal(20n * 55n);
        // New work continues from the replayed nonce.
        const m = await chain.producer.submit({ from, to: other, data: "0x", gasLimit: 21_000n, value: 1n });
        expect(m.status).to.equal(1);
        await chain.close();
      }
    });

    it("refuses a journal whose replay does not give the journalled blocks", async function () {
      const dir = tmpDir();
      const keyring = new CustodialKeyring(seed);
      const from = keyring.addressOf("relayer");
      const chain = await open(dir, keyring, engine);
      for (let i = 0; i < 5; i++)
        await chain.producer.submit({ from, to: keyring.addressOf("x"), data: "0x", gasLimit: 21_000n, value: 1n });
      const crashed = tmpDir();
      await chain.backupTo(crashed);
      await chain.close();
      // From a block in the middle on, each mined a second later than it was: every hash from there differs.
      const journal = new BlockJournal(crashed);
      const blocks = journal.readAll();
      for (const b of blocks.slice(2)) b.ts += 1;
      fs.writeFileSync(journal.file, blocks.map((b) => JSON.stringify(b) + "\n").join(""));
      let error: unknown;
      await open(crashed, keyring, engine).catch((e) => (error = e));
      expect(String(error)).to.match(/replay diverged/);
    });

    it("refuses a journal written under another seed", async function () {
      const dir = tmpDir();
      const chain = await open(dir, new CustodialKeyring(seed), engine);
      await chain.close();
      let error: unknown;
      try {
        await open(dir, new CustodialKeyring(new Uint8Array(32).fill(8)), engine);
      } catch (e) {
        error = e;
      }
      expect(String(error)).to.match(/wrong seed/);
    });

    it("lets work waiting for the next block join it when the block is taken, also after a pause and at close", async function () {
      const keyring = new CustodialKeyring(seed);
      const chain = await open(tmpDir(), keyring, engine);
      const from = keyring.addressOf("relayer");
      const to = keyring.addressOf("someone");
      const transfer = () => chain.producer.submit({ from, to, data: "0x", gasLimit: 21_000n, value: 1n });
      // Idle: nothing to wait for, the caller sends now.
      expect(chain.producer.whenTaking(() => expect.fail("an idle producer calls no one"))).to.equal(false);

      // A block about to be made: the waiting work is taken with it, all in that one block.
      const first = transfer();
      const joined: ReturnType<typeof transfer>[] = [];
      expect(chain.producer.whenTaking(() => joined.push(transfer(), transfer(), transfer()))).to.equal(true);
      expect(joined).to.have.length(0);
      const mined = [await first];
      expect(joined).to.have.length(3);
      mined.push(...(await Promise.all(joined)));
      expect(new Set(mined.map((m) => m.blockNumber)).size).to.equal(1);

      // Registered during a pause between blocks: taken when the pause ends.
      let late: ReturnType<typeof transfer> | undefined;
      await chain.producer.between(async () => {
        expect(chain.producer.whenTaking(() => (late = transfer()))).to.equal(true);
        expect(late).to.equal(undefined);
      });
      expect(late).to.not.equal(undefined);
      expect((await late!).blockNumber).to.be.greaterThan(mined[3].blockNumber);

      // Registered while the last block is made: a clean stop makes it, it does not refuse it.
      const last = transfer();
      let atClose: ReturnType<typeof transfer> | undefined;
      expect(chain.producer.whenTaking(() => (atClose = transfer()))).to.equal(true);
      await chain.close();
      expect((await last).status).to.equal(1);
      expect((await atClose!).status).to.equal(1);
    });

    it("closes in a process that has nothing else to keep it alive", async function () {
      const r = spawnSync(process.execPath, ["--import", "tsx", CHAIN_CHILD, "close", tmpDir(), engine], {
        encoding: "utf8",
        timeout: 60_000,
      });
      expect(r.stderr).to.not.match(/chainChild failed/);
      expect(r.stdout.trim()).to.equal("CLOSED 1");
    });

    it("answers a block's transactions only once the journal holds it, and in block order", async function () {
      const dir = tmpDir();
      const keyring = new CustodialKeyring(seed);
      const chain = await open(dir, keyring, engine);
      const from = keyring.addressOf("relayer");
      const to = keyring.addressOf("someone");
      const journaled = () => chain.journal.readAll().map((b) => b.n);
      const answered: number[] = [];
      await Promise.all(
        Array.from({ length: 60 }, async (_, i) => {
          if (i % 6 === 0) await new Promise((r) => setTimeout(r, i)); // spread over several blocks
          const m = await chain.producer.submit({ from, to, data: "0x", gasLimit: 21_000n, value: 1n });
          // When a caller hears of its block, that block is already on disk.
          expect(journaled()).to.include(m.blockNumber);
          answered.push(m.blockNumber);
        }),
      );
      expect(answered).to.deep.equal([...answered].sort((a, b) => a - b));
      expect(new Set(answered).size).to.be.greaterThan(1);
      await chain.close();
    });

    it("refuses every later append once one journal write failed (a gap could not be replayed)", async function () {
      const dir = tmpDir();
      const journal = new BlockJournal(dir);
      // Not opened: the first write fails.
      let first: unknown;
      await journal.append({ n: 1, ts: 1, txs: [] }).catch((e) => (first = e));
      expect(String(first)).to.match(/not open/);
      journal.open();
      let later: unknown;
      await journal.append({ n: 2, ts: 2, txs: [] }).catch((e) => (later = e));
      expect(later).to.equal(first);
      expect(journal.failure).to.equal(first);
      await journal.close();
      expect(journal.readAll()).to.deep.equal([]);
    });
  });

describe("embedded chain checkpoints (anvil)", function () {
  this.timeout(120_000);
  const transfer = (chain: EmbeddedChain, from: string, to: string, value: bigint) =>
    chain.producer.submit({ from, to, data: "0x", gasLimit: 21_000n, value });

  it("takes a checkpoint when no block came for a while, once the blocks since took idleReplayMs to make", async function () {
    const keyring = new CustodialKeyring(seed);
    const from = keyring.addressOf("relayer");
    const to = keyring.addressOf("someone");
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    // Made-time no three blocks reach: idle or not, no checkpoint.
    const quiet = await open(tmpDir(), keyring, "anvil", { replayMs: 1e9, idleMs: 100, idleReplayMs: 1e8 });
    for (let i = 0; i < 3; i++) await transfer(quiet, from, to, 1n);
    await sleep(400);
    expect(quiet.checkpoints.count).to.equal(0);
    await quiet.close();

    // Any block takes 1 ms to make: the checkpoint comes once 100 ms passed without a block, not before
    // (replayMs, the trigger under load, is out of reach).
    const chain = await open(tmpDir(), keyring, "anvil", { replayMs: 1e9, idleMs: 100, idleReplayMs: 1 });
    await transfer(chain, from, to, 1n);
    const t0 = Date.now();
    const head = Number(BigInt((await latest(chain)).number));
    while (chain.checkpoints.count === 0 && Date.now() - t0 < 10_000) await sleep(20);
    expect(chain.checkpoints.count).to.equal(1);
    expect(chain.checkpoints.block).to.equal(head);
    expect(chain.checkpoints.at - t0).to.be.at.least(90);
    // Nothing new since: idle is not a reason to take another.
    await sleep(400);
    expect(chain.checkpoints.count).to.equal(1);
    await chain.close();
  });

  it("restarts from its checkpoint and replays only the journal past it, into the same blocks", async function () {
    const dir = tmpDir();
    const keyring = new CustodialKeyring(seed);
    const from = keyring.addressOf("relayer");
    const to = keyring.addressOf("someone");
    const chain = await open(dir, keyring, "anvil", { blocks: 10, replayMs: 1e9 });
    // Two checkpoints at least (one is due every 10 blocks; each is awaited here, whenever it started):
    // the second is written by a node forked from the first.
    for (let i = 1; i <= 25; i++) {
      await transfer(chain, from, to, BigInt(i));
      if (i === 12 || i === 25) await chain.checkpoint();
    }
    expect(chain.checkpoints.count).to.be.at.least(2);
    const cp = chain.checkpoints.block;
    for (let i = 26; i <= 30; i++) await transfer(chain, from, to, BigInt(i));
    const head = await latest(chain);
    expect(chain.journal.readAll().map((b) => b.n)).to.deep.equal(
      Array.from({ length: Number(BigInt(head.number)) - cp }, (_, k) => cp + 1 + k),
    );
    const crashed = tmpDir();
    const files = await chain.backupTo(crashed);
    expect(files.sort()).to.deep.equal(["chain-genesis.json", "chain-journal.jsonl", "chain-state.sqlite"]);
    await chain.close();

    const again = await open(crashed, keyring, "anvil", { blocks: 10, replayMs: 1e9 });
    expect(again.replay.fromBlock).to.equal(cp);
    expect(again.replay.blocks).to.equal(Number(BigInt(head.number)) - cp);
    expect((await latest(again)).hash).to.equal(head.hash);
    expect(BigInt((await again.rpc("eth_getBalance", [to, "latest"])) as string)).to.equal(465n);
    expect((await transfer(again, from, to, 1n)).status).to.equal(1);
    await again.close();
  });

  it("replaces its node by a spare moved to the checkpoint's block, whose blocks a started node replays the same", async function () {
    const dir = tmpDir();
    const keyring = new CustodialKeyring(seed);
    const from = keyring.addressOf("relayer");
    const to = keyring.addressOf("someone");
    const logged: { msg: string; fields?: Record<string, unknown>; level?: string }[] = [];
    const chain = await open(
      dir,
      keyring,
      "anvil",
      { blocks: 1e6, replayMs: 1e9 },
      { log: (msg, fields, level) => logged.push({ msg, fields, level }) },
    );
    const pids = [chain.nodePid()];
    // The first checkpoint starts a node on the state file; each later one moves a spare: started as the
    // second began, then kept after each replacement (replacements seconds apart: under load).
    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < 3; i++) await transfer(chain, from, to, 1n);
      await chain.checkpoint();
      pids.push(chain.nodePid());
    }
    for (let i = 0; i < 3; i++) await transfer(chain, from, to, 1n);
    expect(new Set(pids).size).to.equal(5);
    const replaced = logged.filter((l) => l.msg === "chain node replaced from its state");
    expect(replaced.map((l) => l.fields?.spare)).to.deep.equal([true, true, true]);
    expect(logged.filter((l) => l.level === "warn")).to.deep.equal([]);
    // The spare kept for the next checkpoint is memory the gateway holds: counted with the serving node.
    const serving = () =>
      Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${chain.nodePid()}/status`, "utf8"))![1]) * 1024;
    for (let i = 0; i < 200 && chain.nodeRss() < serving() + 10e6; i++) await new Promise((r) => setTimeout(r, 50));
    expect(chain.nodeRss()).to.be.greaterThan(serving() + 10e6);
    const head = await latest(chain);
    // A restart replays the blocks the moved spare mined into a node started at the checkpoint: same hashes.
    const crashed = tmpDir();
    await chain.backupTo(crashed);
    await chain.close();
    const again = await open(crashed, keyring, "anvil", { blocks: 1e6, replayMs: 1e9 });
    expect(again.replay.blocks).to.equal(3);
    expect((await latest(again)).hash).to.equal(head.hash);
    expect(BigInt((await again.rpc("eth_getBalance", [to, "latest"])) as string)).to.equal(15n);
    await again.close();
  });

  it("counts and warns of a checkpoint that fails, keeps the journal, and takes the next one", async function () {
    const dir = tmpDir();
    const keyring = new CustodialKeyring(seed);
    const from = keyring.addressOf("relayer");
    const to = keyring.addressOf("someone");
    const logged: { msg: string; fields?: Record<string, unknown>; level?: string }[] = [];
    let failNext = true;
    const chain = await open(
      dir,
      keyring,
      "anvil",
      { blocks: 1e6, replayMs: 1e9 },
      {
        log: (msg, fields, level) => logged.push({ msg, fields, level }),
        // The dump is taken, then (as when anvil's dump is too large to read back) the write fails.
        checkpointHook: async (phase) => {
          if (phase === "dumped" && failNext) {
            failNext = false;
            throw new Error("the dump could not be read");
          }
        },
      },
    );
    for (let i = 1; i <= 3; i++) await transfer(chain, from, to, BigInt(i));
    const journalled = chain.journal.readAll().length;
    let failed: unknown;
    await chain.checkpoint().catch((e: unknown) => (failed = e));
    expect((failed as Error).message).to.equal("the dump could not be read");
    expect(chain.checkpoints).to.include({ count: 0, failures: 1, lastError: "the dump could not be read" });
    expect(chain.journal.readAll().length).to.equal(journalled);
    const warning = logged.find((l) => l.msg === "chain checkpoint skipped");
    expect(warning).to.deep.include({ level: "warn", fields: { error: "the dump could not be read", failures: 1 } });
    // The next one is written (a failed one is tried again 10 s later on its own; asked for here).
    await chain.checkpoint();
    expect(chain.checkpoints).to.include({ count: 1, failures: 1 });
    expect(chain.journal.readAll()).to.deep.equal([]);
    await chain.close();
  });

  it("starts from a checkpoint whose journal was not emptied yet (killed in between), skipping what it holds", async function () {
    const dir = tmpDir();
    const keyring = new CustodialKeyring(seed);
    const from = keyring.addressOf("relayer");
    const to = keyring.addressOf("someone");
    const chain = await open(dir, keyring, "anvil", { blocks: 1_000_000, replayMs: 1e9 });
    for (let i = 1; i <= 8; i++) await transfer(chain, from, to, 1n);
    const before = tmpDir();
    await chain.backupTo(before); // journal of blocks 1..n, no checkpoint
    await chain.checkpoint();
    const head = await latest(chain);
    await chain.close();
    // The new checkpoint with the old, full journal: what a kill between the commit and the truncation leaves.
    fs.copyFileSync(path.join(dir, "chain-state.sqlite"), path.join(before, "chain-state.sqlite"));
    const again = await open(before, keyring, "anvil");
    expect(again.replay.fromBlock).to.equal(Number(BigInt(head.number)));
    expect(again.replay.transactions).to.equal(0);
    expect((await latest(again)).hash).to.equal(head.hash);
    expect(BigInt((await again.rpc("eth_getBalance", [to, "latest"])) as string)).to.equal(8n);
    await again.close();
  });

  it("moves a data directory of the earlier format (a whole-state checkpoint file) into its state file", async function () {
    const keyring = new CustodialKeyring(seed);
    const from = keyring.addressOf("relayer");
    const to = keyring.addressOf("someone");
    const chain = await open(tmpDir(), keyring, "anvil", { blocks: 1_000_000, replayMs: 1e9 });
    for (let i = 1; i <= 6; i++) await transfer(chain, from, to, 1n);
    // What the earlier code left: anvil's own dump of the whole state at the head, beside the journal.
    const legacy = tmpDir();
    await chain.backupTo(legacy);
    fs.rmSync(path.join(legacy, "chain-state.sqlite"));
    const dumped = (await chain.rpc("anvil_dumpState", [])) as string;
    fs.writeFileSync(path.join(legacy, "chain-checkpoint.json"), gunzipSync(Buffer.from(dumped.slice(2), "hex")));
    const head = await latest(chain);
    await chain.close();

    const again = await open(legacy, keyring, "anvil", { blocks: 1_000_000, replayMs: 1e9 });
    expect(again.replay).to.include({ fromBlock: Number(BigInt(head.number)), blocks: 0 });
    expect((await latest(again)).hash).to.equal(head.hash);
    await transfer(again, from, to, 1n);
    await again.checkpoint();
    // The first checkpoint wrote the whole state to the state file and removed the old file.
    expect(fs.existsSync(path.join(legacy, "chain-checkpoint.json"))).to.equal(false);
    expect(stateRows(legacy)).to.be.greaterThan(0);
    await transfer(again, from, to, 1n);
    const last = await latest(again);
    const crashed = tmpDir();
    await again.backupTo(crashed);
    await again.close();
    const third = await open(crashed, keyring, "anvil");
    expect(third.replay).to.include({ fromBlock: Number(BigInt(last.number)) - 1, blocks: 1 });
    expect((await latest(third)).hash).to.equal(last.hash);
    expect(BigInt((await third.rpc("eth_getBalance", [to, "latest"])) as string)).to.equal(8n);
    await third.close();
  });

  it("refuses a journal that does not continue its checkpoint", async function () {
    const dir = tmpDir();
    const keyring = new CustodialKeyring(seed);
    const from = keyring.addressOf("relayer");
    const to = keyring.addressOf("someone");
    const chain = await open(dir, keyring, "anvil", { blocks: 1_000_000, replayMs: 1e9 });
    await transfer(chain, from, to, 1n);
    await chain.checkpoint();
    await transfer(chain, from, to, 1n);
    await transfer(chain, from, to, 1n);
    const crashed = tmpDir();
    await chain.backupTo(crashed);
    await chain.close();
    const journal = new BlockJournal(crashed);
    const blocks = journal.readAll();
    expect(blocks).to.have.length(2);
    // Drop the first block after the checkpoint: a gap the restart must refuse, not paper over.
    fs.writeFileSync(journal.file, JSON.stringify(blocks[1]) + "\n");
    let error: unknown;
    await open(crashed, keyring, "anvil").catch((e) => (error = e));
    expect(String(error)).to.match(/blocks \d+\.\.\d+ are missing/);
  });

  /** An anvil chain whose checkpoints come only when asked for, and two accounts to move value between. */
  async function onlyAskedCheckpoints(policy: Partial<CheckpointPolicy>) {
    const dir = tmpDir();
    const keyring = new CustodialKeyring(seed);
    const chain = await open(dir, keyring, "anvil", { blocks: 1_000_000, replayMs: 1e9, ...policy });
    return { dir, keyring, chain, from: keyring.addressOf("relayer"), to: keyring.addressOf("someone") };
  }

  it("keeps its checkpoint the size of the state, whatever the history, and its node replaced and readable", async function () {
    const { dir, chain, from, to } = await onlyAskedCheckpoints({ keepBlocks: 16, recycleBlocks: 300 });
    const sizes: number[] = [];
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 300; i++) await transfer(chain, from, to, 1n);
      await chain.checkpoint();
      // Leave out the EIP-2935 system contract's ring of block hashes: state that grows with each block
      // up to 8,191 slots (~1.1 MB), then stays.
      sizes.push(stateRows(dir));
    }
    // Same accounts, same storage: 300 blocks more of history add nothing (256 headers are kept).
    expect(new Set(sizes).size, String(sizes)).to.equal(1);
    const head = Number(BigInt((await latest(chain)).number));
    expect(chain.historyFrom()).to.equal(head - 16 + 1);
    // The node was replaced from a checkpoint: the kept blocks still have their transactions and receipts.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const kept = (await chain.rpc("eth_getBlockByNumber", ["0x" + (head - 3).toString(16), false])) as any;
    expect(kept.transactions).to.have.length(1);
    expect(await chain.rpc("eth_getTransactionReceipt", [kept.transactions[0]])).to.not.equal(null);
    expect(BigInt((await chain.rpc("eth_getBalance", [to, "latest"])) as string)).to.equal(900n);
    await chain.close();
  });

  it("keeps the receipts of the newest 1,024 transactions of full blocks, replaces its node by transaction count, and loads into the same head", async function () {
    const { dir, keyring, chain, from, to } = await onlyAskedCheckpoints({
      transactions: 1_000_000,
      recycleTransactions: 1_500,
    });
    // Full blocks (the producer's 400 at most): 1,800 transfers in a handful of blocks.
    const mined = await Promise.all(Array.from({ length: 1_800 }, () => transfer(chain, from, to, 1n)));
    expect(mined.every((m) => m.status === 1)).to.equal(true);
    const head = await latest(chain);
    await chain.checkpoint();
    expect(stateRows(dir, "tx")).to.be.within(1, 1_024);
    // The node (which held all 1,800) was replaced by one loaded from that checkpoint: same head, the
    // newest transaction's receipt kept, the oldest one's not, every transfer's effect there.
    expect((await latest(chain)).hash).to.equal(head.hash);
    // The new node was forked at that block; readers still get the block as it was mined (its mixHash).
    expect((await latest(chain)).mixHash).to.equal(head.mixHash);
    const newest = mined.reduce((a, b) => (b.blockNumber > a.blockNumber ? b : a));
    const oldest = mined.reduce((a, b) => (b.blockNumber < a.blockNumber ? b : a));
    expect(await chain.rpc("eth_getTransactionReceipt", [newest.hash])).to.not.equal(null);
    expect(await chain.rpc("eth_getTransactionReceipt", [oldest.hash])).to.equal(null);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const emptied = (await chain.rpc("eth_getBlockByNumber", ["0x" + oldest.blockNumber.toString(16), false])) as any;
    expect(emptied.hash).to.equal(oldest.blockHash);
    expect(BigInt((await chain.rpc("eth_getBalance", [to, "latest"])) as string)).to.equal(1_800n);
    await chain.close();
    const again = await open(dir, keyring, "anvil");
    expect(again.replay.blocks).to.equal(0);
    expect((await latest(again)).hash).to.equal(head.hash);
    expect((await latest(again)).mixHash).to.equal(head.mixHash);
    await again.close();
  });
});
