/**
 * The gateway relays delegations over HTTP on a real gateway: the holder delegates one certificate to
 * another wallet, the delegate's grant is accepted and checked by the verifier, the holder revokes, and
 * every refusal (revoked, expired, replayed, wrong key, out of scope) has its code and sends nothing.
 */
import { expect } from "chai";
import { sampleFields } from "../../src/domain/catalog";
import {
  bearer,
  closeFront,
  getFront,
  issue,
  openFront,
  signDelegation,
  signGrant,
  signRevokeDelegation,
  type Front,
} from "../support/frontGateway";

describe("HTTP delegations: the holder lets another wallet present a certificate", function () {
  this.timeout(300_000);
  let f: Front;

  before(async () => {
    f = await getFront();
  });

  /** A certificate, a fresh delegate key, and the holder's delegation relayed to it. */
  async function delegated(over: Parameters<typeof signDelegation>[4] = {}) {
    const c = await issue(f);
    const delegateIndex = f.nextIndex();
    const delegate = f.wallet.address(delegateIndex).toLowerCase() as `0x${string}`;
    const d = signDelegation(f, c.index, c.certId, delegate, over);
    const res = await f.http
      .post("/v1/delegations")
      .send({ delegation: d.delegation, signature: d.signature, documentRoot: c.documentRoot })
      .expect(201);
    return { c, d, delegateIndex, delegate, res };
  }

  /** POST a grant signed by key `signer` (the delegate by default) under delegation `d`. */
  function delegateGrant(
    x: Awaited<ReturnType<typeof delegated>>,
    over: Parameters<typeof signGrant>[4] = {},
    grantee = f.ids.verifierV,
  ) {
    const g = signGrant(f, x.delegateIndex, x.c.certId, grantee, over);
    return {
      g,
      post: () =>
        f.http
          .post(`/v1/delegations/${x.d.delegationId}/grants`)
          .send({ grant: g.grant, delegation: x.d.delegation, signature: g.signature }),
    };
  }

  it("relays the holder's delegation, the delegate's grant is checked VALID by the verifier, and after the holder revokes the delegate's next grant is 409 DELEGATION_REVOKED", async () => {
    const x = await delegated();
    expect(x.res.body.delegationId).to.equal(x.d.delegationId);
    expect(x.res.body.txHash).to.match(/^0x[0-9a-f]{64}$/);
    expect(x.res.body.blockNumber).to.be.greaterThan(0);
    expect(x.res.body.delegation).to.deep.include({
      certId: x.c.certId,
      delegate: x.delegate,
      online: true,
      revoked: false,
      validUntil: x.d.delegation.validUntil,
    });

    const first = delegateGrant(x, { maxUses: 1 });
    const granted = await first.post().expect(201);
    expect(granted.body.grantId).to.equal(first.g.grantId);
    expect(granted.body.delegationId).to.equal(x.d.delegationId);
    expect(granted.body.blockNumber).to.be.greaterThan(0);
    const check = await f.http
      .post("/v1/verifier/checks")
      .set(bearer(f.keys.verifierV))
      .send({ document: x.c.document, grantId: first.g.grantId })
      .expect(201);
    expect(check.body.verdict).to.equal("VALID");
    expect(check.body.check.usesLeft).to.equal(0);

    const revoked = await f.http
      .post(`/v1/delegations/${x.d.delegationId}/revoke`)
      .send(signRevokeDelegation(f, x.c.index, x.d.delegationId, x.c.documentRoot))
      .expect(200);
    expect(revoked.body.delegationId).to.equal(x.d.delegationId);
    expect(revoked.body.blockNumber).to.be.greaterThan(x.res.body.blockNumber);

    const block = await f.blockNumber();
    const next = await delegateGrant(x).post().expect(409);
    expect(next.body.error.code).to.equal("DELEGATION_REVOKED");
    const again = await f.http
      .post(`/v1/delegations/${x.d.delegationId}/revoke`)
      .send(signRevokeDelegation(f, x.c.index, x.d.delegationId, x.c.documentRoot))
      .expect(409);
    expect(again.body.error.code).to.equal("DELEGATION_REVOKED");
    expect(await f.blockNumber()).to.equal(block);
  });

  it("refuses a replayed delegation and a replayed delegate's grant with 409 REPLAYED, sending nothing", async () => {
    const x = await delegated();
    const one = delegateGrant(x);
    await one.post().expect(201);
    const block = await f.blockNumber();
    const replayedDelegation = await f.http
      .post("/v1/delegations")
      .send({ delegation: x.d.delegation, signature: x.d.signature, documentRoot: x.c.documentRoot })
      .expect(409);
    expect(replayedDelegation.body.error.code).to.equal("REPLAYED");
    const replayedGrant = await one.post().expect(409);
    expect(replayedGrant.body.error.code).to.equal("REPLAYED");
    expect(await f.blockNumber()).to.equal(block);
  });

  it("refuses a delegation not signed by the holder (a delegate cannot delegate further) with 401 BAD_SIGNATURE", async () => {
    const x = await delegated();
    const onward = f.wallet.address(f.nextIndex()).toLowerCase() as `0x${string}`;
    const forged = signDelegation(f, x.c.index, x.c.certId, onward, { signer: x.delegateIndex });
    const block = await f.blockNumber();
    const r = await f.http
      .post("/v1/delegations")
      .send({ delegation: forged.delegation, signature: forged.signature, documentRoot: x.c.documentRoot })
      .expect(401);
    expect(r.body.error.code).to.equal("BAD_SIGNATURE");
    expect(await f.blockNumber()).to.equal(block);
  });

  it("refuses a delegation to the zero address or to the holder itself with 400 INVALID_DELEGATION, sending nothing", async () => {
    const c = await issue(f);
    const block = await f.blockNumber();
    for (const delegate of [`0x${"0".repeat(40)}`, f.wallet.address(c.index)] as `0x${string}`[]) {
      const d = signDelegation(f, c.index, c.certId, delegate);
      const r = await f.http
        .post("/v1/delegations")
        .send({ delegation: d.delegation, signature: d.signature, documentRoot: c.documentRoot })
        .expect(400);
      expect(r.body.error.code, delegate).to.equal("INVALID_DELEGATION");
    }
    expect(await f.blockNumber()).to.equal(block);
  });

  it("refuses a grant under a delegation that is not the delegate's key (401 BAD_SIGNATURE), one outliving the delegation (403 DELEGATION_OUT_OF_SCOPE), another delegation's terms (400 DELEGATION_MISMATCH) or an unknown delegation (404 DELEGATION_NOT_FOUND)", async () => {
    const x = await delegated();
    const block = await f.blockNumber();
    const stranger = signGrant(f, x.delegateIndex, x.c.certId, f.ids.verifierV, { signer: f.nextIndex() });
    const bad = await f.http
      .post(`/v1/delegations/${x.d.delegationId}/grants`)
      .send({ grant: stranger.grant, delegation: x.d.delegation, signature: stranger.signature })
      .expect(401);
    expect(bad.body.error.code).to.equal("BAD_SIGNATURE");
    const outlives = await delegateGrant(x, { validUntil: x.d.delegation.validUntil + 60 })
      .post()
      .expect(403);
    expect(outlives.body.error.code).to.equal("DELEGATION_OUT_OF_SCOPE");
    const g = signGrant(f, x.delegateIndex, x.c.certId, f.ids.verifierV);
    const mismatch = await f.http
      .post(`/v1/delegations/0x${"cd".repeat(32)}/grants`)
      .send({ grant: g.grant, delegation: x.d.delegation, signature: g.signature })
      .expect(400);
    expect(mismatch.body.error.code).to.equal("DELEGATION_MISMATCH");
    const unsent = signDelegation(f, x.c.index, x.c.certId, x.delegate);
    const unknown = await f.http
      .post(`/v1/delegations/${unsent.delegationId}/grants`)
      .send({ grant: g.grant, delegation: unsent.delegation, signature: g.signature })
      .expect(404);
    expect(unknown.body.error.code).to.equal("DELEGATION_NOT_FOUND");
    const revokeUnknown = await f.http
      .post(`/v1/delegations/${unsent.delegationId}/revoke`)
      .send(signRevokeDelegation(f, x.c.index, unsent.delegationId, x.c.documentRoot))
      .expect(404);
    expect(revokeUnknown.body.error.code).to.equal("DELEGATION_NOT_FOUND");
    expect(await f.blockNumber()).to.equal(block);
  });

  it("refuses a delegate's grant outside the delegation's scope (another verifier, another purpose, online under a counter-only delegation) with 403 DELEGATION_OUT_OF_SCOPE", async () => {
    const x = await delegated({ verifier: f.ids.verifierV, purpose: "open-bank-account", online: false });
    const block = await f.blockNumber();
    const cases = [
      delegateGrant(x, { purpose: "open-bank-account", maxUses: 1, validUntil: f.now() + 600 }, f.ids.verifierW),
      delegateGrant(x, { purpose: "rent-a-flat", maxUses: 1, validUntil: f.now() + 600 }),
      delegateGrant(x, { purpose: "open-bank-account", maxUses: 3, validUntil: f.now() + 600 }),
    ];
    for (const c of cases) {
      const r = await c.post();
      expect(r.status, r.text).to.equal(403);
      expect(r.body.error.code).to.equal("DELEGATION_OUT_OF_SCOPE");
    }
    expect(await f.blockNumber()).to.equal(block);
    const counter = delegateGrant(x, { purpose: "open-bank-account", maxUses: 1, validUntil: f.now() + 600 });
    await counter.post().expect(201);
  });

  it("relays a delegation of a certificate issued in a batch with its proof (400 BATCH_PROOF_REQUIRED without), and the delegate's grant is checked VALID", async () => {
    const items = [0, 1].map(() => {
      const i = f.nextIndex();
      return { holder: f.wallet.address(i), fields: sampleFields("diploma", i), i };
    });
    const res = await f.http
      .post("/v1/agency/batches?wait=true")
      .set(bearer(f.keys.agencyA))
      .set("idempotency-key", `delegation-batch-${Date.now()}`)
      .send({ type: "diploma", items: items.map(({ holder, fields }) => ({ holder, fields })) })
      .expect(201);
    const docs = await f.http
      .get(`/v1/agency/batches/${res.body.batchId}/documents?limit=10`)
      .set(bearer(f.keys.agencyA))
      .expect(200);
    const { certId, document } = docs.body.items[0];
    // The holder's key signs: credentialSubject.id is did:pkh:eip155:<chainId>:<holder>.
    const holder = String(document.credentialSubject.id).split(":").pop()!.toLowerCase();
    const holderIndex = items.find((it) => it.holder.toLowerCase() === holder)!.i;
    const integrity = f.gw.deps.documents.verifyIntegrity(document);
    const documentRoot = integrity.documentRoot!;
    const delegateIndex = f.nextIndex();
    const d = signDelegation(f, holderIndex, certId, f.wallet.address(delegateIndex));
    const body = { delegation: d.delegation, signature: d.signature, documentRoot };
    const block = await f.blockNumber();
    const noProof = await f.http.post("/v1/delegations").send(body).expect(400);
    expect(noProof.body.error.code).to.equal("BATCH_PROOF_REQUIRED");
    expect(await f.blockNumber()).to.equal(block);
    const batch = {
      root: integrity.batch!.root,
      validFrom: integrity.validFrom!,
      validUntil: integrity.validUntil!,
      proof: integrity.batch!.proof,
    };
    const relayed = await f.http
      .post("/v1/delegations")
      .send({ ...body, batch })
      .expect(201);
    expect(relayed.body.delegationId).to.equal(d.delegationId);
    const g = signGrant(f, delegateIndex, certId, f.ids.verifierV);
    await f.http
      .post(`/v1/delegations/${d.delegationId}/grants`)
      .send({ grant: g.grant, delegation: d.delegation, signature: g.signature })
      .expect(201);
    const check = await f.http
      .post("/v1/verifier/checks")
      .set(bearer(f.keys.verifierV))
      .send({ document, grantId: g.grantId })
      .expect(201);
    expect(check.body.verdict).to.equal("VALID");
  });

  it("documents the three routes and their bodies in /openapi.json", async () => {
    const doc = (await f.http.get("/openapi.json").expect(200)).body;
    for (const p of [
      "/v1/delegations",
      "/v1/delegations/{delegationId}/revoke",
      "/v1/delegations/{delegationId}/grants",
    ])
      expect(doc.paths[p]?.post?.requestBody?.content["application/json"].schema, p).to.exist;
    expect(Object.keys(doc.components.schemas.DelegationMessage.properties)).to.deep.equal([
      "certId",
      "delegate",
      "purpose",
      "verifier",
      "online",
      "validUntil",
      "nonce",
      "deadline",
    ]);
  });

  describe("once the delegation has ended", () => {
    let g: Front;
    let skew = 0;

    before(async () => {
      g = await openFront({ now: () => Math.floor(Date.now() / 1000) + skew });
    });

    after(async () => {
      if (g) await closeFront(g);
    });

    it("refuses the delegate's grant with 409 DELEGATION_EXPIRED and sends nothing", async () => {
      const c = await issue(g);
      const delegateIndex = g.nextIndex();
      const d = signDelegation(g, c.index, c.certId, g.wallet.address(delegateIndex), { validUntil: g.now() + 1800 });
      await g.http
        .post("/v1/delegations")
        .send({ delegation: d.delegation, signature: d.signature, documentRoot: c.documentRoot })
        .expect(201);
      // Two hours pass, on the chain and for the gateway.
      skew += 7200;
      await g.gw.engine.rpc("evm_increaseTime", [7200]);
      await g.gw.engine.rpc("evm_mine", []);
      const block = await g.blockNumber();
      const grant = signGrant(g, delegateIndex, c.certId, g.ids.verifierV);
      const r = await g.http
        .post(`/v1/delegations/${d.delegationId}/grants`)
        .send({ grant: grant.grant, delegation: d.delegation, signature: grant.signature })
        .expect(409);
      expect(r.body.error.code).to.equal("DELEGATION_EXPIRED");
      expect(await g.blockNumber()).to.equal(block);
      const late = signDelegation(g, c.index, c.certId, g.wallet.address(delegateIndex), {
        validUntil: g.now() - 60,
      });
      const expired = await g.http
        .post("/v1/delegations")
        .send({ delegation: late.delegation, signature: late.signature, documentRoot: c.documentRoot })
        .expect(400);
      expect(expired.body.error.code).to.equal("DELEGATION_EXPIRED");
    });
  });
});
