import { expect } from "chai";
import fc from "fast-check";
import { keccak_256 } from "@noble/hashes/sha3";
import { keccak256, keccak256Portable, keccakReady } from "../../src/document/keccak";
import canonicalize from "canonicalize";
import { certIdBytes, computeLeafHash } from "../../src/document/leaves";
import { batchLeafBytes, processBatchProofBytes } from "../../src/document/batch";
import { bytesToHex, computeBatchLeaf, computeCertId, processBatchProof } from "../../src/document";

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

  it("property: bytesToHex writes 0x and the lowercase hex of any bytes, whatever length came before", function () {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 200 }), { minLength: 1, maxLength: 5 }), (inputs) => {
        for (const bytes of inputs) expect(bytesToHex(bytes)).to.equal(`0x${Buffer.from(bytes).toString("hex")}`);
      }),
      { numRuns: 300 },
    );
  });

  it("property: a leaf hash is keccak256(salt ‖ uint32be(len(path)) ‖ path ‖ JCS(value)), the salt given as bytes or as its hex", function () {
    const utf8 = (t: string) => new TextEncoder().encode(t);
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.string({ minLength: 1, maxLength: 400, unit: "grapheme" }),
        fc.oneof(fc.string({ maxLength: 3000, unit: "grapheme" }), fc.integer(), fc.boolean(), fc.constant(null)),
        (salt, path, value) => {
          const p = utf8(path);
          const j = utf8(canonicalize(value) as string);
          const input = new Uint8Array(16 + 4 + p.length + j.length);
          input.set(salt, 0);
          new DataView(input.buffer).setUint32(16, p.length);
          input.set(p, 20);
          input.set(j, 20 + p.length);
          const expected = bytesToHex(keccak_256(input));
          expect(bytesToHex(computeLeafHash(salt, path, value))).to.equal(expected);
          expect(bytesToHex(computeLeafHash(bytesToHex(salt), path, value))).to.equal(expected);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("property: the batch leaf and proof fold on bytes equal computeBatchLeaf and processBatchProof", function () {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.nat({ max: 2 ** 40 }),
        fc.nat({ max: 2 ** 40 }),
        fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { maxLength: 20 }),
        (certId, from, until, siblings) => {
          const leaf = computeBatchLeaf(bytesToHex(certId), from, until);
          expect(bytesToHex(batchLeafBytes(certId, from, until))).to.equal(leaf);
          const proof = siblings.map(bytesToHex);
          expect(bytesToHex(processBatchProofBytes(batchLeafBytes(certId, from, until), proof)!)).to.equal(
            processBatchProof(leaf, proof),
          );
        },
      ),
      { numRuns: 200 },
    );
  });
});
