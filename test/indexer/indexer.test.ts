import { expect } from "chai";
import { sql } from "kysely";
import { CURSOR_NAME } from "../../src/indexer/indexer";
import type { Engine, EngineOptions } from "../../src/chain/engine";
import { freshPostgresDatabase } from "../support/postgres";
import { Wallet } from "ethers";
import type { Address } from "../../src/domain/ports";
import {
  newHolderCert,
  openEngine,
  setupActors,
  signDelegation,
  signGrant,
  signRevokeDelegation,
  tmpDataDir,
  type Actors,
} from "../support/engineFixture";

async function cursor(engine: Engine): Promise<number> {
  const r = await engine.store.db
    .selectFrom("chain_cursor")
    .selectAll()
    .where("name", "=", CURSOR_NAME)
    .executeTakeFirstOrThrow();
  return Number(r.block_number);
}

async function issue(engine: Engine, a: Actors, key: string) {
  const now = Math.floor(Date.now() / 1000);
  const c = newHolderCert();
  await engine.chain.issue({
    agency: a.agency,
    issuerKey: a.issuerKey,
    certId: c.certId,
    typeId: a.typeId,
    validFrom: now - 1,
    validUntil: now + 3600,
    outboxKey: key,
  });
  return c;
}

/**
 * Another history from `snapshot` on, longer than the abandoned one (a certificate issued under
 * `key`, then three empty blocks), and the indexer follows it. Returns the new history's certificate.
 */
async function reorgFrom(engine: Engine, a: Actors, snapshot: unknown, key: string) {
  expect(await engine.rpc("evm_revert", [snapshot])).to.equal(true);
  engine.embedded!.producer.resetNonces();
  const c = await issue(engine, a, key);
  for (let i = 0; i < 3; i++) await engine.embedded!.producer.mineEmpty();
  await engine.indexer.poke();
  return c;
}

function indexerSuite(
  dialect: string,
  storeFor: () => Promise<{ extra: Partial<EngineOptions>; done(): Promise<void> }>,
) {
  describe(`indexer (${dialect})`, function () {
    this.timeout(120_000);
    let extra: Partial<EngineOptions>;
    let done: () => Promise<void>;
    beforeEach(async function () {
      ({ extra, done } = await storeFor());
    });
    afterEach(async function () {
      await done();
    });

    it("moves the cursor in the same transaction as the rows: a failed apply leaves neither", async function () {
      const dir = tmpDataDir();
      const engine = await openEngine(dir, extra);
      const a = await setupActors(engine);
      const c = await issue(engine, a, "i1");
      const { grantId } = await engine.chain.relayGrant(
        await signGrant(engine, c.holder, c.certId, c.documentRoot, a.verifier),
      );
      const before = await cursor(engine);

      // Break the checks table: applying CheckRecorded fails half-way through the block's transaction.
      await sql`alter table checks rename to checks_away`.execute(engine.store.db);
      const failed = await engine.chain
        .recordCheck({ verifier: a.verifier, grantId, outboxKey: "chk" })
        .catch((e) => e);
      expect(failed).to.be.instanceOf(Error);
      expect(await cursor(engine)).to.equal(before);
      const g = await engine.store.db
        .selectFrom("grants")
        .select("uses")
        .where("grant_id", "=", grantId)
        .executeTakeFirstOrThrow();
      expect(Number(g.uses)).to.equal(0);
      expect((await engine.index.grant(grantId))!.uses).to.equal(0);

      await sql`alter table checks_away rename to checks`.execute(engine.store.db);
      await engine.indexer.poke();
      expect(await cursor(engine)).to.be.greaterThan(before);
      expect((await engine.index.grant(grantId))!.uses).to.equal(1);
      expect(await engine.index.checksForCertificate(c.certId)).to.have.length(1);

      // The outbox row is settled by its recorded transaction hash on the next start: no second check.
      await engine.close();
      const again = await openEngine(dir, extra);
      expect((await again.index.grant(grantId))!.uses).to.equal(1);
      expect((await again.outbox.byKey("chk"))!.state).to.equal("done");
      await again.close();
    });

    it("rewinds a reorg: rows of abandoned blocks disappear, updated rows get their earlier image back", async function () {
      const engine = await openEngine(tmpDataDir(), extra);
      const a = await setupActors(engine);
      const kept = await issue(engine, a, "kept");
      const snapshot = await engine.rpc("evm_snapshot");

      const lost = await issue(engine, a, "lost");
      await engine.chain.changeStatus({
        agency: a.agency,
        issuerKey: a.issuerKey,
        certId: kept.certId,
        action: "suspend",
        reason: 2,
        outboxKey: "susp",
      });
      expect((await engine.index.certificate(kept.certId))!.status).to.equal("SUSPENDED");
      expect(await engine.index.certificate(lost.certId)).to.not.equal(undefined);
      const indexedBefore = await cursor(engine);

      const other = await reorgFrom(engine, a, snapshot, "other");

      expect(engine.indexer.stats.rewinds).to.equal(1);
      expect(await engine.index.certificate(lost.certId)).to.equal(undefined);
      expect((await engine.index.certificate(kept.certId))!.status).to.equal("ACTIVE");
      expect((await engine.index.certificate(other.certId))!.status).to.equal("ACTIVE");
      expect(await engine.index.statusHistory(kept.certId)).to.deep.equal([]);
      const rows = await engine.store.db.selectFrom("certificates").select("cert_id").execute();
      expect(rows.map((r) => r.cert_id)).to.not.include(lost.certId);
      expect(await cursor(engine)).to.be.at.least(indexedBefore);
      await engine.close();
    });

    it("rewinds delegations: a delegation, a delegate's grant and a revocation of abandoned blocks disappear", async function () {
      const engine = await openEngine(tmpDataDir(), extra);
      const a = await setupActors(engine);
      const c = await issue(engine, a, "deleg");
      const delegate = new Wallet(Wallet.createRandom().privateKey);
      const kept = await signDelegation(engine, c.holder, c.certId, c.documentRoot, delegate.address as Address);
      const { delegationId } = await engine.chain.relayDelegation(kept);
      const snapshot = await engine.rpc("evm_snapshot");

      const lostDelegation = await engine.chain.relayDelegation(
        await signDelegation(engine, c.holder, c.certId, c.documentRoot, Wallet.createRandom().address as Address),
      );
      const g = await signGrant(engine, delegate, c.certId, c.documentRoot, a.verifier);
      const { grantId } = await engine.chain.relayDelegateGrant({
        grant: g.grant,
        delegation: kept.delegation,
        signature: g.signature,
      });
      await engine.chain.relayRevokeDelegation({
        ...(await signRevokeDelegation(engine, c.holder, delegationId, c.documentRoot)),
        delegationId,
      });
      expect((await engine.index.grant(grantId))!.delegationId).to.equal(delegationId);
      expect((await engine.index.delegation(delegationId))!.revoked).to.equal(true);
      expect(await engine.index.delegationsForCertificate(c.certId)).to.have.length(2);

      await reorgFrom(engine, a, snapshot, "deleg-other");

      expect(engine.indexer.stats.rewinds).to.equal(1);
      expect(await engine.index.grant(grantId)).to.equal(undefined);
      expect(await engine.index.delegation(lostDelegation.delegationId)).to.equal(undefined);
      const d = (await engine.index.delegation(delegationId))!;
      expect(d.revoked).to.equal(false);
      expect(d).to.not.have.property("revokedAt");
      expect((await engine.index.delegationsForCertificate(c.certId)).map((x) => x.delegationId)).to.deep.equal([
        delegationId,
      ]);
      await engine.close();
    });

    it("rewinds issuer-named delegations: one of abandoned blocks disappears, one before them keeps the agency's mark", async function () {
      const engine = await openEngine(tmpDataDir(), extra);
      const a = await setupActors(engine);
      const c = await issue(engine, a, "named");
      const byIssuer = (outboxKey: string) => {
        const now = Math.floor(Date.now() / 1000);
        return engine.chain.delegateByIssuer({
          issuerKey: a.issuerKey,
          delegation: {
            certId: c.certId,
            delegate: Wallet.createRandom().address.toLowerCase() as Address,
            purpose: `0x${"0".repeat(64)}`,
            verifier: `0x${"0".repeat(40)}`,
            online: false,
            validUntil: now + 3600,
            nonce: BigInt(Wallet.createRandom().address).toString(),
            deadline: now + 600,
          },
          outboxKey,
        });
      };
      const { delegationId } = await byIssuer("named-kept");
      const agency = (await engine.index.certificate(c.certId))!.agency;
      const namedBy = (await engine.index.delegation(delegationId))!.namedBy;
      expect(namedBy?.agency).to.equal(agency);
      expect(namedBy?.keyId).to.be.a("number").greaterThan(0);
      const snapshot = await engine.rpc("evm_snapshot");

      const lost = await byIssuer("named-lost");
      expect((await engine.index.delegation(lost.delegationId))!.namedBy).to.deep.equal(namedBy);
      const holders = await engine.chain.relayDelegation(
        await signDelegation(engine, c.holder, c.certId, c.documentRoot, Wallet.createRandom().address as Address),
      );
      expect(await engine.index.delegation(holders.delegationId)).to.not.have.property("namedBy");

      await reorgFrom(engine, a, snapshot, "named-other");

      expect(engine.indexer.stats.rewinds).to.equal(1);
      expect(await engine.index.delegation(lost.delegationId)).to.equal(undefined);
      expect(await engine.index.delegation(holders.delegationId)).to.equal(undefined);
      expect((await engine.index.delegation(delegationId))!.namedBy).to.deep.equal(namedBy);
      const rows = await engine.store.db
        .selectFrom("delegations")
        .select(["delegation_id", "named_by_key_id"])
        .execute();
      expect(rows).to.have.length(1);
      expect(Number(rows[0]!.named_by_key_id)).to.equal(namedBy!.keyId);
      await engine.close();
    });
  });
}

indexerSuite("SQLite", async () => ({ extra: {}, done: async () => undefined }));
indexerSuite("PostgreSQL", async () => {
  const pg = await freshPostgresDatabase("cl_indexer");
  return { extra: { databaseUrl: pg.url }, done: () => pg.drop() };
});
