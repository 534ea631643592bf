/**
 * EmbeddedChain.backupTo under a stream of transactions: the copy opens as a chain that ends at a block
 * boundary of the original (same block hash) and holds every transaction acknowledged before the call,
 * while the stream goes on, nothing refused.
 */
import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  EMBEDDED_ENGINES,
  openEmbeddedChain,
  type EmbeddedChain,
  type EmbeddedEngine,
} from "../../src/chain/embeddedChain";
import { CustodialKeyring } from "../../src/chain/keyring";

const keyring = new CustodialKeyring(new Uint8Array(32).fill(9));

function open(dir: string, engine: EmbeddedEngine): Promise<EmbeddedChain> {
  const funder = keyring.addressOf("relayer");
  return openEmbeddedChain({
    dataDir: dir,
    engine,
    // anvil: a checkpoint every 8 blocks, so that the copy holds a checkpoint and the journal past it.
    checkpoints: { blocks: 8 },
    genesisAccounts: [{ address: funder, privateKey: keyring.privateKeyOf("relayer"), balanceWei: 10n ** 30n }],
    signer: (a) => keyring.signer(a),
  });
}

for (const engine of EMBEDDED_ENGINES)
  describe(`embedded chain backupTo (${engine})`, function () {
    this.timeout(120_000);

    it("copies, under a stream of transfers, a chain that ends at a block boundary and holds every acknowledged one", async () => {
      const root = fs.mkdtempSync(path.join(os.tmpdir(), "certledger-backupto-"));
      const copy = path.join(root, "copy");
      fs.mkdirSync(copy);
      const from = keyring.addressOf("relayer");
      const to = keyring.addressOf("someone");
      const chain = await open(path.join(root, "live"), engine);
      let acked = 0;
      let refused = 0;
      let stop = false;
      const worker = async () => {
        while (!stop) {
          try {
            const m = await chain.producer.submit({ from, to, data: "0x", gasLimit: 21_000n, value: 1n });
            if (m.status === 1) acked++;
          } catch {
            refused++;
          }
        }
      };
      const workers = Array.from({ length: 5 }, worker);
      while (acked < 100 || (engine === "anvil" && chain.checkpoints.count === 0))
        await new Promise((r) => setTimeout(r, 10));
      const ackedBefore = acked;
      const names = await chain.backupTo(copy);
      const ackedWhileCopying = acked;
      while (acked < ackedWhileCopying + 50) await new Promise((r) => setTimeout(r, 10));
      stop = true;
      await Promise.all(workers);
      expect(refused).to.equal(0);
      expect(names.length).to.be.greaterThan(0);
      for (const n of names) expect(fs.existsSync(path.join(copy, n)), n).to.equal(true);
      if (engine === "anvil") expect(names).to.include("chain-state.sqlite");

      const restored = await open(copy, engine);
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const head = (await restored.rpc("eth_getBlockByNumber", ["latest", false])) as any;
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const same = (await chain.rpc("eth_getBlockByNumber", [head.number, false])) as any;
      expect(head.hash).to.equal(same.hash);
      const balance = Number(BigInt((await restored.rpc("eth_getBalance", [to, "latest"])) as string));
      expect(balance).to.be.at.least(ackedBefore);
      expect(balance).to.be.at.most(acked);
      await restored.close();
      await chain.close();
      fs.rmSync(root, { recursive: true, force: true });
    });
  });
