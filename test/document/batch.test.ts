import { expect } from "chai";
import fc from "fast-check";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import {
  BATCH_LEAF_ENCODING,
  buildBatch,
  buildDocument,
  DocumentError,
  processBatchProof,
  verifyBatchProof,
  verifyDocumentIntegrity,
  withBatchProof,
  type Hex,
} from "../../src/document";
import { cpuMs, diplomaParams, seededRandom } from "./helpers";

const certIdArb = fc
  .uint8Array({ minLength: 32, maxLength: 32 })
  .map((b) => ("0x" + Buffer.from(b).toString("hex")) as Hex);
const itemArb = fc.record({
  certId: certIdArb,
  validFrom: fc.integer({ min: 0, max: 2 ** 32 }),
  validUntil: fc.integer({ min: 2 ** 32, max: 253_402_300_799 }),
});

function openZeppelinTree(items: { certId: string; validFrom: number; validUntil: number }[]) {
  return StandardMerkleTree.of(
    items.map((i) => [i.certId, BigInt(i.validFrom), BigInt(i.validUntil)]),
    [...BATCH_LEAF_ENCODING],
  );
}

describe("Merkle batches", function () {
  it("property: root, leaves and every proof equal OpenZeppelin's StandardMerkleTree", function () {
    fc.assert(
      fc.property(fc.uniqueArray(itemArb, { minLength: 1, maxLength: 40, selector: (i) => i.certId }), (items) => {
        const batch = buildBatch(items);
        const tree = openZeppelinTree(items);
        expect(batch.root).to.equal(tree.root);
        items.forEach((_, i) => {
          expect(batch.leaves[i]).to.equal(
            tree.leafHash([items[i].certId, BigInt(items[i].validFrom), BigInt(items[i].validUntil)]),
          );
          expect(batch.getProof(i)).to.deep.equal(tree.getProof(i));
          expect(processBatchProof(batch.leaves[i], batch.getProof(i))).to.equal(batch.root);
        });
      }),
      { numRuns: 100 },
    );
  });

  it("agrees with StandardMerkleTree on 2,000 certificates", function () {
    const rnd = seededRandom(3);
    const items = Array.from({ length: 2000 }, (_, i) => ({
      certId: ("0x" + Buffer.from(rnd(32)).toString("hex")) as Hex,
      validFrom: 1_767_225_600 + i,
      validUntil: 1_924_992_000,
    }));
    const batch = buildBatch(items);
    const tree = openZeppelinTree(items);
    expect(batch.root).to.equal(tree.root);
    for (const i of [0, 1, 999, 1000, 1999]) expect(batch.getProof(i)).to.deep.equal(tree.getProof(i));
  });

  it("builds a tree of 10,000 certificates in well under a second", function () {
    const rnd = seededRandom(4);
    const items = Array.from({ length: 10_000 }, () => ({
      certId: ("0x" + Buffer.from(rnd(32)).toString("hex")) as Hex,
      validFrom: 1_767_225_600,
      validUntil: 1_924_992_000,
    }));
    const ms = cpuMs(() => {
      const batch = buildBatch(items);
      for (let i = 0; i < items.length; i++) batch.getProof(i);
    });
    expect(ms).to.be.below(1000);
  });

  it("puts a batch proof in the document, which the integrity check verifies", function () {
    const docs = [1, 2, 3].map((seed) => buildDocument(diplomaParams({ random: seededRandom(seed) })));
    const batch = buildBatch(
      docs.map((d) => ({ certId: d.certId, validFrom: 1_767_225_600, validUntil: 253_402_300_799 })),
    );
    const doc = withBatchProof(docs[1].document, batch, 1);
    const verdict = verifyDocumentIntegrity(doc);
    expect(verdict.code, verdict.reason).to.equal("OK");
    expect(verdict.batch).to.deep.equal({ root: batch.root, leaf: batch.leaves[1], proof: batch.getProof(1) });
    expect(
      verifyBatchProof(
        { certId: docs[1].certId, validFrom: 1_767_225_600, validUntil: 253_402_300_799 },
        batch.getProof(1),
        batch.root,
      ),
    ).to.equal(true);

    const wrongRoot = structuredClone(doc);
    wrongRoot.credentialStatus.batch!.root = batch.leaves[0];
    expect(verifyDocumentIntegrity(wrongRoot).code).to.equal("TAMPERED");
    const wrongProof = structuredClone(doc);
    wrongProof.credentialStatus.batch!.proof.reverse();
    expect(verifyDocumentIntegrity(wrongProof).code).to.equal("TAMPERED");

    expect(() => withBatchProof(docs[0].document, batch, 1)).to.throw(DocumentError, /not this document/);
  });

  it("refuses empty batches, repeated certIds and bad items", function () {
    const item = { certId: "0x" + "ab".repeat(32), validFrom: 1, validUntil: 2 };
    expect(() => buildBatch([])).to.throw(DocumentError, /at least one/);
    expect(() => buildBatch([item, { ...item, certId: item.certId.toUpperCase().replace("0X", "0x") }])).to.throw(
      DocumentError,
      /already in this batch/,
    );
    expect(() => buildBatch([{ ...item, certId: "0x12" }])).to.throw(DocumentError, /32-byte/);
    expect(() => buildBatch([{ ...item, validFrom: -1 }])).to.throw(DocumentError, /validFrom/);
    expect(() => buildBatch([item]).getProof(1)).to.throw(DocumentError, /no item 1/);
  });
});
