import { expect } from "chai";
import Database from "better-sqlite3";
import { randomBytes } from "node:crypto";
import net from "node:net";
import { gzipSync } from "node:zlib";
import { keepAliveRpc } from "../../src/chain/anvil";
import {
  dumpHead,
  KEEP_TRANSACTIONS,
  openChainState,
  startStateServer,
  type RpcBlock,
  type RpcTransaction,
} from "../../src/chain/chainState";
import { scratchDir } from "../support/scratch";

const REGISTRY = "0x90bc923c084b22443c626cba10511d8f70f4b2ab";
const OTHER = "0x0000000000000000000000000000000000000abc";
const TOPIC = "0x" + "aa".repeat(32);
const word = (n: number | bigint) => "0x" + BigInt(n).toString(16).padStart(64, "0");

function block(n: number, txs: string[] = []): RpcBlock {
  return { number: "0x" + n.toString(16), hash: word(1000 + n), mixHash: word(7), transactions: txs };
}

function tx(n: number, i: number, address = REGISTRY): RpcTransaction {
  const hash = word(n * 1000 + i);
  return {
    tx: { hash, blockNumber: "0x" + n.toString(16), transactionIndex: "0x" + i.toString(16) },
    receipt: { transactionHash: hash, logs: [{ address, topics: [TOPIC, word(i)], data: "0x" }] },
  };
}

describe("chain state file and its server", function () {
  it("answers a forking node's reads from the last merge, and the kept blocks, receipts and logs", async function () {
    const state = openChainState(scratchDir("certledger-state-"));
    expect(state.base()).to.equal(undefined);
    await state.merge(
      {
        [REGISTRY]: { nonce: 1, balance: "0x5", code: "0x6080", storage: { [word(1)]: word(42), [word(2)]: word(9) } },
      },
      [block(0), block(1), block(2, [word(2000)])],
      [tx(2, 0)],
      { number: 2, hash: word(1002) },
    );
    // The next merge: one slot changed, one cleared, a new account, two more blocks with transactions.
    await state.merge(
      {
        [REGISTRY]: { nonce: 1, balance: "0x5", code: "0x6080", storage: { [word(1)]: word(43), [word(2)]: word(0) } },
        [OTHER]: { nonce: 3, balance: "0x0", code: "0x", storage: {} },
      },
      [block(3, [word(3000), word(3001)]), block(4, [word(4000)])],
      [tx(3, 0), tx(3, 1, OTHER), tx(4, 0)],
      { number: 4, hash: word(1004) },
    );
    expect(state.base()).to.deep.equal({ number: 4, hash: word(1004) });
    expect(state.slotCount()).to.equal(1);
    expect(state.transactionCount()).to.equal(4);

    const server = await startStateServer(state.file, 31337);
    const rpc = keepAliveRpc(server.url);
    try {
      expect(await rpc("eth_chainId", [])).to.equal("0x7a69");
      expect(await rpc("eth_blockNumber", [])).to.equal("0x4");
      // Slots by any spelling of the key, at the block a live node was forked at (or a tag).
      await server.forks([2, 4]);
      const mixed = REGISTRY.toUpperCase().replace("0X", "0x");
      expect(await rpc("eth_getStorageAt", [mixed, "0x1", "0x4"])).to.equal(word(43));
      expect(await rpc("eth_getStorageAt", [REGISTRY, word(1), "0x2"])).to.equal(word(43));
      // Any other block's state is history, which is not kept: refused, not answered with the base's.
      let refused: unknown;
      await rpc("eth_getStorageAt", [REGISTRY, "0x1", "0x3"]).catch((e: unknown) => (refused = e));
      expect(String(refused)).to.match(/state of block 3 is not kept/);
      await rpc("eth_getBalance", [REGISTRY, "0x1"]).catch((e: unknown) => (refused = e));
      expect(String(refused)).to.match(/state of block 1 is not kept/);
      expect(await rpc("eth_getStorageAt", [REGISTRY, word(2), "latest"])).to.equal(word(0));
      expect(await rpc("eth_getStorageAt", [OTHER, "0x1", "0x4"])).to.equal(word(0));
      expect(await rpc("eth_getAccountInfo", [REGISTRY, "0x4"])).to.deep.equal({
        balance: "0x5",
        nonce: "0x1",
        code: "0x6080",
      });
      expect(await rpc("eth_getTransactionCount", [OTHER, "0x4"])).to.equal("0x3");
      expect(await rpc("eth_getCode", ["0x" + "11".repeat(20), "0x4"])).to.equal("0x");
      // The base block is served with a zero mixHash (the node forked there mines the same blocks as any
      // other forked node); older ones as they were.
      const base = (await rpc("eth_getBlockByNumber", ["latest", false])) as RpcBlock;
      expect(base).to.include({ hash: word(1004), mixHash: word(0) });
      expect(await rpc("eth_getBlockByHash", [word(1003), false])).to.include({ number: "0x3", mixHash: word(7) });
      expect(await rpc("eth_getBlockByNumber", ["0x9", false])).to.equal(null);
      const full = (await rpc("eth_getBlockByNumber", ["0x3", true])) as { transactions: { hash: string }[] };
      expect(full.transactions.map((t) => t.hash)).to.deep.equal([word(3000), word(3001)]);
      expect(await rpc("eth_getTransactionReceipt", [word(4000)])).to.deep.include({ transactionHash: word(4000) });
      expect(await rpc("eth_getTransactionByHash", [word(999)])).to.equal(null);
      // Logs of the kept transactions, filtered as a node filters them.
      const logs = (f: object) => rpc("eth_getLogs", [f]) as Promise<{ address: string }[]>;
      expect(await logs({ fromBlock: "0x0", toBlock: "0x4" })).to.have.length(4);
      expect(await logs({ fromBlock: "0x3", toBlock: "0x4", address: OTHER })).to.have.length(1);
      expect(await logs({ fromBlock: "0x0", toBlock: "latest", topics: [TOPIC, word(0)] })).to.have.length(3);
      expect(await logs({ blockHash: word(1004) })).to.have.length(1);
      // Batches, and a clear error for what it does not serve.
      const res = await fetch(server.url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify([
          { jsonrpc: "2.0", id: 1, method: "eth_blockNumber" },
          { jsonrpc: "2.0", id: 2, method: "eth_getProof", params: [] },
        ]),
      });
      const [a, b] = (await res.json()) as { id: number; result?: string; error?: { code: number } }[];
      expect(a).to.include({ id: 1, result: "0x4" });
      expect(b.error?.code).to.equal(-32601);

      // The Unix socket the nodes fork from: JSON values back to back, split anywhere, answered in order.
      const sock = net.connect(server.ipcPath);
      let got = "";
      sock.on("data", (d) => (got += d.toString("utf8")));
      await new Promise((resolve) => sock.once("connect", resolve));
      const reqs = [
        { jsonrpc: "2.0", id: 1, method: "eth_getStorageAt", params: [REGISTRY, "0x1", "0x4"] },
        [{ jsonrpc: "2.0", id: 2, method: "eth_blockNumber" }],
        { jsonrpc: "2.0", id: 3, method: "eth_getCode", params: [REGISTRY, "0x4"], note: 'a } and a " in a string' },
      ]
        .map((r) => JSON.stringify(r))
        .join(" \n");
      for (const part of [reqs.slice(0, 9), reqs.slice(9, 100), reqs.slice(100)]) {
        sock.write(part);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      while (got.split("\n").length < 4) await new Promise((resolve) => setTimeout(resolve, 10));
      const answers = got
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as unknown);
      expect(answers).to.deep.equal([
        { jsonrpc: "2.0", id: 1, result: word(43) },
        [{ jsonrpc: "2.0", id: 2, result: "0x4" }],
        { jsonrpc: "2.0", id: 3, result: "0x6080" },
      ]);
      // A node's first account read sends the three separate reads before eth_getAccountInfo and keeps
      // to whichever is answered first: the one request is.
      got = "";
      sock.write(
        JSON.stringify({ jsonrpc: "2.0", id: 10, method: "eth_getBalance", params: [REGISTRY, "0x4"] }) +
          JSON.stringify({ jsonrpc: "2.0", id: 11, method: "eth_getAccountInfo", params: [REGISTRY, "0x4"] }),
      );
      while (got.split("\n").length < 3) await new Promise((resolve) => setTimeout(resolve, 5));
      expect(
        got
          .trim()
          .split("\n")
          .map((l) => (JSON.parse(l) as { id: number }).id),
      ).to.deep.equal([11, 10]);
      // What is not a request ends the connection (it could not be told apart from the next one): a
      // stray closing bracket, a bare string, or text.
      for (const junk of ["}", '"a string"', "not json"]) {
        const s = net.connect(server.ipcPath);
        await new Promise((resolve) => s.once("connect", resolve));
        s.write(junk);
        await new Promise((resolve) => s.once("close", resolve));
      }
      sock.destroy();
    } finally {
      await server.stop();
      await state.close();
    }
  });

  it("keeps the newest blocks' transactions, whole, up to its limit, and 256 headers", async function () {
    const state = openChainState(scratchDir("certledger-state-"));
    const perBlock = 300;
    for (let n = 1; n <= 300; n++) {
      const txs = n > 295 ? Array.from({ length: perBlock }, (_, i) => tx(n, i)) : [];
      await state.merge(
        {},
        [
          block(
            n,
            txs.map((t) => t.tx.hash),
          ),
        ],
        txs,
        { number: n, hash: word(1000 + n) },
      );
    }
    // 3 whole blocks of 300 fit in 1,024; a 4th would not.
    expect(state.transactionCount()).to.equal(3 * perBlock);
    expect(3 * perBlock).to.be.at.most(KEEP_TRANSACTIONS);
    const file = state.file;
    await state.close();
    const db = new Database(file, { readonly: true });
    const blocks = db.prepare("SELECT min(number) AS lo, count(*) AS n FROM block").get();
    db.close();
    expect(blocks).to.deep.equal({ lo: 300 - 256 + 1, n: 256 });
  });

  it("reads only the head of anvil's dump, in anvil's order, and a dump in any other order whole", function () {
    const random = (bytes: number) => "0x" + randomBytes(bytes).toString("hex");
    // Enough accounts that the head alone is more than the first 16 kB inflated.
    const accounts = Object.fromEntries(
      Array.from({ length: 400 }, () => [
        random(20),
        { nonce: 1, balance: random(8), code: "0x", storage: { [random(32)]: random(32) } },
      ]),
    );
    const transactions = Array.from({ length: 300 }, () => ({ info: { input: random(600) }, receipt: random(200) }));
    const blocks = Array.from({ length: 50 }, (_, k) => ({ header: { number: k }, transactions: [random(32)] }));
    // anvil's SerializableState, field by field in its order.
    const anvil = {
      block: { number: 77 },
      accounts,
      best_block_number: 77,
      blocks,
      transactions,
      historical_states: null,
    };
    const head = dumpHead(gzipSync(JSON.stringify(anvil)));
    expect(head.accounts).to.deep.equal(accounts);
    expect(head.best_block_number).to.equal(77);
    expect(head.transactions).to.equal(undefined);
    const other = { transactions, best_block_number: 78, accounts };
    const whole = dumpHead(gzipSync(JSON.stringify(other)));
    expect(whole).to.deep.equal(other);
  });

  it("merges anvil's dump of the head on its writer thread, and refuses a dump of another block with nothing written", async function () {
    const state = openChainState(scratchDir("certledger-state-"));
    try {
      const dumpOf = (best: number, value: number) =>
        gzipSync(
          JSON.stringify({
            best_block_number: best,
            accounts: { [REGISTRY]: { nonce: 1, balance: "0x5", code: "0x6080", storage: { [word(1)]: word(value) } } },
            transactions: [{}, {}, {}],
          }),
        );
      expect(await state.mergeDump(dumpOf(2, 42), [block(1), block(2)], [], { number: 2, hash: word(1002) })).to.equal(
        3,
      );
      expect(state.base()).to.deep.equal({ number: 2, hash: word(1002) });
      expect(state.slotCount()).to.equal(1);

      let refused: Error | undefined;
      await state
        .mergeDump(dumpOf(2, 43), [block(3)], [], { number: 3, hash: word(1003) })
        .catch((e: Error) => (refused = e));
      expect(refused?.message).to.equal("checkpoint: the node is at block 2, not 3");
      expect(state.base()).to.deep.equal({ number: 2, hash: word(1002) });
      // A broken dump is refused the same way, and the writer goes on taking the next one.
      refused = undefined;
      await state
        .mergeDump(Buffer.from("not gzip"), [], [], { number: 3, hash: word(1003) })
        .catch((e: Error) => (refused = e));
      expect(refused).to.be.instanceOf(Error);
      expect(await state.mergeDump(dumpOf(3, 44), [block(3)], [], { number: 3, hash: word(1003) })).to.equal(3);
      expect(state.base()).to.deep.equal({ number: 3, hash: word(1003) });
    } finally {
      await state.close();
    }
    const db = new Database(state.file, { readonly: true });
    const slot = db.prepare("SELECT value FROM slot").get() as { value: Buffer };
    db.close();
    expect("0x" + slot.value.toString("hex")).to.equal(word(44));
  });
});
