import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-toolbox/network-helpers";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import {
  AGENCY_MARKET,
  AGENCY_POLICE,
  DAY,
  deployedFixture,
  FAR_FUTURE,
  minedAt,
  newHolding,
  now,
  TYPE_ID_CARD,
  TYPE_LICENCE,
  YEAR,
} from "../support/certledger";

const Verdict = { Valid: 0n, IssuerNotAccredited: 7n };
const singleRef = (certId: string) => ({ certId, batchRoot: ethers.ZeroHash, validFrom: 0, validUntil: 0, proof: [] });

describe("AuthorityRegistry", () => {
  describe("roles", () => {
    it("lets only the admin configure, with errors naming the account", async () => {
      const { registry, other } = await loadFixture(deployedFixture);
      await expect(registry.connect(other).registerType("x", ethers.ZeroHash, 1))
        .to.be.revertedWithCustomError(registry, "OwnableUnauthorizedAccount")
        .withArgs(other.address);
    });

    it("refuses every admin function to anyone but the admin", async () => {
      const { registry, other } = await loadFixture(deployedFixture);
      const r = registry.connect(other);
      const calls = [
        () => r.setPauser(other.address),
        () => r.registerType("x", ethers.ZeroHash, 1),
        () => r.updateType(TYPE_ID_CARD, "x", ethers.ZeroHash, 1),
        () => r.deactivateType(TYPE_ID_CARD),
        () => r.registerAgency(ethers.id("a")),
        () => r.deactivateAgency(AGENCY_POLICE),
        () => r.accredit(AGENCY_POLICE, TYPE_ID_CARD, 0, 1),
        () => r.withdrawAccreditation(AGENCY_POLICE, TYPE_ID_CARD),
        () => r.addKey(AGENCY_POLICE, other.address, 0, 1),
        () => r.rotateKey(1, other.address, 0, 1),
        () => r.retireKey(1),
        () => r.retireKeyAt(1, 1),
      ];
      for (const call of calls) {
        await expect(call())
          .to.be.revertedWithCustomError(registry, "OwnableUnauthorizedAccount")
          .withArgs(other.address);
      }
      await expect(r.unpause())
        .to.be.revertedWithCustomError(registry, "RegistryUnauthorizedPauser")
        .withArgs(other.address);
    });

    it("transfers the admin role in two steps", async () => {
      const { registry, admin, other } = await loadFixture(deployedFixture);
      await registry.transferOwnership(other.address);
      expect(await registry.owner()).to.equal(admin.address);
      expect(await registry.pendingOwner()).to.equal(other.address);
      await registry.connect(other).acceptOwnership();
      expect(await registry.owner()).to.equal(other.address);
    });

    it("sets the pauser and emits PauserChanged", async () => {
      const { registry, pauser, other } = await loadFixture(deployedFixture);
      await expect(registry.setPauser(other.address))
        .to.emit(registry, "PauserChanged")
        .withArgs(pauser.address, other.address);
      expect(await registry.pauser()).to.equal(other.address);
    });

    it("pauses and unpauses by the pauser only", async () => {
      const { registry, pauser, other } = await loadFixture(deployedFixture);
      await expect(registry.connect(other).pause())
        .to.be.revertedWithCustomError(registry, "RegistryUnauthorizedPauser")
        .withArgs(other.address);
      await expect(registry.connect(pauser).pause()).to.emit(registry, "Paused").withArgs(pauser.address);
      expect(await registry.paused()).to.equal(true);
      await expect(registry.connect(pauser).pause()).to.be.revertedWithCustomError(registry, "RegistryPaused");
      await expect(registry.connect(pauser).unpause()).to.emit(registry, "Unpaused").withArgs(pauser.address);
      await expect(registry.connect(pauser).unpause()).to.be.revertedWithCustomError(registry, "RegistryNotPaused");
    });

    it("stops additive writes while paused but keeps the remedies and the reads", async () => {
      const { registry, pauser, spare } = await loadFixture(deployedFixture);
      await registry.connect(pauser).pause();
      await expect(registry.registerType("x", ethers.ZeroHash, 1)).to.be.revertedWithCustomError(
        registry,
        "RegistryPaused",
      );
      await expect(registry.updateType(TYPE_ID_CARD, "x", ethers.ZeroHash, 1)).to.be.revertedWithCustomError(
        registry,
        "RegistryPaused",
      );
      await expect(registry.registerAgency(ethers.id("a"))).to.be.revertedWithCustomError(registry, "RegistryPaused");
      await expect(registry.accredit(AGENCY_MARKET, TYPE_ID_CARD, 0, 1)).to.be.revertedWithCustomError(
        registry,
        "RegistryPaused",
      );
      await expect(registry.addKey(AGENCY_POLICE, spare.address, 0, 1)).to.be.revertedWithCustomError(
        registry,
        "RegistryPaused",
      );
      await expect(registry.rotateKey(1, spare.address, 0, 1)).to.be.revertedWithCustomError(
        registry,
        "RegistryPaused",
      );
      await expect(registry.retireKey(1)).to.emit(registry, "KeyRetired");
      await expect(registry.retireKeyAt(2, 1)).to.emit(registry, "KeyRetired");
      await expect(registry.withdrawAccreditation(AGENCY_POLICE, TYPE_ID_CARD)).to.emit(registry, "AccreditationSet");
      await expect(registry.deactivateType(TYPE_LICENCE)).to.emit(registry, "TypeDeactivated");
      await expect(registry.deactivateAgency(AGENCY_MARKET)).to.emit(registry, "AgencyDeactivated");
      expect((await registry.getType(TYPE_ID_CARD)).name).to.equal("resident-id-card");
      await expect(registry.checkActingKey(spare.address)).to.be.revertedWithCustomError(registry, "RegistryPaused");
    });
  });

  describe("certificate types", () => {
    it("registers a type with the next id and emits TypeRegistered", async () => {
      const { registry } = await loadFixture(deployedFixture);
      const schema = ethers.id("schema:diploma:v1");
      await expect(registry.registerType("diploma", schema, 100n * YEAR))
        .to.emit(registry, "TypeRegistered")
        .withArgs(3, "diploma", schema, 100n * YEAR);
      const t = await registry.getType(3);
      expect([t.name, t.schemaHash, t.maxValidity, t.active]).to.deep.equal(["diploma", schema, 100n * YEAR, true]);
      expect(await registry.typeCount()).to.equal(3n);
    });

    it("holds 60 types, each issuable", async () => {
      const { registry, ledger, policeKey1 } = await loadFixture(deployedFixture);
      for (let i = 0; i < 58; i++) await registry.registerType(`type-${i}`, ethers.id(`s${i}`), YEAR);
      expect(await registry.typeCount()).to.equal(60n);
      await registry.accredit(AGENCY_POLICE, 60, 0, FAR_FUTURE);
      const t = await now();
      await expect(ledger.connect(policeKey1).issue(newHolding().certId, 60, t, t + YEAR)).to.emit(
        ledger,
        "CertificateIssued",
      );
    });

    it("rejects a type with zero maximum validity", async () => {
      const { registry } = await loadFixture(deployedFixture);
      await expect(registry.registerType("x", ethers.ZeroHash, 0))
        .to.be.revertedWithCustomError(registry, "RegistryTypeMaxValidityZero")
        .withArgs(3);
      await expect(registry.updateType(TYPE_ID_CARD, "x", ethers.ZeroHash, 0))
        .to.be.revertedWithCustomError(registry, "RegistryTypeMaxValidityZero")
        .withArgs(TYPE_ID_CARD);
    });

    it("updates a type, and issuance follows the new maximum validity", async () => {
      const { registry, ledger } = await loadFixture(deployedFixture);
      const schema = ethers.id("schema:id-card:v2");
      await expect(registry.updateType(TYPE_ID_CARD, "resident-id-card-v2", schema, DAY))
        .to.emit(registry, "TypeUpdated")
        .withArgs(TYPE_ID_CARD, "resident-id-card-v2", schema, DAY);
      expect((await registry.getType(TYPE_ID_CARD)).maxValidity).to.equal(DAY);
      const t = await now();
      await expect(ledger.issue(newHolding().certId, TYPE_ID_CARD, t, t + DAY + 1n))
        .to.be.revertedWithCustomError(ledger, "LedgerValidityTooLong")
        .withArgs(TYPE_ID_CARD, DAY + 1n, DAY);
    });

    it("rejects updating or deactivating an unknown type", async () => {
      const { registry } = await loadFixture(deployedFixture);
      await expect(registry.updateType(99, "x", ethers.ZeroHash, 1))
        .to.be.revertedWithCustomError(registry, "RegistryTypeUnknown")
        .withArgs(99);
      await expect(registry.deactivateType(99))
        .to.be.revertedWithCustomError(registry, "RegistryTypeUnknown")
        .withArgs(99);
      await expect(registry.accredit(AGENCY_POLICE, 99, 0, 1))
        .to.be.revertedWithCustomError(registry, "RegistryTypeUnknown")
        .withArgs(99);
    });

    it("deactivates a type: no new issuance, and a second deactivation is refused", async () => {
      const { registry, ledger } = await loadFixture(deployedFixture);
      await expect(registry.deactivateType(TYPE_ID_CARD)).to.emit(registry, "TypeDeactivated").withArgs(TYPE_ID_CARD);
      expect((await registry.getType(TYPE_ID_CARD)).active).to.equal(false);
      await expect(registry.deactivateType(TYPE_ID_CARD))
        .to.be.revertedWithCustomError(registry, "RegistryTypeInactive")
        .withArgs(TYPE_ID_CARD);
      const t = await now();
      await expect(ledger.issue(newHolding().certId, TYPE_ID_CARD, t, t + DAY))
        .to.be.revertedWithCustomError(registry, "RegistryTypeInactive")
        .withArgs(TYPE_ID_CARD);
    });
  });

  describe("agencies and accreditation", () => {
    it("registers an agency and emits AgencyRegistered", async () => {
      const { registry } = await loadFixture(deployedFixture);
      const name = ethers.id("Education Bureau");
      await expect(registry.registerAgency(name)).to.emit(registry, "AgencyRegistered").withArgs(3, name);
      expect(await registry.getAgency(3)).to.deep.equal([name, true]);
      expect(await registry.agencyCount()).to.equal(3n);
    });

    it("deactivates an agency for good: its keys can neither issue nor act", async () => {
      const { registry, ledger, marketKey, spare } = await loadFixture(deployedFixture);
      await expect(registry.deactivateAgency(AGENCY_MARKET))
        .to.emit(registry, "AgencyDeactivated")
        .withArgs(AGENCY_MARKET);
      const t = await now();
      await expect(ledger.connect(marketKey).issue(newHolding().certId, TYPE_LICENCE, t, t + DAY))
        .to.be.revertedWithCustomError(registry, "RegistryAgencyInactive")
        .withArgs(AGENCY_MARKET);
      await expect(registry.deactivateAgency(AGENCY_MARKET))
        .to.be.revertedWithCustomError(registry, "RegistryAgencyInactive")
        .withArgs(AGENCY_MARKET);
      await expect(registry.addKey(AGENCY_MARKET, spare.address, 0, 1))
        .to.be.revertedWithCustomError(registry, "RegistryAgencyInactive")
        .withArgs(AGENCY_MARKET);
      await expect(registry.rotateKey(3, spare.address, 0, 1))
        .to.be.revertedWithCustomError(registry, "RegistryAgencyInactive")
        .withArgs(AGENCY_MARKET);
    });

    it("rejects an unknown agency", async () => {
      const { registry, spare } = await loadFixture(deployedFixture);
      for (const id of [0, 9]) {
        await expect(registry.addKey(id, spare.address, 0, 1))
          .to.be.revertedWithCustomError(registry, "RegistryAgencyUnknown")
          .withArgs(id);
      }
      await expect(registry.deactivateAgency(9))
        .to.be.revertedWithCustomError(registry, "RegistryAgencyUnknown")
        .withArgs(9);
    });

    it("accredits an agency for a type with a window and emits AccreditationSet", async () => {
      const { registry } = await loadFixture(deployedFixture);
      await expect(registry.accredit(AGENCY_MARKET, TYPE_ID_CARD, 10, 20))
        .to.emit(registry, "AccreditationSet")
        .withArgs(AGENCY_MARKET, TYPE_ID_CARD, 10, 20);
      expect(await registry.getAccreditation(AGENCY_MARKET, TYPE_ID_CARD)).to.deep.equal([10n, 20n]);
      await expect(registry.accredit(AGENCY_MARKET, TYPE_ID_CARD, 20, 20))
        .to.be.revertedWithCustomError(registry, "RegistryWindowInvalid")
        .withArgs(20, 20);
    });

    it("withdraws an accreditation now, keeping what was issued under it valid", async () => {
      const { registry, ledger } = await loadFixture(deployedFixture);
      const h = newHolding();
      const t = await now();
      await ledger.issue(h.certId, TYPE_ID_CARD, t, t + YEAR);
      const tx = registry.withdrawAccreditation(AGENCY_POLICE, TYPE_ID_CARD);
      const at = await minedAt(tx);
      await expect(tx).to.emit(registry, "AccreditationSet").withArgs(AGENCY_POLICE, TYPE_ID_CARD, 0, at);
      const ref = { certId: h.certId, batchRoot: ethers.ZeroHash, validFrom: 0, validUntil: 0, proof: [] };
      expect(await ledger.isValidNow(ref)).to.equal(true);
      await expect(ledger.issue(newHolding().certId, TYPE_ID_CARD, t, t + YEAR))
        .to.be.revertedWithCustomError(registry, "RegistryNotAccredited")
        .withArgs(AGENCY_POLICE, TYPE_ID_CARD, anyValue);
      await expect(registry.withdrawAccreditation(AGENCY_POLICE, TYPE_ID_CARD))
        .to.be.revertedWithCustomError(registry, "RegistryNotAccredited")
        .withArgs(AGENCY_POLICE, TYPE_ID_CARD, anyValue);
    });

    it("withdraws a future accreditation to an empty window", async () => {
      const { registry } = await loadFixture(deployedFixture);
      const t = await now();
      await registry.accredit(AGENCY_MARKET, TYPE_ID_CARD, t + DAY, t + 2n * DAY);
      await expect(registry.withdrawAccreditation(AGENCY_MARKET, TYPE_ID_CARD))
        .to.emit(registry, "AccreditationSet")
        .withArgs(AGENCY_MARKET, TYPE_ID_CARD, t + DAY, t + DAY);
    });

    it("refuses issuance of an unknown type with RegistryTypeUnknown and of an unaccredited type", async () => {
      const { registry, ledger, marketKey } = await loadFixture(deployedFixture);
      const t = await now();
      await expect(ledger.issue(newHolding().certId, 42, t, t + DAY))
        .to.be.revertedWithCustomError(registry, "RegistryTypeUnknown")
        .withArgs(42);
      await expect(ledger.connect(marketKey).issue(newHolding().certId, TYPE_ID_CARD, t, t + DAY))
        .to.be.revertedWithCustomError(registry, "RegistryNotAccredited")
        .withArgs(AGENCY_MARKET, TYPE_ID_CARD, anyValue);
    });

    it("refuses issuance before the accreditation window opens", async () => {
      const { registry, ledger, marketKey } = await loadFixture(deployedFixture);
      const t = await now();
      await registry.accredit(AGENCY_MARKET, TYPE_ID_CARD, t + DAY, t + 2n * DAY);
      await expect(ledger.connect(marketKey).issue(newHolding().certId, TYPE_ID_CARD, t, t + DAY))
        .to.be.revertedWithCustomError(registry, "RegistryNotAccredited")
        .withArgs(AGENCY_MARKET, TYPE_ID_CARD, anyValue);
      await time.increaseTo(t + DAY);
      await expect(ledger.connect(marketKey).issue(newHolding().certId, TYPE_ID_CARD, t, t + DAY)).to.emit(
        ledger,
        "CertificateIssued",
      );
    });

    it("keeps mirrored type terms current for every accredited agency", async () => {
      const { registry, ledger, marketKey } = await loadFixture(deployedFixture);
      await registry.deactivateType(TYPE_LICENCE);
      const t = await now();
      await expect(ledger.connect(marketKey).issue(newHolding().certId, TYPE_LICENCE, t, t + DAY))
        .to.be.revertedWithCustomError(registry, "RegistryTypeInactive")
        .withArgs(TYPE_LICENCE);
      await expect(ledger.issue(newHolding().certId, TYPE_LICENCE, t, t + DAY))
        .to.be.revertedWithCustomError(registry, "RegistryTypeInactive")
        .withArgs(TYPE_LICENCE);
    });
  });

  describe("signing keys", () => {
    it("adds a key with a window and emits KeyAdded", async () => {
      const { registry, spare } = await loadFixture(deployedFixture);
      await expect(registry.addKey(AGENCY_MARKET, spare.address, 5, 50))
        .to.emit(registry, "KeyAdded")
        .withArgs(4, AGENCY_MARKET, spare.address, 5, 50);
      expect(await registry.getKey(4)).to.deep.equal([spare.address, AGENCY_MARKET, 5n, 50n]);
      expect(await registry.keyIdOf(spare.address)).to.equal(4n);
      expect(await registry.keyCount()).to.equal(4n);
    });

    it("rejects a zero key, a key of another agency and an empty window", async () => {
      const { registry, policeKey1, spare } = await loadFixture(deployedFixture);
      await expect(registry.addKey(AGENCY_MARKET, ethers.ZeroAddress, 0, 1)).to.be.revertedWithCustomError(
        registry,
        "RegistryKeyZeroAddress",
      );
      await expect(registry.addKey(AGENCY_MARKET, policeKey1.address, 0, 1))
        .to.be.revertedWithCustomError(registry, "RegistryKeyAlreadyRegistered")
        .withArgs(policeKey1.address, 1);
      await expect(registry.addKey(AGENCY_MARKET, spare.address, 7, 7))
        .to.be.revertedWithCustomError(registry, "RegistryWindowInvalid")
        .withArgs(7, 7);
    });

    it("rotates a key: the new key issues, the old one is retired in the same call", async () => {
      const { registry, ledger, policeKey1, spare } = await loadFixture(deployedFixture);
      const t = await now();
      const tx = registry.rotateKey(1, spare.address, 0, FAR_FUTURE);
      const at = await minedAt(tx);
      await expect(tx).to.emit(registry, "KeyAdded").withArgs(4, AGENCY_POLICE, spare.address, 0, FAR_FUTURE);
      await expect(tx).to.emit(registry, "KeyRetired").withArgs(1, AGENCY_POLICE, at);
      await expect(ledger.connect(spare).issue(newHolding().certId, TYPE_ID_CARD, t, t + DAY)).to.emit(
        ledger,
        "CertificateIssued",
      );
      await expect(ledger.connect(policeKey1).issue(newHolding().certId, TYPE_ID_CARD, t, t + DAY))
        .to.be.revertedWithCustomError(registry, "RegistryKeyOutsideWindow")
        .withArgs(1, 0, at, anyValue);
    });

    it("retires a key: what it issued stays valid, it can issue nothing after", async () => {
      const { registry, ledger } = await loadFixture(deployedFixture);
      const h = newHolding();
      const t = await now();
      const issuedAt = await minedAt(ledger.issue(h.certId, TYPE_ID_CARD, t, t + YEAR));
      const tx = registry.retireKey(1);
      const at = await minedAt(tx);
      await expect(tx).to.emit(registry, "KeyRetired").withArgs(1, AGENCY_POLICE, at);
      const ref = { certId: h.certId, batchRoot: ethers.ZeroHash, validFrom: 0, validUntil: 0, proof: [] };
      expect(await ledger.isValidNow(ref)).to.equal(true);
      expect(await registry.wasAllowedToIssue(1, TYPE_ID_CARD, issuedAt)).to.equal(true);
      expect(await registry.wasAllowedToIssue(1, TYPE_ID_CARD, at)).to.equal(false);
      await expect(registry.retireKey(1))
        .to.be.revertedWithCustomError(registry, "RegistryKeyOutsideWindow")
        .withArgs(1, 0, at, anyValue);
      await expect(registry.retireKey(77)).to.be.revertedWithCustomError(registry, "RegistryKeyUnknown").withArgs(77);
    });

    it("retires a key whose window has not opened to an empty window", async () => {
      const { registry, spare } = await loadFixture(deployedFixture);
      const t = await now();
      await registry.addKey(AGENCY_POLICE, spare.address, t + DAY, t + 2n * DAY);
      await expect(registry.retireKey(4))
        .to.emit(registry, "KeyRetired")
        .withArgs(4, AGENCY_POLICE, t + DAY);
    });

    it("retires a key at a future time: it issues until then and is refused from then on", async () => {
      const { registry, ledger, policeKey1 } = await loadFixture(deployedFixture);
      const t = await now();
      const at = t + DAY;
      await expect(registry.retireKeyAt(1, at)).to.emit(registry, "KeyRetired").withArgs(1, AGENCY_POLICE, at);
      expect((await registry.getKey(1)).validUntil).to.equal(at);
      const h = newHolding();
      await time.setNextBlockTimestamp(at - 1n);
      await expect(ledger.connect(policeKey1).issue(h.certId, TYPE_ID_CARD, t, t + YEAR)).to.emit(
        ledger,
        "CertificateIssued",
      );
      await expect(ledger.connect(policeKey1).issue(newHolding().certId, TYPE_ID_CARD, t, t + YEAR))
        .to.be.revertedWithCustomError(registry, "RegistryKeyOutsideWindow")
        .withArgs(1, 0, at, anyValue);
      expect(await ledger.verdict(singleRef(h.certId))).to.equal(Verdict.Valid);
    });

    it("retires a leaked key at a past time: what it issued from then on stops verifying, what came before stays valid", async () => {
      const { registry, ledger, policeKey1 } = await loadFixture(deployedFixture);
      const t = await now();
      const earlier = newHolding();
      await ledger.connect(policeKey1).issue(earlier.certId, TYPE_ID_CARD, t, t + YEAR);
      await time.increase(DAY);
      const leakedAt = await now();
      await time.increase(DAY);
      const stolen = newHolding();
      const stolenAt = await minedAt(ledger.connect(policeKey1).issue(stolen.certId, TYPE_ID_CARD, t, t + YEAR));
      expect(stolenAt).to.be.greaterThan(leakedAt);
      expect(await ledger.verdict(singleRef(stolen.certId))).to.equal(Verdict.Valid);

      await expect(registry.retireKeyAt(1, leakedAt))
        .to.emit(registry, "KeyRetired")
        .withArgs(1, AGENCY_POLICE, leakedAt);
      expect(await ledger.verdict(singleRef(stolen.certId))).to.equal(Verdict.IssuerNotAccredited);
      expect(await ledger.verdict(singleRef(earlier.certId))).to.equal(Verdict.Valid);
      expect(await registry.wasAllowedToIssue(1, TYPE_ID_CARD, leakedAt - 1n)).to.equal(true);
      expect(await registry.wasAllowedToIssue(1, TYPE_ID_CARD, leakedAt)).to.equal(false);
      await expect(ledger.connect(policeKey1).issue(newHolding().certId, TYPE_ID_CARD, t, t + YEAR))
        .to.be.revertedWithCustomError(registry, "RegistryKeyOutsideWindow")
        .withArgs(1, 0, leakedAt, anyValue);
    });

    it("only shortens a key's window: a retirement at or after its end is refused, one before its start empties it", async () => {
      const { registry, spare } = await loadFixture(deployedFixture);
      const t = await now();
      await registry.retireKeyAt(1, t + DAY);
      await expect(registry.retireKeyAt(1, t + DAY))
        .to.be.revertedWithCustomError(registry, "RegistryKeyOutsideWindow")
        .withArgs(1, 0, t + DAY, t + DAY);
      await expect(registry.retireKeyAt(1, t + 2n * DAY))
        .to.be.revertedWithCustomError(registry, "RegistryKeyOutsideWindow")
        .withArgs(1, 0, t + DAY, t + 2n * DAY);
      await expect(registry.retireKeyAt(1, t + 10n))
        .to.emit(registry, "KeyRetired")
        .withArgs(1, AGENCY_POLICE, t + 10n);
      await registry.addKey(AGENCY_POLICE, spare.address, t + DAY, t + 2n * DAY);
      await expect(registry.retireKeyAt(4, t))
        .to.emit(registry, "KeyRetired")
        .withArgs(4, AGENCY_POLICE, t + DAY);
      await expect(registry.retireKeyAt(77, t))
        .to.be.revertedWithCustomError(registry, "RegistryKeyUnknown")
        .withArgs(77);
    });

    it("refuses a key before its window opens, and an address that is no key", async () => {
      const { registry, ledger, spare, other } = await loadFixture(deployedFixture);
      const t = await now();
      await registry.addKey(AGENCY_POLICE, spare.address, t + DAY, t + 2n * DAY);
      await expect(ledger.connect(spare).issue(newHolding().certId, TYPE_ID_CARD, t, t + DAY))
        .to.be.revertedWithCustomError(registry, "RegistryKeyOutsideWindow")
        .withArgs(4, t + DAY, t + 2n * DAY, anyValue);
      await time.increase(DAY);
      await expect(ledger.connect(spare).issue(newHolding().certId, TYPE_ID_CARD, t, t + DAY)).to.emit(
        ledger,
        "CertificateIssued",
      );
      await expect(ledger.connect(other).issue(newHolding().certId, TYPE_ID_CARD, t, t + DAY))
        .to.be.revertedWithCustomError(registry, "RegistryAccountNotAKey")
        .withArgs(other.address);
    });

    it("answers wasAllowedToIssue from the key window and the accreditation window", async () => {
      const { registry } = await loadFixture(deployedFixture);
      const t = await now();
      await registry.accredit(AGENCY_MARKET, TYPE_ID_CARD, t + 10n, t + 20n);
      expect(await registry.wasAllowedToIssue(3, TYPE_ID_CARD, t + 9n)).to.equal(false);
      expect(await registry.wasAllowedToIssue(3, TYPE_ID_CARD, t + 10n)).to.equal(true);
      expect(await registry.wasAllowedToIssue(3, TYPE_ID_CARD, t + 20n)).to.equal(false);
      expect(await registry.wasAllowedToIssue(99, TYPE_ID_CARD, t)).to.equal(false);
      await registry.addKey(AGENCY_MARKET, (await ethers.getSigners())[9].address, t + 12n, t + 15n);
      expect(await registry.wasAllowedToIssue(4, TYPE_ID_CARD, t + 11n)).to.equal(false);
      expect(await registry.wasAllowedToIssue(4, TYPE_ID_CARD, t + 12n)).to.equal(true);
      expect(await registry.wasAllowedToIssue(4, TYPE_ID_CARD, t + 15n)).to.equal(false);
    });

    it("reports the acting key and its agency", async () => {
      const { registry, policeKey2 } = await loadFixture(deployedFixture);
      expect(await registry.checkActingKey(policeKey2.address)).to.deep.equal([2n, AGENCY_POLICE]);
    });
  });
});
