/**
 * Counter and sharing routes over HTTP against the real gateway (embedded chain, SQLite store,
 * relayer, indexer): issue 6 items 1, 2 and 5 without a browser. The wallet's side is the document
 * library's holder wallet, as the wallet page uses it.
 */
import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import jsQR from "jsqr";
import pino from "pino";
import request from "supertest";
import { loadConfig } from "../../src/config";
import { sampleFields } from "../../src/domain/catalog";
import {
  createHolderWallet,
  generateMnemonic,
  grantMessage,
  type GrantJson,
  purposeHash,
  redactDocument,
  type TypedDataDomain,
} from "../../src/document";
import { openGateway, type Gateway } from "../../src/wiring/gateway";
import { encryptForLink, newLinkKey, signLinkCheck } from "../../src/web/crypto";
import { TEST_KEYSTORE_CONFIG } from "../support/keystore";

// pngjs (a dependency of qrcode) ships no types: the one function used here.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { PNG } = require("pngjs") as {
  PNG: { sync: { read(b: Buffer): { data: Buffer; width: number; height: number } } };
};

describe("counter and sharing routes (HTTP, embedded chain)", function () {
  this.timeout(120_000);
  let g: Gateway;
  let dataDir: string;
  let config: ReturnType<typeof loadConfig>;
  let agencyKey: string;
  let verifierKey: string;
  let verifier: string;
  let otherAgencyKey: string;
  let clockSkew = 0;
  const now = () => Math.floor(Date.now() / 1000) + clockSkew;
  const wallet = createHolderWallet({ mnemonic: generateMnemonic() });
  let domain: TypedDataDomain;
  let nextIndex = 0;

  before(async function () {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "certledger-counter-"));
    config = loadConfig({}, { dataDir, port: 0, seedDemo: "true", logLevel: "silent", ...TEST_KEYSTORE_CONFIG });
    g = await openGateway(config, { logger: pino({ level: "silent" }), now });
    const creds = g.credentials!;
    agencyKey = creds.agencies.find((a) => a.types.includes("resident-id-card"))!.apiKey;
    otherAgencyKey = creds.agencies.find((a) => !a.types.includes("resident-id-card"))!.apiKey;
    verifierKey = creds.verifier.apiKey;
    verifier = creds.verifier.verifier.toLowerCase();
    const info = (await request(g.app).get("/v1/public/info").expect(200)).body;
    domain = { ...info.eip712Domain, chainId: BigInt(info.eip712Domain.chainId) };
  });

  after(async () => {
    await g?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const app = () => request(g.app);
  const asVerifier = (r: request.Test) => r.set("authorization", `Bearer ${verifierKey}`);

  async function issue(): Promise<{ index: number; certId: string; document: Record<string, unknown> }> {
    const index = nextIndex++;
    const res = await app()
      .post("/v1/agency/certificates")
      .set("authorization", `Bearer ${agencyKey}`)
      .set("idempotency-key", `counter-test-${index}-${Date.now()}`)
      .send({
        type: "resident-id-card",
        holder: wallet.address(index).toLowerCase(),
        fields: sampleFields("resident-id-card", `c${index}`),
      })
      .expect(201);
    return { index, certId: res.body.certId, document: res.body.document };
  }

  /** Signs a grant as the routes take it (numbers and decimal strings) with the certificate's wallet key. */
  function signWireGrant(index: number, grant: GrantJson) {
    return wallet.signGrant(index, domain, grantMessage(grant));
  }

  async function openRequest(types = ["resident-id-card"], minutes = 5) {
    return (
      await asVerifier(app().post("/v1/counter/requests"))
        .send({ types, purpose: "open-bank-account", minutes })
        .expect(201)
    ).body;
  }

  function answer(
    req: { nonce: string; expiresAt: number; verifier: { address: string }; purpose: string },
    cert: { index: number; certId: string; document: unknown },
    hide: string[] = [],
  ) {
    const grant = {
      certId: cert.certId,
      grantee: req.verifier.address,
      purpose: purposeHash(req.purpose),
      validUntil: req.expiresAt,
      maxUses: 1,
      nonce: req.nonce,
      deadline: req.expiresAt,
    };
    const s = signWireGrant(cert.index, grant);
    return {
      presentations: [
        {
          document: hide.length ? redactDocument(cert.document, hide) : structuredClone(cert.document),
          grant,
          signature: s.signature,
        },
      ],
    };
  }

  async function outboxRows(): Promise<number> {
    const db = g.engine.store.db as unknown as import("kysely").Kysely<{ outbox: { id: number } }>;
    return Number(
      (
        await db
          .selectFrom("outbox")
          .select((eb) => eb.fn.countAll<number>().as("n"))
          .executeTakeFirstOrThrow()
      ).n,
    );
  }

  describe("presentation requests", () => {
    it("opens a request only with a verifier's key", async () => {
      await app()
        .post("/v1/counter/requests")
        .send({ types: ["resident-id-card"], purpose: "x" })
        .expect(401);
      const res = await app()
        .post("/v1/counter/requests")
        .set("authorization", `Bearer ${agencyKey}`)
        .send({ types: ["resident-id-card"], purpose: "x" })
        .expect(403);
      expect(res.body.error.code).to.be.a("string");
      const bad = await asVerifier(app().post("/v1/counter/requests"))
        .send({ types: ["resident-id-card"], purpose: "x", extra: 1 })
        .expect(400);
      expect(bad.body.error.code).to.equal("UNKNOWN_FIELD");
      await asVerifier(app().post("/v1/counter/requests"))
        .send({ types: ["no-such-type"], purpose: "x" })
        .expect(400);
    });

    it("serves a QR code (SVG and PNG) that carries only the short wallet URL", async () => {
      const req = await openRequest();
      expect(req.url.length).to.be.at.most(200);
      expect(req.url).to.match(/\/wallet\?r=[A-Za-z0-9_-]{22}$/);
      const svg = await app()
        .get(req.qr.svg)
        .buffer(true)
        .expect(200)
        .expect("content-type", /image\/svg\+xml/);
      expect(String(svg.body ?? svg.text).includes("<svg")).to.equal(true);
      const png = await app()
        .get(req.qr.png)
        .buffer(true)
        .parse((res, cb) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => cb(null, Buffer.concat(chunks)));
        })
        .expect(200)
        .expect("content-type", "image/png");
      const img = PNG.sync.read(png.body as Buffer);
      const decoded = jsQR(new Uint8ClampedArray(img.data), img.width, img.height);
      // The origin is the request's own (supertest picks a new port per request): compare the rest.
      expect(decoded?.data.replace(/^http:\/\/[^/]+/, "")).to.equal(`/wallet?r=${req.id}`);
    });

    it("documents the counter and share routes in /openapi.json", async () => {
      const doc = (await app().get("/openapi.json").expect(200)).body;
      for (const p of [
        "/v1/counter/requests",
        "/v1/counter/requests/{id}/answer",
        "/v1/counter/requests/{id}/decline",
        "/v1/shares",
        "/v1/shares/{id}/check",
      ])
        expect(doc.paths, p).to.have.property(p);
    });

    it("shows the wallet who asks for what and why, with the EIP-712 domain to sign for", async () => {
      const req = await openRequest();
      const view = (await app().get(`/v1/counter/requests/${req.id}`).expect(200)).body;
      expect(view.verifier.address).to.equal(verifier);
      expect(view.verifier.name).to.be.a("string").and.not.equal(verifier);
      expect(view.types.map((t: { code: string }) => t.code)).to.deep.equal(["resident-id-card"]);
      expect(view.purpose).to.equal("open-bank-account");
      expect(view.state).to.equal("OPEN");
      expect(view.domain.verifyingContract.toLowerCase()).to.equal(String(domain.verifyingContract).toLowerCase());
      expect(view).to.not.have.property("result");
    });

    it("relays the grant, records the check and gives the verifier the verdict with only the disclosed fields, once", async () => {
      const cert = await issue();
      const req = await openRequest();
      const before = (await asVerifier(app().get(`/v1/counter/requests/${req.id}/result`)).expect(200)).body;
      expect(before.state).to.equal("OPEN");
      const body = answer(req, cert, ["idNumber", "birthDate"]);
      const res = await app().post(`/v1/counter/requests/${req.id}/answer`).send(body).expect(200);
      expect(res.body.verdict).to.equal("VALID");
      const r = (await asVerifier(app().get(`/v1/counter/requests/${req.id}/result`)).expect(200)).body;
      expect(r.state).to.equal("ANSWERED");
      const p = r.result.presentations[0];
      expect(p.verdict).to.equal("VALID");
      expect(p.disclosed).to.have.property("name");
      expect(p.disclosed).to.not.have.property("idNumber");
      expect(p.disclosed).to.not.have.property("birthDate");
      expect(p.redactedCount).to.equal(2);

      // The holder's trail lists the check.
      const grants = await g.deps.index.checksForCertificate(cert.certId.toLowerCase() as `0x${string}`);
      expect(grants.map((c) => c.verifier.toLowerCase())).to.include(verifier);

      // Replayed: refused with its own code, nothing sent to the chain.
      const rows = await outboxRows();
      const again = await app().post(`/v1/counter/requests/${req.id}/answer`).send(body).expect(409);
      expect(again.body.error.code).to.equal("COUNTER_REQUEST_ANSWERED");
      expect(await outboxRows()).to.equal(rows);
    });

    it("streams the state to the counter as server-sent events", async () => {
      const cert = await issue();
      const req = await openRequest();
      setTimeout(
        () =>
          void app()
            .post(`/v1/counter/requests/${req.id}/answer`)
            .send(answer(req, cert))
            .then(() => undefined),
        300,
      );
      const res = await asVerifier(app().get(`/v1/counter/requests/${req.id}/events`))
        .expect(200)
        .expect("content-type", /text\/event-stream/);
      const events = res.text
        .split("\n\n")
        .filter(Boolean)
        .map((e) => JSON.parse(e.split("data: ")[1]));
      expect(events[0].state).to.equal("OPEN");
      expect(events[events.length - 1].state).to.equal("ANSWERED");
      expect(events[events.length - 1].result.verdict).to.equal("VALID");
    });

    it("refuses an expired request with COUNTER_REQUEST_EXPIRED", async () => {
      const cert = await issue();
      const req = await openRequest(["resident-id-card"], 1);
      clockSkew += 61;
      try {
        const res = await app().post(`/v1/counter/requests/${req.id}/answer`).send(answer(req, cert)).expect(410);
        expect(res.body.error.code).to.equal("COUNTER_REQUEST_EXPIRED");
        expect((await app().get(`/v1/counter/requests/${req.id}`).expect(200)).body.state).to.equal("EXPIRED");
      } finally {
        clockSkew -= 61;
      }
    });

    it("refuses garbage before the chain: forged id, a grant for another request, a tampered document, another verifier's view", async () => {
      const cert = await issue();
      const a = await openRequest();
      const b = await openRequest();
      const rows = await outboxRows();
      expect(
        (await app().post("/v1/counter/requests/AAAAAAAAAAAAAAAAAAAAAA/answer").send(answer(a, cert)).expect(404)).body
          .error.code,
      ).to.equal("COUNTER_REQUEST_NOT_FOUND");
      expect(
        (await app().post(`/v1/counter/requests/${b.id}/answer`).send(answer(a, cert)).expect(422)).body.error.code,
      ).to.equal("COUNTER_GRANT_MISMATCH");
      const tampered = answer(a, cert);
      (tampered.presentations[0].document as { credentialSubject: { name: string } }).credentialSubject.name = "李四";
      expect(
        (await app().post(`/v1/counter/requests/${a.id}/answer`).send(tampered).expect(422)).body.error.code,
      ).to.equal("COUNTER_DOCUMENT_TAMPERED");
      const wrongSigner = answer(a, cert);
      wrongSigner.presentations[0].signature = wallet.signGrant(cert.index + 100, domain, {
        ...wrongSigner.presentations[0].grant,
        validUntil: BigInt(a.expiresAt),
        nonce: BigInt(a.nonce),
        deadline: BigInt(a.expiresAt),
      }).signature;
      expect(
        (await app().post(`/v1/counter/requests/${a.id}/answer`).send(wrongSigner).expect(422)).body.error.code,
      ).to.equal("COUNTER_BAD_SIGNATURE");
      expect(await outboxRows()).to.equal(rows);
      // Still open: the honest answer goes through.
      expect(
        (await app().post(`/v1/counter/requests/${a.id}/answer`).send(answer(a, cert)).expect(200)).body.verdict,
      ).to.equal("VALID");
      // Another principal cannot read the result.
      await app()
        .get(`/v1/counter/requests/${a.id}/result`)
        .set("authorization", `Bearer ${otherAgencyKey}`)
        .expect(403);
    });

    it("gives the counter the issuing agency's name and the certificate's validity with the verdict", async () => {
      const cert = await issue();
      const req = await openRequest();
      await app().post(`/v1/counter/requests/${req.id}/answer`).send(answer(req, cert)).expect(200);
      const p = (await asVerifier(app().get(`/v1/counter/requests/${req.id}/result`)).expect(200)).body.result
        .presentations[0];
      const agency = g.credentials!.agencies.find((a) => a.apiKey === agencyKey)!;
      expect(p.issuer).to.deep.equal({ agency: agency.agency.toLowerCase(), name: agency.name, nameZh: agency.nameZh });
      expect(p.issuer.nameZh).to.equal("公安局");
      const doc = cert.document as { validFrom: string; validUntil: string };
      expect(p.validFrom).to.equal(Date.parse(doc.validFrom) / 1000);
      expect(p.validUntil).to.equal(Date.parse(doc.validUntil) / 1000);
    });

    it("tells the counter at once when the holder declines: DECLINED on its event stream while the request has minutes left", async () => {
      const req = await openRequest(["resident-id-card"], 30);
      const rows = await outboxRows();
      setTimeout(
        () =>
          void app()
            .post(`/v1/counter/requests/${req.id}/decline`)
            .expect(200)
            .then(() => undefined),
        300,
      );
      const res = await asVerifier(app().get(`/v1/counter/requests/${req.id}/events`)).expect(200);
      const events = res.text
        .split("\n\n")
        .filter(Boolean)
        .map((e) => JSON.parse(e.split("data: ")[1]));
      expect(events[0].state).to.equal("OPEN");
      const last = events[events.length - 1];
      expect(last.state).to.equal("DECLINED");
      expect(last.expiresAt - now()).to.be.greaterThan(25 * 60);
      expect(last.declinedAt).to.be.a("number");
      expect(last.result).to.equal(null);
      // The wallet's view says so too; nothing went to the chain.
      expect((await app().get(`/v1/counter/requests/${req.id}`).expect(200)).body.state).to.equal("DECLINED");
      expect(await outboxRows()).to.equal(rows);
    });

    it("declines idempotently, refuses an answer after a decline and a decline after an answer", async () => {
      const cert = await issue();
      const req = await openRequest();
      const first = (await app().post(`/v1/counter/requests/${req.id}/decline`).expect(200)).body;
      expect(first).to.deep.include({ id: req.id, state: "DECLINED" });
      const again = (await app().post(`/v1/counter/requests/${req.id}/decline`).send({}).expect(200)).body;
      expect(again).to.deep.equal(first);
      const rows = await outboxRows();
      const refused = await app().post(`/v1/counter/requests/${req.id}/answer`).send(answer(req, cert)).expect(409);
      expect(refused.body.error.code).to.equal("COUNTER_REQUEST_DECLINED");
      expect(await outboxRows()).to.equal(rows);

      const other = await openRequest();
      expect(
        (await app().post(`/v1/counter/requests/${other.id}/decline`).send({ reason: "x" }).expect(400)).body.error
          .code,
      ).to.equal("UNEXPECTED_BODY");
      await app().post(`/v1/counter/requests/${other.id}/answer`).send(answer(other, cert)).expect(200);
      const late = await app().post(`/v1/counter/requests/${other.id}/decline`).expect(409);
      expect(late.body.error.code).to.equal("COUNTER_REQUEST_ANSWERED");
      expect(
        (await app().post("/v1/counter/requests/AAAAAAAAAAAAAAAAAAAAAA/decline").expect(404)).body.error.code,
      ).to.equal("COUNTER_REQUEST_NOT_FOUND");
    });

    it("reports REVOKED for a revoked certificate", async () => {
      const cert = await issue();
      await app()
        .post(`/v1/agency/certificates/${cert.certId}/revoke`)
        .set("authorization", `Bearer ${agencyKey}`)
        .send({ reason: "FRAUD" })
        .expect(200);
      const req = await openRequest();
      const res = await app().post(`/v1/counter/requests/${req.id}/answer`).send(answer(req, cert)).expect(200);
      expect(res.body.verdict).to.equal("INVALID");
      const r = (await asVerifier(app().get(`/v1/counter/requests/${req.id}/result`)).expect(200)).body;
      expect(r.result.presentations[0].reasons).to.include("REVOKED");
      expect(r.result.presentations[0].disclosed).to.deep.equal({});
    });
  });

  describe("share links", () => {
    async function createLink(
      cert: { index: number; certId: string; document: Record<string, unknown> },
      maxUses: number,
    ) {
      const link = newLinkKey();
      const grant = {
        certId: cert.certId,
        grantee: link.address,
        purpose: purposeHash("rent-a-flat"),
        validUntil: now() + 3600,
        maxUses,
        nonce: String(BigInt(now()) * 1000n + BigInt(Math.floor(Math.random() * 1000))),
        deadline: now() + 600,
      };
      const s = signWireGrant(cert.index, grant);
      const documentRoot = g.deps.documents.verifyIntegrity(cert.document).documentRoot!;
      const doc = redactDocument(cert.document, ["idNumber"]);
      const res = await app()
        .post("/v1/shares")
        .send({
          mode: "link",
          purpose: "rent-a-flat",
          grant,
          signature: s.signature,
          documentRoot,
          payload: await encryptForLink(link, JSON.stringify(doc)),
        })
        .expect(201);
      return { link, share: res.body, doc, grantId: s.grantId };
    }

    /** What the verify page sends: the RecordCheck for the grant's next use, signed with the link's key. */
    async function signedCheck(id: string, link: ReturnType<typeof newLinkKey>) {
      const share = (await app().get(`/v1/shares/${id}`).expect(200)).body;
      const c = { grantId: share.grantId, use: share.uses + 1, deadline: now() + 300 };
      return { use: c.use, deadline: c.deadline, signature: signLinkCheck(link, share.domain, c) };
    }

    async function check(id: string, link: ReturnType<typeof newLinkKey>, doc: unknown, status = 200) {
      const signed = await signedCheck(id, link);
      return app().post(`/v1/shares/${id}/check`).send({ document: doc, check: signed }).expect(status);
    }

    it("keeps only ciphertext, checks with the link key's signed RecordCheck, records each on chain (one use) until GRANT_USED_UP", async () => {
      const cert = await issue();
      const { link, share, doc } = await createLink(cert, 2);
      expect(share.url).to.match(/\/verify\?s=[A-Za-z0-9_-]{22}$/);
      const stored = (await app().get(`/v1/shares/${share.id}`).expect(200)).body;
      expect(stored.payload).to.not.contain(String((cert.document.credentialSubject as { name: string }).name));
      const one = await check(share.id, link, doc);
      expect(one.body.verdict).to.equal("VALID");
      expect(one.body.disclosed).to.not.have.property("idNumber");
      expect((await check(share.id, link, doc)).body.verdict).to.equal("VALID");
      const three = await check(share.id, link, doc);
      expect(three.body.reasons).to.include("GRANT_USED_UP");
      // Both checks are on chain under the grant, by the link's key: the holder's trail lists them.
      const onChain = await g.deps.index.checksForCertificate(cert.certId.toLowerCase() as `0x${string}`);
      const byLink = onChain.filter((c) => c.grantId === share.grantId.toLowerCase());
      expect(byLink.map((c) => c.verifier.toLowerCase())).to.deep.equal([link.address, link.address]);
      expect((await g.deps.index.grant(share.grantId))?.uses).to.equal(2);
    });

    it("refuses a check without the link's key, and a replayed check", async () => {
      const cert = await issue();
      const { link, share, doc } = await createLink(cert, 5);
      const stranger = newLinkKey();
      expect((await check(share.id, stranger, doc, 401)).body.error.code).to.equal("SHARE_BAD_PROOF");
      const signed = await signedCheck(share.id, link);
      const first = await app().post(`/v1/shares/${share.id}/check`).send({ document: doc, check: signed }).expect(200);
      expect(first.body.recorded.use).to.equal(1);
      const replay = await app()
        .post(`/v1/shares/${share.id}/check`)
        .send({ document: doc, check: signed })
        .expect(409);
      expect(replay.body.error.code).to.equal("REPLAYED");
      expect((await app().get(`/v1/shares/${share.id}`).expect(200)).body.uses).to.equal(1);
      expect((await app().get("/v1/shares/AAAAAAAAAAAAAAAAAAAAAA").expect(404)).body.error.code).to.equal(
        "SHARE_NOT_FOUND",
      );
    });

    it("answers GRANT_REVOKED after the holder revokes the grant", async () => {
      const cert = await issue();
      const { link, share, doc } = await createLink(cert, 5);
      expect((await check(share.id, link, doc)).body.verdict).to.equal("VALID");
      const nonce = BigInt(now()) * 7n;
      const deadline = now() + 600;
      const documentRoot = g.deps.documents.verifyIntegrity(cert.document).documentRoot!;
      const r = wallet.signRevokeGrant(cert.index, domain, {
        grantId: share.grantId,
        nonce,
        deadline: BigInt(deadline),
      });
      await app()
        .post(`/v1/holder/grants/${share.grantId}/revoke`)
        .send({ nonce: nonce.toString(), deadline, signature: r.signature, documentRoot })
        .expect(200);
      const after = await check(share.id, link, doc);
      expect(after.body.verdict).to.equal("INVALID");
      expect(after.body.reasons).to.include("GRANT_REVOKED");
    });

    it("shares with a named verifier, who alone can fetch the document", async () => {
      const cert = await issue();
      const grant = {
        certId: cert.certId,
        grantee: verifier,
        purpose: purposeHash("employment-check"),
        validUntil: now() + 3600,
        maxUses: 1,
        nonce: String(BigInt(now()) * 13n),
        deadline: now() + 600,
      };
      const s = signWireGrant(cert.index, grant);
      const documentRoot = g.deps.documents.verifyIntegrity(cert.document).documentRoot!;
      const res = await app()
        .post("/v1/shares")
        .send({
          mode: "verifier",
          purpose: "employment-check",
          grant,
          signature: s.signature,
          documentRoot,
          document: cert.document,
        })
        .expect(201);
      const got = (await asVerifier(app().get(`/v1/verifier/shares/${res.body.id}`)).expect(200)).body;
      expect(got.document.credentialStatus.certId).to.equal(cert.certId);
      await app()
        .get(`/v1/verifier/shares/${res.body.id}`)
        .set("authorization", `Bearer ${otherAgencyKey}`)
        .expect(403);
      const v = await asVerifier(app().post("/v1/verifier/verify"))
        .send({ document: got.document, grantId: got.grantId })
        .expect(200);
      expect(v.body.verdict).to.equal("VALID");
    });
  });

  describe("durability", () => {
    it("keeps share links and open counter requests across a restart", async function () {
      this.timeout(180_000);
      const cert = await issue();
      const link = newLinkKey();
      const grant = {
        certId: cert.certId,
        grantee: link.address,
        purpose: purposeHash("rent-a-flat"),
        validUntil: now() + 3600,
        maxUses: 3,
        nonce: String(BigInt(now()) * 17n),
        deadline: now() + 600,
      };
      const s = signWireGrant(cert.index, grant);
      const documentRoot = g.deps.documents.verifyIntegrity(cert.document).documentRoot!;
      const share = (
        await app()
          .post("/v1/shares")
          .send({
            mode: "link",
            purpose: "rent-a-flat",
            grant,
            signature: s.signature,
            documentRoot,
            payload: await encryptForLink(link, JSON.stringify(cert.document)),
          })
          .expect(201)
      ).body;
      const req = await openRequest();

      await g.close();
      g = await openGateway(config, { logger: pino({ level: "silent" }), now });

      const view = (await app().get(`/v1/shares/${share.id}`).expect(200)).body;
      const c = { grantId: view.grantId, use: view.uses + 1, deadline: now() + 300 };
      const checked = await app()
        .post(`/v1/shares/${share.id}/check`)
        .send({
          document: cert.document,
          check: { ...c, grantId: undefined, signature: signLinkCheck(link, view.domain, c) },
        })
        .expect(200);
      expect(checked.body.verdict).to.equal("VALID");
      expect(checked.body.usesLeft).to.equal(2);
      expect((await app().get(`/v1/counter/requests/${req.id}`).expect(200)).body.state).to.equal("OPEN");
      expect(
        (await app().post(`/v1/counter/requests/${req.id}/answer`).send(answer(req, cert)).expect(200)).body.verdict,
      ).to.equal("VALID");
    });
  });
});
