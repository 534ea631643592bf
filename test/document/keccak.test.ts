import { expect } from "chai";
import fc from "fast-check";
import { keccak_256 } from "@noble/hashes/sha3";
import { keccak256 } from "../../src/document/keccak";
import { certIdBytes } from "../../src/document/leaves";
import { bytesToHex, computeCertId } from "../../src/document";

describe("keccak256 of the hot paths", function () {
  it("property: equals @noble/hashes keccak_256 on any input, across block boundaries", function () {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 700 }), (bytes) => {
        expect(bytesToHex(keccak256(bytes))).to.equal(bytesToHex(keccak_256(bytes)));
      }),
      { numRuns: 500 },
    );
    for (const n of [0, 135, 136, 137, 271, 272, 273]) {
      const bytes = new Uint8Array(n).fill(n);
      expect(bytesToHex(keccak256(bytes))).to.equal(bytesToHex(keccak_256(bytes)));
    }
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
