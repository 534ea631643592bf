import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { SigningKey, Transaction, Wallet, hexlify } from "ethers";
import { signTransaction, type UnsignedTx } from "../../src/chain/txEncoding";

/** What ethers' Transaction makes of the same fields: the reference. */
function byEthers(tx: UnsignedTx, key: SigningKey): { raw: string; hash: string } {
  const t = Transaction.from({
    ...("gasPrice" in tx.fees ? { type: 0, gasPrice: tx.fees.gasPrice } : { type: 2, ...tx.fees }),
    chainId: tx.chainId,
    nonce: tx.nonce,
    to: tx.to,
    data: tx.data,
    value: tx.value,
    gasLimit: tx.gasLimit,
  });
  t.signature = key.sign(t.unsignedHash);
  return { raw: t.serialized, hash: t.hash! };
}

const pick = <T>(xs: T[]): T => xs[Math.floor(Math.random() * xs.length)];
const bigOf = (bytes: number) => (bytes === 0 ? 0n : BigInt(hexlify(randomBytes(bytes))));
/** EIP-1559 fees: the tip never above the fee cap (ethers and every node refuse that). */
function dynamicFees() {
  const maxPriorityFeePerGas = bigOf(pick([0, 1, 4]));
  return { maxFeePerGas: maxPriorityFeePerGas + bigOf(pick([0, 1, 5, 16])), maxPriorityFeePerGas };
}

describe("transaction signing and encoding", function () {
  it("gives the same bytes and hash as ethers for random legacy and EIP-1559 transactions", function () {
    const keys = Array.from({ length: 4 }, () => new SigningKey(Wallet.createRandom().privateKey));
    // Lengths across RLP's boundaries: one byte under 0x80, 55/56-byte strings, long payloads.
    const dataLengths = [0, 1, 2, 20, 55, 56, 57, 255, 256, 1024, 20_000];
    for (let i = 0; i < 400; i++) {
      const tx: UnsignedTx = {
        chainId: pick([1, 31337, 11155111, 2 ** 31 - 1]),
        nonce: pick([0, 1, 127, 128, 255, 256, 65_535, Math.floor(Math.random() * 2 ** 40)]),
        to: Math.random() < 0.1 ? null : hexlify(randomBytes(20)),
        data: hexlify(i % 7 === 0 ? Uint8Array.of(Math.floor(Math.random() * 256)) : randomBytes(pick(dataLengths))),
        value: bigOf(pick([0, 1, 8, 32])),
        gasLimit: bigOf(pick([1, 3, 4, 8])),
        fees: i % 2 === 0 ? { gasPrice: bigOf(pick([0, 1, 5, 16])) } : dynamicFees(),
      };
      const key = keys[i % keys.length];
      expect(
        signTransaction(tx, key),
        JSON.stringify(tx, (_, v) => (typeof v === "bigint" ? String(v) : v)),
      ).to.deep.equal(byEthers(tx, key));
    }
  });

  it("is read back by ethers as the transaction it was given, signed by its key", function () {
    const key = new SigningKey(Wallet.createRandom().privateKey);
    const to = hexlify(randomBytes(20));
    const { raw, hash } = signTransaction(
      {
        chainId: 31337,
        nonce: 7,
        to,
        data: "0xdeadbeef",
        value: 5n,
        gasLimit: 100_000n,
        fees: { maxFeePerGas: 2n, maxPriorityFeePerGas: 1n },
      },
      key,
    );
    const t = Transaction.from(raw);
    expect(t.hash).to.equal(hash);
    expect(t.type).to.equal(2);
    expect([t.chainId, t.nonce, t.to?.toLowerCase(), t.data, t.value, t.gasLimit]).to.deep.equal([
      31337n,
      7,
      to,
      "0xdeadbeef",
      5n,
      100_000n,
    ]);
    expect(t.from).to.equal(new Wallet(key.privateKey).address);
  });

  it("refuses calldata that is not whole bytes of hex, an address that is not 20 bytes, and negative numbers", function () {
    const key = new SigningKey(Wallet.createRandom().privateKey);
    const base: UnsignedTx = {
      chainId: 1,
      nonce: 0,
      to: null,
      data: "0x",
      value: 0n,
      gasLimit: 21_000n,
      fees: { gasPrice: 1n },
    };
    expect(() => signTransaction({ ...base, data: "0xabc" }, key)).to.throw(/not 0x-prefixed hex/);
    expect(() => signTransaction({ ...base, data: "abcd" }, key)).to.throw(/not 0x-prefixed hex/);
    expect(() => signTransaction({ ...base, data: "0xzz" }, key)).to.throw(/not 0x-prefixed hex/);
    expect(() => signTransaction({ ...base, value: -1n }, key)).to.throw(/negative/);
    expect(() => signTransaction({ ...base, to: "0x" + "11".repeat(19) }, key)).to.throw(/not an address/);
    expect(() => signTransaction({ ...base, to: "0x" }, key)).to.throw(/not an address/);
  });
});
