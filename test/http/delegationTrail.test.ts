/**
 * Everyone can see who acted: a check under a delegate's grant answers "presented by a delegate" (the
 * verdict's presentedBy), the holder's trail lists the delegation, the delegate's grants and the checks
 * under them, and a revoked or ended delegation is the verdict's DELEGATION_REVOKED or DELEGATION_EXPIRED.
 * On SQLite and PostgreSQL: the indexer's delegation rows live in the store.
 */
import { expect } from "chai";
import { grantMessage, redactDocument } from "../../src/document";
import { registryIface } from "../../src/chain/contracts";
import { sampleFields } from "../../src/domain/catalog";
import { counterGrantFor } from "../../src/domain/counter";
import type { Bytes32 } from "../../src/domain/ports";
import {
  bearer,
  closeFront,
  documentRootOf,
  holderHeaders,
  issue,
  linkShare,
  openFrontOn,
  postLinkShare,
  signDelegation,
  signGrant,
  signRevokeDelegation,
  type Front,
} from "../support/frontGateway";

for (const backend of ["sqlite", "postgres"] as const) {
  describe(`HTTP delegation trail and verdict (${backend})`, function () {
    this.timeout(300_000);
    let f: Front;
    let skew = 0;

    before(async () => {
      f = await openFrontOn(backend, "delegtrail", {
        now: () => Math.floor(Date.now() / 1000) + skew,
        withFront: true,
      });
    });

    after(async () => {
      if (f) await closeFront(f);
    });

    /** A certificate delegated to a fresh delegate key. */
    async function delegated(over: Parameters<typeof signDelegation>[4] = {}) {
      const c = await issue(f);
      const delegateIndex = f.nextIndex();
      const delegate = f.wallet.address(delegateIndex).toLowerCase() as `0x${string}`;
      const d = signDelegation(f, c.index, c.certId, delegate, over);
      await f.http
        .post("/v1/delegations")
        .send({ delegation: d.delegation, signature: d.signature, documentRoot: c.documentRoot })
        .expect(201);
      return { c, d, delegateIndex, delegate };
    }

    async function delegateGrant(x: Awaited<ReturnType<typeof delegated>>, over: Parameters<typeof signGrant>[4] = {}) {
      const g = signGrant(f, x.delegateIndex, x.c.certId, f.ids.verifierV, over);
      await f.http
        .post(`/v1/delegations/${x.d.delegationId}/grants`)
        .send({ grant: g.grant, delegation: x.d.delegation, signature: g.signature })
        .expect(201);
      return g;
    }

    async function trail(c: Awaited<ReturnType<typeof issue>>) {
      const path = `/v1/holder/certificates/${c.certId}/audit`;
      return (
        await f.http
          .get(path)
          .set(holderHeaders(f, c.index, "GET", path, c.certId, c.documentRoot))
          .expect(200)
      ).body;
    }

    /** A counter request for a diploma, answered by the delegate's wallet: its grant signed by the delegate's key. */
    async function delegateAtCounter(x: Awaited<ReturnType<typeof delegated>>) {
      const req = (
        await f.http
          .post("/v1/counter/requests")
          .set(bearer(f.keys.verifierV))
          .send({ types: ["diploma"], purpose: "open-bank-account", minutes: 5 })
          .expect(201)
      ).body;
      const grant = counterGrantFor({ ...req, verifier: req.verifier.address }, x.c.certId as Bytes32);
      const s = f.wallet.signGrant(x.delegateIndex, f.domain, grantMessage(grant));
      const presentation = {
        document: redactDocument(x.c.document, ["idNumber"]),
        grant,
        signature: s.signature,
        delegation: x.d.delegation,
      };
      const answered = await f.http
        .post(`/v1/counter/requests/${req.id}/answer`)
        .send({ presentations: [presentation] });
      expect(answered.status, JSON.stringify(answered.body)).to.equal(200);
      const result = (
        await f.http.get(`/v1/counter/requests/${req.id}/result`).set(bearer(f.keys.verifierV)).expect(200)
      ).body;
      return { answered: answered.body, shown: result.result.presentations[0], grantId: s.grantId.toLowerCase() };
    }

    /** A share link made by the delegate (an online delegation), and a check of it as the verify page makes it. */
    async function delegateLink(x: Awaited<ReturnType<typeof delegated>>, validUntil = f.now() + 3600) {
      const l = await linkShare(f, x.c, 5, validUntil, { index: x.delegateIndex, delegation: x.d.delegation });
      const check = async () =>
        (
          await f.http
            .post(`/v1/shares/${l.share.id}/check`)
            .send({ document: l.doc, check: await l.check() })
            .expect(200)
        ).body;
      return { share: l.share, check };
    }

    const verify = (document: unknown, grantId: Bytes32) =>
      f.http.post("/v1/verifier/verify").set(bearer(f.keys.verifierV)).send({ document, grantId }).expect(200);

    it("answers a check under the delegate's grant VALID with presentedBy, and the holder's trail lists the delegation, the delegate's grant and the check, marked as the delegate's", async () => {
      const x = await delegated({ online: true });
      const own = signGrant(f, x.c.index, x.c.certId, f.ids.verifierV);
      await f.http
        .post("/v1/holder/grants")
        .send({ grant: own.grant, signature: own.signature, documentRoot: x.c.documentRoot })
        .expect(201);
      const g = await delegateGrant(x, { maxUses: 2 });

      const check = await f.http
        .post("/v1/verifier/checks")
        .set(bearer(f.keys.verifierV))
        .send({ document: x.c.document, grantId: g.grantId })
        .expect(201);
      expect(check.body.verdict).to.equal("VALID");
      expect(check.body.presentedBy).to.deep.equal({ delegate: x.delegate, delegationId: x.d.delegationId });
      const holders = await verify(x.c.document, own.grantId);
      expect(holders.body.verdict).to.equal("VALID");
      expect(holders.body).to.not.have.property("presentedBy");

      const t = await trail(x.c);
      expect(t.delegations).to.have.length(1);
      expect(t.delegations[0]).to.deep.include({
        delegationId: x.d.delegationId,
        certId: x.c.certId,
        delegate: x.delegate,
        purpose: x.d.delegation.purpose,
        verifier: x.d.delegation.verifier,
        online: true,
        validUntil: x.d.delegation.validUntil,
        revoked: false,
        state: "ACTIVE",
      });
      expect(t.delegations[0]).to.not.have.property("revokedAt");
      expect(t.delegations[0]).to.not.have.property("namedBy");
      const byId = new Map(t.grants.map((e: { grantId: string }) => [e.grantId, e]));
      expect(byId.get(g.grantId)).to.deep.include({
        byDelegate: true,
        delegationId: x.d.delegationId,
        delegate: x.delegate,
        uses: 1,
      });
      expect(byId.get(own.grantId)).to.deep.include({ byDelegate: false });
      expect(byId.get(own.grantId)).to.not.have.property("delegationId");
      expect(t.checks).to.have.length(1);
      expect(t.checks[0]).to.deep.include({
        grantId: g.grantId,
        verifier: f.ids.verifierV.toLowerCase(),
        byDelegate: true,
        delegationId: x.d.delegationId,
        delegate: x.delegate,
      });
    });

    it("answers DELEGATION_REVOKED for the delegate's grant once the holder revokes, refuses to record the check, and the trail shows when it was revoked", async () => {
      const x = await delegated();
      const g = await delegateGrant(x, { maxUses: 3 });
      const revoked = await f.http
        .post(`/v1/delegations/${x.d.delegationId}/revoke`)
        .send(signRevokeDelegation(f, x.c.index, x.d.delegationId, x.c.documentRoot))
        .expect(200);

      const v = await verify(x.c.document, g.grantId);
      expect(v.body.verdict).to.equal("INVALID");
      expect(v.body.reasons).to.deep.equal(["DELEGATION_REVOKED"]);
      expect(v.body.messages[0]).to.match(/revoked that delegation/);
      expect(v.body.presentedBy).to.deep.equal({ delegate: x.delegate, delegationId: x.d.delegationId });
      expect(v.body.disclosed).to.deep.equal({});

      const block = await f.blockNumber();
      const refused = await f.http
        .post("/v1/verifier/checks")
        .set(bearer(f.keys.verifierV))
        .send({ document: x.c.document, grantId: g.grantId })
        .expect(422);
      expect(refused.body.error.code).to.equal("DELEGATION_REVOKED");
      expect(await f.blockNumber()).to.equal(block);

      const t = await trail(x.c);
      expect(t.delegations[0]).to.deep.include({ delegationId: x.d.delegationId, revoked: true, state: "REVOKED" });
      const revokedAt = t.delegations[0].revokedAt;
      expect(revokedAt).to.be.a("number");
      const header = (await f.gw.engine.rpc("eth_getBlockByNumber", [
        "0x" + revoked.body.blockNumber.toString(16),
        false,
      ])) as { timestamp: string };
      expect(revokedAt).to.equal(Number(BigInt(header.timestamp)));
      expect(t.grants.find((e: { grantId: string }) => e.grantId === g.grantId)).to.deep.include({ byDelegate: true });
      expect(t.checks).to.deep.equal([]);
    });

    it("at the counter: the delegate's presentation is VALID and shown as presented by the delegate; after the holder revokes, the delegate's next scan is refused with DELEGATION_REVOKED; the trail lists both", async () => {
      const x = await delegated({ online: false });
      const first = await delegateAtCounter(x);
      expect(first.answered.verdict).to.equal("VALID");
      expect(first.shown.verdict).to.equal("VALID");
      expect(first.shown.presentedBy).to.deep.equal({ delegate: x.delegate, delegationId: x.d.delegationId });
      expect(first.shown.disclosed).to.not.have.property("idNumber");

      await f.http
        .post(`/v1/delegations/${x.d.delegationId}/revoke`)
        .send(signRevokeDelegation(f, x.c.index, x.d.delegationId, x.c.documentRoot))
        .expect(200);
      const block = await f.blockNumber();
      const second = await delegateAtCounter(x);
      expect(second.answered.verdict).to.equal("INVALID");
      expect(second.shown.reasons).to.deep.equal(["DELEGATION_REVOKED"]);
      expect(second.shown.presentedBy).to.deep.equal({ delegate: x.delegate, delegationId: x.d.delegationId });
      expect(second.shown.disclosed).to.deep.equal({});
      expect(await f.blockNumber()).to.equal(block);

      const t = await trail(x.c);
      expect(t.delegations[0]).to.deep.include({ online: false, state: "REVOKED" });
      expect(t.grants.map((e: { grantId: string; byDelegate: boolean }) => [e.grantId, e.byDelegate])).to.deep.equal([
        [first.grantId, true],
      ]);
      expect(t.checks.map((e: { grantId: string; delegationId: string }) => [e.grantId, e.delegationId])).to.deep.equal(
        [[first.grantId, x.d.delegationId]],
      );
    });

    it("through a share link the delegate made: the check is VALID with presentedBy, and after the holder revokes it is INVALID with DELEGATION_REVOKED and records nothing", async () => {
      const x = await delegated({ online: true });
      const l = await delegateLink(x, f.now() + 1700);
      const ok = await l.check();
      expect(ok.verdict).to.equal("VALID");
      expect(ok.presentedBy).to.deep.equal({ delegate: x.delegate, delegationId: x.d.delegationId });
      expect(ok.recorded.use).to.equal(1);
      await f.http
        .post(`/v1/delegations/${x.d.delegationId}/revoke`)
        .send(signRevokeDelegation(f, x.c.index, x.d.delegationId, x.c.documentRoot))
        .expect(200);
      const block = await f.blockNumber();
      const refused = await l.check();
      expect(refused.verdict).to.equal("INVALID");
      expect(refused.reasons).to.deep.equal(["DELEGATION_REVOKED"]);
      expect(refused.presentedBy).to.deep.equal({ delegate: x.delegate, delegationId: x.d.delegationId });
      expect(refused).to.not.have.property("recorded");
      expect(await f.blockNumber()).to.equal(block);
      const t = await trail(x.c);
      expect(t.checks).to.have.length(1);
      expect(t.checks[0]).to.deep.include({ grantId: l.share.grantId, byDelegate: true, delegate: x.delegate });
    });

    it("refuses a share link by a counter-only delegate with 403 DELEGATION_OUT_OF_SCOPE", async () => {
      const x = await delegated({ online: false });
      const block = await f.blockNumber();
      const { res: r } = await postLinkShare(f, x.c, 5, f.now() + 86_400, {
        index: x.delegateIndex,
        delegation: x.d.delegation,
      });
      expect(r.status).to.equal(403);
      expect(r.body.error.code).to.equal("DELEGATION_OUT_OF_SCOPE");
      expect(await f.blockNumber()).to.equal(block);
    });

    it("answers DELEGATION_EXPIRED for the delegate's grant once the delegation has ended, and the trail says EXPIRED", async () => {
      const x = await delegated({ validUntil: f.now() + 1800 });
      const g = await delegateGrant(x, { validUntil: f.now() + 1700 });
      expect((await verify(x.c.document, g.grantId)).body.verdict).to.equal("VALID");
      const l = await delegateLink(x, f.now() + 1700);
      // An hour passes, on the chain and for the gateway.
      skew += 3600;
      await f.gw.engine.rpc("evm_increaseTime", [3600]);
      await f.gw.engine.rpc("evm_mine", []);
      const v = await verify(x.c.document, g.grantId);
      expect(v.body.verdict).to.equal("INVALID");
      // The delegate's grant cannot outlive its delegation, so the grant has ended too.
      expect(v.body.reasons).to.deep.equal(["DELEGATION_EXPIRED", "GRANT_EXPIRED"]);
      expect(v.body.presentedBy).to.deep.equal({ delegate: x.delegate, delegationId: x.d.delegationId });
      // The delegate's link and the delegate at a counter say the same.
      const viaLink = await l.check();
      expect(viaLink.reasons).to.deep.equal(["DELEGATION_EXPIRED", "GRANT_EXPIRED"]);
      expect(viaLink.presentedBy).to.deep.equal({ delegate: x.delegate, delegationId: x.d.delegationId });
      const atCounter = await delegateAtCounter(x);
      expect(atCounter.shown.reasons).to.deep.equal(["DELEGATION_EXPIRED"]);
      expect(atCounter.shown.presentedBy).to.deep.equal({ delegate: x.delegate, delegationId: x.d.delegationId });
      const t = await trail(x.c);
      expect(t.delegations[0]).to.deep.include({ revoked: false, state: "EXPIRED" });
    });

    it("marks a guardian the issuing agency named at issuance as named by that agency and its key in the holder's trail, and keeps the mark once the holder revokes", async () => {
      const index = f.nextIndex();
      const holder = f.wallet.address(index).toLowerCase();
      const guardian = f.wallet.address(f.nextIndex()).toLowerCase();
      const issued = await f.http
        .post("/v1/agency/certificates")
        .set(bearer(f.keys.agencyA))
        .set("idempotency-key", `guardian-trail-${index}-${Date.now()}`)
        .send({
          type: "diploma",
          holder,
          fields: sampleFields("diploma", index),
          guardian: { delegate: guardian, validUntil: f.now() + 3600 },
        })
        .expect(201);
      const c = {
        index,
        certId: issued.body.certId as Bytes32,
        document: issued.body.document,
        documentRoot: documentRootOf(f, issued.body.document),
      };
      const delegationId = issued.body.guardian.delegationId as Bytes32;
      const keyId = Number(
        registryIface.decodeFunctionResult(
          "keyIdOf",
          (await f.gw.engine.rpc("eth_call", [
            {
              to: f.gw.engine.addresses.registry,
              data: registryIface.encodeFunctionData("keyIdOf", [issued.body.issuerKey]),
            },
            "latest",
          ])) as string,
        )[0],
      );
      expect(keyId).to.be.greaterThan(0);

      const t = await trail(c);
      expect(t.delegations).to.have.length(1);
      expect(t.delegations[0]).to.deep.include({ delegationId, delegate: guardian, state: "ACTIVE" });
      expect(t.delegations[0].namedBy).to.deep.equal({ agency: f.ids.agencyA, keyId });

      await f.http
        .post(`/v1/delegations/${delegationId}/revoke`)
        .send(signRevokeDelegation(f, index, delegationId, c.documentRoot))
        .expect(200);
      const after = await trail(c);
      expect(after.delegations[0]).to.deep.include({ delegationId, state: "REVOKED" });
      expect(after.delegations[0].namedBy).to.deep.equal({ agency: f.ids.agencyA, keyId });
    });

    it("documents presentedBy in the verdict and the delegations in the audit trail in /openapi.json", async () => {
      const doc = (await f.http.get("/openapi.json").expect(200)).body;
      const s = doc.components.schemas;
      expect(s.VerifyResult.properties.presentedBy).to.exist;
      expect(Object.keys(s.PresentedBy.properties)).to.deep.equal(["delegate", "delegationId"]);
      expect(s.VerdictReason.enum).to.include.members(["DELEGATION_REVOKED", "DELEGATION_EXPIRED"]);
      expect(s.AuditTrail.properties.delegations).to.exist;
      expect(JSON.stringify(s.AuditGrant)).to.include('"byDelegate"');
      expect(JSON.stringify(s.AuditCheck)).to.include('"delegationId"');
      expect(Object.keys(s.AuditDelegation.properties)).to.include.members([
        "delegate",
        "online",
        "revokedAt",
        "state",
        "namedBy",
      ]);
      expect(Object.keys(s.AuditDelegation.properties.namedBy.properties)).to.deep.equal(["agency", "keyId"]);
    });
  });
}
