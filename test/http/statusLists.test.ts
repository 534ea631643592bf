/**
 * The agencies' Bitstring Status Lists through HTTP on the embedded chain, on SQLite and PostgreSQL:
 * an outside library (@digitalbazaar/vc-bitstring-status-list) decodes the published lists and agrees
 * with the chain for every certificate after revocations, suspensions and reinstatements, each change
 * showing in the list as soon as the write returns; the lists are signed by the agency's key on chain,
 * cacheable (ETag, 304); and the gateway's verifier reports a list that disagrees with the chain.
 */
import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import type { Server } from "node:http";
import path from "node:path";
import pino from "pino";
import request from "supertest";
import { secp256k1 } from "@noble/curves/secp256k1";
import { gzipSync } from "fflate";
import { loadConfig } from "../../src/config";
import { sampleFields } from "../../src/domain/catalog";
import {
  STATUS_LIST_MIN_LENGTH,
  buildStatusListCredential,
  createHolderWallet,
  decodeStatusList,
  generateMnemonic,
  privateKeyToAddress,
  toDidPkh,
  setStatusBit,
  signStatusListJwt,
  statusFromList,
  verifyStatusEntries,
  verifyStatusListJwt,
  type BitstringStatusListCredential,
  type BitstringStatusListEntry,
} from "../../src/document";
import { openGateway, type Gateway } from "../../src/wiring/gateway";
import { freshPostgresDatabase } from "../support/postgres";
import { openExternalCustody, type ExternalCustody } from "../support/externalCustody";
import { outsideStatusList as bsl } from "../support/outsideStatusList";

const SEED = "0x" + "3c".repeat(32);

interface Cert {
  certId: string;
  proof?: string[];
  entries: BitstringStatusListEntry[];
  /** The agency's signature over the entries, for the document to carry. */
  entryProof?: string;
}

const payloadOf = (jwt: string) =>
  JSON.parse(Buffer.from(jwt.split(".")[1], "base64url").toString("utf8")) as BitstringStatusListCredential;

function suite(store: string, database: () => Promise<{ url?: string; drop(): Promise<void> }>) {
  describe(`Bitstring Status Lists (${store})`, function () {
    this.timeout(240_000);
    let dataDir: string;
    let db: { url?: string; drop(): Promise<void> };
    let gw: Gateway;
    let http: ReturnType<typeof request>;
    let server: Server;
    let agency: string;
    let auth: { authorization: string };
    const certs: Cert[] = [];
    /** The revocation list as first published, before any status change (signed by the agency). */
    let listBeforeChanges: string;
    const wallet = createHolderWallet({ mnemonic: generateMnemonic() });

    const listPath = (purpose: string) => `/v1/public/status-lists/${agency}/${purpose}`;
    const fetchList = async (purpose: string) => {
      const r = await http.get(listPath(purpose)).buffer(true).parse(textParser).expect(200);
      return { jwt: r.body as string, etag: r.headers.etag as string, res: r };
    };
    /** Every certificate's bits, read by the outside library, against its status on chain. */
    const expectListsAgreeWithChain = async () => {
      const lists = {
        revocation: await bsl.decodeList({
          encodedList: payloadOf((await fetchList("revocation")).jwt).credentialSubject.encodedList,
        }),
        suspension: await bsl.decodeList({
          encodedList: payloadOf((await fetchList("suspension")).jwt).credentialSubject.encodedList,
        }),
      };
      expect(lists.revocation.length).to.be.at.least(STATUS_LIST_MIN_LENGTH);
      expect(lists.suspension.length).to.be.at.least(STATUS_LIST_MIN_LENGTH);
      const seen: Record<string, string> = {};
      for (const c of certs) {
        const status = (await http.get(`/v1/public/certificates/${c.certId}`).expect(200)).body.status as string;
        for (const e of c.entries) {
          const bit = lists[e.statusPurpose].getStatus(Number(e.statusListIndex));
          const expected = e.statusPurpose === "revocation" ? status === "REVOKED" : status === "SUSPENDED";
          expect(bit, `${c.certId} ${e.statusPurpose} (${status})`).to.equal(expected);
        }
        seen[c.certId] = status;
      }
      return seen;
    };
    const change = (c: Cert, action: string, reason: string) =>
      http
        .post(`/v1/agency/certificates/${c.certId}/${action}`)
        .set(auth)
        .send({ reason, ...(c.proof ? { batchProof: c.proof } : {}) })
        .expect(200);

    before(async () => {
      dataDir = mkdtempSync(path.join(tmpdir(), "certledger-statuslists-"));
      db = await database();
      gw = await openGateway(loadConfig({}, { dataDir, port: 0, logLevel: "silent", databaseUrl: db.url }), {
        logger: pino({ level: "silent" }),
        seed: SEED,
        extraRouters: [],
      });
      // One listening server: the lists' URLs (their ids, which the signature covers) name the host asked.
      server = gw.app.listen(0, "127.0.0.1");
      await new Promise((r) => server.once("listening", r));
      http = request(server);
      const a = gw.credentials!.agencies.find((x) => x.types.includes("diploma"))!;
      agency = a.agency.toLowerCase();
      auth = { authorization: `Bearer ${a.apiKey}` };
      for (let i = 0; i < 4; i++) {
        const r = await http
          .post("/v1/agency/certificates")
          .set(auth)
          .set("idempotency-key", `sl-single-${i}`)
          .send({ type: "diploma", holder: wallet.address(i), fields: sampleFields("diploma", i) })
          .expect(201);
        certs.push({ certId: r.body.certId, entries: [] });
      }
      const batch = await http
        .post("/v1/agency/batches?wait=true")
        .set(auth)
        .set("idempotency-key", "sl-batch")
        .send({
          type: "diploma",
          items: Array.from({ length: 8 }, (_, i) => ({
            holder: wallet.address(100 + i),
            fields: sampleFields("diploma", 100 + i),
          })),
        })
        .expect(201);
      const docs = await http.get(`/v1/agency/batches/${batch.body.batchId}/documents?limit=50`).set(auth).expect(200);
      for (const d of docs.body.items) certs.push({ certId: d.certId, proof: d.proof, entries: [] });
      for (const c of certs) {
        const r = await http.get(`/v1/public/certificates/${c.certId}/status-entries`).expect(200);
        c.entries = r.body.entries;
        c.entryProof = r.body.proof;
      }
    });
    after(async () => {
      await new Promise((r) => server?.close(r));
      await gw?.close();
      await db.drop();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it("gives every certificate, single or batched, one random entry per purpose, unique within the agency's list", () => {
      for (const purpose of ["revocation", "suspension"]) {
        const idx = certs.map((c) => {
          const e = c.entries.filter((x) => x.statusPurpose === purpose);
          expect(e, c.certId).to.have.length(1);
          expect(e[0].type).to.equal("BitstringStatusListEntry");
          expect(e[0].statusListCredential).to.match(new RegExp(`${listPath(purpose)}$`));
          expect(e[0].id).to.equal(`${e[0].statusListCredential}#${e[0].statusListIndex}`);
          return Number(e[0].statusListIndex);
        });
        expect(new Set(idx).size).to.equal(certs.length);
        for (const i of idx) expect(i).to.be.within(0, STATUS_LIST_MIN_LENGTH - 1);
        // Not handed out in the certificates' order of issuance.
        expect([...idx].sort((a, b) => a - b)).to.not.deep.equal(idx);
      }
    });

    it("signs each certificate's entries with the agency's key on chain, for the document to carry", async () => {
      const keys = (await gw.engine.index.signingKeys(agency as `0x${string}`)).map((k) => k.key.toLowerCase());
      for (const c of certs) {
        const v = verifyStatusEntries(c.certId, c.entries, c.entryProof!);
        expect(keys, c.certId).to.include(v.signer.toLowerCase());
      }
      // Another certificate's entries under this one's signature: refused.
      expect(() => verifyStatusEntries(certs[0].certId, certs[1].entries, certs[0].entryProof!)).to.throw(
        /does not sign these entries/,
      );
    });

    it("signs a certificate's entries once and answers the same proof again, with an ETag; other entries get their own proof", async () => {
      const c = certs[1];
      const signed = gw.engine.statusLists.stats.entrySignatures;
      const a = await http.get(`/v1/public/certificates/${c.certId}/status-entries`).expect(200);
      const b = await http.get(`/v1/public/certificates/${c.certId}/status-entries`).expect(200);
      expect(a.body.proof).to.equal(c.entryProof);
      expect(b.body).to.deep.equal(a.body);
      expect(gw.engine.statusLists.stats.entrySignatures, "no new signature for the same entries").to.equal(signed);
      expect(a.headers["cache-control"]).to.equal("public, no-cache");
      expect(a.headers.etag).to.match(/^W\/"[0-9a-f]{32}"$/);
      expect(b.headers.etag).to.equal(a.headers.etag);
      await http
        .get(`/v1/public/certificates/${c.certId}/status-entries`)
        .set("if-none-match", a.headers.etag)
        .expect(304);
      // Asked under another host name, the entries name other list URLs: a new proof over those.
      const other = await http
        .get(`/v1/public/certificates/${c.certId}/status-entries`)
        .set("host", "status.example.test")
        .expect(200);
      expect(other.body.entries[0].statusListCredential).to.match(/^http:\/\/status\.example\.test\//);
      expect(other.body.entries.map((e: BitstringStatusListEntry) => e.statusListIndex)).to.deep.equal(
        c.entries.map((e) => e.statusListIndex),
      );
      expect(other.body.proof).to.not.equal(a.body.proof);
      expect(verifyStatusEntries(c.certId, other.body.entries, other.body.proof).signer.toLowerCase()).to.equal(
        verifyStatusEntries(c.certId, c.entries, c.entryProof!).signer.toLowerCase(),
      );
      expect(other.headers.etag).to.not.equal(a.headers.etag);
      expect(gw.engine.statusLists.stats.entrySignatures).to.equal(signed + 1);
    });

    it("publishes each list as a vc+jwt signed by the agency's signing key on chain, readable offline", async () => {
      const { jwt, res } = await fetchList("revocation");
      listBeforeChanges = jwt;
      expect(res.headers["content-type"]).to.match(/^application\/vc\+jwt/);
      expect(res.headers["cache-control"]).to.equal("public, no-cache");
      const v = verifyStatusListJwt(jwt);
      const keys = (await gw.engine.index.signingKeys(agency as `0x${string}`)).map((k) => k.key.toLowerCase());
      expect(keys).to.include(v.signer.toLowerCase());
      expect(res.headers["x-status-list-secured"]).to.equal(`vc+jwt ES256K ${v.signer.toLowerCase()}`);
      expect(v.header).to.include({ alg: "ES256K", typ: "vc+jwt" });
      expect(v.credential.type).to.deep.equal(["VerifiableCredential", "BitstringStatusListCredential"]);
      expect(v.credential.credentialSubject.statusPurpose).to.equal("revocation");
      expect(v.credential.id).to.equal(certs[0].entries[0].statusListCredential);
      // It says how long it answers: an offline verifier holding it past validUntil calls it stale.
      expect(Date.parse(v.credential.validUntil!) - Date.parse(v.credential.validFrom)).to.equal(3_600_000);
      // The holder's offline check: the bit of its own entry, without naming the certificate to anyone.
      const entry = certs[0].entries.find((e) => e.statusPurpose === "revocation")!;
      expect(statusFromList(jwt, entry)).to.include({ set: false, index: Number(entry.statusListIndex) });
      // The same JWT, its payload changed: the signature no longer holds.
      const forged = payloadOf(jwt);
      forged.credentialSubject.encodedList = buildStatusListCredential({
        id: forged.id,
        issuer: forged.issuer,
        statusPurpose: "revocation",
        bits: new Uint8Array(STATUS_LIST_MIN_LENGTH / 8).fill(0xff),
        validFrom: 0,
      }).credentialSubject.encodedList;
      const [h, , s] = jwt.split(".");
      const tampered = `${h}.${Buffer.from(JSON.stringify(forged)).toString("base64url")}.${s}`;
      expect(() => verifyStatusListJwt(tampered)).to.throw(/signature does not verify/);
    });

    it("agrees with the chain for every certificate after revocations, suspensions and reinstatements, from the write's return on", async () => {
      const before = await expectListsAgreeWithChain();
      expect(Object.values(before).every((s) => s === "ACTIVE")).to.equal(true);
      const [s0, s1, s2, , b0, b1, b2] = certs;
      await change(s0, "revoke", "FRAUD");
      await change(s1, "suspend", "UNDER_INVESTIGATION");
      await change(s2, "suspend", "UNDER_INVESTIGATION");
      await change(b0, "revoke", "ISSUED_IN_ERROR");
      await change(b1, "suspend", "UNDER_INVESTIGATION");
      await change(b2, "suspend", "UNDER_INVESTIGATION");
      let seen = await expectListsAgreeWithChain();
      expect([seen[s0.certId], seen[s1.certId], seen[b0.certId], seen[b1.certId]]).to.deep.equal([
        "REVOKED",
        "SUSPENDED",
        "REVOKED",
        "SUSPENDED",
      ]);
      await change(s2, "reinstate", "INVESTIGATION_CLOSED");
      await change(b2, "reinstate", "INVESTIGATION_CLOSED");
      seen = await expectListsAgreeWithChain();
      expect([seen[s2.certId], seen[b2.certId]]).to.deep.equal(["ACTIVE", "ACTIVE"]);
      // A list built afresh from the index (as after a restart or a reorg) says the same.
      gw.engine.statusLists.reset();
      await expectListsAgreeWithChain();
    });

    it("answers 304 to the ETag it published, and a new ETag once a status changes", async () => {
      const { etag } = await fetchList("suspension");
      expect(etag).to.match(/^W\/"[0-9a-f]{32}"$/);
      const same = await http.get(listPath("suspension")).set("if-none-match", etag).expect(304);
      expect(same.headers.etag).to.equal(etag);
      expect(same.text ?? "").to.equal("");
      await change(certs[3], "suspend", "UNDER_INVESTIGATION");
      const changed = await http.get(listPath("suspension")).set("if-none-match", etag).buffer(true).parse(textParser);
      expect(changed.status).to.equal(200);
      expect(changed.headers.etag).to.not.equal(etag);
      const entry = certs[3].entries.find((e) => e.statusPurpose === "suspension")!;
      expect(statusFromList(changed.body as string, entry).set).to.equal(true);
      // The revocation list did not change: its ETag still matches.
      const rev = await fetchList("revocation");
      await http.get(listPath("revocation")).set("if-none-match", rev.etag).expect(304);
    });

    it("the gateway's verifier agrees with a genuine list and reports a list that disagrees with the chain", async () => {
      const revoked = certs[0];
      const genuine = (await fetchList("revocation")).jwt;
      const ok = await http
        .post("/v1/public/status-lists/check")
        .send({ certId: revoked.certId, lists: [genuine] })
        .expect(200);
      expect(ok.body).to.deep.include({ status: "REVOKED", agrees: true });
      expect(ok.body.checks[0]).to.include({ purpose: "revocation", listSays: true, chainSays: true });
      expect(ok.body.checks[0].signedBy).to.equal(verifyStatusListJwt(genuine).signer.toLowerCase());

      // A copy whose revoked bit was cleared (served by a stale cache or a hostile mirror).
      const credential = payloadOf(genuine);
      const bits = decodeStatusList(credential.credentialSubject.encodedList);
      const entry = revoked.entries.find((e) => e.statusPurpose === "revocation")!;
      setStatusBit(bits, Number(entry.statusListIndex), false);
      const stale = buildStatusListCredential({
        id: credential.id,
        issuer: credential.issuer,
        statusPurpose: "revocation",
        bits,
        validFrom: 0,
      });
      const bad = await http
        .post("/v1/public/status-lists/check")
        .send({ certId: revoked.certId, lists: [stale] })
        .expect(200);
      expect(bad.body.agrees).to.equal(false);
      expect(bad.body.checks[0]).to.include({ listSays: false, chainSays: true, agrees: false, signedBy: null });

      // The agency's own signed list from before the revocation (a replayed or cached copy): genuine, and
      // still reported as disagreeing with the chain, which stays the source of truth.
      const before = verifyStatusListJwt(listBeforeChanges);
      const replayed = await http
        .post("/v1/public/status-lists/check")
        .send({ certId: revoked.certId, lists: [listBeforeChanges] })
        .expect(200);
      expect(replayed.body).to.deep.include({ status: "REVOKED", agrees: false });
      expect(replayed.body.checks[0]).to.include({
        listSays: false,
        chainSays: true,
        agrees: false,
        signedBy: before.signer.toLowerCase(),
      });

      // The same stale list signed by a key that is not the agency's: refused, not believed.
      const stranger = secp256k1.utils.randomPrivateKey();
      const strangerJwt = signStatusListJwt(
        { ...stale, issuer: toDidPkh(gw.engine.chainId, privateKeyToAddress(stranger)) },
        stranger,
        gw.engine.chainId,
      );
      expect(verifyStatusListJwt(strangerJwt).signer).to.equal(privateKeyToAddress(stranger));
      const refused = await http
        .post("/v1/public/status-lists/check")
        .send({ certId: revoked.certId, lists: [strangerJwt] })
        .expect(422);
      expect(refused.body.error.code).to.equal("STATUS_LIST_BAD_SIGNATURE");
      // Another agency's purpose or list: not the certificate's.
      const wrong = await http
        .post("/v1/public/status-lists/check")
        .send({ certId: revoked.certId, lists: [{ ...stale, id: stale.id.replace(agency, "0x" + "99".repeat(20)) }] })
        .expect(422);
      expect(wrong.body.error.code).to.equal("STATUS_LIST_WRONG_LIST");
    });

    it("refuses bad requests with their codes and changes nothing", async () => {
      expect((await http.get(`/v1/public/status-lists/${agency}/expiry`).expect(400)).body.error.code).to.equal(
        "VALIDATION_FAILED",
      );
      expect(
        (await http.get(`/v1/public/status-lists/0x${"77".repeat(20)}/revocation`).expect(404)).body.error.code,
      ).to.equal("AGENCY_NOT_FOUND");
      expect(
        (await http.get(`/v1/public/certificates/0x${"55".repeat(32)}/status-entries`).expect(404)).body.error.code,
      ).to.equal("STATUS_ENTRY_NOT_FOUND");
      const list = payloadOf((await fetchList("revocation")).jwt);
      // 1,024 entries: below the specification's minimum herd.
      const tooShort = "u" + Buffer.from(gzipSync(new Uint8Array(128))).toString("base64url");
      const short = await http
        .post("/v1/public/status-lists/check")
        .send({
          certId: certs[0].certId,
          lists: [{ ...list, credentialSubject: { ...list.credentialSubject, encodedList: tooShort } }],
        })
        .expect(422);
      expect(short.body.error.code).to.equal("STATUS_LIST_LENGTH_ERROR");
      const garbage = await http
        .post("/v1/public/status-lists/check")
        .send({ certId: certs[0].certId, lists: ["not.a.jwt"] })
        .expect(422);
      expect(garbage.body.error.code).to.equal("STATUS_LIST_MALFORMED");
    });
  });
}

/** Reads any answer as text (supertest parses only JSON and text/* by itself). */
const textParser: Parameters<request.Test["parse"]>[0] = (res, cb) => {
  let text = "";
  res.setEncoding("utf8");
  res.on("data", (c: string) => (text += c));
  res.on("end", () => cb(null, text));
};

suite("SQLite", async () => ({ url: undefined, drop: async () => undefined }));
suite("PostgreSQL", () => freshPostgresDatabase("sl_http"));

describe("Bitstring Status Lists under external custody", function () {
  this.timeout(240_000);
  let x: ExternalCustody;
  before(async () => (x = await openExternalCustody()));
  after(async () => x?.close());

  it("serves the agency's list unsigned and says so: the gateway holds no agency key to sign with", async () => {
    const r = await x.http
      .get(`/v1/public/status-lists/${x.agency.address}/revocation`)
      .buffer(true)
      .parse(textParser)
      .expect(200);
    expect(r.headers["content-type"]).to.match(/^application\/vc\b/);
    expect(r.headers["content-type"]).to.not.match(/jwt/);
    expect(r.headers["x-status-list-secured"]).to.equal("none");
    const credential = JSON.parse(r.body as string) as BitstringStatusListCredential & { proof?: unknown };
    expect(credential).to.not.have.property("proof");
    expect(credential.issuer.toLowerCase()).to.equal(
      `did:pkh:eip155:${x.chainId}:${x.agency.wallet.address}`.toLowerCase(),
    );
    const list = await bsl.decodeList({ encodedList: credential.credentialSubject.encodedList });
    expect(list.length).to.equal(STATUS_LIST_MIN_LENGTH);
  });
});
