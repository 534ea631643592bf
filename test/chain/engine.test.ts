import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { expect } from "chai";
import { DomainError } from "../../src/domain/errors";
import type { Bytes32 } from "../../src/domain/ports";
import type { EngineOptions } from "../../src/chain/engine";
import { freshPostgresDatabase } from "../support/postgres";
import { newHolderCert, openEngine, setupActors, signGrant, tmpDataDir } from "../support/engineFixture";

/** Deploy, issue, grant, check, suspend; restart; everything is still there. */
async function roundTrip(dir: string, extra: Partial<EngineOptions> = {}): Promise<void> {
  let engine = await openEngine(dir, extra);
  expect(engine.startup.deployed).to.equal(true);
  const a = await setupActors(engine);
  const now = Math.floor(Date.now() / 1000);

  const { holder, documentRoot, certId } = newHolderCert();
  const r = await engine.chain.issue({
    agency: a.agency,
    issuerKey: a.issuerKey,
    certId,
    typeId: a.typeId,
    validFrom: now - 5,
    validUntil: now + 86400,
    outboxKey: "k1",
  });
  expect(r.blockNumber).to.be.greaterThan(0);
  // Read-your-writes: the index answers at once.
  const view = engine.index.certificate(certId);
  expect(view).to.deep.include({ status: "ACTIVE", typeId: a.typeId, issuerKey: a.issuerKey, agency: a.agency });
  expect(engine.index.wasAccredited(a.agency, a.typeId, view!.issuedAt)).to.equal(true);

  // Same outbox key: same outcome, nothing sent again.
  const again = await engine.chain.issue({
    agency: a.agency,
    issuerKey: a.issuerKey,
    certId,
    typeId: a.typeId,
    validFrom: now - 5,
    validUntil: now + 86400,
    outboxKey: "k1",
  });
  expect(again).to.deep.equal(r);

  const g = await signGrant(engine, holder, certId, documentRoot, a.verifier);
  const { grantId } = await engine.chain.relayGrant(g);
  expect(engine.index.grant(grantId)).to.deep.include({ certId, grantee: a.verifier, uses: 0, revoked: false });
  await engine.chain.recordCheck({ verifier: a.verifier, grantId, outboxKey: "c1" });
  await engine.chain.recordCheck({ verifier: a.verifier, grantId, outboxKey: "c1" });
  expect(engine.index.grant(grantId)!.uses).to.equal(1);
  expect(await engine.index.checksForCertificate(certId)).to.have.length(1);

  await engine.chain.changeStatus({
    agency: a.agency,
    issuerKey: a.issuerKey,
    certId,
    action: "suspend",
    reason: 3,
    outboxKey: "s1",
  });
  expect(engine.index.certificate(certId)!.status).to.equal("SUSPENDED");
  await engine.close();

  engine = await openEngine(dir, extra);
  expect(engine.startup.deployed).to.equal(false);
  expect(engine.startup.replay!.transactions).to.be.greaterThan(5);
  expect(engine.index.certificate(certId)!.status).to.equal("SUSPENDED");
  expect(engine.index.grant(grantId)!.uses).to.equal(1);
  expect((await engine.index.statusHistory(certId)).map((h) => h.status)).to.deep.equal(["SUSPENDED"]);
  await engine.close();
}

describe("engine on the embedded chain", function () {
  this.timeout(300_000);

  it("deploys on first start, issues, grants and records checks, and finds it all again after a restart", async function () {
    await roundTrip(tmpDataDir());
  });

  it("lands 50 concurrent issues of one agency key with no nonce error, grouped into few transactions", async function () {
    const engine = await openEngine(tmpDataDir());
    const a = await setupActors(engine);
    const now = Math.floor(Date.now() / 1000);
    const before = engine.relayer.stats.transactions;
    const certs = Array.from({ length: 50 }, () => newHolderCert().certId);
    const receipts = await Promise.all(
      certs.map((certId, i) =>
        engine.chain.issue({
          agency: a.agency,
          issuerKey: a.issuerKey,
          certId,
          typeId: a.typeId,
          validFrom: now,
          validUntil: now + 1000,
          outboxKey: `c${i}`,
        }),
      ),
    );
    expect(receipts).to.have.length(50);
    for (const c of certs) expect(engine.index.certificate(c)?.status).to.equal("ACTIVE");
    expect(engine.relayer.stats.transactions - before).to.be.lessThan(10);
    await engine.close();
  });

  it("fails only the bad item of a group and maps the contract's error to the domain's code", async function () {
    const engine = await openEngine(tmpDataDir());
    const a = await setupActors(engine);
    const now = Math.floor(Date.now() / 1000);
    const dup = newHolderCert().certId;
    await engine.chain.issue({
      agency: a.agency,
      issuerKey: a.issuerKey,
      certId: dup,
      typeId: a.typeId,
      validFrom: now,
      validUntil: now + 10,
      outboxKey: "first",
    });
    const others = Array.from({ length: 5 }, () => newHolderCert().certId);
    const results = await Promise.allSettled([
      engine.chain.issue({
        agency: a.agency,
        issuerKey: a.issuerKey,
        certId: dup,
        typeId: a.typeId,
        validFrom: now,
        validUntil: now + 10,
        outboxKey: "dup",
      }),
      ...others.map((c, i) =>
        engine.chain.issue({
          agency: a.agency,
          issuerKey: a.issuerKey,
          certId: c,
          typeId: a.typeId,
          validFrom: now,
          validUntil: now + 10,
          outboxKey: `o${i}`,
        }),
      ),
    ]);
    expect(results[0].status).to.equal("rejected");
    const err = (results[0] as PromiseRejectedResult).reason as DomainError;
    expect(err.code).to.equal("CERTIFICATE_ALREADY_ISSUED");
    expect(results.slice(1).every((r) => r.status === "fulfilled")).to.equal(true);
    // Asking again gives the same recorded answer.
    const again = await engine.chain
      .issue({
        agency: a.agency,
        issuerKey: a.issuerKey,
        certId: dup,
        typeId: a.typeId,
        validFrom: now,
        validUntil: now + 10,
        outboxKey: "dup",
      })
      .catch((e) => e);
    expect((again as DomainError).code).to.equal("CERTIFICATE_ALREADY_ISSUED");
    await engine.close();
  });

  it("anchors a batch and serves its members' status from the index, with a per-member override", async function () {
    const engine = await openEngine(tmpDataDir());
    const a = await setupActors(engine);
    const now = Math.floor(Date.now() / 1000);
    const members = Array.from({ length: 1000 }, () => ({
      certId: newHolderCert().certId,
      validFrom: now,
      validUntil: now + 3600,
    }));
    const tree = StandardMerkleTree.of(
      members.map((m) => [m.certId, m.validFrom, m.validUntil]),
      ["bytes32", "uint64", "uint64"],
    );
    const root = tree.root as Bytes32;
    await engine.chain.anchorBatch({
      agency: a.agency,
      issuerKey: a.issuerKey,
      root,
      typeId: a.typeId,
      count: members.length,
      outboxKey: "b1",
      members,
    });
    expect(engine.index.batch(root)).to.deep.include({ count: 1000, typeId: a.typeId });
    expect(engine.index.certificate(members[10].certId)).to.deep.include({
      status: "ACTIVE",
      batchRoot: root,
      validUntil: now + 3600,
    });

    const m = members[10];
    const proof = tree.getProof(10) as Bytes32[];
    await engine.chain.changeStatus({
      agency: a.agency,
      issuerKey: a.issuerKey,
      certId: m.certId,
      action: "revoke",
      reason: 1,
      batch: { root, validFrom: m.validFrom, validUntil: m.validUntil, proof },
      outboxKey: "r1",
    });
    expect(engine.index.certificate(m.certId)).to.deep.include({
      status: "REVOKED",
      batchRoot: root,
      validUntil: now + 3600,
    });
    expect(engine.index.certificate(members[11].certId)!.status).to.equal("ACTIVE");
    await engine.close();
  });
});

describe("engine with its store on PostgreSQL", function () {
  this.timeout(300_000);

  it("deploys, issues, grants, records checks and survives a restart, as on SQLite", async function () {
    const pg = await freshPostgresDatabase("cl_engine");
    try {
      await roundTrip(tmpDataDir(), { databaseUrl: pg.url });
    } finally {
      await pg.drop();
    }
  });
});
