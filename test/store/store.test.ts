import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { openStore, type Store } from "../../src/store/open";
import { OutboxRepository } from "../../src/store/outbox";
import {
  SqlCounterSessions,
  SqlIdempotencyStore,
  SqlPrincipalStore,
  SqlReplayGuard,
} from "../../src/store/gatewayStores";
import { sqlCounterSessionStore } from "../../src/http/counterStores";
import { SqlBackupStore, SqlPickupStore } from "../../src/store/holderStores";
import { SqlIssuerKeyStore } from "../../src/store/issuerKeys";
import { freshPostgresDatabase } from "../support/postgres";

/** The same suite for both dialects: the store must behave identically on SQLite and PostgreSQL. */
function storeSuite(name: string, open: () => Promise<{ store: Store; cleanup(): Promise<void> }>) {
  describe(`store on ${name}`, function () {
    let store: Store;
    let cleanup: () => Promise<void>;

    beforeEach(async function () {
      ({ store, cleanup } = await open());
    });
    afterEach(async function () {
      await store.close();
      await cleanup();
    });

    it("migrates an empty database and is idempotent on reopen", async function () {
      const tables = ["outbox", "certificates", "grants", "checks", "principals", "counter_sessions", "chain_cursor"];
      for (const t of tables) {
        const rows = await store.db
          // eslint-disable-next-line @typescript-eslint/no-explicit-any
          .selectFrom(t as any)
          .selectAll()
          .execute();
        expect(rows, t).to.deep.equal([]);
      }
    });

    it("accepts outbox work once per dedup key, however many callers race", async function () {
      const outbox = new OutboxRepository(store.db);
      const results = await Promise.all(
        Array.from({ length: 20 }, () => outbox.accept("issue", "agency-a:idem-1", "0xabc", { certId: "0x01" })),
      );
      expect(results.filter((r) => r.created)).to.have.length(1);
      expect(new Set(results.map((r) => r.row.id)).size).to.equal(1);
      const [row] = await outbox.unfinished();
      await outbox.markSent([row.id], "0xhash");
      expect((await outbox.unfinished())[0].state).to.equal("sent");
      await outbox.markDone([row.id], "0xhash", 7, () => ({ grantId: "0x02" }));
      expect(await outbox.unfinished()).to.deep.equal([]);
      const done = await outbox.byKey("agency-a:idem-1");
      expect(done?.block_number).to.equal(7);
      expect(JSON.parse(done!.result!)).to.deep.equal({ grantId: "0x02" });
      expect(await outbox.counts()).to.deep.include({ done: 1, pending: 0 });
    });

    it("stores principals by key hash only and lists them", async function () {
      const principals = new SqlPrincipalStore(store.db);
      await principals.create({
        id: "p1",
        role: "agency",
        address: "0xAbC0000000000000000000000000000000000001",
        label: "Public security",
        createdAt: 1,
        disabled: false,
        keyHash: "h1",
      });
      expect(await principals.findByKeyHash("h1")).to.deep.include({
        id: "p1",
        address: "0xabc0000000000000000000000000000000000001",
      });
      expect(await principals.findByKeyHash("nope")).to.equal(undefined);
      expect(await principals.count()).to.equal(1);
    });

    it("claims an idempotency key once and returns the first record to the others", async function () {
      const idem = new SqlIdempotencyStore(store.db);
      const rec = { requestHash: "r1", result: { doc: 1 }, done: false, createdAt: 5 };
      const claims = await Promise.all(Array.from({ length: 10 }, () => idem.claim("k", rec)));
      expect(claims.filter((c) => c === undefined)).to.have.length(1);
      expect(claims.find((c) => c !== undefined)).to.deep.equal(rec);
      await idem.markDone("k");
      expect((await idem.get("k"))?.done).to.equal(true);
    });

    it("refuses a replayed signature key until it expires", async function () {
      let now = 100;
      const guard = new SqlReplayGuard(store.db, () => now);
      expect(await guard.claim("sig1", 200)).to.equal(true);
      expect(await guard.claim("sig1", 200)).to.equal(false);
      now = 300;
      expect(await guard.claim("sig1", 400)).to.equal(true);
    });

    it("moves a counter session through its states once", async function () {
      const sessions = new SqlCounterSessions(store.db);
      await sessions.create({
        id: "s1",
        verifier: "0x0000000000000000000000000000000000000009",
        typesWanted: ["resident-id-card"],
        purpose: "open-account",
        nonce: "1",
        expiresAt: 10,
        state: "open",
        createdAt: 1,
      });
      const moves = await Promise.all([
        sessions.transition("s1", "open", "presented"),
        sessions.transition("s1", "open", "presented"),
      ]);
      expect(moves.filter(Boolean)).to.have.length(1);
      expect((await sessions.get("s1"))?.state).to.equal("presented");
    });

    it("lets a holder's decline or an answer win, never both, and reads a declined session back as DECLINED", async function () {
      const sessions = sqlCounterSessionStore(new SqlCounterSessions(store.db), () => 5);
      const session = {
        verifier: "0x0000000000000000000000000000000000000009" as const,
        types: ["resident-id-card"],
        purpose: "open-account",
        nonce: "1",
        createdAt: 1,
        expiresAt: 10,
        state: "OPEN" as const,
      };
      await sessions.insert({ ...session, id: "d1" });
      const [declined, claimed] = await Promise.all([sessions.decline("d1", 5), sessions.claim("d1", 5)]);
      expect([declined, claimed].filter(Boolean)).to.have.length(1);
      expect((await sessions.get("d1"))?.state).to.equal(declined ? "DECLINED" : "ANSWERING");

      await sessions.insert({ ...session, id: "d2" });
      expect(await sessions.decline("d2", 6)).to.equal(true);
      expect(await sessions.decline("d2", 7)).to.equal(false);
      expect(await sessions.claim("d2", 7)).to.equal(false);
      expect(await sessions.get("d2")).to.deep.include({ state: "DECLINED", declinedAt: 6, result: undefined });

      await sessions.insert({ ...session, id: "d3" });
      expect(await sessions.decline("d3", 10)).to.equal(false); // expired
      expect((await sessions.get("d3"))?.state).to.equal("OPEN");
    });

    it("keeps one pickup per certificate, drops its ciphertext on the first pickup only, and purges at expiry", async function () {
      const pickups = new SqlPickupStore(store.db);
      const certId = `0x${"ab".repeat(32)}` as const;
      const base = {
        agency: `0x${"11".repeat(20)}` as const,
        certId,
        sealed: "c2VhbGVk",
        confirmHash: "f".repeat(64),
        state: "waiting" as const,
        createdAt: 100,
        expiresAt: 200,
      };
      const [a, b] = await Promise.all([
        pickups.create({ ...base, id: "first-pickup-000000000" }),
        pickups.create({ ...base, id: "second-pickup-00000000", sealed: "b3RoZXI" }),
      ]);
      expect(a.id).to.equal(b.id);
      expect(
        await pickups.get(a.id === "first-pickup-000000000" ? "second-pickup-00000000" : "first-pickup-000000000"),
      ).to.equal(undefined);
      expect(await pickups.byCert(certId)).to.deep.include({ state: "waiting", expiresAt: 200, createdAt: 100 });
      expect(await pickups.markPickedUp(a.id, 150)).to.equal(true);
      expect(await pickups.markPickedUp(a.id, 160)).to.equal(false);
      expect(await pickups.get(a.id)).to.deep.include({ state: "picked_up", sealed: null, pickedUpAt: 150 });
      expect(await pickups.purge(199)).to.equal(0);
      expect(await pickups.purge(200)).to.equal(1);
      expect(await pickups.get(a.id)).to.equal(undefined);
    });

    it("writes a backup's version n+1 over n only, one of two racing writers winning, and purges old ones", async function () {
      const backups = new SqlBackupStore(store.db);
      const id = "a".repeat(64);
      expect(await backups.put({ id, version: 2, blob: "x", updatedAt: 10 })).to.equal(false);
      const first = await Promise.all([
        backups.put({ id, version: 1, blob: "one", updatedAt: 10 }),
        backups.put({ id, version: 1, blob: "uno", updatedAt: 10 }),
      ]);
      expect(first.filter(Boolean)).to.have.length(1);
      const racing = await Promise.all([
        backups.put({ id, version: 2, blob: "two", updatedAt: 20 }),
        backups.put({ id, version: 2, blob: "dos", updatedAt: 20 }),
      ]);
      expect(racing.filter(Boolean)).to.have.length(1);
      expect(await backups.put({ id, version: 2, blob: "late", updatedAt: 30 })).to.equal(false);
      const stored = await backups.get(id);
      expect(stored).to.deep.include({ id, version: 2, updatedAt: 20 });
      expect(["two", "dos"]).to.include(stored!.blob);
      expect(await backups.purge(20)).to.equal(0);
      expect(await backups.purge(21)).to.equal(1);
      expect(await backups.get(id)).to.equal(undefined);
    });

    it("records one public key per issuer key address (a later record changes nothing), listed per agency", async function () {
      const keys = new SqlIssuerKeyStore(store.db);
      const agency = `0x${"a1".repeat(20)}` as const;
      const jwk = { kty: "EC", crv: "secp256k1", x: "x".repeat(43), y: "y".repeat(43) } as const;
      await Promise.all([
        keys.put(agency, `0x${"b2".repeat(20)}`, jwk),
        keys.put(agency, `0x${"b2".repeat(20)}`, { ...jwk, x: "z".repeat(43) }),
      ]);
      await keys.put(`0x${"c3".repeat(20)}`, `0x${"d4".repeat(20)}`, jwk);
      const listed = await keys.byAgency(agency);
      expect(listed).to.have.length(1);
      expect(listed[0].address).to.equal(`0x${"b2".repeat(20)}`);
      await keys.put(agency, `0x${"b2".repeat(20)}`, { ...jwk, y: "w".repeat(43) });
      expect(await keys.byAgency(agency)).to.deep.equal(listed);
      expect(await keys.byAgency(`0x${"e5".repeat(20)}`)).to.deep.equal([]);
    });
  });
}

storeSuite("SQLite", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "certledger-store-"));
  const url = `sqlite:${path.join(dir, "store.sqlite")}`;
  // Open twice: the second open must find the migrations applied.
  await (await openStore({ url })).close();
  return { store: await openStore({ url }), cleanup: async () => fs.rmSync(dir, { recursive: true, force: true }) };
});

storeSuite("PostgreSQL", async () => {
  const pg = await freshPostgresDatabase("cl_store");
  await (await openStore({ url: pg.url })).close();
  return { store: await openStore({ url: pg.url }), cleanup: () => pg.drop() };
});
