/**
 * The retention sweep, on SQLite and PostgreSQL: Idempotency-Key records past their window, expired
 * counter requests, expired and used-up shares (with their encrypted documents) are deleted, so the
 * tables return to their size; what is still valid stays: a key inside its window still replays, a live
 * share still opens and checks. Pickups past their retention and backups not written for theirs go too.
 */
import { expect } from "chai";
import { generateMnemonic, mnemonicSeed } from "../../src/document";
import { deriveBackupKeys, sealBackup } from "../../src/domain/backup";
import { sampleFields } from "../../src/domain/catalog";
import type { Database } from "../../src/store/schema";
import { bearer, closeFront, count, issue, linkShare, openFrontOn, type Front } from "../support/frontGateway";

const DAY = 86_400;
const TABLES: (keyof Database)[] = ["idempotent_requests", "idempotency_keys", "counter_sessions"];

async function sizes(f: Front): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of TABLES) out[t] = await count(f, t);
  return out;
}

for (const backend of ["sqlite", "postgres"] as const) {
  describe(`retention sweep (${backend})`, function () {
    this.timeout(300_000);
    let f: Front;
    let skew = 0;

    before(async () => {
      f = await openFrontOn(backend, "retention", {
        withFront: true,
        now: () => Math.floor(Date.now() / 1000) + skew,
        config: {
          idempotencyRetentionSeconds: String(DAY),
          counterSessionRetentionSeconds: String(DAY),
          shareRetentionSeconds: String(DAY),
          pickupRetentionDays: "2",
          backupRetentionDays: "2",
          // The test runs the sweep itself.
          retentionSweepSeconds: "0",
        },
      });
    });

    after(async () => {
      if (f) await closeFront(f);
    });

    const issueWithKey = (key: string, i: number) =>
      f.http
        .post("/v1/agency/certificates")
        .set(bearer(f.keys.agencyA))
        .set("idempotency-key", key)
        .send({ type: "diploma", holder: f.wallet.address(i).toLowerCase(), fields: sampleFields("diploma", i) });

    it("deletes what is past retention, back to the tables' size, and keeps what is still valid", async () => {
      const baseline = await sizes(f);
      // Still valid after the sweep: a share lasting ten days (its record lives in idempotency_keys).
      const live = await linkShare(f, await issue(f), 3, f.now() + 10 * DAY);

      // Past retention three days from now: keyed writes, a counter request, shares expired or used up.
      const oldKey = `old-${Date.now()}`;
      const oldIssue = await issueWithKey(oldKey, f.nextIndex()).expect(201);
      const cert = await issue(f);
      await f.http
        .post(`/v1/agency/certificates/${cert.certId}/suspend`)
        .set(bearer(f.keys.agencyA))
        .set("idempotency-key", `old-suspend-${Date.now()}`)
        .send({ reason: "UNDER_INVESTIGATION" })
        .expect(200);
      await f.http
        .post("/v1/counter/requests")
        .set(bearer(f.keys.verifierV))
        .send({ types: ["diploma"], purpose: "open-bank-account", minutes: 1 })
        .expect(201);
      const expiring = await linkShare(f, await issue(f), 2, f.now() + 600);
      const usedUp = await linkShare(f, await issue(f), 1);
      const use = await f.http
        .post(`/v1/shares/${usedUp.share.id}/check`)
        .send({ document: usedUp.doc, check: await usedUp.check() })
        .expect(200);
      expect(use.body.verdict).to.equal("VALID");
      const grown = await sizes(f);
      for (const t of TABLES) expect(grown[t], t).to.be.greaterThan(baseline[t]);

      skew += 3 * DAY;
      const swept = await f.gw.sweepRetention();
      expect(swept.shares).to.equal(2);
      expect(await sizes(f)).to.deep.equal({ ...baseline, idempotency_keys: baseline.idempotency_keys + 1 });
      await f.http.get(`/v1/shares/${expiring.share.id}`).expect(404);
      await f.http.get(`/v1/shares/${usedUp.share.id}`).expect(404);

      // The live share still opens and checks.
      await f.http.get(`/v1/shares/${live.share.id}`).expect(200);
      const check = await f.http
        .post(`/v1/shares/${live.share.id}/check`)
        .send({ document: live.doc, check: await live.check() })
        .expect(200);
      expect(check.body.verdict, JSON.stringify(check.body.reasons)).to.equal("VALID");

      // A key inside its window still replays after a sweep...
      const key = `recent-${Date.now()}`;
      const i = f.nextIndex();
      const first = await issueWithKey(key, i).expect(201);
      await f.gw.sweepRetention();
      const again = await issueWithKey(key, i).expect(200);
      expect(again.headers["idempotent-replayed"]).to.equal("true");
      expect(again.body.certId).to.equal(first.body.certId);
      // ...while a key past its window is free: another request under it is new work, not the old answer.
      const reused = await issueWithKey(oldKey, f.nextIndex()).expect(201);
      expect(reused.body.certId).to.not.equal(oldIssue.body.certId);
    });

    it("deletes pickups at the end of their retention and backups not written for theirs, and keeps the rest", async () => {
      const backup = async () => {
        const keys = await deriveBackupKeys(mnemonicSeed(generateMnemonic()));
        const blob = await sealBackup(keys, 1, "{}");
        await f.http.put(`/v1/backups/${keys.id}`).send({ version: 1, blob, writeToken: keys.writeToken }).expect(201);
        return keys.id;
      };
      const pickupOf = async () =>
        (await issueWithKey(`pickup-${Date.now()}-${Math.random()}`, f.nextIndex()).expect(201)).body.pickup
          .id as string;
      const oldPickup = await pickupOf();
      const oldBackup = await backup();
      skew += 3 * DAY;
      const freshPickup = await pickupOf();
      const freshBackup = await backup();
      // Pickups made by the test before are past their retention too: all of those go, the fresh one stays.
      const pickupsBefore = await count(f, "pickups");
      const swept = await f.gw.sweepRetention();
      expect(swept.pickups).to.be.at.least(1);
      expect(await count(f, "pickups")).to.equal(pickupsBefore - swept.pickups);
      expect(swept.backups).to.equal(1);
      expect((await f.http.get(`/v1/pickups/${oldPickup}`)).body.error.code).to.equal("PICKUP_NOT_FOUND");
      expect((await f.http.get(`/v1/backups/${oldBackup}`)).body.error.code).to.equal("BACKUP_NOT_FOUND");
      await f.http.get(`/v1/pickups/${freshPickup}`).expect(200);
      await f.http.get(`/v1/backups/${freshBackup}`).expect(200);
    });
  });
}
