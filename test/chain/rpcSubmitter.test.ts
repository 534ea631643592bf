import { expect } from "chai";
import { SigningKey, Transaction, Wallet } from "ethers";
import { RpcSubmitter } from "../../src/chain/rpcChain";
import type { Rpc } from "../../src/chain/submitter";

/**
 * A node shared with another sender of the same key (a second gateway replica): before each of this
 * submitter's sends, the other takes the next nonce, sometimes still pending in the pool (the node then
 * answers "replacement transaction underpriced"), sometimes mined ("nonce too low").
 */
function contestedNode(lostRounds: number) {
  let nonce = 0; // the node's pending count for the sender
  const mined = new Map<string, { nonce: number; block: number }>();
  const answers: string[] = [];
  let block = 1;
  const rpc: Rpc = async (method, params = []) => {
    switch (method) {
      case "eth_getBlockByNumber":
        return { baseFeePerGas: "0x1" };
      case "eth_maxPriorityFeePerGas":
        return "0x1";
      case "eth_getTransactionCount":
        return "0x" + nonce.toString(16);
      case "eth_sendRawTransaction": {
        const tx = Transaction.from(params[0] as string);
        if (answers.length < lostRounds) {
          // The other replica signed this nonce first.
          const pending = answers.length % 2 === 0;
          answers.push(pending ? "pending" : "mined");
          nonce++;
          throw Object.assign(new Error(pending ? "replacement transaction underpriced" : "nonce too low"), {
            code: -32000,
          });
        }
        if (tx.nonce !== nonce) throw Object.assign(new Error("nonce too low"), { code: -32000 });
        nonce++;
        mined.set(tx.hash!, { nonce: tx.nonce, block: block++ });
        answers.push("accepted");
        return tx.hash;
      }
      case "eth_getTransactionReceipt": {
        const m = mined.get(params[0] as string);
        if (!m) return null;
        return {
          transactionHash: params[0],
          blockNumber: "0x" + m.block.toString(16),
          blockHash: "0x" + m.block.toString(16).padStart(64, "0"),
          status: "0x1",
          gasUsed: "0x5208",
          logs: [],
        };
      }
      default:
        throw new Error(`unexpected ${method}`);
    }
  };
  return { rpc, answers, mined };
}

describe("custodial sender shared with another replica", function () {
  const key = Wallet.createRandom();
  const signer = () => new SigningKey(key.privateKey);
  const tx = { from: key.address, to: key.address, data: "0x", gasLimit: 21_000n };

  it("signs again on the next nonce when the other replica's transaction waits in the pool or is mined, many times in a row", async function () {
    const node = contestedNode(7);
    const s = new RpcSubmitter(node.rpc, 31337, signer, { confirmations: 0, pollMs: 5 });
    try {
      const m = await s.submit(tx);
      expect(m.status).to.equal(1);
      expect(node.answers).to.deep.equal([
        "pending",
        "mined",
        "pending",
        "mined",
        "pending",
        "mined",
        "pending",
        "accepted",
      ]);
      expect(node.mined.get(m.hash)?.nonce).to.equal(7);
    } finally {
      await s.close();
    }
  });

  it("gives up with the node's answer after many lost rounds, rather than signing forever", async function () {
    const node = contestedNode(1_000);
    const s = new RpcSubmitter(node.rpc, 31337, signer, { confirmations: 0, pollMs: 5 });
    try {
      const e = await s.submit(tx).then(
        () => undefined,
        (x: unknown) => x as Error,
      );
      expect(e?.message).to.match(/replacement transaction underpriced|nonce too low/);
      expect(node.answers.length).to.be.greaterThan(10);
      expect(node.mined.size).to.equal(0);
    } finally {
      await s.close();
    }
  });
});
