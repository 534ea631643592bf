/**
 * A guardian named by the issuing agency: an issue request with `guardian` puts the certificate on chain and
 * then the agency's delegation to the guardian (signed with the agency's custodial key, relayed to
 * delegateByIssuerSig). The guardian presents under it like any delegate, and the holder can revoke it.
 */
import { expect } from "chai";
import { sampleFields } from "../../src/domain/catalog";
import type { Address, Bytes32 } from "../../src/domain/ports";
import { bearer, documentRootOf, getFront, signGrant, signRevokeDelegation, type Front } from "../support/frontGateway";

describe("HTTP issue with a guardian: the issuing agency names a guardian delegate for a minor", function () {
  this.timeout(300_000);
  let f: Front;

  before(async () => {
    f = await getFront();
  });

  /** POST /v1/agency/certificates for a fresh holder key, with `guardian` (or `over`). */
  function issueWith(
    guardianOf: Record<string, unknown> | ((holder: Address) => Record<string, unknown>),
    over: Record<string, unknown> = {},
  ) {
    const index = f.nextIndex();
    const holder = f.wallet.address(index).toLowerCase() as Address;
    const guardian = typeof guardianOf === "function" ? guardianOf(holder) : guardianOf;
    const key = `guardian-${index}-${Date.now()}`;
    const post = () =>
      f.http
        .post("/v1/agency/certificates")
        .set(bearer(f.keys.agencyA))
        .set("idempotency-key", key)
        .send({ type: "diploma", holder, fields: sampleFields("diploma", index), guardian, ...over });
    return { index, holder, post };
  }

  it("issues the certificate and the agency's delegation to the guardian; the guardian's grant verifies VALID presented by the guardian, and the holder revokes it", async () => {
    const guardianIndex = f.nextIndex();
    const guardian = f.wallet.address(guardianIndex).toLowerCase() as Address;
    const validUntil = f.now() + 30 * 24 * 3600;
    const x = issueWith({ delegate: guardian, validUntil, online: true });
    const res = await x.post().expect(201);
    const certId = res.body.certId as Bytes32;
    const g = res.body.guardian;
    expect(g.delegation).to.deep.include({ certId, delegate: guardian, online: true, validUntil });
    expect(g.blockNumber).to.be.greaterThan(res.body.blockNumber - 1);

    const onChain = await f.gw.deps.chain.delegation(g.delegationId);
    expect(onChain).to.deep.include({ certId, delegate: guardian, online: true, validUntil, revoked: false });

    const grant = signGrant(f, guardianIndex, certId, f.ids.verifierV, { maxUses: 2 });
    await f.http
      .post(`/v1/delegations/${g.delegationId}/grants`)
      .send({ grant: grant.grant, delegation: g.delegation, signature: grant.signature })
      .expect(201);
    const check = await f.http
      .post("/v1/verifier/checks")
      .set(bearer(f.keys.verifierV))
      .send({ document: res.body.document, grantId: grant.grantId })
      .expect(201);
    expect(check.body.verdict).to.equal("VALID");
    expect(check.body.presentedBy).to.deep.equal({ delegate: guardian, delegationId: g.delegationId });

    const documentRoot = documentRootOf(f, res.body.document);
    await f.http
      .post(`/v1/delegations/${g.delegationId}/revoke`)
      .send(signRevokeDelegation(f, x.index, g.delegationId, documentRoot))
      .expect(200);
    expect((await f.gw.deps.chain.delegation(g.delegationId))?.revoked).to.equal(true);
    const next = signGrant(f, guardianIndex, certId, f.ids.verifierV);
    const refused = await f.http
      .post(`/v1/delegations/${g.delegationId}/grants`)
      .send({ grant: next.grant, delegation: g.delegation, signature: next.signature })
      .expect(409);
    expect(refused.body.error.code).to.equal("DELEGATION_REVOKED");
  });

  it("answers a retry with the same Idempotency-Key with the same certificate and delegation, sending nothing more", async () => {
    const guardian = f.wallet.address(f.nextIndex()).toLowerCase() as Address;
    const x = issueWith({ delegate: guardian, validUntil: f.now() + 3600 });
    const first = await x.post().expect(201);
    const block = await f.blockNumber();
    const again = await x.post().expect(200);
    expect(again.body.guardian.delegationId).to.equal(first.body.guardian.delegationId);
    expect(await f.blockNumber()).to.equal(block);
  });

  it("refuses a guardian that is the zero address or the holder itself (400 INVALID_DELEGATION), one already ended (400 DELEGATION_EXPIRED) and one with a claim (400 GUARDIAN_NEEDS_HOLDER), issuing nothing", async () => {
    const block = await f.blockNumber();
    const zero = issueWith({ delegate: `0x${"0".repeat(40)}`, validUntil: f.now() + 3600 });
    expect((await zero.post().expect(400)).body.error.code).to.equal("INVALID_DELEGATION");
    const self = issueWith((holder) => ({ delegate: holder, validUntil: f.now() + 3600 }));
    expect((await self.post().expect(400)).body.error.code).to.equal("INVALID_DELEGATION");
    const ended = issueWith({ delegate: f.wallet.address(f.nextIndex()), validUntil: f.now() - 1 });
    expect((await ended.post().expect(400)).body.error.code).to.equal("DELEGATION_EXPIRED");
    const claim = issueWith(
      { delegate: f.wallet.address(f.nextIndex()), validUntil: f.now() + 3600 },
      { holder: undefined, claim: { reference: { idNumber: "11010519491231002X" } } },
    );
    expect((await claim.post().expect(400)).body.error.code).to.equal("GUARDIAN_NEEDS_HOLDER");
    expect(await f.blockNumber()).to.equal(block);
  });

  /** POST /v1/agency/batches?wait=true of diplomas for fresh holder keys; `guardianOf(holder, k)` names item k's guardian. */
  function batchWith(n: number, guardianOf: (holder: Address, k: number) => Record<string, unknown> | undefined) {
    const indexes = Array.from({ length: n }, () => f.nextIndex());
    const holders = indexes.map((i) => f.wallet.address(i).toLowerCase() as Address);
    const items = indexes.map((i, k) => {
      const guardian = guardianOf(holders[k], k);
      return { holder: holders[k], fields: sampleFields("diploma", i), ...(guardian ? { guardian } : {}) };
    });
    const key = `guardian-batch-${indexes[0]}-${Date.now()}`;
    const post = (body: Record<string, unknown> = { type: "diploma", items }) =>
      f.http.post("/v1/agency/batches?wait=true").set(bearer(f.keys.agencyA)).set("idempotency-key", key).send(body);
    return { indexes, holders, items, post };
  }

  it("names a guardian for batch items: each delegation is relayed once the root lands and shown with the item's document; the guardian's grant verifies VALID presented by the guardian", async () => {
    const guardianIndex = f.nextIndex();
    const guardian = f.wallet.address(guardianIndex).toLowerCase() as Address;
    const validUntil = f.now() + 30 * 24 * 3600;
    const x = batchWith(3, (_holder, k) => (k === 1 ? undefined : { delegate: guardian, validUntil, online: k === 2 }));
    const made = await x.post().expect(201);
    expect(made.body).to.include({ state: "done", total: 3 });
    expect(made.body.error).to.equal(undefined);
    const docs = await f.http
      .get(`/v1/agency/batches/${made.body.batchId}/documents?limit=10`)
      .set(bearer(f.keys.agencyA))
      .expect(200);
    const [first, plain, third] = docs.body.items;
    expect(plain).to.not.have.property("guardian");
    for (const [item, online] of [
      [first, false],
      [third, true],
    ] as const) {
      expect(item.guardian.delegation).to.deep.include({ certId: item.certId, delegate: guardian, online, validUntil });
      const onChain = await f.gw.deps.chain.delegation(item.guardian.delegationId);
      expect(onChain).to.deep.include({ certId: item.certId, delegate: guardian, online, validUntil, revoked: false });
    }
    expect(first.guardian.delegationId).to.not.equal(third.guardian.delegationId);

    const grant = signGrant(f, guardianIndex, third.certId, f.ids.verifierV, { maxUses: 2 });
    await f.http
      .post(`/v1/delegations/${third.guardian.delegationId}/grants`)
      .send({ grant: grant.grant, delegation: third.guardian.delegation, signature: grant.signature })
      .expect(201);
    const check = await f.http
      .post("/v1/verifier/checks")
      .set(bearer(f.keys.verifierV))
      .send({ document: third.document, grantId: grant.grantId })
      .expect(201);
    expect(check.body.verdict).to.equal("VALID");
    expect(check.body.presentedBy).to.deep.equal({ delegate: guardian, delegationId: third.guardian.delegationId });

    // The same Idempotency-Key again: the same batch, and nothing more sent.
    const block = await f.blockNumber();
    const again = await x.post().expect(200);
    expect(again.body.batchId).to.equal(made.body.batchId);
    expect(await f.blockNumber()).to.equal(block);
  });

  it("refuses a batch with a bad guardian on any item, naming the item and anchoring nothing: 400 INVALID_DELEGATION, DELEGATION_EXPIRED, GUARDIAN_NEEDS_HOLDER", async () => {
    const block = await f.blockNumber();
    const someone = () => f.wallet.address(f.nextIndex()).toLowerCase();
    const refusal = async (x: ReturnType<typeof batchWith>, body?: Record<string, unknown>) => {
      const r = await x.post(body).expect(400);
      return { code: r.body.error.code, index: r.body.error.details?.index };
    };
    const zero = batchWith(2, (_h, k) =>
      k === 1 ? { delegate: `0x${"0".repeat(40)}`, validUntil: f.now() + 3600 } : undefined,
    );
    expect(await refusal(zero)).to.deep.equal({ code: "INVALID_DELEGATION", index: 1 });
    const self = batchWith(2, (holder, k) => (k === 0 ? { delegate: holder, validUntil: f.now() + 3600 } : undefined));
    expect(await refusal(self)).to.deep.equal({ code: "INVALID_DELEGATION", index: 0 });
    const ended = batchWith(3, (_h, k) => (k === 2 ? { delegate: someone(), validUntil: f.now() - 1 } : undefined));
    expect(await refusal(ended)).to.deep.equal({ code: "DELEGATION_EXPIRED", index: 2 });
    const claim = batchWith(1, () => undefined);
    const claimBody = {
      type: "diploma",
      items: [
        claim.items[0],
        {
          claim: { reference: { idNumber: "11010519491231002X" } },
          fields: sampleFields("diploma", f.nextIndex()),
          guardian: { delegate: someone(), validUntil: f.now() + 3600 },
        },
      ],
    };
    expect(await refusal(claim, claimBody)).to.deep.equal({ code: "GUARDIAN_NEEDS_HOLDER", index: 1 });
    // With claim items the holder items are checked by the request's index too.
    const mixed = batchWith(1, (holder) => ({ delegate: holder, validUntil: f.now() + 3600 }));
    const mixedBody = {
      type: "diploma",
      items: [
        { claim: { reference: { idNumber: "11010519491231002X" } }, fields: sampleFields("diploma", f.nextIndex()) },
        mixed.items[0],
      ],
    };
    expect(await refusal(mixed, mixedBody)).to.deep.equal({ code: "INVALID_DELEGATION", index: 1 });
    expect(await f.blockNumber()).to.equal(block);
  });

  it("documents `guardian` in the issue and batch bodies, the signed issue, and their answers in /openapi.json", async () => {
    const spec = (await f.http.get("/openapi.json").expect(200)).body;
    expect(spec.components.schemas.IssueBody.properties).to.have.property("guardian");
    expect(spec.components.schemas.GuardianBody.properties).to.include.keys(
      "delegate",
      "validUntil",
      "online",
      "purpose",
      "verifier",
    );
    expect(spec.components.schemas.IssuedCertificate.properties).to.have.property("guardian");
    expect(spec.components.schemas.IssueItem.properties).to.have.property("guardian");
    expect(spec.components.schemas.BatchDocuments.properties.items.items.properties).to.have.property("guardian");
    expect(spec.components.schemas.SignedIssueBody.properties).to.have.property("guardian");
    const [, receipt] = spec.components.schemas.SignedIssueResponse.allOf;
    expect(receipt.properties).to.have.property("guardian");
  });
});
