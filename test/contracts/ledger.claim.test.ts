/**
 * Claim offers on the ledger: an agency key signs a certificate's document root and a claim commitment
 * before the holder is known (IssueClaim); whoever opens the commitment names the holder, and the
 * certificate is a single certificate like any other, with certId = keccak256(abi.encode(holder, root)).
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-toolbox/network-helpers";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import {
  DAY,
  deployedFixture,
  ledgerDomainOf,
  newHolding,
  now,
  singleRef,
  TYPE_ID_CARD,
  YEAR,
} from "../support/certledger";
import { signIssueClaim } from "../../src/document/agencySigning";
import { computeCertId } from "../../src/document/ids";
import { ISSUE_CLAIM_TYPES } from "../../src/document/typedData";

const VALID = 0n;

async function offerFixture() {
  const f = await deployedFixture();
  const domain = await ledgerDomainOf(f.ledger);
  const relayer = f.ledger.connect(f.other);
  const t = await now();
  const claimSecret = ethers.hexlify(ethers.randomBytes(32));
  const documentRoot = ethers.hexlify(ethers.randomBytes(32));
  const offer = {
    documentRoot,
    claimCommitment: ethers.keccak256(ethers.AbiCoder.defaultAbiCoder().encode(["bytes32"], [claimSecret])),
    typeId: TYPE_ID_CARD,
    validFrom: t,
    validUntil: t + YEAR,
  };
  const deadline = t + 30n * DAY;
  const signed = await signIssueClaim(f.policeKey1, domain, { ...offer, deadline });
  return { ...f, domain, relayer, t, claimSecret, offer, deadline, signed };
}

describe("CertificateLedger claim offers (IssueClaim)", () => {
  it("issues the offered certificate to the holder the claimant names, as a single certificate that verifies", async () => {
    const { ledger, relayer, offer, claimSecret, signed, domain, policeKey1, deadline } =
      await loadFixture(offerFixture);
    expect(
      ethers.verifyTypedData(
        domain,
        { IssueClaim: [...ISSUE_CLAIM_TYPES.IssueClaim] },
        { ...offer, deadline },
        signed.signature,
      ),
    ).to.equal(policeKey1.address);
    const holder = newHolding().holder.address;
    const certId = computeCertId(holder, offer.documentRoot);
    await expect(relayer.issueClaimBySig(offer, holder, claimSecret, signed))
      .to.emit(ledger, "CertificateIssued")
      .withArgs(certId, 1, TYPE_ID_CARD, offer.validFrom, offer.validUntil);
    expect(await ledger.verdict(singleRef(certId))).to.equal(VALID);
    expect(await ledger.claimUsed(offer.claimCommitment)).to.equal(true);
  });

  it("issues an offer once: the same secret for another holder is refused", async () => {
    const { ledger, relayer, offer, claimSecret, signed } = await loadFixture(offerFixture);
    await relayer.issueClaimBySig(offer, newHolding().holder.address, claimSecret, signed);
    await expect(relayer.issueClaimBySig(offer, newHolding().holder.address, claimSecret, signed))
      .to.be.revertedWithCustomError(ledger, "LedgerClaimAlreadyUsed")
      .withArgs(offer.claimCommitment);
  });

  it("refuses a secret that does not open the commitment, and a zero holder", async () => {
    const { ledger, relayer, offer, signed, claimSecret } = await loadFixture(offerFixture);
    const holder = newHolding().holder.address;
    await expect(relayer.issueClaimBySig(offer, holder, ethers.hexlify(ethers.randomBytes(32)), signed))
      .to.be.revertedWithCustomError(ledger, "LedgerClaimSecretInvalid")
      .withArgs(offer.claimCommitment);
    await expect(relayer.issueClaimBySig(offer, ethers.ZeroAddress, claimSecret, signed))
      .to.be.revertedWithCustomError(ledger, "LedgerClaimHolderZero")
      .withArgs(offer.claimCommitment);
    expect(await ledger.claimUsed(offer.claimCommitment)).to.equal(false);
  });

  it("refuses an offer altered by the relayer: another root, commitment or window is not what the agency signed", async () => {
    const { ledger, relayer, offer, claimSecret, signed, policeKey1 } = await loadFixture(offerFixture);
    const holder = newHolding().holder.address;
    for (const altered of [
      { ...offer, documentRoot: ethers.hexlify(ethers.randomBytes(32)) },
      { ...offer, validUntil: offer.validUntil + 1n },
    ])
      await expect(relayer.issueClaimBySig(altered, holder, claimSecret, signed))
        .to.be.revertedWithCustomError(ledger, "LedgerSignatureInvalid")
        .withArgs(policeKey1.address);
    const mine = ethers.hexlify(ethers.randomBytes(32));
    const forged = {
      ...offer,
      claimCommitment: ethers.keccak256(ethers.AbiCoder.defaultAbiCoder().encode(["bytes32"], [mine])),
    };
    await expect(relayer.issueClaimBySig(forged, holder, mine, signed))
      .to.be.revertedWithCustomError(ledger, "LedgerSignatureInvalid")
      .withArgs(policeKey1.address);
  });

  it("refuses an offer claimed after its deadline", async () => {
    const { ledger, relayer, offer, claimSecret, signed, deadline } = await loadFixture(offerFixture);
    await time.setNextBlockTimestamp(deadline + 1n);
    await expect(relayer.issueClaimBySig(offer, newHolding().holder.address, claimSecret, signed))
      .to.be.revertedWithCustomError(ledger, "LedgerSignatureExpired")
      .withArgs(deadline, deadline + 1n);
  });

  it("runs the registry's checks on the signer: a key retired before the claim issues nothing", async () => {
    const { registry, relayer, offer, claimSecret, signed } = await loadFixture(offerFixture);
    // policeKey1 is key 1.
    await registry.retireKey(1);
    await expect(relayer.issueClaimBySig(offer, newHolding().holder.address, claimSecret, signed))
      .to.be.revertedWithCustomError(registry, "RegistryKeyOutsideWindow")
      .withArgs(1, anyValue, anyValue, anyValue);
  });
});
