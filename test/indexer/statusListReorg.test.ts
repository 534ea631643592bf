/**
 * The status lists follow the chain, not the gateway's writes: a revocation sent straight to the node by
 * the agency's key (not through the relayer, so nothing sends it again) shows in the list once the indexer
 * applies its block, and leaves the list again when a reorg drops that block. SQLite and PostgreSQL.
 */
import { expect } from "chai";
import { JsonRpcProvider, Wallet, ZeroHash } from "ethers";
import type { Engine } from "../../src/chain/engine";
import { ledgerIface } from "../../src/chain/contracts";
import { statusFromList, type BitstringStatusListEntry } from "../../src/document";
import { STATUS_REASONS } from "../../src/domain/reasons";
import { ANVIL, type ExternalNode } from "../support/chainNodes";
import { issueNow, newHolderCert, openEngine, setupActors, tmpDataDir } from "../support/engineFixture";
import { freshPostgresDatabase } from "../support/postgres";

const BASE = "https://gateway.example";

function suite(dialect: string, store: () => Promise<{ databaseUrl?: string; done(): Promise<void> }>) {
  describe(`status lists across a reorg (${dialect}, anvil)`, function () {
    this.timeout(240_000);
    let node: ExternalNode;
    let engine: Engine | undefined;
    let done: () => Promise<void> = async () => undefined;

    beforeEach(async () => {
      node = await ANVIL.start();
    });
    afterEach(async () => {
      await engine?.close();
      engine = undefined;
      await node.stop();
      await done();
    });

    it("sets a revoked certificate's bit when its block is applied and clears it when a reorg drops the block", async () => {
      const s = await store();
      done = s.done;
      engine = await openEngine(tmpDataDir(), {
        rpcUrl: node.url,
        fundingPrivateKey: node.fundingKey,
        confirmations: 0,
        pollMs: 100,
        ...(s.databaseUrl ? { databaseUrl: s.databaseUrl } : {}),
      });
      const e = engine;
      const a = await setupActors(e, "slreorg");
      const [kept, revoked] = [newHolderCert(), newHolderCert()];
      await issueNow(e, a, kept.certId, "sl-kept");
      await issueNow(e, a, revoked.certId, "sl-revoked");
      const entry = async (certId: string): Promise<BitstringStatusListEntry> =>
        (await e.statusLists.entriesOf(certId, BASE)).find((x) => x.statusPurpose === "revocation")!;
      const bit = async (certId: string) => {
        const en = await entry(certId);
        const list = await e.statusLists.publish(a.agency, "revocation", en.statusListCredential);
        return statusFromList(list.body, en).set;
      };
      expect([await bit(kept.certId), await bit(revoked.certId)]).to.deep.equal([false, false]);

      // The agency's key revokes on chain directly: the gateway learns of it only from the chain.
      const agencyKey = new Wallet(e.keyring.signer(a.issuerKey).privateKey, new JsonRpcProvider(node.url));
      /** Revokes on chain and waits until the index (lists included) applied the block. */
      const revokeOnChain = async (reason: number) => {
        const tx = await agencyKey.sendTransaction({
          to: e.addresses.ledger,
          data: ledgerIface.encodeFunctionData("revoke", [[revoked.certId, ZeroHash, 0, 0, []], reason]),
        });
        // waitFor resolves once the block is applied, lists included.
        await e.indexer.waitFor((await tx.wait())!.blockNumber);
      };
      await revokeOnChain(STATUS_REASONS.revoke.FRAUD);
      expect((await e.index.certificate(revoked.certId))?.status).to.equal("REVOKED");
      expect([await bit(kept.certId), await bit(revoked.certId)]).to.deep.equal([false, true]);

      // The revocation's block is replaced by an empty one.
      await e.indexer.stop();
      await e.rpc("anvil_reorg", [1, []]);
      await e.indexer.poke();
      expect(e.indexer.stats.rewinds).to.equal(1);
      expect((await e.index.certificate(revoked.certId))?.status).to.equal("ACTIVE");
      expect([await bit(kept.certId), await bit(revoked.certId)]).to.deep.equal([false, false]);
      // And the index keeps following: a later block is applied to the rebuilt list too.
      e.indexer.start(100);
      await revokeOnChain(STATUS_REASONS.revoke.LOST_OR_STOLEN);
      expect((await e.index.certificate(revoked.certId))?.status).to.equal("REVOKED");
      expect([await bit(kept.certId), await bit(revoked.certId)]).to.deep.equal([false, true]);
    });
  });
}

suite("SQLite", async () => ({ done: async () => undefined }));
suite("PostgreSQL", async () => {
  const pg = await freshPostgresDatabase("sl_reorg");
  return { databaseUrl: pg.url, done: () => pg.drop() };
});
