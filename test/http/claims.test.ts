/**
 * Issuance to a claim reference, over HTTP on the real gateway, on SQLite and PostgreSQL: a batch with
 * claim items answers each offer's claim code once; the store keeps no code and no identity value; a
 * citizen claims with the code and the identity fields for a fresh holder key and gets a certificate that
 * verifies VALID; every refusal has its code; five wrong attempts lock the offer; an expired offer's
 * personal data is deleted by the retention sweep.
 */
import { expect } from "chai";
import { computeCertId } from "../../src/document";
import { sampleFields } from "../../src/domain/catalog";
import { parseClaimCode } from "../../src/domain/claims";
import { Limits, DEFAULT_LIMITS } from "../../src/http/limits";
import { bearer, closeFront, documentRootOf, openFrontOn, type Front } from "../support/frontGateway";
import { openExternalCustody, type ExternalCustody } from "../support/externalCustody";

const DAY = 86_400;

/** Flips one character of the secret part of a code (the offer id stays the same). */
function wrongCode(code: string): string {
  const last = code.at(-1)!;
  return code.slice(0, -1) + (last === "Z" ? "Y" : "Z");
}

for (const backend of ["sqlite", "postgres"] as const) {
  describe(`HTTP claims: issuance to people without an address yet (${backend})`, function () {
    this.timeout(300_000);
    let f: Front;
    let skew = 0;

    before(async () => {
      f = await openFrontOn(backend, "claims", {
        now: () => Math.floor(Date.now() / 1000) + skew,
        config: { claimOfferDays: "30", retentionSweepSeconds: "0", claimFailuresPerClient: "1000" },
      });
    });

    after(async () => {
      if (f) await closeFront(f);
    });

    const row = (id: string) =>
      f.gw.engine.store.db.selectFrom("claim_offers").selectAll().where("id", "=", id).executeTakeFirstOrThrow();

    let seq = 0;
    /** A batch of `n` claim diplomas (plus, with `holders`, that many holder items first). */
    async function claimBatch(n: number, holders = 0, key = `claims-${Date.now()}-${++seq}`) {
      const items: Record<string, unknown>[] = [];
      for (let i = 0; i < holders; i++) {
        const index = f.nextIndex();
        items.push({ holder: f.wallet.address(index).toLowerCase(), fields: sampleFields("diploma", index) });
      }
      const references: Record<string, string>[] = [];
      const fieldsOf: Record<string, unknown>[] = [];
      for (let i = 0; i < n; i++) {
        const fields = sampleFields("diploma", 1000 + ++seq);
        fieldsOf.push(fields);
        const reference = { idNumber: "11010519491231002x", studentNumber: `S${100000 + seq}` };
        references.push(reference);
        items.push({ claim: { reference }, fields });
      }
      const send = () =>
        f.http
          .post("/v1/agency/batches?wait=true")
          .set(bearer(f.keys.agencyA))
          .set("idempotency-key", key)
          .send({ type: "diploma", items });
      const res = await send();
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      return { res, references, fieldsOf, send };
    }

    const claim = (code: string, reference: Record<string, string>, index = f.nextIndex()) =>
      f.http.post("/v1/claims").send({ code, reference, holder: f.wallet.address(index).toLowerCase() });

    it("answers each claim item's code once, stores neither the code nor the identity values, and a replay omits the codes", async () => {
      const { res, references, fieldsOf, send } = await claimBatch(2, 1);
      expect(res.body.state).to.equal("done");
      expect(res.body.root).to.match(/^0x[0-9a-f]{64}$/);
      expect(res.body.claims.map((c: { index: number }) => c.index)).to.deep.equal([1, 2]);
      for (const c of res.body.claims) {
        expect(c.claimCode).to.match(/^([0-9A-HJKMNP-TV-Z]{4}-){6}[0-9A-HJKMNP-TV-Z]{4}$/);
        expect(c.claimLink).to.match(/\/wallet#claim=/);
        expect(parseClaimCode(c.claimCode)!.offerId).to.equal(c.offerId);
        expect(c.state).to.equal("open");
        const stored = JSON.stringify(await row(c.offerId));
        expect(stored).to.not.contain(parseClaimCode(c.claimCode)!.secret);
        for (const v of Object.values(references[c.index - 1])) expect(stored).to.not.contain(v);
        // The certificate's fields are sealed under the code until the citizen claims.
        const values = Object.values(fieldsOf[c.index - 1]).filter(
          (v): v is string => typeof v === "string" && v.length >= 4,
        );
        expect(values.length).to.be.greaterThan(2);
        for (const v of values) expect(stored, v).to.not.contain(v);
      }
      const replay = await send();
      expect(replay.status).to.equal(200);
      expect(replay.headers["idempotent-replayed"]).to.equal("true");
      expect(replay.body.claims.map((c: { offerId: string }) => c.offerId)).to.deep.equal(
        res.body.claims.map((c: { offerId: string }) => c.offerId),
      );
      for (const c of replay.body.claims) expect(c).to.not.have.property("claimCode");
      const stored = await f.gw.engine.store.db.selectFrom("idempotent_requests").select("answer").execute();
      for (const c of res.body.claims)
        for (const r of stored) expect(String(r.answer)).to.not.contain(parseClaimCode(c.claimCode)!.secret);
      const manifest = await f.http
        .get(`/v1/agency/claims?batch=${res.body.batchId}`)
        .set(bearer(f.keys.agencyA))
        .expect(200);
      expect(manifest.body.items.map((c: { offerId: string }) => c.offerId)).to.deep.equal(
        res.body.claims.map((c: { offerId: string }) => c.offerId),
      );
      const other = await f.http.get(`/v1/agency/claims?batch=${res.body.batchId}`).set(bearer(f.keys.agencyB));
      expect(other.body.items).to.deep.equal([]);
    });

    it("issues a claimed certificate to the wallet's fresh key; it verifies VALID and certId commits to that key", async () => {
      const { res, references } = await claimBatch(1);
      const offer = res.body.claims[0];
      const info = await f.http.get(`/v1/claims/${offer.offerId}`).expect(200);
      expect(info.body).to.include({ type: "diploma", state: "open" });
      expect(info.body.referenceFields).to.deep.equal(["idNumber", "studentNumber"]);
      const index = f.nextIndex();
      // Typed as people type: lower case, spaces instead of dashes; the ID's X in lower case.
      const typed = offer.claimCode.toLowerCase().replace(/-/g, " ");
      const ok = await claim(typed, { ...references[0], idNumber: references[0].idNumber.toLowerCase() }, index);
      expect(ok.status, JSON.stringify(ok.body)).to.equal(201);
      const holder = f.wallet.address(index).toLowerCase();
      expect(ok.body.holder).to.equal(holder);
      expect(ok.body.certId).to.equal(computeCertId(holder, documentRootOf(f, ok.body.document)));
      const v = await f.http.post("/v1/public/verify").send({ document: ok.body.document }).expect(200);
      expect(v.body.verdict, JSON.stringify(v.body.reasons)).to.equal("VALID");
      // The gateway keeps no copy of the document, nor the code's hash, once it is on chain.
      const stored = await row(offer.offerId);
      expect(stored).to.include({ state: "claimed", draft: null, code_hash: null, reference_hash: null });
      expect(stored.cert_id).to.equal(ok.body.certId);
      const manifest = await f.http.get(`/v1/agency/claims?batch=${res.body.batchId}`).set(bearer(f.keys.agencyA));
      expect(manifest.body.items[0]).to.include({ state: "claimed", certId: ok.body.certId });
      const again = await claim(offer.claimCode, references[0]);
      expect(again.status).to.equal(409);
      expect(again.body.error.code).to.equal("CLAIM_ALREADY_CLAIMED");
    });

    it("refuses a malformed code, an unknown offer, other identity fields and a bad holder, counting none against the offer", async () => {
      const { res, references } = await claimBatch(1);
      const offer = res.body.claims[0];
      const malformed = await claim("not-a-code", references[0]);
      expect([malformed.status, malformed.body.error.code]).to.deep.equal([400, "CLAIM_CODE_MALFORMED"]);
      const unknown = await claim(`ZZZZ-ZZZZ-ZZZZ${offer.claimCode.slice(14)}`, references[0]);
      expect([unknown.status, unknown.body.error.code]).to.deep.equal([404, "CLAIM_NOT_FOUND"]);
      await f.http.get("/v1/claims/ZZZZZZZZZZZZ").expect(404);
      const fields = await claim(offer.claimCode, { idNumber: references[0].idNumber });
      expect([fields.status, fields.body.error.code]).to.deep.equal([400, "CLAIM_REFERENCE_FIELDS"]);
      expect(fields.body.error.details.referenceFields).to.deep.equal(["idNumber", "studentNumber"]);
      const zero = await f.http
        .post("/v1/claims")
        .send({ code: offer.claimCode, reference: references[0], holder: `0x${"0".repeat(40)}` });
      expect([zero.status, zero.body.error.code]).to.deep.equal([400, "CLAIM_HOLDER_INVALID"]);
      expect((await row(offer.offerId)).failures).to.equal(0);
      await claim(offer.claimCode, references[0]).expect(201);
    });

    it("counts a wrong code and wrong identity values alike, and locks the offer at the fifth: the right code is refused then", async () => {
      const { res, references } = await claimBatch(1);
      const offer = res.body.claims[0];
      const left: number[] = [];
      for (let i = 0; i < 4; i++) {
        const wrong =
          i % 2 === 0
            ? await claim(wrongCode(offer.claimCode), references[0])
            : await claim(offer.claimCode, { ...references[0], studentNumber: "S000000" });
        expect([wrong.status, wrong.body.error.code]).to.deep.equal([403, "CLAIM_CODE_INVALID"]);
        expect(wrong.body.error.message).to.not.match(/identity details are wrong|code is wrong/);
        left.push(wrong.body.error.details.attemptsLeft);
      }
      expect(left).to.deep.equal([4, 3, 2, 1]);
      const fifth = await claim(wrongCode(offer.claimCode), references[0]);
      expect([fifth.status, fifth.body.error.code]).to.deep.equal([423, "CLAIM_LOCKED"]);
      const right = await claim(offer.claimCode, references[0]);
      expect([right.status, right.body.error.code]).to.deep.equal([423, "CLAIM_LOCKED"]);
      const info = await f.http.get(`/v1/claims/${offer.offerId}`).expect(200);
      expect(info.body.state).to.equal("locked");
      expect((await row(offer.offerId)).failures).to.equal(5);
    });

    it("refuses an item with both holder and claim, or neither, and bad identity fields, naming the item", async () => {
      const offersNow = async () =>
        (await f.gw.engine.store.db.selectFrom("claim_offers").select("id").execute()).length;
      const before = await offersNow();
      const fields = sampleFields("diploma", 7);
      const holder = f.wallet.address(f.nextIndex()).toLowerCase();
      const both = await f.http
        .post("/v1/agency/batches")
        .set(bearer(f.keys.agencyA))
        .send({ type: "diploma", items: [{ holder, claim: { reference: { idNumber: "1" } }, fields }] });
      expect([both.status, both.body.error.code]).to.deep.equal([400, "VALIDATION_FAILED"]);
      const neither = await f.http
        .post("/v1/agency/certificates")
        .set(bearer(f.keys.agencyA))
        .set("idempotency-key", `neither-${Date.now()}`)
        .send({ type: "diploma", fields });
      expect(neither.status).to.equal(400);
      const badName = await f.http
        .post("/v1/agency/batches")
        .set(bearer(f.keys.agencyA))
        .send({ type: "diploma", items: [{ claim: { reference: { "id number": "1" } }, fields }] });
      expect(badName.status).to.equal(400);
      const badFields = await f.http
        .post("/v1/agency/batches")
        .set(bearer(f.keys.agencyA))
        .send({
          type: "diploma",
          items: [
            { holder, fields },
            { claim: { reference: { idNumber: "1" } }, fields: { ...fields, name: 5 } },
          ],
        });
      expect([badFields.status, badFields.body.error.code]).to.deep.equal([422, "FIELDS_INVALID"]);
      expect(badFields.body.error.details.index).to.equal(1);
      expect(await offersNow()).to.equal(before);
    });

    it("issues one claim offer from the single-issue route, its code in the first answer only", async () => {
      const key = `single-claim-${Date.now()}`;
      const body = {
        type: "diploma",
        claim: { reference: { studentNumber: "S777" } },
        fields: sampleFields("diploma", 4242),
      };
      const send = () =>
        f.http.post("/v1/agency/certificates").set(bearer(f.keys.agencyA)).set("idempotency-key", key).send(body);
      const first = await send();
      expect(first.status, JSON.stringify(first.body)).to.equal(201);
      expect(first.body.offer.claimCode).to.be.a("string");
      const replay = await send().expect(200);
      expect(replay.body.offer.offerId).to.equal(first.body.offer.offerId);
      expect(replay.body.offer).to.not.have.property("claimCode");
      const ok = await claim(first.body.offer.claimCode, { studentNumber: "s777" });
      expect(ok.status, JSON.stringify(ok.body)).to.equal(201);
    });

    it("expires an unclaimed offer: claims are refused and the sweep deletes its fields and hashes", async () => {
      const { res, references } = await claimBatch(1);
      const offer = res.body.claims[0];
      expect((await row(offer.offerId)).draft).to.be.a("string");
      skew += 31 * DAY;
      try {
        const late = await claim(offer.claimCode, references[0]);
        expect([late.status, late.body.error.code]).to.deep.equal([410, "CLAIM_EXPIRED"]);
        const swept = await f.gw.sweepRetention();
        expect(swept.claimOffers).to.be.greaterThan(0);
        expect(await row(offer.offerId)).to.include({
          state: "expired",
          draft: null,
          code_hash: null,
          reference_hash: null,
        });
        const manifest = await f.http
          .get(`/v1/agency/claims?batch=${res.body.batchId}`)
          .set(bearer(f.keys.agencyA))
          .expect(200);
        expect(manifest.body.items[0].state).to.equal("expired");
        // Its tombstone goes once it is past the tombstone period too.
        skew += 31 * DAY;
        await f.gw.sweepRetention();
        const gone = await f.gw.engine.store.db
          .selectFrom("claim_offers")
          .select("id")
          .where("id", "=", offer.offerId)
          .execute();
        expect(gone).to.deep.equal([]);
      } finally {
        skew = 0;
      }
    });
  });
}

describe("HTTP claims under external key custody", function () {
  this.timeout(300_000);
  let x: ExternalCustody;
  before(async () => {
    x = await openExternalCustody();
  });
  after(async () => {
    await x?.close();
  });

  it("refuses claim items with CLAIM_NEEDS_CUSTODIAL_KEYS and makes no offer: the gateway holds no agency key to issue at claim time", async () => {
    const item = { claim: { reference: { studentNumber: "S1" } }, fields: sampleFields("diploma", 1) };
    const batch = await x.http
      .post("/v1/agency/batches")
      .set(bearer(x.agency.apiKey))
      .send({ type: "diploma", items: [item] });
    expect([batch.status, batch.body.error.code]).to.deep.equal([409, "CLAIM_NEEDS_CUSTODIAL_KEYS"]);
    const single = await x.http
      .post("/v1/agency/certificates")
      .set(bearer(x.agency.apiKey))
      .set("idempotency-key", `ext-claim-${Date.now()}`)
      .send({ type: "diploma", ...item });
    expect([single.status, single.body.error.code]).to.deep.equal([409, "CLAIM_NEEDS_CUSTODIAL_KEYS"]);
    expect(await x.gw.engine.store.db.selectFrom("claim_offers").selectAll().execute()).to.deep.equal([]);
  });
});

describe("claim attempts per client", () => {
  it("backs a client off after its allowance of wrong codes, whatever the offers", () => {
    let now = 1_000_000;
    const limits = new Limits({ ...DEFAULT_LIMITS, claimFailuresPerClient: 3 }, () => now);
    for (let i = 0; i < 2; i++) {
      limits.claimAllowed("10.0.0.1");
      limits.claimFailed("10.0.0.1");
    }
    limits.claimAllowed("10.0.0.1");
    limits.claimFailed("10.0.0.1");
    expect(() => limits.claimAllowed("10.0.0.1"))
      .to.throw()
      .with.property("code", "CLAIM_ATTEMPTS_LIMITED");
    limits.claimAllowed("10.0.0.2");
    now += DEFAULT_LIMITS.holderBackoffSeconds * 1000 + 1;
    limits.claimAllowed("10.0.0.1");
  });
});
