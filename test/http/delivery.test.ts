/**
 * Pickups and backups over HTTP on the real gateway: an issued document waits sealed for its holder's
 * wallet and is deleted once picked up; a wallet backup is written only by its mnemonic's holder, in
 * order. What the gateway stores is ciphertext the test opens only with the keys the holder has.
 */
import { expect } from "chai";
import { generateMnemonic, mnemonicSeed } from "../../src/document";
import { deriveBackupKeys, openBackup, sealBackup } from "../../src/domain/backup";
import { openPickup, parsePickupLink, pickupConfirmToken } from "../../src/domain/pickup";
import { sampleFields } from "../../src/domain/catalog";
import { bearer, getFront, type Front } from "../support/frontGateway";

/** supertest listens on a new port per request: compare pickups without the link's origin. */
const sansOrigin = (t: { url?: string }) => ({ ...t, url: t.url?.replace(/^http:\/\/[^/]+/, "") });

describe("HTTP pickups: a sealed document waits for the holder's wallet", function () {
  this.timeout(120_000);
  let f: Front;
  before(async () => {
    f = await getFront();
  });
  const pickupRow = (id: string) =>
    f.gw.engine.store.db.selectFrom("pickups").selectAll().where("id", "=", id).executeTakeFirstOrThrow();

  async function issueWithPickup(idem = `pickup-${Date.now()}-${Math.random()}`) {
    const index = f.nextIndex();
    const holder = f.wallet.address(index).toLowerCase();
    const body = { type: "diploma", holder, fields: sampleFields("diploma", index) };
    const send = () =>
      f.http.post("/v1/agency/certificates").set(bearer(f.keys.agencyA)).set("idempotency-key", idem).send(body);
    return { res: await send(), send };
  }

  it("answers an issue with a pickup link whose key only the fragment carries, and the key opens the stored document", async () => {
    const { res } = await issueWithPickup();
    expect(res.status).to.equal(201);
    const { pickup, certId, document } = res.body;
    expect(pickup.state).to.equal("waiting");
    expect(pickup.url).to.match(/\/wallet\?pickup=[A-Za-z0-9_-]{22}#k=[A-Za-z0-9_-]{43}$/);
    const link = parsePickupLink(pickup.url)!;
    expect(link.id).to.equal(pickup.id);
    const row = await pickupRow(pickup.id);
    expect(row.cert_id).to.equal(certId);
    expect(row.sealed).to.be.a("string");
    const values = Object.values(document.credentialSubject as Record<string, unknown>)
      .flatMap((v) => (typeof v === "object" && v ? Object.values(v) : [v]))
      .filter((v): v is string => typeof v === "string" && v.length >= 4);
    expect(values.length).to.be.greaterThan(2);
    for (const v of values) expect(JSON.stringify(row), v).to.not.contain(v);
    expect(JSON.stringify(row)).to.not.contain(pickup.url.split("#k=")[1]);
    const sealed = await f.http.get(`/v1/pickups/${pickup.id}`).expect(200);
    expect(JSON.parse(await openPickup(link.key, link.id, sealed.body.sealed))).to.deep.equal(document);
  });

  it("shows the same link again to the issuing key and on an issue replayed under its Idempotency-Key", async () => {
    const { res, send } = await issueWithPickup();
    const again = await f.http
      .get(`/v1/agency/certificates/${res.body.certId}/pickup`)
      .set(bearer(f.keys.agencyA))
      .expect(200);
    expect(sansOrigin(again.body)).to.deep.equal(sansOrigin(res.body.pickup));
    const replay = await send();
    expect(replay.status).to.equal(200);
    expect(sansOrigin(replay.body.pickup)).to.deep.equal(sansOrigin(res.body.pickup));
    const other = await f.http.get(`/v1/agency/certificates/${res.body.certId}/pickup`).set(bearer(f.keys.agencyB));
    expect(other.status).to.equal(404);
    expect(other.body.error.code).to.equal("PICKUP_NOT_FOUND");
  });

  it("deletes the ciphertext on the wallet's confirmation and refuses a second pickup with 410", async () => {
    const { res } = await issueWithPickup();
    const link = parsePickupLink(res.body.pickup.url)!;
    const wrong = await f.http.post(`/v1/pickups/${link.id}/confirm`).send({ token: "A".repeat(43) });
    expect(wrong.status).to.equal(403);
    expect(wrong.body.error.code).to.equal("PICKUP_TOKEN_INVALID");
    await f.http.get(`/v1/pickups/${link.id}`).expect(200);
    const token = pickupConfirmToken(link.key);
    const ok = await f.http.post(`/v1/pickups/${link.id}/confirm`).send({ token }).expect(200);
    expect(ok.body.state).to.equal("picked_up");
    const retried = await f.http.post(`/v1/pickups/${link.id}/confirm`).send({ token }).expect(200);
    expect(retried.body).to.deep.equal(ok.body);
    const row = await pickupRow(link.id);
    expect(row.sealed).to.equal(null);
    for (const res2 of [
      await f.http.get(`/v1/pickups/${link.id}`),
      await f.http.get(`/v1/agency/certificates/${res.body.certId}/pickup`).set(bearer(f.keys.agencyA)),
    ]) {
      expect(res2.status).to.equal(410);
      expect(res2.body.error.code).to.equal("PICKUP_ALREADY_PICKED_UP");
    }
  });

  it("answers an unknown pickup with 404, a malformed id with 400 and an expired one with 410", async () => {
    const unknown = await f.http.get(`/v1/pickups/${"x".repeat(22)}`);
    expect([unknown.status, unknown.body.error.code]).to.deep.equal([404, "PICKUP_NOT_FOUND"]);
    const bad = await f.http.get("/v1/pickups/not-an-id");
    expect([bad.status, bad.body.error.code]).to.deep.equal([400, "VALIDATION_FAILED"]);
    const { res } = await issueWithPickup();
    await f.gw.engine.store.db
      .updateTable("pickups")
      .set({ expires_at: f.now() - 1 })
      .where("id", "=", res.body.pickup.id)
      .execute();
    const expired = await f.http.get(`/v1/pickups/${res.body.pickup.id}`);
    expect([expired.status, expired.body.error.code]).to.deep.equal([410, "PICKUP_EXPIRED"]);
    const reshow = await f.http.get(`/v1/agency/certificates/${res.body.certId}/pickup`).set(bearer(f.keys.agencyA));
    expect([reshow.status, reshow.body.error.code]).to.deep.equal([410, "PICKUP_EXPIRED"]);
  });

  it("makes one pickup per certificate of an anchored batch, the same links when asked again", async () => {
    const items = [0, 1, 2].map(() => {
      const index = f.nextIndex();
      return { holder: f.wallet.address(index).toLowerCase(), fields: sampleFields("diploma", index) };
    });
    const job = await f.http
      .post("/v1/agency/batches?wait=true")
      .set(bearer(f.keys.agencyA))
      .send({ type: "diploma", items })
      .expect(201);
    const path = `/v1/agency/batches/${job.body.batchId}/pickups?offset=1&limit=5`;
    const first = await f.http.post(path).set(bearer(f.keys.agencyA)).expect(200);
    expect(first.body.items.map((i: { index: number }) => i.index)).to.deep.equal([1, 2]);
    const second = await f.http.post(path).set(bearer(f.keys.agencyA)).expect(200);
    const pickups = (b: { items: { pickup: { url?: string } }[] }) => b.items.map((i) => sansOrigin(i.pickup));
    expect(pickups(second.body)).to.deep.equal(pickups(first.body));
    const docs = await f.http
      .get(`/v1/agency/batches/${job.body.batchId}/documents`)
      .set(bearer(f.keys.agencyA))
      .expect(200);
    const it1 = first.body.items[0];
    const link = parsePickupLink(it1.pickup.url)!;
    const sealed = await f.http.get(`/v1/pickups/${link.id}`).expect(200);
    expect(JSON.parse(await openPickup(link.key, link.id, sealed.body.sealed))).to.deep.equal(
      docs.body.items[1].document,
    );
    const single = await f.http
      .get(`/v1/agency/certificates/${it1.certId}/pickup`)
      .set(bearer(f.keys.agencyA))
      .expect(200);
    expect(sansOrigin(single.body)).to.deep.equal(sansOrigin(it1.pickup));
  });
});

describe("HTTP backups: only the mnemonic reads or writes a wallet's backup, in order", function () {
  this.timeout(120_000);
  let f: Front;
  before(async () => {
    f = await getFront();
  });

  it("stores an opaque blob under an id from the mnemonic and gives it back to the same mnemonic only", async () => {
    const keys = await deriveBackupKeys(mnemonicSeed(generateMnemonic()));
    const text = JSON.stringify({ certificates: [{ certId: "0x01", name: "张三" }] });
    const blob = await sealBackup(keys, 1, text);
    const put = await f.http.put(`/v1/backups/${keys.id}`).send({ version: 1, blob, writeToken: keys.writeToken });
    expect(put.status).to.equal(201);
    const row = await f.gw.engine.store.db
      .selectFrom("backups")
      .selectAll()
      .where("id", "=", keys.id)
      .executeTakeFirstOrThrow();
    expect(row.blob).to.not.contain("张三");
    const got = await f.http.get(`/v1/backups/${keys.id}`).expect(200);
    expect(await openBackup(keys, got.body.version, got.body.blob)).to.equal(text);
    const other = await deriveBackupKeys(mnemonicSeed(generateMnemonic()));
    const none = await f.http.get(`/v1/backups/${other.id}`);
    expect([none.status, none.body.error.code]).to.deep.equal([404, "BACKUP_NOT_FOUND"]);
    let opened = true;
    await openBackup(other, 1, blob).catch(() => (opened = false));
    expect(opened).to.equal(false);
  });

  it("takes version n+1 only, answers a retried write the same, and refuses another token or an oversized blob", async () => {
    const keys = await deriveBackupKeys(mnemonicSeed(generateMnemonic()));
    const write = (version: number, blob: string, writeToken = keys.writeToken) =>
      f.http.put(`/v1/backups/${keys.id}`).send({ version, blob, writeToken });
    expect((await write(1, "b25l")).status).to.equal(201);
    expect((await write(2, "dHdv")).status).to.equal(201);
    const retry = await write(2, "dHdv");
    expect(retry.status).to.equal(200);
    const stale = await write(2, "b2xk");
    expect([stale.status, stale.body.error.code, stale.body.error.details.current]).to.deep.equal([
      409,
      "BACKUP_VERSION_CONFLICT",
      2,
    ]);
    const skip = await write(5, "c2tpcA");
    expect(skip.status).to.equal(409);
    const other = await deriveBackupKeys(mnemonicSeed(generateMnemonic()));
    const forged = await write(3, "Zm9yZ2Vk", other.writeToken);
    expect([forged.status, forged.body.error.code]).to.deep.equal([403, "BACKUP_WRITE_FORBIDDEN"]);
    const big = await write(3, "A".repeat(f.gw.deps.settings.backupMaxBytes + 1));
    expect([big.status, big.body.error.code]).to.deep.equal([413, "BACKUP_TOO_LARGE"]);
    expect((await f.http.get(`/v1/backups/${keys.id}`).expect(200)).body).to.deep.include({ version: 2, blob: "dHdv" });
  });
});
