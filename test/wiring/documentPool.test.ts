/**
 * The document worker pool gives exactly the main thread's answers, survives a worker
 * that dies mid-check, and stops using workers that keep dying. Real worker threads, no mocks.
 */
import { expect } from "chai";
import { buildBatch, buildDocument, redactDocument, withBatchProof } from "../../src/document";
import { sampleFields } from "../../src/domain/catalog";
import { DomainError } from "../../src/domain/errors";
import type { Address, DocumentIntegrity } from "../../src/domain/ports";
import { createDocumentPool, type DocumentPool } from "../../src/wiring/documentPool";
import {
  batchMemberPrefix,
  batchPartLength,
  buildBatchPart,
  integrityOf,
  writeBatchPart,
} from "../../src/wiring/documentOps";
import { documentLibrary } from "../../src/wiring/documents";
import { diplomaParams, seededRandom, twentyFields } from "../document/helpers";

function documents(): unknown[] {
  const plain = buildDocument(diplomaParams()).document;
  const twenty = buildDocument(diplomaParams({ fields: twentyFields(), random: seededRandom(2) })).document;
  const inBatch = [3, 4, 5].map((s) => buildDocument(diplomaParams({ random: seededRandom(s) })));
  const batch = buildBatch(
    inBatch.map((b) => ({ certId: b.certId, validFrom: 1_767_225_600, validUntil: 253_402_300_799 })),
  );
  const batched = withBatchProof(inBatch[1].document, batch, 1);
  const redacted = redactDocument(plain, ["idNumber", "address.city"]);
  const tampered = JSON.parse(JSON.stringify(twenty));
  tampered.credentialSubject.field1 = "changed";
  const badProof = JSON.parse(JSON.stringify(batched));
  badProof.credentialStatus.batch.proof[0] = `0x${"11".repeat(32)}`;
  return [plain, twenty, batched, redacted, tampered, badProof, null, 7, "not a document", [], { "@context": 1 }];
}

describe("document worker pool", function () {
  let pool: DocumentPool | undefined;
  afterEach(async () => pool?.close());

  it("answers every document exactly as the main thread does, from two workers at once", async function () {
    pool = createDocumentPool({ workers: 2 });
    const docs = documents();
    const expected = docs.map((d) => integrityOf(d));
    expect(expected.map((e) => e.status)).to.include.members(["OK", "TAMPERED", "MALFORMED"]);
    const rounds = 20;
    // Half the rounds send the object (cloned across), half its JSON text (parsed in the worker).
    const answers = await Promise.all(
      Array.from({ length: rounds }, (_, r) =>
        docs.map((d) => (r % 2 ? pool!.check(d, JSON.stringify(d)) : pool!.check(d))),
      ).flat(),
    );
    expect(pool.threads()).to.have.length(2);
    answers.forEach((a, i) => expect(a).to.deep.equal(expected[i % docs.length]));
  });

  it("answers the checks a dying worker held on the main thread, then starts a new worker", async function () {
    const logged: string[] = [];
    pool = createDocumentPool({ workers: 1, log: (m) => logged.push(m) });
    const docs = documents();
    await pool.check(docs[0]); // the worker is up
    const [worker] = pool.threads();
    const inFlight = Array.from({ length: 50 }, (_, i) => pool!.check(docs[i % docs.length]));
    await worker.terminate();
    const answers = await Promise.all(inFlight);
    answers.forEach((a, i) => expect(a).to.deep.equal(integrityOf(docs[i % docs.length])));
    expect(logged).to.include("document worker stopped");
    expect(pool.threads()).to.have.length(0);

    expect(await pool.check(docs[1])).to.deep.equal(integrityOf(docs[1]));
    expect(pool.threads()).to.have.length(1);
    expect(pool.threads()[0]).to.not.equal(worker);
  });

  it("stops using workers that keep dying, and keeps answering", async function () {
    this.timeout(60_000);
    const logged: string[] = [];
    pool = createDocumentPool({ workers: 1, log: (m) => logged.push(m) });
    const doc = documents()[1];
    for (let i = 0; i < 5; i++) {
      await pool.check(doc);
      await pool.threads()[0].terminate();
    }
    expect(logged.filter((m) => m === "document worker stopped")).to.have.length(5);
    expect(logged.some((m) => m.includes("on the main thread"))).to.equal(true);
    expect(await pool.check(doc)).to.deep.equal(integrityOf(doc));
    expect(pool.threads()).to.have.length(0);
  });

  it("after close, terminates its workers and still answers on the calling thread", async function () {
    pool = createDocumentPool({ workers: 1 });
    const doc = documents()[2];
    await pool.check(doc);
    const [worker] = pool.threads();
    const exited = new Promise<number>((r) => worker.once("exit", r));
    await pool.close();
    await exited;
    expect(pool.threads()).to.have.length(0);
    expect(await pool.check(doc)).to.deep.equal(integrityOf(doc));
  });

  it("the document library caches worker answers like main-thread ones, frozen", async function () {
    const lib = documentLibrary({ documentWorkers: 1, integrityCacheSize: 10 });
    try {
      const doc = documents()[1];
      const first: DocumentIntegrity = await lib.checkIntegrity!(doc);
      expect(Object.isFrozen(first)).to.equal(true);
      expect(await lib.checkIntegrity!(JSON.parse(JSON.stringify(doc)))).to.equal(first);
      expect(lib.verifyIntegrity(doc)).to.equal(first);
      expect(first).to.deep.equal(integrityOf(doc));
    } finally {
      await lib.close();
    }
  });

  const batchInputs = (n: number) =>
    Array.from({ length: n }, (_, i) => ({
      typeId: 7,
      typeCode: "diploma",
      typeName: "Diploma",
      issuerKey: `0x${"11".repeat(20)}` as Address,
      holder: `0x${(i + 1).toString(16).padStart(40, "0")}` as Address,
      fields: sampleFields("diploma", i),
      validFrom: 1_767_225_600,
      validUntil: 1_924_992_000,
      chainId: 31337,
      ledger: `0x${"33".repeat(20)}` as Address,
    }));

  for (const workers of [0, 1]) {
    it(`builds a batch in slices (${workers ? "in a worker" : "on the event loop"}): progress is reported, other callbacks run between slices, every proof holds`, async function () {
      const lib = documentLibrary({ documentWorkers: workers });
      try {
        // More than the 1,000 documents written into one buffer: the views of two buffers are checked.
        const n = 1_100;
        const inputs = batchInputs(n);
        const progress: number[] = [];
        let ticks = 0;
        const tick = () => {
          ticks++;
          if (progress.length < n) timer = setImmediate(tick);
        };
        let timer = setImmediate(tick);
        const batch = await lib.buildBatch(inputs, (built) => progress.push(built));
        clearImmediate(timer);
        expect(progress).to.deep.equal([250, 500, 750, 1_000, 1_100]);
        expect(ticks, "turns of the event loop while building").to.be.greaterThan(1);
        expect(batch.items).to.have.length(n);
        for (const [i, it] of batch.items.entries()) {
          expect(
            lib.verifyBatchProof(batch.root, it.certId, 1_767_225_600, 1_924_992_000, it.proof),
            `item ${i}`,
          ).to.equal(true);
          expect(it.proofText, `item ${i}`).to.equal(JSON.stringify(it.proof));
          if (i % 97 === 0 || i === 999 || i === 1_000) {
            // The bytes are the UTF-8 of the document's own JSON text, its batch root and proof in place.
            const text = Buffer.from(it.documentJson).toString("utf8");
            const document = JSON.parse(text);
            expect(JSON.stringify(document)).to.equal(text);
            expect(document.credentialStatus.batch).to.deep.equal({ root: batch.root, proof: it.proof });
            expect(lib.verifyIntegrity(document).status).to.equal("OK");
          }
        }
      } finally {
        await lib.close();
      }
    });
  }

  it("writes a batch member's text exactly as JSON.stringify of the document withBatchProof gives", function () {
    const parts = batchInputs(5).map(buildBatchPart);
    const batch = buildBatch(
      parts.map((p) => ({ certId: p.certId, validFrom: p.validFrom, validUntil: p.validUntil })),
    );
    for (const [i, p] of parts.entries()) {
      const document = JSON.parse(Buffer.from(p.json).toString("utf8"));
      expect(document.credentialStatus.certId).to.equal(p.certId);
      // Written as buildBatch writes it, after a byte of something else, into a buffer just long enough.
      const prefix = batchMemberPrefix(JSON.stringify(batch.root));
      const proofText = JSON.stringify(batch.getProof(i));
      const out = Buffer.alloc(1 + batchPartLength(p, prefix, proofText), 0x2a);
      expect(writeBatchPart(out, 1, p, prefix, proofText)).to.equal(out.length);
      expect(out.toString("utf8", 1)).to.equal(JSON.stringify(withBatchProof(document, batch, i)));
    }
  });

  it("refuses a batch input the library refuses with the same 422 error from a worker as on the event loop", async function () {
    const inputs = batchInputs(300);
    // A top-level field named "id" is refused by the document library (a schema would let it through).
    inputs[270] = { ...inputs[270], fields: { ...inputs[270].fields, id: "x" } };
    const errors: unknown[] = [];
    for (const workers of [0, 1]) {
      const lib = documentLibrary({ documentWorkers: workers });
      try {
        await lib.buildBatch(inputs);
        expect.fail("the batch was built");
      } catch (e) {
        errors.push(e);
      } finally {
        await lib.close();
      }
    }
    const [here, there] = errors as DomainError[];
    expect(here).to.be.instanceOf(DomainError);
    expect(there).to.be.instanceOf(DomainError);
    expect([there.code, there.status, there.message]).to.deep.equal([here.code, here.status, here.message]);
    expect(there.status).to.equal(422);
  });
});
