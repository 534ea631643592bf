import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { openEmbeddedChain, type EmbeddedChain } from "../../src/chain/embeddedChain";
import { BlockJournal } from "../../src/chain/journal";
import { CustodialKeyring } from "../../src/chain/keyring";

const seed = new Uint8Array(32).fill(7);

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "certledger-chain-"));
}

async function open(dir: string, keyring: CustodialKeyring): Promise<EmbeddedChain> {
  const funder = keyring.addressOf("relayer");
  return openEmbeddedChain({
    dataDir: dir,
    genesisAccounts: [{ address: funder, privateKey: keyring.privateKeyOf("relayer"), balanceWei: 10n ** 30n }],
    signer: (a) => keyring.signer(a),
  });
}

describe("embedded chain", function () {
  it("lands 50 concurrent transfers from one sender with no nonce error, in few blocks", async function () {
    const keyring = new CustodialKeyring(seed);
    const chain = await open(tmpDir(), keyring);
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

  it("replays its journal after a restart into the same blocks and state", async function () {
    const dir = tmpDir();
    const keyring = new CustodialKeyring(seed);
    const from = keyring.addressOf("relayer");
    const other = keyring.addressOf("agency:1:1");
    let chain = await open(dir, keyring);
    for (let round = 0; round < 20; round++) {
      await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          chain.producer.submit({ from, to: other, data: "0x", gasLimit: 21_000n, value: BigInt(i + 1) }),
        ),
      );
    }
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const head = (await chain.rpc("eth_getBlockByNumber", ["latest", false])) as any;
    await chain.close();

    // A torn append (crash in the middle of a write) was never acknowledged and must be dropped.
    fs.appendFileSync(path.join(dir, "chain-journal.jsonl"), '{"n":999,"ts":1,"txs":["0x02');

    chain = await open(dir, keyring);
    expect(chain.replay.transactions).to.equal(200);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const again = (await chain.rpc("eth_getBlockByNumber", ["latest", false])) as any;
    expect(again.hash).to.equal(head.hash);
    expect(BigInt((await chain.rpc("eth_getBalance", [other, "latest"])) as string)).to.equal(20n * 55n);
    // New work continues from the replayed nonce.
    const m = await chain.producer.submit({ from, to: other, data: "0x", gasLimit: 21_000n, value: 1n });
    expect(m.status).to.equal(1);
    await chain.close();
  });

  it("refuses a journal written under another seed", async function () {
    const dir = tmpDir();
    const chain = await open(dir, new CustodialKeyring(seed));
    await chain.close();
    let error: unknown;
    try {
      await open(dir, new CustodialKeyring(new Uint8Array(32).fill(8)));
    } catch (e) {
      error = e;
    }
    expect(String(error)).to.match(/wrong seed/);
  });

  it("answers a block's transactions only once the journal holds it, and in block order", async function () {
    const dir = tmpDir();
    const keyring = new CustodialKeyring(seed);
    const chain = await open(dir, keyring);
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
