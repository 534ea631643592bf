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

  it("documents `guardian` in the issue body and answer in /openapi.json", async () => {
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
  });
});
