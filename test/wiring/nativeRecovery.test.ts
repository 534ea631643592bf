import { expect } from "chai";
import { Wallet } from "ethers";
import { bytesToHex, recoverDigestSigner, signDigest } from "../../src/document";
import { recoverSigner, recoveryImplementation } from "../../src/wiring/nativeRecovery";

/** secp256k1's group order. */
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

describe("native signature recovery", () => {
  const wallet = Wallet.createRandom();
  const key = Uint8Array.from(Buffer.from(wallet.privateKey.slice(2), "hex"));
  const digests = Array.from({ length: 20 }, (_, i) =>
    bytesToHex(Uint8Array.from({ length: 32 }, (_, j) => i * 7 + j)),
  );

  it("uses libsecp256k1 on this platform", () => {
    expect(recoveryImplementation).to.equal("libsecp256k1");
  });

  it("recovers the same signer as the document library", () => {
    for (const d of digests) {
      const sig = signDigest(key, d);
      expect(recoverSigner(d, sig)).to.equal(wallet.address.toLowerCase());
      expect(recoverSigner(d, sig)).to.equal(recoverDigestSigner(d, sig)?.toLowerCase());
    }
  });

  it("refuses what the document library refuses: a high s, a bad v, a wrong length, r = 0, not hex", () => {
    const d = digests[0];
    const sig = signDigest(key, d);
    const s = BigInt(`0x${sig.slice(66, 130)}`);
    const v = Number.parseInt(sig.slice(130), 16);
    const highS = `${sig.slice(0, 66)}${(N - s).toString(16).padStart(64, "0")}${(v === 27 ? 28 : 27).toString(16)}`;
    const bad = [
      highS,
      `${sig.slice(0, 130)}1d`,
      sig.slice(0, 128),
      `0x${"00".repeat(32)}${sig.slice(66)}`,
      `0x${"zz".repeat(65)}`,
      "0x",
    ];
    for (const b of bad) {
      expect(recoverSigner(d, b), b).to.equal(undefined);
      expect(recoverDigestSigner(d, b), b).to.equal(undefined);
    }
    // A digest that is not 32 bytes.
    expect(recoverSigner("0x1234", sig)).to.equal(undefined);
  });
});
