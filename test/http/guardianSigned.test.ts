/**
 * A guardian named by an agency that keeps its own key (external custody): `POST
 * /v1/agency/certificates/signed` takes, beside the document and its Issue signature, the guardian's
 * Delegation signed with the same issuer key. The gateway checks it before anything is issued, issues,
 * then relays delegateByIssuerSig through the outbox.
 */
import { expect } from "chai";
import { Wallet } from "ethers";
import { sampleFields } from "../../src/domain/catalog";
import { purposeHash } from "../../src/domain/hashing";
import type { Address, Bytes32 } from "../../src/domain/ports";
import { consentDomain, createHolderWallet, generateMnemonic, ledgerDomain } from "../../src/document";
import { signGuardianDelegation, signIssue } from "../../src/document/agencySigning";
import { agencyDiploma, bearer, openExternalCustody, type ExternalCustody } from "../support/externalCustody";

const ZERO_ADDRESS = `0x${"0".repeat(40)}`;

describe("HTTP signed issue with a guardian (external key custody)", function () {
  this.timeout(240_000);
  let x: ExternalCustody;
  const wallets = createHolderWallet({ mnemonic: generateMnemonic() });
  let next = 0;
  let nonce = BigInt(Date.now());

  before(async () => {
    x = await openExternalCustody();
  });
  after(async () => {
    await x?.close();
  });

  const now = () => Math.floor(Date.now() / 1000);

  /**
   * A diploma for a fresh holder with its Issue signature, and the guardian's Delegation signed by
   * `guardianSigner` (the agency's key unless told), its terms changed by `over`.
   */
  async function signedRequest(over: Record<string, unknown> = {}, guardianSigner: Wallet = x.agency.wallet) {
    const holder = wallets.address(next++).toLowerCase() as Address;
    const guardian = wallets.address(next++).toLowerCase() as Address;
    const { document, certId } = agencyDiploma(x, holder);
    const deadline = now() + 600;
    const issue = await signIssue(x.agency.wallet, ledgerDomain(x.chainId, x.ledger), {
      certId,
      typeId: x.typeId,
      validFrom: BigInt(Date.parse(document.validFrom as string) / 1000),
      validUntil: BigInt(Date.parse(document.validUntil as string) / 1000),
      deadline: BigInt(deadline),
    });
    const delegation = {
      certId,
      delegate: guardian,
      purpose: purposeHash("open-bank-account"),
      verifier: ZERO_ADDRESS,
      online: false,
      validUntil: now() + 30 * 86_400,
      nonce: String(++nonce),
      deadline: now() + 600,
      ...over,
    };
    const signed = await signGuardianDelegation(
      guardianSigner,
      consentDomain(x.chainId, x.gw.engine.addresses.consent),
      {
        ...delegation,
        validUntil: BigInt(delegation.validUntil),
        nonce: BigInt(delegation.nonce),
        deadline: BigInt(delegation.deadline),
      },
    );
    const body = {
      document,
      deadline,
      signature: issue.signature,
      guardian: { delegation, signature: signed.signature },
    };
    const post = (b: Record<string, unknown> = body) =>
      x.http.post("/v1/agency/certificates/signed").set(bearer(x.agency.apiKey)).send(b);
    return { holder, guardian, certId: certId as Bytes32, delegation, delegationId: signed.delegationId, body, post };
  }

  it("issues the certificate, then relays the guardian's Delegation the agency signed; sending it again relays nothing more", async () => {
    const r = await signedRequest();
    const res = await r.post().expect(201);
    expect(res.body.certId).to.equal(r.certId);
    expect(res.body.guardian.delegationId).to.equal(r.delegationId.toLowerCase());
    expect(res.body.guardian.delegation).to.deep.include({ certId: r.certId, delegate: r.guardian, online: false });
    expect(res.body.guardian.blockNumber).to.be.at.least(res.body.blockNumber);
    const onChain = await x.gw.deps.chain.delegation(res.body.guardian.delegationId);
    expect(onChain).to.deep.include({ certId: r.certId, delegate: r.guardian, revoked: false });

    const again = await r.post().expect(201);
    expect(again.body).to.deep.include({ txHash: res.body.txHash });
    expect(again.body.guardian).to.deep.equal(res.body.guardian);
  });

  it("refuses, before anything is issued, a Delegation signed by another key (422 GUARDIAN_SIGNATURE_INVALID), for another certificate (422 GUARDIAN_WRONG_CERTIFICATE), past its deadline (422 SIGNATURE_EXPIRED), naming the holder or no one (400 INVALID_DELEGATION) or already ended (400 DELEGATION_EXPIRED)", async () => {
    const cases: [Promise<Awaited<ReturnType<typeof signedRequest>>>, number, string][] = [
      [signedRequest({}, Wallet.createRandom() as unknown as Wallet), 422, "GUARDIAN_SIGNATURE_INVALID"],
      [signedRequest({ certId: `0x${"ab".repeat(32)}` }), 422, "GUARDIAN_WRONG_CERTIFICATE"],
      [signedRequest({ deadline: now() - 5 }), 422, "SIGNATURE_EXPIRED"],
      [signedRequest({ delegate: ZERO_ADDRESS }), 400, "INVALID_DELEGATION"],
      [signedRequest({ validUntil: now() - 5 }), 400, "DELEGATION_EXPIRED"],
    ];
    for (const [made, status, code] of cases) {
      const r = await made;
      const res = await r.post();
      expect(res.status, JSON.stringify(res.body)).to.equal(status);
      expect(res.body.error.code).to.equal(code);
      expect(await x.gw.engine.index.certificate(r.certId)).to.equal(undefined);
    }
    // The holder itself as guardian.
    const self = await signedRequest();
    const selfDelegation = { ...self.body.guardian.delegation, delegate: self.holder };
    const resigned = await signGuardianDelegation(
      x.agency.wallet,
      consentDomain(x.chainId, x.gw.engine.addresses.consent),
      {
        ...selfDelegation,
        validUntil: BigInt(selfDelegation.validUntil),
        nonce: BigInt(selfDelegation.nonce),
        deadline: BigInt(selfDelegation.deadline),
      },
    );
    const res = await self
      .post({ ...self.body, guardian: { delegation: selfDelegation, signature: resigned.signature } })
      .expect(400);
    expect(res.body.error.code).to.equal("INVALID_DELEGATION");
    expect(await x.gw.engine.index.certificate(self.certId)).to.equal(undefined);
  });

  it("answers the custodial issue and batch with a guardian 409 AGENCY_SIGNATURE_REQUIRED naming the signed route with `guardian`, and for a batch delegateInBatchByIssuerSig", async () => {
    const holder = wallets.address(next++);
    const res = await x.http
      .post("/v1/agency/certificates")
      .set(bearer(x.agency.apiKey))
      .set("idempotency-key", `guardian-external-${next}`)
      .send({
        type: "diploma",
        holder,
        fields: sampleFields("diploma", holder),
        guardian: { delegate: wallets.address(next++), validUntil: now() + 3600 },
      })
      .expect(409);
    expect(res.body.error.code).to.equal("AGENCY_SIGNATURE_REQUIRED");
    expect(res.body.error.details.instead).to.include("POST /v1/agency/certificates/signed with `guardian`");
    const batch = await x.http
      .post("/v1/agency/batches")
      .set(bearer(x.agency.apiKey))
      .send({
        type: "diploma",
        items: [
          {
            holder,
            fields: sampleFields("diploma", holder),
            guardian: { delegate: wallets.address(next++), validUntil: now() + 3600 },
          },
        ],
      })
      .expect(409);
    expect(batch.body.error.code).to.equal("AGENCY_SIGNATURE_REQUIRED");
    expect(batch.body.error.details.instead).to.include("delegateInBatchByIssuerSig");
  });
});
