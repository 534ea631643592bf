/**
 * The document library against the deployed contracts: the ledger accepts the certId and the batch
 * proofs the library computes, and the consent registry accepts grants the holder wallet signs.
 */
import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-toolbox/network-helpers";
import { ethers } from "hardhat";
import {
  buildBatch,
  buildDocument,
  consentDomain,
  createHolderWallet,
  domainSeparator,
  purposeHash,
  verifyDocumentIntegrity,
  withBatchProof,
  type GrantMessage,
} from "../../src/document";
import { DAY, deployedFixture, now, singleRef, TYPE_ID_CARD, YEAR } from "../support/certledger";

const MNEMONIC = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";
const VALID = 0n;
const NOT_ISSUED = 1n;

async function documentsFixture() {
  const f = await deployedFixture();
  const t = await now();
  const { chainId } = await ethers.provider.getNetwork();
  const wallet = createHolderWallet({ mnemonic: MNEMONIC });
  const ledger = await f.ledger.getAddress();
  const domain = consentDomain(chainId, await f.consent.getAddress());
  const build = (index: number) =>
    buildDocument({
      certificateType: { id: Number(TYPE_ID_CARD), code: "ResidentIdCard" },
      issuer: f.policeKey1.address,
      holder: wallet.address(index),
      chainId,
      ledger,
      validFrom: t,
      validUntil: t + 10n * YEAR,
      fields: { name: "张三", idNumber: "11010519491231002X", address: { city: "Shenzhen" }, index },
    });
  const grantFor = (certId: string, nonce: bigint): GrantMessage => ({
    certId,
    grantee: f.verifier.address,
    purpose: purposeHash("open-bank-account"),
    validUntil: t + DAY,
    maxUses: 2,
    nonce,
    deadline: t + DAY,
  });
  return { ...f, t, wallet, domain, build, grantFor };
}

describe("documents on the ledger and consent contracts", function () {
  it("the ledger issues the library's certId, and the registry accepts the holder wallet's grant and revocation", async function () {
    const { ledger, consent, verifier, wallet, domain, build, grantFor, t } = await loadFixture(documentsFixture);
    const { document, certId, documentRoot } = build(0);
    await ledger.issue(certId, TYPE_ID_CARD, t, t + 10n * YEAR);
    expect(await ledger.verdict(singleRef(certId))).to.equal(VALID);
    expect(verifyDocumentIntegrity(document)).to.include({ code: "OK", certId });

    expect(await consent.domainSeparator()).to.equal(domainSeparator(domain));
    const grant = grantFor(certId, 1n);
    const signed = wallet.signGrant(0, domain, grant);
    expect(await consent.grantIdOf(grant)).to.equal(signed.grantId);
    await expect(consent.grantBySig(grant, documentRoot, signed.signature)).to.emit(consent, "GrantCreated");
    expect(await consent.mayCheck(signed.grantId, verifier.address)).to.equal(true);

    const revoke = wallet.signRevokeGrant(0, domain, { grantId: signed.grantId, nonce: 2n, deadline: t + DAY });
    await consent.revokeGrantBySig(
      { grantId: signed.grantId, nonce: 2n, deadline: t + DAY },
      documentRoot,
      revoke.signature,
    );
    expect(await consent.mayCheck(signed.grantId, verifier.address)).to.equal(false);
  });

  it("the registry refuses a grant signed by another certificate key of the same holder", async function () {
    const { ledger, consent, wallet, domain, build, grantFor, t } = await loadFixture(documentsFixture);
    const { certId, documentRoot } = build(0);
    await ledger.issue(certId, TYPE_ID_CARD, t, t + 10n * YEAR);
    const grant = grantFor(certId, 3n);
    const wrongKey = wallet.signGrant(1, domain, grant);
    await expect(consent.grantBySig(grant, documentRoot, wrongKey.signature))
      .to.be.revertedWithCustomError(consent, "ConsentSignerNotHolder")
      .withArgs(certId, wallet.address(1));
  });

  it("the ledger accepts the library's batch root and each document's proof", async function () {
    const { ledger, consent, verifier, wallet, domain, build, grantFor, t } = await loadFixture(documentsFixture);
    const built = [0, 1, 2, 3, 4].map(build);
    const batch = buildBatch(built.map((b) => ({ certId: b.certId, validFrom: t, validUntil: t + 10n * YEAR })));
    await ledger.anchorBatch(batch.root, TYPE_ID_CARD, built.length);

    for (let i = 0; i < built.length; i++) {
      const verdict = verifyDocumentIntegrity(withBatchProof(built[i].document, batch, i));
      expect(verdict.code, verdict.reason).to.equal("OK");
      const ref = {
        certId: verdict.certId!,
        batchRoot: verdict.batch!.root,
        validFrom: verdict.validFrom!,
        validUntil: verdict.validUntil!,
        proof: verdict.batch!.proof,
      };
      expect(await ledger.verdict(ref)).to.equal(VALID);
      expect(await ledger.verdict({ ...ref, proof: [...ref.proof].reverse() })).to.equal(
        ref.proof.length > 1 ? NOT_ISSUED : VALID,
      );
      expect(await ledger.verdict({ ...ref, validUntil: ref.validUntil! + 1 })).to.equal(NOT_ISSUED);
    }

    const v = verifyDocumentIntegrity(withBatchProof(built[3].document, batch, 3));
    const grant = grantFor(built[3].certId, 4n);
    const signed = wallet.signGrant(3, domain, grant);
    const leaf = {
      batchRoot: v.batch!.root,
      validFrom: v.validFrom!,
      validUntil: v.validUntil!,
      proof: v.batch!.proof,
    };
    await expect(consent.grantInBatchBySig(grant, built[3].documentRoot, leaf, signed.signature)).to.emit(
      consent,
      "GrantCreated",
    );
    expect(await consent.mayCheck(signed.grantId, verifier.address)).to.equal(true);
  });
});
