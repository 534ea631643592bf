import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-toolbox/network-helpers";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import {
  AGENCY_MARKET,
  AGENCY_POLICE,
  buildBatch,
  DAY,
  deployedFixture,
  newBatchEntries,
  minedAt,
  newHolding,
  now,
  singleRef,
  TYPE_ID_CARD,
  TYPE_LICENCE,
  YEAR,
} from "../support/certledger";

const Status = { Active: 0n, Suspended: 1n, Revoked: 2n, Superseded: 3n };
const Verdict = {
  Valid: 0n,
  NotIssued: 1n,
  Revoked: 2n,
  Suspended: 3n,
  Superseded: 4n,
  NotYetValid: 5n,
  Expired: 6n,
  IssuerNotAccredited: 7n,
};

async function issuedFixture() {
  const f = await deployedFixture();
  const t = await now();
  const single = newHolding();
  const singleAt = await minedAt(f.ledger.issue(single.certId, TYPE_ID_CARD, t, t + YEAR));
  const entries = newBatchEntries(8, t, t + YEAR);
  const batch = buildBatch(entries);
  const batchAt = await minedAt(f.ledger.anchorBatch(batch.root, TYPE_ID_CARD, entries.length));
  return { ...f, t, single, singleAt, entries, batch, batchAt };
}

describe("CertificateLedger", () => {
  describe("issue", () => {
    it("records a single certificate in one slot and emits CertificateIssued", async () => {
      const { ledger, registry } = await loadFixture(deployedFixture);
      const h = newHolding();
      const t = await now();
      const tx = ledger.issue(h.certId, TYPE_ID_CARD, t, t + YEAR);
      const at = await minedAt(tx);
      await expect(tx)
        .to.emit(ledger, "CertificateIssued")
        .withArgs(h.certId, 1, TYPE_ID_CARD, t, t + YEAR);
      const r = await ledger.getCertificate(h.certId);
      expect([r.keyId, r.typeId, r.issuedAt, r.validFrom, r.validUntil, r.status]).to.deep.equal([
        1n,
        TYPE_ID_CARD,
        at,
        t,
        t + YEAR,
        Status.Active,
      ]);
      expect(await ledger.registry()).to.equal(await registry.getAddress());
    });

    it("rejects a zero certId, a duplicate, and bad validity windows, changing nothing", async () => {
      const { ledger } = await loadFixture(deployedFixture);
      const h = newHolding();
      const t = await now();
      await expect(ledger.issue(ethers.ZeroHash, TYPE_ID_CARD, t, t + 1n)).to.be.revertedWithCustomError(
        ledger,
        "LedgerCertIdZero",
      );
      await expect(ledger.issue(h.certId, TYPE_ID_CARD, t, t))
        .to.be.revertedWithCustomError(ledger, "LedgerValidityWindowInvalid")
        .withArgs(t, t);
      await expect(ledger.issue(h.certId, TYPE_ID_CARD, 1n, 2n ** 40n))
        .to.be.revertedWithCustomError(ledger, "LedgerValidityWindowInvalid")
        .withArgs(1n, 2n ** 40n);
      await expect(ledger.issue(h.certId, TYPE_ID_CARD, t, t + 20n * YEAR + 1n))
        .to.be.revertedWithCustomError(ledger, "LedgerValidityTooLong")
        .withArgs(TYPE_ID_CARD, 20n * YEAR + 1n, 20n * YEAR);
      expect((await ledger.getCertificate(h.certId)).keyId).to.equal(0n);
      await ledger.issue(h.certId, TYPE_ID_CARD, t, t + 1n);
      await expect(ledger.issue(h.certId, TYPE_ID_CARD, t, t + 2n))
        .to.be.revertedWithCustomError(ledger, "LedgerCertificateAlreadyIssued")
        .withArgs(h.certId);
    });

    it("is refused while paused", async () => {
      const { ledger, registry, pauser } = await loadFixture(deployedFixture);
      await registry.connect(pauser).pause();
      const t = await now();
      await expect(ledger.issue(newHolding().certId, TYPE_ID_CARD, t, t + 1n)).to.be.revertedWithCustomError(
        registry,
        "RegistryPaused",
      );
    });
  });

  describe("issueMany", () => {
    it("issues several certificates of several types in one transaction", async () => {
      const { ledger } = await loadFixture(deployedFixture);
      const t = await now();
      const reqs = [TYPE_ID_CARD, TYPE_ID_CARD, TYPE_LICENCE, TYPE_ID_CARD].map((typeId) => ({
        certId: newHolding().certId,
        typeId,
        validFrom: t,
        validUntil: t + YEAR,
      }));
      const tx = ledger.issueMany(reqs);
      for (const r of reqs)
        await expect(tx)
          .to.emit(ledger, "CertificateIssued")
          .withArgs(r.certId, 1, r.typeId, t, t + YEAR);
      for (const r of reqs) expect((await ledger.getCertificate(r.certId)).typeId).to.equal(r.typeId);
    });

    it("is all or nothing", async () => {
      const { ledger } = await loadFixture(deployedFixture);
      const t = await now();
      const good = { certId: newHolding().certId, typeId: TYPE_ID_CARD, validFrom: t, validUntil: t + 1n };
      await expect(ledger.issueMany([good, good]))
        .to.be.revertedWithCustomError(ledger, "LedgerCertificateAlreadyIssued")
        .withArgs(good.certId);
      expect((await ledger.getCertificate(good.certId)).keyId).to.equal(0n);
    });

    it("rejects an empty list", async () => {
      const { ledger } = await loadFixture(deployedFixture);
      await expect(ledger.issueMany([])).to.be.revertedWithCustomError(ledger, "LedgerNothingToIssue");
    });
  });

  describe("anchorBatch", () => {
    it("anchors a root in one slot and emits BatchAnchored", async () => {
      const { ledger } = await loadFixture(deployedFixture);
      const t = await now();
      const batch = buildBatch(newBatchEntries(3, t, t + YEAR));
      const tx = ledger.anchorBatch(batch.root, TYPE_ID_CARD, 3);
      const at = await minedAt(tx);
      await expect(tx).to.emit(ledger, "BatchAnchored").withArgs(batch.root, 1, TYPE_ID_CARD, 3);
      const b = await ledger.getBatch(batch.root);
      expect([b.keyId, b.typeId, b.issuedAt, b.count]).to.deep.equal([1n, TYPE_ID_CARD, at, 3n]);
      expect(await ledger.isValidNow(batch.refOf(2))).to.equal(true);
    });

    it("rejects a zero root, an empty batch and a duplicate root", async () => {
      const { ledger } = await loadFixture(deployedFixture);
      const root = ethers.id("root");
      await expect(ledger.anchorBatch(ethers.ZeroHash, TYPE_ID_CARD, 1)).to.be.revertedWithCustomError(
        ledger,
        "LedgerBatchRootZero",
      );
      await expect(ledger.anchorBatch(root, TYPE_ID_CARD, 0))
        .to.be.revertedWithCustomError(ledger, "LedgerBatchEmpty")
        .withArgs(root);
      expect((await ledger.getBatch(root)).keyId).to.equal(0n);
      await ledger.anchorBatch(root, TYPE_ID_CARD, 1);
      await expect(ledger.anchorBatch(root, TYPE_ID_CARD, 1))
        .to.be.revertedWithCustomError(ledger, "LedgerBatchAlreadyAnchored")
        .withArgs(root);
    });

    it("requires an accredited issuer", async () => {
      const { ledger, registry, marketKey } = await loadFixture(deployedFixture);
      await expect(ledger.connect(marketKey).anchorBatch(ethers.id("r"), TYPE_ID_CARD, 1))
        .to.be.revertedWithCustomError(registry, "RegistryNotAccredited")
        .withArgs(AGENCY_MARKET, TYPE_ID_CARD, anyValue);
    });
  });

  describe("status changes", () => {
    for (const kind of ["single", "batched"] as const) {
      describe(`of a ${kind} certificate`, () => {
        async function refFixture() {
          const f = await issuedFixture();
          const ref = kind === "single" ? singleRef(f.single.certId) : f.batch.refOf(3);
          const root = kind === "single" ? ethers.ZeroHash : f.batch.root;
          return { ...f, ref, root };
        }

        it("suspends, reinstates and revokes with reason codes and events", async () => {
          const { ledger, ref, root } = await loadFixture(refFixture);
          await expect(ledger.suspend(ref, 11))
            .to.emit(ledger, "CertificateSuspended")
            .withArgs(ref.certId, root, 1, 11);
          expect(await ledger.verdict(ref)).to.equal(Verdict.Suspended);
          expect((await ledger.getStatus(ref)).status).to.equal(Status.Suspended);
          await expect(ledger.reinstate(ref, 12))
            .to.emit(ledger, "CertificateReinstated")
            .withArgs(ref.certId, root, 1, 12);
          expect(await ledger.isValidNow(ref)).to.equal(true);
          await expect(ledger.revoke(ref, 13)).to.emit(ledger, "CertificateRevoked").withArgs(ref.certId, root, 1, 13);
          expect(await ledger.verdict(ref)).to.equal(Verdict.Revoked);
        });

        it("treats revocation as final and refuses impossible transitions", async () => {
          const { ledger, ref } = await loadFixture(refFixture);
          await expect(ledger.reinstate(ref, 1))
            .to.be.revertedWithCustomError(ledger, "LedgerStatusChangeInvalid")
            .withArgs(ref.certId, Status.Active, Status.Active);
          await ledger.revoke(ref, 1);
          for (const [fn, requested] of [
            ["revoke", Status.Revoked],
            ["suspend", Status.Suspended],
            ["reinstate", Status.Active],
          ] as const) {
            await expect(ledger[fn](ref, 1))
              .to.be.revertedWithCustomError(ledger, "LedgerStatusChangeInvalid")
              .withArgs(ref.certId, Status.Revoked, requested);
          }
        });

        it("revokes a suspended certificate", async () => {
          const { ledger, ref, root } = await loadFixture(refFixture);
          await ledger.suspend(ref, 1);
          await expect(ledger.revoke(ref, 2)).to.emit(ledger, "CertificateRevoked").withArgs(ref.certId, root, 1, 2);
        });

        it("supersedes a suspended certificate", async () => {
          const { ledger, ref, t } = await loadFixture(refFixture);
          const replacement = newHolding();
          await ledger.issue(replacement.certId, TYPE_ID_CARD, t, t + YEAR);
          await ledger.suspend(ref, 1);
          await expect(ledger.supersede(ref, singleRef(replacement.certId), 3)).to.emit(
            ledger,
            "CertificateSuperseded",
          );
        });

        it("supersedes with a link to an issued replacement", async () => {
          const { ledger, ref, root, t } = await loadFixture(refFixture);
          const replacement = newHolding();
          await ledger.issue(replacement.certId, TYPE_ID_CARD, t, t + YEAR);
          await expect(ledger.supersede(ref, singleRef(replacement.certId), 21))
            .to.emit(ledger, "CertificateSuperseded")
            .withArgs(ref.certId, root, replacement.certId, ethers.ZeroHash, 1, 21);
          const s = await ledger.getStatus(ref);
          expect([s.status, s.supersededBy]).to.deep.equal([Status.Superseded, replacement.certId]);
          expect(await ledger.verdict(ref)).to.equal(Verdict.Superseded);
          await expect(ledger.suspend(ref, 1))
            .to.be.revertedWithCustomError(ledger, "LedgerStatusChangeInvalid")
            .withArgs(ref.certId, Status.Superseded, Status.Suspended);
        });

        it("refuses a replacement that is not issued, or the certificate itself", async () => {
          const { ledger, ref } = await loadFixture(refFixture);
          const ghost = newHolding();
          await expect(ledger.supersede(ref, singleRef(ghost.certId), 1))
            .to.be.revertedWithCustomError(ledger, "LedgerCertificateUnknown")
            .withArgs(ghost.certId);
          await expect(ledger.supersede(ref, ref, 1))
            .to.be.revertedWithCustomError(ledger, "LedgerSupersedeBySelf")
            .withArgs(ref.certId);
        });

        it("lets any current key of the issuing agency act, after the issuing key retired", async () => {
          const { ledger, registry, policeKey2, ref, root } = await loadFixture(refFixture);
          await registry.retireKey(1);
          await expect(ledger.connect(policeKey2).revoke(ref, 5))
            .to.emit(ledger, "CertificateRevoked")
            .withArgs(ref.certId, root, 2, 5);
        });

        it("refuses another agency's key", async () => {
          const { ledger, marketKey, ref } = await loadFixture(refFixture);
          await expect(ledger.connect(marketKey).revoke(ref, 1))
            .to.be.revertedWithCustomError(ledger, "LedgerNotIssuingAgency")
            .withArgs(ref.certId, AGENCY_MARKET, AGENCY_POLICE);
        });

        it("is refused while paused", async () => {
          const { ledger, registry, pauser, ref } = await loadFixture(refFixture);
          await registry.connect(pauser).pause();
          await expect(ledger.revoke(ref, 1)).to.be.revertedWithCustomError(registry, "RegistryPaused");
          expect(await ledger.isValidNow(ref)).to.equal(true);
        });
      });
    }

    it("changes one certificate inside a batch alone", async () => {
      const { ledger, batch } = await loadFixture(issuedFixture);
      await ledger.revoke(batch.refOf(2), 1);
      expect(await ledger.verdict(batch.refOf(2))).to.equal(Verdict.Revoked);
      for (const i of [0, 1, 3, 7]) expect(await ledger.isValidNow(batch.refOf(i))).to.equal(true);
    });

    it("refuses an unknown single certificate, an unknown root and a wrong proof", async () => {
      const { ledger, batch } = await loadFixture(issuedFixture);
      const ghost = newHolding();
      await expect(ledger.revoke(singleRef(ghost.certId), 1))
        .to.be.revertedWithCustomError(ledger, "LedgerCertificateUnknown")
        .withArgs(ghost.certId);
      const unknownRoot = { ...batch.refOf(1), batchRoot: ethers.id("nope") };
      await expect(ledger.revoke(unknownRoot, 1))
        .to.be.revertedWithCustomError(ledger, "LedgerBatchUnknown")
        .withArgs(unknownRoot.batchRoot);
      const wrongProof = { ...batch.refOf(1), proof: batch.refOf(2).proof };
      await expect(ledger.revoke(wrongProof, 1))
        .to.be.revertedWithCustomError(ledger, "LedgerBatchProofInvalid")
        .withArgs(batch.root, wrongProof.certId);
      const wrongWindow = { ...batch.refOf(1), validUntil: 1n };
      await expect(ledger.suspend(wrongWindow, 1))
        .to.be.revertedWithCustomError(ledger, "LedgerBatchProofInvalid")
        .withArgs(batch.root, wrongWindow.certId);
      expect(await ledger.isValidNow(batch.refOf(1))).to.equal(true);
    });

    it("supersedes a single certificate by a batched one", async () => {
      const { ledger, single, batch } = await loadFixture(issuedFixture);
      await expect(ledger.supersede(singleRef(single.certId), batch.refOf(5), 3))
        .to.emit(ledger, "CertificateSuperseded")
        .withArgs(single.certId, ethers.ZeroHash, batch.refOf(5).certId, batch.root, 1, 3);
    });
  });

  describe("views", () => {
    it("returns the full status of a single and of a batched certificate", async () => {
      const { ledger, single, batch, t, singleAt, batchAt, policeKey1 } = await loadFixture(issuedFixture);
      const s = await ledger.getStatus(singleRef(single.certId));
      expect([
        s.exists,
        s.batched,
        s.keyId,
        s.agencyId,
        s.issuerKey,
        s.typeId,
        s.issuedAt,
        s.validFrom,
        s.validUntil,
      ]).to.deep.equal([true, false, 1n, AGENCY_POLICE, policeKey1.address, TYPE_ID_CARD, singleAt, t, t + YEAR]);
      const b = await ledger.getStatus(batch.refOf(4));
      expect([
        b.exists,
        b.batched,
        b.keyId,
        b.issuedAt,
        b.validFrom,
        b.validUntil,
        b.status,
        b.supersededBy,
      ]).to.deep.equal([true, true, 1n, batchAt, t, t + YEAR, Status.Active, ethers.ZeroHash]);
      expect(await ledger.isIssued(batch.refOf(4))).to.equal(true);
    });

    it("answers isIssuedSingly as isIssued does for a single certificate, and no for a batched one", async () => {
      const { ledger, single, batch } = await loadFixture(issuedFixture);
      await ledger.revoke(singleRef(single.certId), 1);
      expect(await ledger.isIssuedSingly(single.certId)).to.equal(true);
      expect(await ledger.isIssued(singleRef(single.certId))).to.equal(true);
      expect(await ledger.isIssuedSingly(newHolding().certId)).to.equal(false);
      expect(await ledger.isIssuedSingly(batch.refOf(4).certId)).to.equal(false);
    });

    it("says NotIssued for an unknown certificate, an unknown root and a wrong proof", async () => {
      const { ledger, batch } = await loadFixture(issuedFixture);
      const refs = [
        singleRef(newHolding().certId),
        { ...batch.refOf(1), batchRoot: ethers.id("nope") },
        { ...batch.refOf(1), proof: [] },
      ];
      for (const ref of refs) {
        expect(await ledger.verdict(ref)).to.equal(Verdict.NotIssued);
        expect(await ledger.isIssued(ref)).to.equal(false);
        expect((await ledger.getStatus(ref)).exists).to.equal(false);
      }
    });

    it("says NotYetValid before validFrom and Expired from validUntil", async () => {
      const { ledger } = await loadFixture(deployedFixture);
      const h = newHolding();
      const t = await now();
      await ledger.issue(h.certId, TYPE_ID_CARD, t + DAY, t + 2n * DAY);
      expect(await ledger.verdict(singleRef(h.certId))).to.equal(Verdict.NotYetValid);
      await time.increaseTo(t + DAY);
      expect(await ledger.verdict(singleRef(h.certId))).to.equal(Verdict.Valid);
      await time.increaseTo(t + 2n * DAY);
      expect(await ledger.verdict(singleRef(h.certId))).to.equal(Verdict.Expired);
      expect(await ledger.isValidNow(singleRef(h.certId))).to.equal(false);
    });

    it("says IssuerNotAccredited when the accreditation at issuance is withdrawn retroactively", async () => {
      const { ledger, registry, single, t } = await loadFixture(issuedFixture);
      await registry.accredit(AGENCY_POLICE, TYPE_ID_CARD, t + DAY, t + 2n * DAY);
      expect(await ledger.verdict(singleRef(single.certId))).to.equal(Verdict.IssuerNotAccredited);
    });

    it("says IssuerNotAccredited for a batch leaf whose window breaks the type's rules", async () => {
      const { ledger } = await loadFixture(deployedFixture);
      const t = await now();
      const entries = [
        { certId: newHolding().certId, validFrom: t, validUntil: t + 21n * YEAR },
        { certId: newHolding().certId, validFrom: t + 5n, validUntil: t + 5n },
        { certId: newHolding().certId, validFrom: t, validUntil: t + 20n * YEAR },
      ];
      const batch = buildBatch(entries);
      await ledger.anchorBatch(batch.root, TYPE_ID_CARD, 3);
      expect(await ledger.verdict(batch.refOf(0))).to.equal(Verdict.IssuerNotAccredited);
      expect(await ledger.verdict(batch.refOf(1))).to.equal(Verdict.IssuerNotAccredited);
      expect(await ledger.verdict(batch.refOf(2))).to.equal(Verdict.Valid);
    });
  });
});
