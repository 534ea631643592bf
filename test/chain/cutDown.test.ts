/**
 * What a checkpoint keeps of anvil's state dump: the newest block headers, and the transactions of the
 * newest blocks up to 1,024, whatever order anvil dumps its blocks in (a hash map's, not by number).
 */
import { expect } from "chai";
import { cutDown, type AnvilState } from "../../src/chain/embeddedAnvil";

/** A dump of the blocks in `order`, block n holding txsOf(n) transactions. */
function dump(order: number[], txsOf: (n: number) => number): AnvilState {
  return {
    best_block_number: Math.max(...order),
    blocks: order.map((n) => ({
      header: { number: "0x" + n.toString(16) },
      transactions: Array.from({ length: txsOf(n) }, (_, i) => ({ n, i })),
    })),
    transactions: order.flatMap((n) => Array.from({ length: txsOf(n) }, () => ({ block_number: n }))),
    historical_states: { big: true },
  };
}

describe("a checkpoint's cut of anvil's state dump", function () {
  it("keeps the transactions of the newest blocks, up to 1,024, when the dump lists blocks out of order", function () {
    // As anvil 1.7.1 dumped five blocks of 400, 400, 400, 400 and 200 transfers.
    const state = dump([4, 5, 0, 2, 3, 1], (n) => (n === 0 ? 0 : n === 5 ? 200 : 400));
    cutDown(state, 5);
    const numbers = state.blocks.map((b) => Number(BigInt(b.header.number)));
    expect(numbers).to.deep.equal([0, 1, 2, 3, 4, 5]);
    const withBodies = state.blocks
      .filter((b) => (b.transactions ?? []).length > 0)
      .map((b) => Number(BigInt(b.header.number)));
    // 200 + 400 + 400 = 1,000: blocks 5, 4 and 3; block 2 would pass 1,024.
    expect(withBodies).to.deep.equal([3, 4, 5]);
    expect(new Set(state.transactions.map((t) => Number(t.block_number)))).to.deep.equal(new Set([3, 4, 5]));
    expect(state.historical_states).to.equal(null);
  });

  it("keeps the newest block's transactions even when that block alone holds more than 1,024", function () {
    const state = dump([2, 0, 1], (n) => (n === 2 ? 1_500 : 0));
    cutDown(state, 2);
    expect(state.blocks.map((b) => (b.transactions ?? []).length)).to.deep.equal([0, 0, 1_500]);
  });

  it("keeps only the last 256 block headers", function () {
    const order = Array.from({ length: 300 }, (_, i) => 299 - i);
    const state = dump(order, () => 1);
    cutDown(state, 299);
    expect(state.blocks).to.have.length(256);
    expect(Number(BigInt(state.blocks[0].header.number))).to.equal(44);
  });
});
