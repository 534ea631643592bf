import { expect } from "chai";
import fc from "fast-check";
import { keccak_256 } from "@noble/hashes/sha3";
import { keccak256, keccak256Portable, keccakReady } from "../../src/document/keccak";
import { certIdBytes } from "../../src/document/leaves";
import { bytesToHex, computeCertId } from "../../src/document";

describe("keccak256 of the hot paths", function () {
  before(async () => {
    // The WebAssembly hasher loads on these machines; were it to fail, the fast path under test would be js-sha3.
    expect(await keccakReady).to.equal("wasm");
  });

  for (const [name, f] of [
    ["WebAssembly (hash-wasm)", keccak256],
    ["js-sha3", keccak256Portable],
  ] as const)
    it(`property: ${name} equals @noble/hashes keccak_256 on any input, across block boundaries`, function () {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 700 }), (bytes) => {
          expect(bytesToHex(f(bytes))).to.equal(bytesToHex(keccak_256(bytes)));
        }),
        { numRuns: 500 },
      );
      for (const n of [0, 135, 136, 137, 271, 272, 273]) {
        const bytes = new Uint8Array(n).fill(n);
        expect(bytesToHex(f(bytes))).to.equal(bytesToHex(keccak_256(bytes)));
      }
    });

  it("returns a fresh array each call: an earlier digest is not overwritten by the next", function () {
    const a = keccak256(new Uint8Array([1, 2, 3]));
    const before = bytesToHex(a);
    const b = keccak256(new Uint8Array([4, 5, 6]));
    expect(bytesToHex(a)).to.equal(before);
    expect(bytesToHex(b)).to.not.equal(before);
    a[0] ^= 0xff; // the caller owns it: changing it changes no later digest
    expect(bytesToHex(keccak256(new Uint8Array([1, 2, 3])))).to.equal(before);
  });

  it("property: certIdBytes equals ids.ts computeCertId", function () {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 20, maxLength: 20 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        (holder, root) => {
          expect(bytesToHex(certIdBytes(holder, root))).to.equal(computeCertId(bytesToHex(holder), bytesToHex(root)));
        },
      ),
      { numRuns: 200 },
    );
  });
});
