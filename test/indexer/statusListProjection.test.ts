/**
 * The status list projection over a real store and index cache: a list grows when indices are drawn past
 * its end, by this process or by another replica on the same database, and its bits are the index's
 * statuses. SQLite and PostgreSQL.
 */
import { expect } from "chai";
import { secp256k1 } from "@noble/curves/secp256k1";
import { openStore, type Store } from "../../src/store/open";
import { ZERO_ROOT } from "../../src/store/schema";
import { StatusListEntries } from "../../src/store/statusLists";
import { IndexCache, type CacheChange } from "../../src/indexer/indexCache";
import { StatusListProjection } from "../../src/indexer/statusLists";
import { decodeStatusList, privateKeyToAddress, verifyStatusListJwt } from "../../src/document";
import { freshPostgresDatabase } from "../support/postgres";

const AGENCY = "0x" + "a1".repeat(20);
const URL = "https://gateway.example/v1/public/status-lists/" + AGENCY + "/revocation";
const id = (n: number) => "0x" + n.toString(16).padStart(64, "0");

function certificateRow(certId: string, status: string): CacheChange {
  return {
    table: "certificates",
    row: {
      batch_root: ZERO_ROOT,
      cert_id: certId,
      type_id: 1,
      key_id: 1,
      issuer_key: "0x" + "00".repeat(20),
      agency_id: 1,
      issued_at: 1,
      valid_from: 1,
      valid_until: 2,
      status,
      superseded_by: null,
      tx_hash: null,
      block_number: 1,
    },
  } as CacheChange;
}

function suite(name: string, open: () => Promise<{ store: Store; cleanup(): Promise<void> }>) {
  describe(`status list projection (${name})`, function () {
    this.timeout(60_000);
    let store: Store;
    let cleanup: () => Promise<void>;
    let cache: IndexCache;
    let projection: StatusListProjection;
    const key = secp256k1.utils.randomPrivateKey();
    const now = () => 1_800_000_000;
    const bitsOf = async () => {
      const list = await projection.publish(AGENCY, "revocation", URL);
      return decodeStatusList(verifyStatusListJwt(list.body).credential.credentialSubject.encodedList);
    };
    const bit = (bits: Uint8Array, i: number) => (bits[i >> 3] & (0x80 >> (i & 7))) !== 0;
    /** What the indexer does with a status change: commit it to the store, then tell the cache and the lists. */
    const commit = async (certId: string, status: string) => {
      const change = certificateRow(certId, status);
      await store.db
        .insertInto("certificates")
        .values(change.row as never)
        .onConflict((oc) => oc.columns(["batch_root", "cert_id"]).doUpdateSet({ status }))
        .execute();
      cache.apply([change]);
      await projection.applied([change]);
    };

    beforeEach(async () => {
      ({ store, cleanup } = await open());
      cache = new IndexCache(store.db, now);
      await cache.load();
      projection = new StatusListProjection(new StatusListEntries(store.db, { dialect: store.dialect, now }), cache, {
        chainId: 1337,
        now,
        agencyKey: async () => ({ address: privateKeyToAddress(key), privateKey: key }),
      });
    });
    afterEach(async () => {
      await store.close();
      await cleanup();
    });

    it("sets and clears a bit as the index's status of the certificate changes", async () => {
      const [row] = (await projection.allocate(AGENCY, [{ certId: id(1) }])).filter((r) => r.purpose === "revocation");
      expect(bit(await bitsOf(), row.index)).to.equal(false);
      await commit(id(1), "REVOKED");
      expect(bit(await bitsOf(), row.index)).to.equal(true);
      await commit(id(1), "ACTIVE");
      expect(bit(await bitsOf(), row.index)).to.equal(false);
    });

    it("grows the list when another replica drew an index past its end", async () => {
      await projection.allocate(AGENCY, [{ certId: id(1) }]);
      expect((await bitsOf()).length * 8).to.equal(131_072);
      // Another replica, on the same database, gave a certificate index 200,000 (its list had doubled).
      await store.db
        .insertInto("status_list_entries")
        .values({
          cert_id: id(2),
          purpose: "revocation",
          agency: AGENCY,
          list_index: 200_000,
          batch_root: ZERO_ROOT,
          created_at: now(),
        })
        .execute();
      await commit(id(2), "SUPERSEDED");
      const bits = await bitsOf();
      expect(bits.length * 8).to.equal(262_144);
      expect(bit(bits, 200_000)).to.equal(true);
    });
  });
}

suite("SQLite", async () => ({ store: await openStore({ url: "sqlite::memory:" }), cleanup: async () => undefined }));
suite("PostgreSQL", async () => {
  const db = await freshPostgresDatabase("sl_proj");
  return { store: await openStore({ url: db.url }), cleanup: () => db.drop() };
});
