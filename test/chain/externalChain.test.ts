import { expect } from "chai";
import type { Engine } from "../../src/chain/engine";
import { freshPostgresDatabase } from "../support/postgres";
import { newHolderCert, openEngine, setupActors, signGrant, tmpDataDir } from "../support/engineFixture";
import { NODE_ENGINES, type ExternalNode } from "../support/chainNodes";

for (const nodeEngine of NODE_ENGINES)
  describe(`engine on an external chain (${nodeEngine.name} over JSON-RPC)`, function () {
    this.timeout(300_000);
    let node: ExternalNode;
    let engine: Engine | undefined;
    const onNode = () => ({ rpcUrl: node.url, fundingPrivateKey: node.fundingKey, confirmations: 0, pollMs: 200 });

    before(async function () {
      node = await nodeEngine.start();
    });
    after(async function () {
      await engine?.close();
      await node?.stop();
    });

    it("deploys, issues 50 concurrent certificates in nonce order, relays a grant and a check, and indexes them", async function () {
      const dir = tmpDataDir();
      engine = await openEngine(dir, {
        ...onNode(),
      });
      expect(engine.startup.deployed).to.equal(true);
      expect(engine.embedded).to.equal(undefined);
      const a = await setupActors(engine);
      const now = Math.floor(Date.now() / 1000);
      const certs = Array.from({ length: 50 }, () => newHolderCert());
      await Promise.all(
        certs.map((c, i) =>
          engine!.chain.issue({
            agency: a.agency,
            issuerKey: a.issuerKey,
            certId: c.certId,
            typeId: a.typeId,
            validFrom: now - 5,
            validUntil: now + 3600,
            outboxKey: `x${i}`,
          }),
        ),
      );
      for (const c of certs) expect((await engine.index.certificate(c.certId))?.status).to.equal("ACTIVE");

      const c = certs[0];
      const { grantId } = await engine.chain.relayGrant(
        await signGrant(engine, c.holder, c.certId, c.documentRoot, a.verifier),
      );
      await engine.chain.recordCheck({ verifier: a.verifier, grantId, outboxKey: "chk" });
      expect((await engine.index.grant(grantId))!.uses).to.equal(1);
      await engine.close();

      // A restart against the same node: contracts from the data dir, index from the store, nothing resent.
      engine = await openEngine(dir, {
        ...onNode(),
      });
      expect(engine.startup.deployed).to.equal(false);
      expect((await engine.index.grant(grantId))!.uses).to.equal(1);
      expect((await engine.index.certificate(certs[49].certId))?.status).to.equal("ACTIVE");
    });

    it("explains a reverted write with the contract's custom error, mapped to the domain's code (not CHAIN_UNAVAILABLE)", async function () {
      const e = await openEngine(tmpDataDir(), {
        ...onNode(),
      });
      try {
        const a = await setupActors(e, "refusals");
        const c = newHolderCert();
        // Signed by someone else than the holder the certId commits to: the consent registry reverts. (A
        // hardhat node answers the send itself with an error for a reverted transaction; anvil does not.)
        const forged = await signGrant(e, newHolderCert().holder, c.certId, c.documentRoot, a.verifier);
        const err = await e.chain.relayGrant(forged).then(
          () => undefined,
          (x: unknown) => x as { code?: string; details?: { error?: string } },
        );
        expect(err?.code).to.equal("BAD_SIGNATURE");
        expect(err?.details?.error).to.equal("ConsentSignerNotHolder");
      } finally {
        await e.close();
      }
    });

    it("runs two gateway engines on one PostgreSQL database and one chain: no block applied twice, each sees the other's writes", async function () {
      const pg = await freshPostgresDatabase("cl_replicas");
      const common = {
        rpcUrl: node.url,
        fundingPrivateKey: node.fundingKey,
        confirmations: 0,
        pollMs: 100,
        databaseUrl: pg.url,
      };
      const a = await openEngine(tmpDataDir(), common);
      const b = await openEngine(tmpDataDir(), {
        ...common,
        contracts: a.addresses,
        fromBlock: (await a.indexer.cursorBlock()) - 20,
      });
      try {
        const actors = await setupActors(a, "replicas");
        await b.indexer.poke();
        const now = Math.floor(Date.now() / 1000);
        const issueOn = (e: Engine, tag: string) =>
          Promise.all(
            Array.from({ length: 20 }, async (_, i) => {
              const c = newHolderCert();
              await e.chain.issue({
                agency: actors.agency,
                issuerKey: actors.issuerKey,
                certId: c.certId,
                typeId: actors.typeId,
                validFrom: now - 5,
                validUntil: now + 3600,
                outboxKey: `${tag}${i}`,
              });
              return c.certId;
            }),
          );
        // Both replicas send from the same custodial key at once: the loser of each nonce re-signs.
        const [fromA, fromB] = await Promise.all([issueOn(a, "a"), issueOn(b, "b")]);
        await Promise.all([a.indexer.poke(), b.indexer.poke()]);
        for (const id of [...fromA, ...fromB]) {
          expect((await a.index.certificate(id))?.status, `replica A sees ${id}`).to.equal("ACTIVE");
          expect((await b.index.certificate(id))?.status, `replica B sees ${id}`).to.equal("ACTIVE");
        }
        const rows = await a.store.db.selectFrom("certificates").select("cert_id").execute();
        expect(new Set(rows.map((r) => r.cert_id)).size).to.equal(rows.length);
      } finally {
        await a.close();
        await b.close();
        await pg.drop();
      }
    });
  });
