/**
 * Each role's flows through HTTP against the real embedded chain (no mocks): authority, agency,
 * holder, verifier, public; and the identity checks (agency A vs B, verifier V vs W).
 */
import { expect } from "chai";
import { sampleFields } from "../../src/domain/catalog";
import pino from "pino";
import request from "supertest";
import { redactDocument } from "../../src/document";
import { buildApp } from "../../src/http/app";
import { bearer, getFront, holderHeaders, issue, signGrant, signRevoke, type Front } from "../support/frontGateway";

describe("HTTP flows (embedded chain)", function () {
  this.timeout(120_000);
  let f: Front;
  before(async () => {
    f = await getFront();
  });

  describe("authority", () => {
    it("lists the seeded types (50+) and agencies", async () => {
      const t = await f.http.get("/v1/authority/types").set(bearer(f.keys.authority)).expect(200);
      expect(t.body.items.length).to.be.at.least(50);
      const a = await f.http.get("/v1/authority/agencies").set(bearer(f.keys.authority)).expect(200);
      const covered = new Set(a.body.items.flatMap((x: { types: string[] }) => x.types));
      expect(covered.size).to.be.at.least(50);
    });

    it("registers an agency, accredits it, withdraws, adds, rotates and retires keys, and creates a principal", async () => {
      const auth = bearer(f.keys.authority);
      const reg = await f.http
        .post("/v1/authority/agencies")
        .set(auth)
        .send({ name: `Test Agency ${Date.now()}` })
        .expect(201);
      const agency = reg.body.agency;
      await f.http
        .post(`/v1/authority/agencies/${agency}/accreditations`)
        .set(auth)
        .send({ type: "diploma" })
        .expect(201);
      await f.http
        .post(`/v1/authority/agencies/${agency}/accreditations`)
        .set(auth)
        .send({ type: "diploma" })
        .expect(409);
      const p = await f.http
        .post("/v1/authority/principals")
        .set(auth)
        .send({ role: "agency", address: agency, label: "test" })
        .expect(201);
      const key = p.body.apiKey as string;
      const index = f.nextIndex();
      const issued = await f.http
        .post("/v1/agency/certificates")
        .set(bearer(key))
        .set("idempotency-key", `t-${index}`)
        .send({ type: "diploma", holder: f.wallet.address(index), fields: sampleFields("diploma", index) })
        .expect(201);
      expect(issued.body.issuerKey).to.equal(reg.body.signingKey);
      // The registry retires a key at the block's second and windows are [from, until): a certificate
      // issued in that same second would fall outside. Rotate in the next second.
      await new Promise((r) => setTimeout(r, 1100));
      const rot = await f.http.post(`/v1/authority/agencies/${agency}/keys/rotate`).set(auth).expect(201);
      expect(rot.body.retired).to.deep.equal([reg.body.signingKey]);
      // Issued before the rotation: still valid.
      const v = await f.http.post("/v1/public/verify").send({ document: issued.body.document }).expect(200);
      expect(v.body.verdict, v.body.reasons.join()).to.equal("VALID");
      const added = await f.http.post(`/v1/authority/agencies/${agency}/keys`).set(auth).send({}).expect(201);
      await f.http
        .post(`/v1/authority/agencies/${agency}/keys/${added.body.key}/retire`)
        .set(auth)
        .send({})
        .expect(200);
      const detail = await f.http.get(`/v1/authority/agencies/${agency}`).set(auth).expect(200);
      expect(detail.body.keys).to.have.length(3);
      await f.http.delete(`/v1/authority/agencies/${agency}/accreditations/diploma`).set(auth).expect(200);
      const refused = await f.http
        .post("/v1/agency/certificates")
        .set(bearer(key))
        .set("idempotency-key", `t2-${index}`)
        .send({ type: "diploma", holder: f.wallet.address(index), fields: sampleFields("diploma", index) })
        .expect(403);
      expect(refused.body.error.code).to.equal("NOT_ACCREDITED");
      const list = await f.http.get("/v1/authority/principals").set(auth).expect(200);
      expect(JSON.stringify(list.body)).to.not.include(key);
    });
  });

  describe("agency", () => {
    it("issues once per idempotency key: same body → same certificate, other body → 409", async () => {
      const index = f.nextIndex();
      const body = { type: "diploma", holder: f.wallet.address(index), fields: sampleFields("diploma", index) };
      const k = `idem-${Date.now()}`;
      const one = await f.http
        .post("/v1/agency/certificates")
        .set(bearer(f.keys.agencyA))
        .set("idempotency-key", k)
        .send(body)
        .expect(201);
      const block = await f.blockNumber();
      const two = await f.http
        .post("/v1/agency/certificates")
        .set(bearer(f.keys.agencyA))
        .set("idempotency-key", k)
        .send(body)
        .expect(200);
      expect(two.headers["idempotent-replayed"]).to.equal("true");
      expect(two.body.certId).to.equal(one.body.certId);
      expect(await f.blockNumber()).to.equal(block);
      const other = await f.http
        .post("/v1/agency/certificates")
        .set(bearer(f.keys.agencyA))
        .set("idempotency-key", k)
        .send({ ...body, fields: sampleFields("diploma", index + 1000) })
        .expect(409);
      expect(other.body.error.code).to.equal("IDEMPOTENCY_KEY_REUSED");
    });

    it("lands 50 concurrent issue requests, each once, with no nonce error", async () => {
      const reqs = Array.from({ length: 50 }, () => {
        const i = f.nextIndex();
        return f.http
          .post("/v1/agency/certificates")
          .set(bearer(f.keys.agencyA))
          .set("idempotency-key", `conc-${i}`)
          .send({ type: "diploma", holder: f.wallet.address(i), fields: sampleFields("diploma", i) });
      });
      const res = await Promise.all(reqs);
      expect(res.map((r) => r.status)).to.deep.equal(Array(50).fill(201));
      const ids = new Set(res.map((r) => r.body.certId));
      expect(ids.size).to.equal(50);
      for (const id of [...ids].slice(0, 5))
        expect((await f.http.get(`/v1/public/certificates/${id}`).expect(200)).body.status).to.equal("ACTIVE");
    });

    it("refuses a field with a bad check digit before anything reaches the chain", async () => {
      const index = f.nextIndex();
      const fields = sampleFields("resident-id-card", index) as Record<string, unknown>;
      const idKey = Object.keys(fields).find(
        (k) => typeof fields[k] === "string" && /^\d{17}[\dX]$/.test(fields[k] as string),
      )!;
      const id = fields[idKey] as string;
      fields[idKey] = id.slice(0, 17) + (id[17] === "0" ? "1" : "0");
      const block = await f.blockNumber();
      const r = await f.http
        .post("/v1/agency/certificates")
        .set(bearer(f.keys.agencyB))
        .set("idempotency-key", `cd-${index}`)
        .send({ type: "resident-id-card", holder: f.wallet.address(index), fields })
        .expect(422);
      expect(r.body.error.code).to.equal("FIELDS_INVALID");
      expect(await f.blockNumber()).to.equal(block);
    });

    it("issues a batch anchored as one Merkle root; each document verifies; one can be revoked", async () => {
      const items = Array.from({ length: 20 }, () => {
        const i = f.nextIndex();
        return { holder: f.wallet.address(i), fields: sampleFields("diploma", i), i };
      });
      const batchBody = { type: "diploma", items: items.map(({ holder, fields }) => ({ holder, fields })) };
      const bkey = `batch-${Date.now()}`;
      const res = await f.http
        .post("/v1/agency/batches?wait=true")
        .set(bearer(f.keys.agencyA))
        .set("idempotency-key", bkey)
        .send(batchBody)
        .expect(201);
      expect(res.body.state).to.equal("done");
      const block = await f.blockNumber();
      const retried = await f.http
        .post("/v1/agency/batches?wait=true")
        .set(bearer(f.keys.agencyA))
        .set("idempotency-key", bkey)
        .send(batchBody)
        .expect(200)
        .expect("idempotent-replayed", "true");
      expect(retried.body.batchId).to.equal(res.body.batchId);
      expect(await f.blockNumber()).to.equal(block);
      await f.http
        .post("/v1/agency/batches")
        .set(bearer(f.keys.agencyA))
        .set("idempotency-key", bkey)
        .send({ ...batchBody, items: batchBody.items.slice(1) })
        .expect(409);
      const docs = await f.http
        .get(`/v1/agency/batches/${res.body.batchId}/documents?limit=50`)
        .set(bearer(f.keys.agencyA))
        .expect(200);
      expect(docs.body.items).to.have.length(20);
      await f.http.get(`/v1/agency/batches/${res.body.batchId}`).set(bearer(f.keys.agencyB)).expect(404);
      for (const it of docs.body.items.slice(0, 3)) {
        const v = await f.http.post("/v1/public/verify").send({ document: it.document }).expect(200);
        expect(v.body.verdict, v.body.reasons.join()).to.equal("VALID");
        expect(v.body.batchRoot).to.equal(res.body.root);
      }
      const target = docs.body.items[1];
      await f.http
        .post(`/v1/agency/certificates/${target.certId}/revoke`)
        .set(bearer(f.keys.agencyA))
        .send({ reason: "ISSUED_IN_ERROR", batchProof: target.proof })
        .expect(200);
      expect((await f.http.post("/v1/public/verify").send({ document: target.document })).body.reasons).to.deep.equal([
        "REVOKED",
      ]);
      expect(
        (await f.http.post("/v1/public/verify").send({ document: docs.body.items[2].document })).body.verdict,
      ).to.equal("VALID");
    });

    it("suspends, reinstates, supersedes and revokes its own certificates; agency B cannot touch them", async () => {
      const c = await issue(f);
      const A = bearer(f.keys.agencyA);
      const B = bearer(f.keys.agencyB);
      const block = await f.blockNumber();
      const denied = await f.http
        .post(`/v1/agency/certificates/${c.certId}/revoke`)
        .set(B)
        .send({ reason: "FRAUD" })
        .expect(403);
      expect(denied.body.error.code).to.equal("NOT_YOUR_CERTIFICATE");
      await f.http.get(`/v1/agency/certificates/${c.certId}`).set(B).expect(403);
      expect(await f.blockNumber()).to.equal(block);

      await f.http
        .post(`/v1/agency/certificates/${c.certId}/suspend`)
        .set(A)
        .send({ reason: "UNDER_INVESTIGATION" })
        .expect(200);
      expect((await f.http.get(`/v1/public/certificates/${c.certId}`).expect(200)).body.status).to.equal("SUSPENDED");
      expect((await f.http.post("/v1/public/verify").send({ document: c.document })).body.reasons).to.deep.equal([
        "SUSPENDED",
      ]);
      await f.http
        .post(`/v1/agency/certificates/${c.certId}/suspend`)
        .set(A)
        .send({ reason: "UNDER_INVESTIGATION" })
        .expect(409);
      await f.http
        .post(`/v1/agency/certificates/${c.certId}/reinstate`)
        .set(A)
        .send({ reason: "INVESTIGATION_CLOSED" })
        .expect(200);
      const fresh = await issue(f);
      await f.http
        .post(`/v1/agency/certificates/${c.certId}/supersede`)
        .set(A)
        .send({ reason: "RENEWAL", replacement: fresh.certId })
        .expect(200);
      const st = await f.http.get(`/v1/public/certificates/${c.certId}`).expect(200);
      expect(st.body.status).to.equal("SUPERSEDED");
      expect(st.body.supersededBy).to.equal(fresh.certId);
      expect(st.body.history.map((h: { status: string }) => h.status)).to.deep.equal([
        "SUSPENDED",
        "ACTIVE",
        "SUPERSEDED",
      ]);
      await f.http
        .post(`/v1/agency/certificates/${fresh.certId}/revoke`)
        .set(A)
        .send({ reason: "LOST_OR_STOLEN" })
        .expect(200);
      const again = await f.http
        .post(`/v1/agency/certificates/${fresh.certId}/reinstate`)
        .set(A)
        .send({ reason: "OTHER" })
        .expect(409);
      expect(again.body.error.code).to.equal("CERTIFICATE_REVOKED");
    });

    it("lists only its own certificates, filtered by type and status", async () => {
      const mine = await issue(f);
      const theirs = await issue(f, { type: "resident-id-card", key: f.keys.agencyB });
      const list = await f.http
        .get("/v1/agency/certificates?type=diploma&limit=500")
        .set(bearer(f.keys.agencyA))
        .expect(200);
      const ids = list.body.items.map((x: { certId: string }) => x.certId);
      expect(ids).to.include(mine.certId);
      expect(ids).to.not.include(theirs.certId);
      const b = await f.http
        .get("/v1/agency/certificates?status=ACTIVE&limit=500")
        .set(bearer(f.keys.agencyB))
        .expect(200);
      expect(b.body.items.map((x: { certId: string }) => x.certId)).to.include(theirs.certId);
      await issue(f);
      const page = await f.http.get("/v1/agency/certificates?limit=1").set(bearer(f.keys.agencyA)).expect(200);
      const next = await f.http
        .get(`/v1/agency/certificates?limit=1&cursor=${page.body.next}`)
        .set(bearer(f.keys.agencyA))
        .expect(200);
      expect(next.body.items[0].certId).to.not.equal(page.body.items[0].certId);
      for (const junk of ["garbage", "bm90OmEtY3Vyc29y", "%00%01"]) {
        const r = await f.http.get(`/v1/agency/certificates?cursor=${junk}`).set(bearer(f.keys.agencyA));
        expect(r.status, `cursor ${junk}: ${r.text}`).to.be.oneOf([200, 400]);
      }
    });
  });

  describe("holder and verifier", () => {
    it("relays a signed grant, verifies a redacted presentation, records the check, and the holder reads the trail", async () => {
      const c = await issue(f);
      const g = signGrant(f, c.index, c.certId, f.ids.verifierV, { maxUses: 1 });
      const relayed = await f.http
        .post("/v1/holder/grants")
        .send({ grant: g.grant, signature: g.signature, documentRoot: c.documentRoot })
        .expect(201);
      expect(relayed.body.grantId).to.equal(g.grantId);
      const hidden = Object.keys(sampleFields("diploma", c.index))[0];
      const doc = redactDocument(c.document, [hidden]);
      const v = await f.http
        .post("/v1/verifier/verify")
        .set(bearer(f.keys.verifierV))
        .send({ document: doc, grantId: g.grantId, expectedType: "diploma" })
        .expect(200);
      expect(v.body.verdict, v.body.reasons.join()).to.equal("VALID");
      expect(v.body.disclosed).to.not.have.property(hidden);
      expect(Object.keys(v.body.disclosed).length).to.be.greaterThan(0);
      const wrongType = await f.http
        .post("/v1/verifier/verify")
        .set(bearer(f.keys.verifierV))
        .send({ document: doc, grantId: g.grantId, expectedType: "passport" })
        .expect(200);
      expect(wrongType.body.reasons).to.deep.equal(["TYPE_MISMATCH"]);

      const rec = await f.http
        .post("/v1/verifier/checks")
        .set(bearer(f.keys.verifierV))
        .send({ document: doc, grantId: g.grantId })
        .expect(201);
      expect(rec.body.check.usesLeft).to.equal(0);
      const used = await f.http
        .post("/v1/verifier/verify")
        .set(bearer(f.keys.verifierV))
        .send({ document: doc, grantId: g.grantId })
        .expect(200);
      expect(used.body.reasons).to.deep.equal(["GRANT_USED_UP"]);
      const path = `/v1/holder/certificates/${c.certId}/audit`;
      const trail = await f.http
        .get(path)
        .set(holderHeaders(f, c.index, "GET", path, c.certId, c.documentRoot))
        .expect(200);
      expect(trail.body.checks).to.have.length(1);
      expect(trail.body.checks[0].verifier).to.equal(f.ids.verifierV);
      expect(trail.body.grants[0].uses).to.equal(1);
    });

    it("verifies with a signed grant in the request (relayed first), once; the replay is 409 REPLAYED", async () => {
      const c = await issue(f);
      const g = signGrant(f, c.index, c.certId, f.ids.verifierV);
      const body = { document: c.document, grant: { grant: g.grant, signature: g.signature } };
      const v = await f.http.post("/v1/verifier/checks").set(bearer(f.keys.verifierV)).send(body).expect(201);
      expect(v.body.verdict).to.equal("VALID");
      const again = await f.http.post("/v1/verifier/verify").set(bearer(f.keys.verifierV)).send(body).expect(409);
      expect(again.body.error.code).to.equal("REPLAYED");
    });

    it("verifier V cannot record under a grant to W, and nothing is recorded", async () => {
      const c = await issue(f);
      const g = signGrant(f, c.index, c.certId, f.ids.verifierW);
      await f.http
        .post("/v1/holder/grants")
        .send({ grant: g.grant, signature: g.signature, documentRoot: c.documentRoot })
        .expect(201);
      const v = await f.http
        .post("/v1/verifier/verify")
        .set(bearer(f.keys.verifierV))
        .send({ document: c.document, grantId: g.grantId })
        .expect(200);
      expect(v.body.reasons).to.deep.equal(["WRONG_VERIFIER"]);
      expect(v.body.disclosed).to.deep.equal({});
      const block = await f.blockNumber();
      const r = await f.http
        .post("/v1/verifier/checks")
        .set(bearer(f.keys.verifierV))
        .send({ document: c.document, grantId: g.grantId })
        .expect(403);
      expect(r.body.error.code).to.equal("WRONG_VERIFIER");
      expect(await f.blockNumber()).to.equal(block);
      await f.http
        .post("/v1/verifier/checks")
        .set(bearer(f.keys.verifierW))
        .send({ document: c.document, grantId: g.grantId })
        .expect(201);
    });

    it("the holder revokes a grant by signature; verification then says GRANT_REVOKED", async () => {
      const c = await issue(f);
      const g = signGrant(f, c.index, c.certId, f.ids.verifierV);
      await f.http
        .post("/v1/holder/grants")
        .send({ grant: g.grant, signature: g.signature, documentRoot: c.documentRoot })
        .expect(201);
      const rv = signRevoke(f, c.index, g.grantId, c.documentRoot);
      await f.http.post(`/v1/holder/grants/${g.grantId}/revoke`).send(rv).expect(200);
      const v = await f.http
        .post("/v1/verifier/verify")
        .set(bearer(f.keys.verifierV))
        .send({ document: c.document, grantId: g.grantId })
        .expect(200);
      expect(v.body.reasons).to.deep.equal(["GRANT_REVOKED"]);
      await f.http
        .post(`/v1/holder/grants/${g.grantId}/revoke`)
        .send(signRevoke(f, c.index, g.grantId, c.documentRoot))
        .expect(409);
    });

    it("reports NO_GRANT, GRANT_EXPIRED-free validity windows, NOT_YET_VALID, TAMPERED and NOT_ISSUED", async () => {
      const c = await issue(f);
      const V = bearer(f.keys.verifierV);
      const none = await f.http
        .post("/v1/verifier/verify")
        .set(V)
        .send({ document: c.document, grantId: `0x${"ab".repeat(32)}` })
        .expect(200);
      expect(none.body.reasons).to.deep.equal(["NO_GRANT"]);
      const later = await issue(f, { validFrom: f.now() + 86_400, validUntil: f.now() + 2 * 86_400 });
      expect((await f.http.post("/v1/public/verify").send({ document: later.document })).body.reasons).to.deep.equal([
        "NOT_YET_VALID",
      ]);
      const tampered = JSON.parse(JSON.stringify(c.document));
      const key = Object.keys(tampered.credentialSubject).find((k) => k !== "id")!;
      tampered.credentialSubject[key] = "forged";
      expect((await f.http.post("/v1/public/verify").send({ document: tampered })).body.reasons).to.include("TAMPERED");
      const other = JSON.parse(JSON.stringify(c.document));
      other.credentialStatus.certId = `0x${"cd".repeat(32)}`;
      expect((await f.http.post("/v1/public/verify").send({ document: other })).body.verdict).to.equal("INVALID");
      const notDoc = await f.http
        .post("/v1/public/verify")
        .send({ document: { hello: "world" } })
        .expect(422);
      expect(notDoc.body.error.code).to.equal("DOCUMENT_MALFORMED");
      await f.http.get(`/v1/public/certificates/0x${"ef".repeat(32)}`).expect(404);
    });
  });

  describe("ops", () => {
    it("logs each request with its id and nothing personal (no fields, keys, signatures or bodies)", async () => {
      const lines: string[] = [];
      const logger = pino({ level: "debug" }, { write: (l: string) => void lines.push(l) });
      const app = buildApp({ ...f.gw.deps, logger, extraRouters: [] });
      const index = f.nextIndex();
      const fields = sampleFields("diploma", index);
      const res = await request(app)
        .post("/v1/agency/certificates")
        .set(bearer(f.keys.agencyA))
        .set("idempotency-key", `log-${index}`)
        .set("x-request-id", "trace-123")
        .send({ type: "diploma", holder: f.wallet.address(index), fields })
        .expect(201);
      expect(res.headers["x-request-id"]).to.equal("trace-123");
      const generated = await request(app).get("/healthz").expect(200);
      expect(generated.headers["x-request-id"]).to.match(/^[0-9a-f-]{36}$/);
      await request(app).post("/v1/public/verify").send({ document: res.body.document }).expect(200);
      await request(app).get("/v1/public/certificates/0xnot-an-id").expect(400);
      const log = lines.join("");
      const entries = lines.map((l) => JSON.parse(l));
      const done = entries.filter((e) => e.msg === "request completed");
      expect(done.map((e) => [e.req.method, e.req.path, e.res.status])).to.deep.include.members([
        ["POST", "/v1/agency/certificates", 201],
        ["GET", "/healthz", 200],
        ["POST", "/v1/public/verify", 200],
        ["GET", "/v1/public/certificates/0xnot-an-id", 400],
      ]);
      expect(done.find((e) => e.req.path === "/v1/agency/certificates").req.id).to.equal("trace-123");
      // A refusal is logged through the request's own logger, so it carries the request id too.
      const refused = entries.find((e) => e.msg === "request refused");
      expect(refused.req.id).to.match(/^[0-9a-f-]{36}$/);
      expect(refused.code).to.be.a("string");
      expect(log).to.not.include(f.keys.agencyA);
      for (const v of Object.values(fields))
        if (typeof v === "string" && v.length > 3) expect(log, `field value ${v}`).to.not.include(v);
      expect(log).to.not.include(f.wallet.address(index).toLowerCase().slice(2));
    });

    it("serves /healthz, /readyz, /metrics and an OpenAPI 3.1 document covering every route", async () => {
      await f.http.get("/healthz").expect(200, { status: "ok" });
      await f.http.get("/readyz").expect(200, { status: "ready" });
      const m = await f.http.get("/metrics").expect(200);
      expect(m.text).to.include("certledger_http_request_duration_seconds");
      const doc = (await f.http.get("/openapi.json").expect(200)).body;
      expect(doc.openapi).to.equal("3.1.0");
      const paths = Object.keys(doc.paths);
      for (const p of [
        "/v1/agency/certificates",
        "/v1/agency/batches",
        "/v1/holder/grants",
        "/v1/holder/certificates/{certId}/audit",
        "/v1/verifier/verify",
        "/v1/verifier/checks",
        "/v1/public/verify",
        "/v1/public/certificates/{certId}",
        "/v1/authority/principals",
      ])
        expect(paths).to.include(p);
      const issueOp = doc.paths["/v1/agency/certificates"].post;
      expect(issueOp.requestBody.content["application/json"].schema).to.exist;
      expect(JSON.stringify(doc.components.schemas.IssueBody)).to.include('"additionalProperties":false');
    });
  });
});
