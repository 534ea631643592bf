import { expect } from "chai";
import type { Engine, EngineOptions } from "../../src/chain/engine";
import type { Bytes32 } from "../../src/domain/ports";
import { ZERO_ROOT } from "../../src/store/schema";
import {
  issueNow,
  newHolderCert,
  openEngine,
  setupActors,
  signGrant,
  tmpDataDir,
  type Actors,
} from "../support/engineFixture";
import { buildBatch } from "../support/certledger";
import { freshPostgresDatabase } from "../support/postgres";

const HELD = 3;

/** A batch of `n` members anchored through the engine; the members' proofs. */
async function anchorBatch(engine: Engine, a: Actors, n: number, outboxKey: string) {
  const now = Math.floor(Date.now() / 1000);
  const entries = Array.from({ length: n }, (_, i) => ({
    certId: newHolderCert().certId,
    validFrom: BigInt(now),
    validUntil: BigInt(now + 3600 + i),
  }));
  const { tree, root } = buildBatch(entries);
  const members = entries.map((e) => ({
    certId: e.certId,
    validFrom: Number(e.validFrom),
    validUntil: Number(e.validUntil),
  }));
  await engine.chain.anchorBatch({
    agency: a.agency,
    issuerKey: a.issuerKey,
    root: root as Bytes32,
    typeId: a.typeId,
    count: n,
    outboxKey,
    members,
  });
  const batchRef = (i: number) => ({
    root: root as Bytes32,
    validFrom: members[i].validFrom,
    validUntil: members[i].validUntil,
    proof: tree.getProof(i) as Bytes32[],
  });
  return { root, members, batchRef };
}

/** Touches `n` other certificates, so that whatever was held before is forgotten. */
async function flush(engine: Engine, certIds: Bytes32[]): Promise<void> {
  for (const id of certIds) await engine.index.certificate(id);
}

/**
 * Issues, grants, checks and changes statuses with an index that holds only HELD certificates and HELD
 * grants, so that most reads and every indexer update of an older row go to the store.
 */
async function forgetfulIndex(extra: Partial<EngineOptions>): Promise<void> {
  const engine = await openEngine(tmpDataDir(), { indexCacheEntries: HELD, ...extra });
  try {
    const a = await setupActors(engine);
    const singles = Array.from({ length: 6 }, () => newHolderCert());
    for (const [i, c] of singles.entries()) await issueNow(engine, a, c.certId, `i${i}`);
    const { root, members, batchRef } = await anchorBatch(engine, a, 10, "b1");
    const ids = [...singles.map((c) => c.certId), ...members.map((m) => m.certId)];

    // Statuses changed on certificates the index had forgotten: the indexer reads their rows in its
    // transaction. A member suspended, then (forgotten again) reinstated: its override row is updated.
    type Change = Parameters<Engine["chain"]["changeStatus"]>[0];
    const change = (
      certId: Bytes32,
      action: Change["action"],
      reason: number,
      outboxKey: string,
      batch?: Change["batch"],
    ) =>
      engine.chain.changeStatus({ agency: a.agency, issuerKey: a.issuerKey, certId, action, reason, outboxKey, batch });
    await flush(engine, ids.slice(6, 9));
    await change(singles[0].certId, "suspend", 3, "s0");
    await change(members[2].certId, "suspend", 3, "s2", batchRef(2));
    await flush(engine, ids.slice(0, HELD));
    await change(members[2].certId, "reinstate", 4, "r2", batchRef(2));
    await change(members[3].certId, "revoke", 1, "v3", batchRef(3));

    // Grants: each check updates the grant's row, held or forgotten.
    const grants: Bytes32[] = [];
    for (const c of singles.slice(1, 6)) {
      const g = await signGrant(engine, c.holder, c.certId, c.documentRoot, a.verifier);
      grants.push((await engine.chain.relayGrant(g)).grantId);
    }
    await engine.chain.recordCheck({ verifier: a.verifier, grantId: grants[0], outboxKey: "c1" });
    await engine.chain.recordCheck({ verifier: a.verifier, grantId: grants[0], outboxKey: "c2" });

    const held = engine.index.sizes();
    expect(held.certificates).to.be.at.most(HELD);
    expect(held.grants).to.be.at.most(HELD);

    // Every answer is the store's, whether the index held it or read it.
    const statuses = await Promise.all(ids.map(async (id) => (await engine.index.certificate(id))?.status));
    expect(statuses).to.deep.equal([
      "SUSPENDED",
      ...Array(5).fill("ACTIVE"),
      "ACTIVE",
      "ACTIVE",
      "ACTIVE",
      "REVOKED",
      ...Array(6).fill("ACTIVE"),
    ]);
    expect(await engine.index.certificate(members[9].certId)).to.deep.include({
      batchRoot: root,
      validFrom: members[9].validFrom,
      validUntil: members[9].validUntil,
    });
    expect(await engine.index.certificate(members[3].certId)).to.deep.include({
      batchRoot: root,
      validUntil: members[3].validUntil,
    });
    expect(await engine.index.overrideRow(root, members[2].certId)).to.deep.include({ status: "ACTIVE" });
    expect(await engine.index.singleRow(members[2].certId)).to.equal(undefined);
    expect((await engine.index.statusHistory(members[2].certId)).map((h) => h.status)).to.deep.equal([
      "SUSPENDED",
      "ACTIVE",
    ]);
    const uses = await Promise.all(grants.map(async (g) => (await engine.index.grant(g))?.uses));
    expect(uses).to.deep.equal([2, 0, 0, 0, 0]);
    expect((await engine.index.grantsForCertificate(singles[1].certId)).map((g) => g.grantId)).to.deep.equal([
      grants[0],
    ]);
    expect(await engine.index.certificate(newHolderCert().certId)).to.equal(undefined);
    expect(engine.index.sizes().certificates).to.be.at.most(HELD);
  } finally {
    await engine.close();
  }
}

describe("index held in bounded memory", function () {
  this.timeout(300_000);

  it("holds at most the configured certificates and grants and answers the others from the store (SQLite)", async function () {
    await forgetfulIndex({});
  });

  it("holds at most the configured certificates and grants and answers the others from the store (PostgreSQL)", async function () {
    const pg = await freshPostgresDatabase("cl_index_lru");
    try {
      await forgetfulIndex({ databaseUrl: pg.url });
    } finally {
      await pg.drop();
    }
  });

  it("does not keep a store read that a commit overtook: the next look reads the store again", async function () {
    const engine = await openEngine(tmpDataDir(), { indexCacheEntries: HELD });
    try {
      const a = await setupActors(engine);
      const c = newHolderCert();
      await issueNow(engine, a, c.certId, "i1");
      await flush(
        engine,
        await Promise.all(
          Array.from({ length: HELD }, async (_, i) => {
            const x = newHolderCert();
            await issueNow(engine, a, x.certId, `f${i}`);
            return x.certId;
          }),
        ),
      );
      const id = c.certId.toLowerCase();
      const single = (q: typeof engine.store.db) =>
        q.selectFrom("certificates").where("cert_id", "=", id).where("batch_root", "=", ZERO_ROOT);
      const row = await single(engine.store.db).selectAll().executeTakeFirst();
      expect(row).to.deep.include({ status: "ACTIVE" });
      // A read starts; a commit that suspends the certificate is applied before the read answers.
      const reading = engine.index.certificate(c.certId);
      expect(reading).to.be.instanceOf(Promise);
      engine.index.apply([{ table: "certificates", row: { ...row!, status: "SUSPENDED" } }]);
      await engine.store.db
        .updateTable("certificates")
        .set({ status: "SUSPENDED" })
        .where("cert_id", "=", id)
        .where("batch_root", "=", ZERO_ROOT)
        .execute();
      expect(await single(engine.store.db).select("status").executeTakeFirst()).to.deep.equal({ status: "SUSPENDED" });
      expect((await reading)?.status).to.equal("ACTIVE");
      expect((await engine.index.certificate(c.certId))?.status).to.equal("SUSPENDED");
    } finally {
      await engine.close();
    }
  });
});
