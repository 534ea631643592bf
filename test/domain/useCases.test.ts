import { expect } from "chai";
import { sampleFields } from "../../src/domain/catalog";
import {
  registerAgency,
  registerType,
  registerVerifier,
  retireSigningKey,
  rotateSigningKey,
} from "../../src/domain/authority";
import { DomainError } from "../../src/domain/errors";
import { revokeGrant } from "../../src/domain/grants";
import { authenticateHolder, holderAuthMessage, personalMessageDigest } from "../../src/domain/holderAuth";
import { issueCertificate, memoryBatchJobs, startBatch } from "../../src/domain/issuance";
import type { Address, Bytes32, Hex } from "../../src/domain/ports";
import { authenticatePrincipal, createPrincipal } from "../../src/domain/principals";
import { changeStatus } from "../../src/domain/status";
import { recordCheck, verifyDocument, verifyPresentation } from "../../src/domain/verification";
import {
  consentDomain,
  createHolderWallet,
  generateMnemonic,
  purposeHash,
  redactDocument,
  signDigest,
} from "../../src/document";
import { CHAIN_ID, CONSENT, fakeDeps } from "../support/frontFakes";

async function rejects(p: Promise<unknown>, code: string, status?: number): Promise<DomainError> {
  try {
    await p;
  } catch (e) {
    expect(e, String(e)).to.be.instanceOf(DomainError);
    expect((e as DomainError).code).to.equal(code);
    if (status) expect((e as DomainError).status).to.equal(status);
    return e as DomainError;
  }
  expect.fail(`expected ${code}`);
}

async function world() {
  const deps = fakeDeps();
  await registerType(deps, { code: "diploma" });
  await registerType(deps, { code: "business-licence" });
  const a = await registerAgency(deps, { name: "Education Bureau", types: ["diploma"] });
  const b = await registerAgency(deps, { name: "Market Regulation", types: ["business-licence", "diploma"] });
  const v = await registerVerifier(deps, { name: "Bank" });
  const w = await registerVerifier(deps, { name: "Landlord" });
  const wallet = createHolderWallet({ mnemonic: generateMnemonic() });
  const domain = consentDomain(CHAIN_ID, CONSENT);
  let n = 0;
  const issue = async (agency = a.agency, type = "diploma", idem = `k${++n}`) => {
    const index = n;
    const holder = wallet.address(index).toLowerCase() as Address;
    const r = await issueCertificate(deps, {
      agency,
      type,
      holder,
      fields: sampleFields(type, index),
      idempotencyKey: idem,
    });
    return { ...r.certificate, index, replayed: r.replayed };
  };
  const grant = (
    index: number,
    certId: Bytes32,
    grantee: Address,
    over: Partial<{ validUntil: number; maxUses: number; nonce: string }> = {},
  ) => {
    const now = deps.world.now;
    const g = {
      certId,
      grantee,
      purpose: purposeHash("open-bank-account").toLowerCase() as Bytes32,
      validUntil: over.validUntil ?? now + 3600,
      maxUses: over.maxUses ?? 2,
      nonce: over.nonce ?? String(now + index),
      deadline: now + 600,
    };
    const s = wallet.signGrant(index, domain, {
      ...g,
      validUntil: BigInt(g.validUntil),
      nonce: BigInt(g.nonce),
      deadline: BigInt(g.deadline),
    });
    return { grant: g, signature: s.signature as Hex, grantId: s.grantId.toLowerCase() as Bytes32 };
  };
  return { deps, a, b, v, w, wallet, domain, issue, grant };
}

describe("domain use cases (over in-memory ports)", () => {
  describe("issue", () => {
    it("issues a certificate whose document verifies and whose record is on the ledger", async () => {
      const { deps, issue } = await world();
      const c = await issue();
      expect(deps.world.certs.get(c.certId)?.status).to.equal("ACTIVE");
      const r = await verifyDocument(deps, { document: c.document });
      expect(r.verdict).to.equal("VALID");
      expect(r.disclosed).to.deep.equal({});
    });

    it("returns the same certificate for the same idempotency key and body, once on chain", async () => {
      const { deps, a, wallet } = await world();
      const p = {
        agency: a.agency,
        type: "diploma",
        holder: wallet.address(7).toLowerCase() as Address,
        fields: sampleFields("diploma", 7),
        idempotencyKey: "same",
      };
      const one = await issueCertificate(deps, p);
      const two = await issueCertificate(deps, p);
      expect(two.replayed).to.equal(true);
      expect(two.certificate.certId).to.equal(one.certificate.certId);
      expect(deps.world.sent.filter((s) => s.method === "issue")).to.have.length(1);
      await rejects(
        issueCertificate(deps, { ...p, fields: sampleFields("diploma", 8) }),
        "IDEMPOTENCY_KEY_REUSED",
        409,
      );
    });

    it("refuses a type the agency is not accredited for, invalid fields and too long a validity", async () => {
      const { deps, a, wallet } = await world();
      const holder = wallet.address(1).toLowerCase() as Address;
      await rejects(
        issueCertificate(deps, {
          agency: a.agency,
          type: "business-licence",
          holder,
          fields: sampleFields("business-licence"),
          idempotencyKey: "x1",
        }),
        "NOT_ACCREDITED",
        403,
      );
      await rejects(
        issueCertificate(deps, {
          agency: a.agency,
          type: "diploma",
          holder,
          fields: { nope: 1 },
          idempotencyKey: "x2",
        }),
        "FIELDS_INVALID",
        422,
      );
      await rejects(
        issueCertificate(deps, {
          agency: a.agency,
          type: "diploma",
          holder,
          fields: sampleFields("diploma"),
          validFrom: 1,
          validUntil: 2 ** 40 - 1,
          idempotencyKey: "x3",
        }),
        "VALIDITY_TOO_LONG",
        400,
      );
      expect(deps.world.sent.filter((s) => s.method === "issue")).to.have.length(0);
    });

    it("anchors a batch as one root and each document verifies with its proof", async () => {
      const { deps, a, wallet } = await world();
      const items = Array.from({ length: 5 }, (_, i) => ({
        holder: wallet.address(100 + i).toLowerCase() as Address,
        fields: sampleFields("diploma", i),
      }));
      const { done } = await startBatch(deps, memoryBatchJobs(), { agency: a.agency, type: "diploma", items });
      const job = await done;
      expect(job.state, JSON.stringify(job.error)).to.equal("done");
      expect(deps.world.sent.filter((s) => s.method === "anchorBatch")).to.have.length(1);
      for (const it of job.items!)
        expect((await verifyDocument(deps, { document: it.document })).verdict).to.equal("VALID");
    });

    it("keeps the documents of the newest batches only, within a bound", async () => {
      const { deps, a, wallet } = await world();
      const jobs = memoryBatchJobs({ maxHeldDocuments: 5 });
      const run = async (n: number) => {
        const items = Array.from({ length: n }, (_, i) => ({
          holder: wallet.address(200 + i).toLowerCase() as Address,
          fields: sampleFields("diploma", i),
        }));
        return (await startBatch(deps, jobs, { agency: a.agency, type: "diploma", items })).done;
      };
      const first = await run(3);
      const second = await run(3);
      expect(second.items).to.have.length(3);
      expect(first.items).to.equal(undefined);
      expect(first.documentsReleased).to.equal(true);
      expect(first.root).to.be.a("string");
    });

    it("refuses a batch with one bad row, naming its index, before anything is sent", async () => {
      const { deps, a, wallet } = await world();
      const items = [
        { holder: wallet.address(1).toLowerCase() as Address, fields: sampleFields("diploma", 1) },
        { holder: wallet.address(2).toLowerCase() as Address, fields: { bad: true } },
      ];
      const e = await rejects(
        startBatch(deps, memoryBatchJobs(), { agency: a.agency, type: "diploma", items }),
        "FIELDS_INVALID",
        422,
      );
      expect((e.details as { index: number }).index).to.equal(1);
      expect(deps.world.sent.filter((s) => s.method === "anchorBatch")).to.have.length(0);
    });
  });

  describe("status changes", () => {
    it("lets only the issuing agency change a certificate, along allowed transitions", async () => {
      const { deps, a, b, issue } = await world();
      const c = await issue();
      await rejects(
        changeStatus(deps, { agency: b.agency, certId: c.certId, action: "revoke", reason: "FRAUD" }),
        "NOT_YOUR_CERTIFICATE",
        403,
      );
      await rejects(
        changeStatus(deps, { agency: a.agency, certId: c.certId, action: "reinstate", reason: "OTHER" }),
        "INVALID_STATUS_TRANSITION",
        409,
      );
      await rejects(
        changeStatus(deps, { agency: a.agency, certId: c.certId, action: "suspend", reason: "FRAUD" }),
        "UNKNOWN_REASON",
        400,
      );
      await changeStatus(deps, {
        agency: a.agency,
        certId: c.certId,
        action: "suspend",
        reason: "UNDER_INVESTIGATION",
      });
      expect((await verifyDocument(deps, { document: c.document })).reasons).to.deep.equal(["SUSPENDED"]);
      await changeStatus(deps, {
        agency: a.agency,
        certId: c.certId,
        action: "reinstate",
        reason: "INVESTIGATION_CLOSED",
      });
      await changeStatus(deps, { agency: a.agency, certId: c.certId, action: "revoke", reason: "ISSUED_IN_ERROR" });
      await rejects(
        changeStatus(deps, { agency: a.agency, certId: c.certId, action: "suspend", reason: "OTHER" }),
        "CERTIFICATE_REVOKED",
        409,
      );
    });

    it("supersedes with a replacement of the same agency only", async () => {
      const { deps, a, b, issue } = await world();
      const old = await issue();
      const other = await issue(b.agency);
      await rejects(
        changeStatus(deps, {
          agency: a.agency,
          certId: old.certId,
          action: "supersede",
          reason: "RENEWAL",
          replacement: other.certId,
        }),
        "NOT_YOUR_CERTIFICATE",
      );
      const fresh = await issue();
      await changeStatus(deps, {
        agency: a.agency,
        certId: old.certId,
        action: "supersede",
        reason: "RENEWAL",
        replacement: fresh.certId,
      });
      expect((await verifyDocument(deps, { document: old.document })).reasons).to.deep.equal(["SUPERSEDED"]);
    });
  });

  describe("consent and verification", () => {
    it("verifies under a grant (relayed from the signed grant), records a check, and tells the holder", async () => {
      const { deps, v, issue, grant } = await world();
      const c = await issue();
      const g = grant(c.index, c.certId, v.verifier, { maxUses: 1 });
      const redacted = redactDocument(c.document as never, [Object.keys(sampleFields("diploma", c.index))[0]]);
      const r = await verifyPresentation(deps, {
        verifier: v.verifier,
        document: redacted,
        signedGrant: { grant: g.grant, signature: g.signature },
      });
      expect(r.verdict, r.reasons.join()).to.equal("VALID");
      expect(Object.keys(r.disclosed)).to.not.include(Object.keys(sampleFields("diploma", c.index))[0]);
      expect(r.redacted).to.have.length(1);
      const rec = await recordCheck(deps, { verifier: v.verifier, document: redacted, grantId: g.grantId });
      expect(rec.check.usesLeft).to.equal(0);
      expect(deps.world.checks).to.have.length(1);
      const again = await verifyPresentation(deps, { verifier: v.verifier, document: redacted, grantId: g.grantId });
      expect(again.reasons).to.deep.equal(["GRANT_USED_UP"]);
    });

    it("refuses to record under a grant to another verifier, and changes nothing", async () => {
      const { deps, v, w, issue, grant } = await world();
      const c = await issue();
      const g = grant(c.index, c.certId, w.verifier);
      await verifyPresentation(deps, {
        verifier: w.verifier,
        document: c.document,
        signedGrant: { grant: g.grant, signature: g.signature },
      });
      await rejects(
        recordCheck(deps, { verifier: v.verifier, document: c.document, grantId: g.grantId }),
        "WRONG_VERIFIER",
        403,
      );
      expect(deps.world.checks).to.have.length(0);
    });

    it("answers a grant signed by someone else with 401 BAD_SIGNATURE and a replayed one with 409 REPLAYED", async () => {
      const { deps, v, issue, grant } = await world();
      const c = await issue();
      const other = await issue();
      const forged = grant(other.index, c.certId, v.verifier);
      await rejects(
        verifyPresentation(deps, {
          verifier: v.verifier,
          document: c.document,
          signedGrant: { grant: forged.grant, signature: forged.signature },
        }),
        "BAD_SIGNATURE",
        401,
      );
      const g = grant(c.index, c.certId, v.verifier);
      await verifyPresentation(deps, {
        verifier: v.verifier,
        document: c.document,
        signedGrant: { grant: g.grant, signature: g.signature },
      });
      await rejects(
        verifyPresentation(deps, {
          verifier: v.verifier,
          document: c.document,
          signedGrant: { grant: g.grant, signature: g.signature },
        }),
        "REPLAYED",
        409,
      );
    });

    it("lets the holder revoke a grant, after which verification says GRANT_REVOKED", async () => {
      const { deps, v, issue, grant, wallet, domain } = await world();
      const c = await issue();
      const g = grant(c.index, c.certId, v.verifier);
      await verifyPresentation(deps, {
        verifier: v.verifier,
        document: c.document,
        signedGrant: { grant: g.grant, signature: g.signature },
      });
      const msg = { grantId: g.grantId, nonce: 1n, deadline: BigInt(deps.world.now + 600) };
      const bad = createHolderWallet({ mnemonic: generateMnemonic() }).signRevokeGrant(0, domain, msg);
      const documentRoot = deps.documents.verifyIntegrity(c.document).documentRoot!;
      await rejects(
        revokeGrant(deps, {
          grantId: g.grantId,
          nonce: "1",
          deadline: Number(msg.deadline),
          signature: bad.signature as Hex,
          documentRoot,
        }),
        "BAD_SIGNATURE",
        401,
      );
      const s = wallet.signRevokeGrant(c.index, domain, msg);
      await revokeGrant(deps, {
        grantId: g.grantId,
        nonce: "1",
        deadline: Number(msg.deadline),
        signature: s.signature as Hex,
        documentRoot,
      });
      expect(
        (await verifyPresentation(deps, { verifier: v.verifier, document: c.document, grantId: g.grantId })).reasons,
      ).to.deep.equal(["GRANT_REVOKED"]);
    });

    it("says TAMPERED for an altered document and refuses a non-document with 422", async () => {
      const { deps, v, issue, grant } = await world();
      const c = await issue();
      const g = grant(c.index, c.certId, v.verifier);
      const doc = JSON.parse(JSON.stringify(c.document));
      const key = Object.keys(doc.credentialSubject).find((k) => k !== "id")!;
      doc.credentialSubject[key] = "forged";
      const r = await verifyPresentation(deps, {
        verifier: v.verifier,
        document: doc,
        signedGrant: { grant: g.grant, signature: g.signature },
      });
      expect(r.reasons).to.include("TAMPERED");
      expect(r.disclosed).to.deep.equal({});
      await rejects(verifyDocument(deps, { document: { hello: "world" } }), "DOCUMENT_MALFORMED", 422);
    });

    it("keeps certificates valid after the issuing key is rotated, issues with the new key, and retires it at a past leak time", async () => {
      const { deps, a, issue } = await world();
      const before = await issue();
      deps.world.now += 10;
      const rot = await rotateSigningKey(deps, a.agency);
      deps.world.now += 10;
      expect((await verifyDocument(deps, { document: before.document })).verdict).to.equal("VALID");
      const after = await issue();
      expect(after.issuerKey).to.equal(rot.key);
      // A retirement can only move the window's end earlier.
      const planned = deps.world.now + 100;
      expect((await retireSigningKey(deps, { agency: a.agency, key: rot.key, at: planned })).retiredAt).to.equal(
        planned,
      );
      await rejects(retireSigningKey(deps, { agency: a.agency, key: rot.key, at: planned }), "INVALID_RETIREMENT", 409);
      // The new key leaked 5 seconds ago: what it issued since stops verifying, what came before stays valid.
      await retireSigningKey(deps, { agency: a.agency, key: rot.key, at: deps.world.now - 5 });
      const stolen = await verifyDocument(deps, { document: after.document });
      expect(stolen.verdict).to.not.equal("VALID");
      expect(stolen.reasons).to.include("ISSUER_NOT_ACCREDITED");
      expect((await verifyDocument(deps, { document: before.document })).verdict).to.equal("VALID");
      await rejects(retireSigningKey(deps, { agency: a.agency, key: rot.key }), "KEY_RETIRED", 409);
    });
  });

  describe("principals and holder requests", () => {
    it("creates API keys shown once and stored hashed", async () => {
      const { deps, a } = await world();
      const { apiKey, principal } = await createPrincipal(deps, { role: "agency", address: a.agency, label: "edu" });
      expect([...deps.world.principals.keys()].join()).to.not.include(apiKey);
      expect((await authenticatePrincipal(deps, apiKey)).id).to.equal(principal.id);
      await rejects(authenticatePrincipal(deps, `${apiKey}x`), "INVALID_CREDENTIALS", 401);
    });

    it("accepts a holder request signed by the certificate's key once, and refuses stale, foreign and replayed ones", async () => {
      const { deps, issue, wallet } = await world();
      const c = await issue();
      const documentRoot = deps.documents.verifyIntegrity(c.document).documentRoot!;
      const f = {
        method: "GET",
        path: `/v1/holder/certificates/${c.certId}/audit`,
        certId: c.certId,
        documentRoot,
        timestamp: deps.world.now,
        nonce: "abcdefgh1",
      };
      const sign = (index: number, fields = f) =>
        signDigest(wallet.deriveKey(index).privateKey, personalMessageDigest(holderAuthMessage(fields))) as Hex;
      expect(await authenticateHolder(deps, { ...f, signature: sign(c.index) }, 300)).to.equal(
        wallet.address(c.index).toLowerCase(),
      );
      await rejects(authenticateHolder(deps, { ...f, signature: sign(c.index) }, 300), "REPLAYED", 401);
      const g = { ...f, nonce: "abcdefgh2" };
      await rejects(authenticateHolder(deps, { ...g, signature: sign(c.index + 1, g) }, 300), "BAD_SIGNATURE", 401);
      const h = { ...f, nonce: "abcdefgh3", timestamp: deps.world.now - 301 };
      await rejects(authenticateHolder(deps, { ...h, signature: sign(c.index, h) }, 300), "STALE_SIGNATURE", 401);
    });
  });
});
