import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-toolbox/network-helpers";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import { ConsentRegistry__factory } from "../../typechain-types";
import { CONSENT_DOMAIN_NAME, CONSENT_DOMAIN_VERSION, consentDomain, GRANT_TYPES } from "../../src/document/typedData";
import {
  buildBatch,
  DAY,
  deployedFixture,
  grantMessage,
  newBatchEntries,
  newHolding,
  now,
  signGrant,
  signRecordCheck,
  signRevokeGrant,
  TYPE_ID_CARD,
  YEAR,
} from "../support/certledger";

const CheckVerdict = { Allowed: 0n, UnknownGrant: 1n, WrongGrantee: 2n, Revoked: 3n, Expired: 4n, UsedUp: 5n };

async function consentFixture() {
  const f = await deployedFixture();
  const t = await now();
  const holding = newHolding();
  await f.ledger.issue(holding.certId, TYPE_ID_CARD, t, t + YEAR);
  const entries = newBatchEntries(4, t, t + YEAR);
  const batch = buildBatch(entries);
  await f.ledger.anchorBatch(batch.root, TYPE_ID_CARD, entries.length);
  const opts = { grantee: f.verifier.address, validUntil: t + 7n * DAY, maxUses: 2, deadline: t + DAY };
  const leafOf = (i: number) => {
    const r = batch.refOf(i);
    return { batchRoot: r.batchRoot, validFrom: r.validFrom, validUntil: r.validUntil, proof: r.proof };
  };
  return { ...f, t, holding, entries, batch, opts, leafOf };
}

/** The fixture with one stored grant from the single certificate's holder to the verifier. */
async function grantedFixture() {
  const f = await consentFixture();
  const msg = grantMessage(f.holding.certId, f.opts);
  await f.consent.grantBySig(msg, f.holding.documentRoot, await signGrant(f.consent, f.holding.holder, msg));
  const grantId = await f.consent.grantIdOf(msg);
  return { ...f, msg, grantId, asVerifier: f.consent.connect(f.verifier) };
}

describe("ConsentRegistry", () => {
  describe("EIP-712 domain", () => {
    it("publishes the domain the TypeScript definitions use", async () => {
      const { consent } = await loadFixture(consentFixture);
      const d = await consent.eip712Domain();
      const { chainId } = await ethers.provider.getNetwork();
      expect([d.name, d.version, d.chainId, d.verifyingContract]).to.deep.equal([
        CONSENT_DOMAIN_NAME,
        CONSENT_DOMAIN_VERSION,
        chainId,
        await consent.getAddress(),
      ]);
      expect(await consent.domainSeparator()).to.equal(
        ethers.TypedDataEncoder.hashDomain(consentDomain(chainId, await consent.getAddress())),
      );
    });

    it("makes grantId the EIP-712 digest of the grant", async () => {
      const { consent, holding, opts } = await loadFixture(consentFixture);
      const msg = grantMessage(holding.certId, opts);
      const { chainId } = await ethers.provider.getNetwork();
      const digest = ethers.TypedDataEncoder.hash(
        consentDomain(chainId, await consent.getAddress()),
        { Grant: [...GRANT_TYPES.Grant] },
        msg,
      );
      expect(await consent.grantIdOf(msg)).to.equal(digest);
    });
  });

  describe("grantBySig", () => {
    it("stores a grant relayed by anyone and emits GrantCreated", async () => {
      const { consent, holding, opts, verifier, ledger } = await loadFixture(consentFixture);
      const msg = grantMessage(holding.certId, opts);
      const sig = await signGrant(consent, holding.holder, msg);
      const grantId = await consent.grantIdOf(msg);
      await expect(consent.grantBySig(msg, holding.documentRoot, sig))
        .to.emit(consent, "GrantCreated")
        .withArgs(grantId, holding.certId, verifier.address, msg.purpose, msg.validUntil, msg.maxUses);
      const g = await consent.getGrant(grantId);
      expect([g.certId, g.grantee, g.validUntil, g.maxUses, g.uses, g.revoked]).to.deep.equal([
        holding.certId,
        verifier.address,
        msg.validUntil,
        2n,
        0n,
        false,
      ]);
      expect(await consent.mayCheck(grantId, verifier.address)).to.equal(true);
      expect(await consent.ledger()).to.equal(await ledger.getAddress());
    });

    it("rejects a grant signed by someone other than the holder", async () => {
      const { consent, holding, opts, other } = await loadFixture(consentFixture);
      const msg = grantMessage(holding.certId, opts);
      const sig = await signGrant(consent, other, msg);
      await expect(consent.grantBySig(msg, holding.documentRoot, sig))
        .to.be.revertedWithCustomError(consent, "ConsentSignerNotHolder")
        .withArgs(holding.certId, other.address);
    });

    it("rejects the holder's signature with another documentRoot", async () => {
      const { consent, holding, opts } = await loadFixture(consentFixture);
      const msg = grantMessage(holding.certId, opts);
      const sig = await signGrant(consent, holding.holder, msg);
      await expect(consent.grantBySig(msg, ethers.id("other root"), sig))
        .to.be.revertedWithCustomError(consent, "ConsentSignerNotHolder")
        .withArgs(holding.certId, holding.holder.address);
    });

    it("rejects a malformed signature", async () => {
      const { consent, holding, opts } = await loadFixture(consentFixture);
      const msg = grantMessage(holding.certId, opts);
      await expect(consent.grantBySig(msg, holding.documentRoot, "0x1234")).to.be.revertedWithCustomError(
        consent,
        "ConsentSignatureInvalid",
      );
    });

    it("rejects a signature past its deadline, changing nothing", async () => {
      const { consent, holding, opts } = await loadFixture(consentFixture);
      const msg = grantMessage(holding.certId, opts);
      const sig = await signGrant(consent, holding.holder, msg);
      await time.increaseTo(opts.deadline + 1n);
      await expect(consent.grantBySig(msg, holding.documentRoot, sig))
        .to.be.revertedWithCustomError(consent, "ConsentSignatureExpired")
        .withArgs(opts.deadline, anyValue);
      expect((await consent.getGrant(await consent.grantIdOf(msg))).grantee).to.equal(ethers.ZeroAddress);
    });

    it("rejects a replayed grant, changing nothing", async () => {
      const { consent, holding, opts, verifier } = await loadFixture(consentFixture);
      const msg = grantMessage(holding.certId, opts);
      const sig = await signGrant(consent, holding.holder, msg);
      await consent.grantBySig(msg, holding.documentRoot, sig);
      const grantId = await consent.grantIdOf(msg);
      await consent.connect(verifier).recordCheck(grantId);
      await expect(consent.grantBySig(msg, holding.documentRoot, sig))
        .to.be.revertedWithCustomError(consent, "ConsentGrantExists")
        .withArgs(grantId);
      expect((await consent.getGrant(grantId)).uses).to.equal(1n);
    });

    it("rejects a replayed grant after the holder revoked it", async () => {
      const { consent, holding, opts } = await loadFixture(consentFixture);
      const msg = grantMessage(holding.certId, opts);
      const sig = await signGrant(consent, holding.holder, msg);
      await consent.grantBySig(msg, holding.documentRoot, sig);
      const grantId = await consent.grantIdOf(msg);
      const rev = { grantId, nonce: 7n, deadline: opts.deadline };
      await consent.revokeGrantBySig(rev, holding.documentRoot, await signRevokeGrant(consent, holding.holder, rev));
      await expect(consent.grantBySig(msg, holding.documentRoot, sig))
        .to.be.revertedWithCustomError(consent, "ConsentGrantExists")
        .withArgs(grantId);
      expect((await consent.getGrant(grantId)).revoked).to.equal(true);
    });

    it("rejects a signature made for another chain or another contract", async () => {
      const { consent, holding, opts, deployer, ledger } = await loadFixture(consentFixture);
      const msg = grantMessage(holding.certId, opts);
      const { chainId } = await ethers.provider.getNetwork();
      const otherChain = await holding.holder.signTypedData(
        consentDomain(chainId + 1n, await consent.getAddress()),
        { Grant: [...GRANT_TYPES.Grant] },
        msg,
      );
      await expect(consent.grantBySig(msg, holding.documentRoot, otherChain)).to.be.revertedWithCustomError(
        consent,
        "ConsentSignerNotHolder",
      );
      const twin = await new ConsentRegistry__factory(deployer).deploy(await ledger.getAddress());
      const forTwin = await signGrant(twin, holding.holder, msg);
      await expect(consent.grantBySig(msg, holding.documentRoot, forTwin)).to.be.revertedWithCustomError(
        consent,
        "ConsentSignerNotHolder",
      );
      await expect(twin.grantBySig(msg, holding.documentRoot, forTwin)).to.emit(twin, "GrantCreated");
    });

    it("rejects a zero grantee, bad use counts and a validUntil not in the future", async () => {
      const { consent, holding, opts, t } = await loadFixture(consentFixture);
      const cases = [
        [{ grantee: ethers.ZeroAddress }, "ConsentGranteeZero", []],
        [{ maxUses: 0 }, "ConsentMaxUsesInvalid", [0]],
        [{ maxUses: 2 ** 24 }, "ConsentMaxUsesInvalid", [2 ** 24]],
        [{ validUntil: t }, "ConsentGrantValidUntilInvalid", [t, anyValue]],
        [{ validUntil: 2n ** 40n }, "ConsentGrantValidUntilInvalid", [2n ** 40n, anyValue]],
      ] as const;
      for (const [change, error, args] of cases) {
        const msg = { ...grantMessage(holding.certId, opts), ...change };
        const tx = consent.grantBySig(msg, holding.documentRoot, await signGrant(consent, holding.holder, msg));
        await expect(tx)
          .to.be.revertedWithCustomError(consent, error)
          .withArgs(...args);
      }
    });

    it("rejects a grant for a certificate the ledger has not issued", async () => {
      const { consent, opts } = await loadFixture(consentFixture);
      const ghost = newHolding();
      const msg = grantMessage(ghost.certId, opts);
      await expect(consent.grantBySig(msg, ghost.documentRoot, await signGrant(consent, ghost.holder, msg)))
        .to.be.revertedWithCustomError(consent, "ConsentCertificateNotIssued")
        .withArgs(ghost.certId, ethers.ZeroHash);
    });

    it("is refused while paused", async () => {
      const { consent, registry, pauser, holding, opts } = await loadFixture(consentFixture);
      await registry.connect(pauser).pause();
      const msg = grantMessage(holding.certId, opts);
      await expect(
        consent.grantBySig(msg, holding.documentRoot, await signGrant(consent, holding.holder, msg)),
      ).to.be.revertedWithCustomError(registry, "RegistryPaused");
    });
  });

  describe("grantInBatchBySig", () => {
    it("stores a grant for a batched certificate with its leaf and proof", async () => {
      const { consent, entries, opts, leafOf, verifier } = await loadFixture(consentFixture);
      const e = entries[2];
      const msg = grantMessage(e.certId, opts);
      const grantId = await consent.grantIdOf(msg);
      await expect(consent.grantInBatchBySig(msg, e.documentRoot, leafOf(2), await signGrant(consent, e.holder, msg)))
        .to.emit(consent, "GrantCreated")
        .withArgs(grantId, e.certId, verifier.address, msg.purpose, msg.validUntil, msg.maxUses);
      expect(await consent.mayCheck(grantId, verifier.address)).to.equal(true);
    });

    it("rejects a wrong proof", async () => {
      const { consent, entries, opts, leafOf, batch } = await loadFixture(consentFixture);
      const e = entries[2];
      const msg = grantMessage(e.certId, opts);
      await expect(consent.grantInBatchBySig(msg, e.documentRoot, leafOf(1), await signGrant(consent, e.holder, msg)))
        .to.be.revertedWithCustomError(consent, "ConsentCertificateNotIssued")
        .withArgs(e.certId, batch.root);
    });

    it("rejects a batched grant signed by another holder", async () => {
      const { consent, entries, opts, leafOf } = await loadFixture(consentFixture);
      const msg = grantMessage(entries[2].certId, opts);
      await expect(
        consent.grantInBatchBySig(
          msg,
          entries[2].documentRoot,
          leafOf(2),
          await signGrant(consent, entries[1].holder, msg),
        ),
      )
        .to.be.revertedWithCustomError(consent, "ConsentSignerNotHolder")
        .withArgs(entries[2].certId, entries[1].holder.address);
    });
  });

  describe("revokeGrantBySig", () => {
    it("revokes a grant by the holder's signature and emits GrantRevoked", async () => {
      const { consent, holding, grantId, t, verifier, asVerifier } = await loadFixture(grantedFixture);
      const rev = { grantId, nonce: 1n, deadline: t + DAY };
      const sig = await signRevokeGrant(consent, holding.holder, rev);
      await expect(consent.revokeGrantBySig(rev, holding.documentRoot, sig))
        .to.emit(consent, "GrantRevoked")
        .withArgs(grantId, holding.certId);
      expect((await consent.getGrant(grantId)).revoked).to.equal(true);
      expect(await consent.checkVerdict(grantId, verifier.address)).to.equal(CheckVerdict.Revoked);
      await expect(asVerifier.recordCheck(grantId))
        .to.be.revertedWithCustomError(consent, "ConsentGrantRevoked")
        .withArgs(grantId);
    });

    it("rejects a revocation by someone other than the holder", async () => {
      const { consent, holding, grantId, t, other } = await loadFixture(grantedFixture);
      const rev = { grantId, nonce: 1n, deadline: t + DAY };
      await expect(consent.revokeGrantBySig(rev, holding.documentRoot, await signRevokeGrant(consent, other, rev)))
        .to.be.revertedWithCustomError(consent, "ConsentSignerNotHolder")
        .withArgs(holding.certId, other.address);
    });

    it("rejects an unknown grant, a replayed revocation and a late signature", async () => {
      const { consent, holding, grantId, t } = await loadFixture(grantedFixture);
      const unknown = { grantId: ethers.id("nope"), nonce: 1n, deadline: t + DAY };
      await expect(
        consent.revokeGrantBySig(
          unknown,
          holding.documentRoot,
          await signRevokeGrant(consent, holding.holder, unknown),
        ),
      )
        .to.be.revertedWithCustomError(consent, "ConsentGrantUnknown")
        .withArgs(unknown.grantId);
      const rev = { grantId, nonce: 1n, deadline: t + DAY };
      const sig = await signRevokeGrant(consent, holding.holder, rev);
      await consent.revokeGrantBySig(rev, holding.documentRoot, sig);
      await expect(consent.revokeGrantBySig(rev, holding.documentRoot, sig))
        .to.be.revertedWithCustomError(consent, "ConsentGrantRevoked")
        .withArgs(grantId);
      const late = { grantId, nonce: 2n, deadline: t };
      await expect(
        consent.revokeGrantBySig(late, holding.documentRoot, await signRevokeGrant(consent, holding.holder, late)),
      )
        .to.be.revertedWithCustomError(consent, "ConsentSignatureExpired")
        .withArgs(t, anyValue);
    });

    it("is refused while paused", async () => {
      const { consent, registry, pauser, holding, grantId, t } = await loadFixture(grantedFixture);
      await registry.connect(pauser).pause();
      const rev = { grantId, nonce: 1n, deadline: t + DAY };
      await expect(
        consent.revokeGrantBySig(rev, holding.documentRoot, await signRevokeGrant(consent, holding.holder, rev)),
      ).to.be.revertedWithCustomError(registry, "RegistryPaused");
    });
  });

  describe("recordCheck", () => {
    it("uses one use per check and emits CheckRecorded with the use number", async () => {
      const { consent, asVerifier, grantId, holding, verifier } = await loadFixture(grantedFixture);
      await expect(asVerifier.recordCheck(grantId))
        .to.emit(consent, "CheckRecorded")
        .withArgs(grantId, holding.certId, verifier.address, 1);
      await expect(asVerifier.recordCheck(grantId))
        .to.emit(consent, "CheckRecorded")
        .withArgs(grantId, holding.certId, verifier.address, 2);
      expect((await consent.getGrant(grantId)).uses).to.equal(2n);
      expect(await consent.checkVerdict(grantId, verifier.address)).to.equal(CheckVerdict.UsedUp);
      expect(await consent.mayCheck(grantId, verifier.address)).to.equal(false);
      await expect(asVerifier.recordCheck(grantId))
        .to.be.revertedWithCustomError(consent, "ConsentGrantUsedUp")
        .withArgs(grantId, 2);
    });

    it("refuses anyone but the grantee", async () => {
      const { consent, grantId, verifier, other } = await loadFixture(grantedFixture);
      expect(await consent.checkVerdict(grantId, other.address)).to.equal(CheckVerdict.WrongGrantee);
      await expect(consent.connect(other).recordCheck(grantId))
        .to.be.revertedWithCustomError(consent, "ConsentWrongGrantee")
        .withArgs(grantId, verifier.address, other.address);
    });

    it("refuses an expired grant", async () => {
      const { consent, asVerifier, grantId, msg, verifier } = await loadFixture(grantedFixture);
      await time.increaseTo(msg.validUntil);
      expect(await consent.checkVerdict(grantId, verifier.address)).to.equal(CheckVerdict.Expired);
      await expect(asVerifier.recordCheck(grantId))
        .to.be.revertedWithCustomError(consent, "ConsentGrantExpired")
        .withArgs(grantId, msg.validUntil, anyValue);
    });

    it("refuses an unknown grant", async () => {
      const { consent, asVerifier, verifier } = await loadFixture(grantedFixture);
      const unknown = ethers.id("nope");
      expect(await consent.checkVerdict(unknown, verifier.address)).to.equal(CheckVerdict.UnknownGrant);
      await expect(asVerifier.recordCheck(unknown))
        .to.be.revertedWithCustomError(consent, "ConsentGrantUnknown")
        .withArgs(unknown);
    });

    it("is refused while paused", async () => {
      const { consent, registry, pauser, asVerifier, grantId, verifier } = await loadFixture(grantedFixture);
      await registry.connect(pauser).pause();
      await expect(asVerifier.recordCheck(grantId)).to.be.revertedWithCustomError(registry, "RegistryPaused");
      await expect(asVerifier.recordChecks([grantId])).to.be.revertedWithCustomError(registry, "RegistryPaused");
      expect(await consent.mayCheck(grantId, verifier.address)).to.equal(true);
    });
  });

  describe("recordChecks", () => {
    it("records several checks in one transaction", async () => {
      const { consent, asVerifier, grantId, holding, verifier, entries, opts, leafOf } =
        await loadFixture(grantedFixture);
      const e = entries[0];
      const msg = grantMessage(e.certId, opts);
      await consent.grantInBatchBySig(msg, e.documentRoot, leafOf(0), await signGrant(consent, e.holder, msg));
      const second = await consent.grantIdOf(msg);
      const tx = asVerifier.recordChecks([grantId, second, grantId]);
      await expect(tx).to.emit(consent, "CheckRecorded").withArgs(grantId, holding.certId, verifier.address, 1);
      await expect(tx).to.emit(consent, "CheckRecorded").withArgs(second, e.certId, verifier.address, 1);
      await expect(tx).to.emit(consent, "CheckRecorded").withArgs(grantId, holding.certId, verifier.address, 2);
    });

    it("is all or nothing, and refuses an empty list", async () => {
      const { consent, asVerifier, grantId } = await loadFixture(grantedFixture);
      await expect(asVerifier.recordChecks([grantId, grantId, grantId]))
        .to.be.revertedWithCustomError(consent, "ConsentGrantUsedUp")
        .withArgs(grantId, 2);
      expect((await consent.getGrant(grantId)).uses).to.equal(0n);
      await expect(asVerifier.recordChecks([])).to.be.revertedWithCustomError(consent, "ConsentNothingToRecord");
    });
  });

  describe("grantManyBySig", () => {
    /** Two single certificates and one batched one, each granted by its own holder (compact signatures). */
    async function manyFixture() {
      const f = await consentFixture();
      const second = newHolding();
      await f.ledger.issue(second.certId, TYPE_ID_CARD, f.t, f.t + YEAR);
      type Holding = { certId: string; documentRoot: string; holder: Parameters<typeof signGrant>[1] };
      const signed = async (h: Holding, signer = h.holder) => {
        const grant = grantMessage(h.certId, f.opts);
        const sig = ethers.Signature.from(await signGrant(f.consent, signer, grant));
        return { grant, documentRoot: h.documentRoot, r: sig.r, vs: sig.yParityAndS };
      };
      const singles = [await signed(f.holding), await signed(second)];
      const batched = [{ ...(await signed(f.entries[1])), leaf: f.leafOf(1) }];
      return { ...f, second, signed, singles, batched };
    }

    it("stores every grant of the group, each checked against its own holder, and returns their ids", async () => {
      const { consent, singles, batched, verifier } = await loadFixture(manyFixture);
      const all = [...singles, ...batched];
      const ids = await Promise.all(all.map((r) => consent.grantIdOf(r.grant)));
      expect(await consent.grantManyBySig.staticCall(singles, batched)).to.deep.equal(ids);
      const tx = consent.grantManyBySig(singles, batched);
      for (const [i, r] of all.entries())
        await expect(tx)
          .to.emit(consent, "GrantCreated")
          .withArgs(ids[i], r.grant.certId, verifier.address, r.grant.purpose, r.grant.validUntil, r.grant.maxUses);
      for (const [i, r] of all.entries()) expect((await consent.getGrant(ids[i])).certId).to.equal(r.grant.certId);
    });

    it("reverts the whole group with the first bad grant's own error, storing none", async () => {
      const { consent, singles, batched, second, other, signed } = await loadFixture(manyFixture);
      const forged = await signed(second, other);
      await expect(consent.grantManyBySig([singles[0], forged], batched))
        .to.be.revertedWithCustomError(consent, "ConsentSignerNotHolder")
        .withArgs(second.certId, other.address);
      expect((await consent.getGrant(await consent.grantIdOf(singles[0].grant))).grantee).to.equal(ethers.ZeroAddress);
    });

    it("refuses a repeated grant, a wrong proof, a late or malformed signature and an empty group", async () => {
      const { consent, singles, batched, entries, leafOf, t } = await loadFixture(manyFixture);
      const id = await consent.grantIdOf(singles[0].grant);
      await expect(consent.grantManyBySig([singles[0], singles[0]], []))
        .to.be.revertedWithCustomError(consent, "ConsentGrantExists")
        .withArgs(id);
      await expect(consent.grantManyBySig([], [{ ...batched[0], leaf: leafOf(2) }]))
        .to.be.revertedWithCustomError(consent, "ConsentCertificateNotIssued")
        .withArgs(entries[1].certId, leafOf(2).batchRoot);
      const highS = ethers.toBeHex(ethers.MaxUint256 >> 1n, 32);
      await expect(consent.grantManyBySig([{ ...singles[0], vs: highS }], [])).to.be.revertedWithCustomError(
        consent,
        "ConsentSignatureInvalid",
      );
      await time.increaseTo(singles[1].grant.deadline + 1n);
      await expect(consent.grantManyBySig([singles[1]], []))
        .to.be.revertedWithCustomError(consent, "ConsentSignatureExpired")
        .withArgs(singles[1].grant.deadline, anyValue);
      expect(t).to.be.lessThan(singles[1].grant.deadline);
      await expect(consent.grantManyBySig([], [])).to.be.revertedWithCustomError(consent, "ConsentNothingToGrant");
    });

    it("refuses a signature that recovers no key", async () => {
      const { consent, singles } = await loadFixture(manyFixture);
      await expect(consent.grantManyBySig([{ ...singles[0], r: ethers.ZeroHash }], [])).to.be.revertedWithCustomError(
        consent,
        "ConsentSignatureInvalid",
      );
    });

    it("refuses a request whose grantee, validUntil, maxUses or deadline word has bits above its type", async () => {
      const { consent, singles, other } = await loadFixture(manyFixture);
      const data = consent.interface.encodeFunctionData("grantManyBySig", [[singles[0]], []]);
      // selector, two offsets, the length of singles, then the first request's words.
      const wordAt = (k: number) => 2 + 2 * (4 + 0x60 + 32 * k);
      for (const k of [1, 3, 4, 6]) {
        const dirty = data.slice(0, wordAt(k)) + "ff" + data.slice(wordAt(k) + 2);
        // Refused as the ABI decoder refuses it, before the signature is even recovered.
        await expect(
          other.sendTransaction({ to: await consent.getAddress(), data: dirty }),
        ).to.be.revertedWithoutReason();
      }
      await expect(other.sendTransaction({ to: await consent.getAddress(), data })).to.emit(consent, "GrantCreated");
    });

    it("is refused while paused", async () => {
      const { consent, registry, pauser, singles, batched } = await loadFixture(manyFixture);
      await registry.connect(pauser).pause();
      await expect(consent.grantManyBySig(singles, batched)).to.be.revertedWithCustomError(registry, "RegistryPaused");
    });
  });

  describe("recordCheckBySig", () => {
    /** A grant to a one-time link's key, which signs its checks and never sends a transaction. */
    async function linkFixture() {
      const f = await consentFixture();
      const link = ethers.Wallet.createRandom();
      const msg = grantMessage(f.holding.certId, { ...f.opts, grantee: link.address });
      await f.consent.grantBySig(msg, f.holding.documentRoot, await signGrant(f.consent, f.holding.holder, msg));
      const grantId = await f.consent.grantIdOf(msg);
      const check = (use: number, deadline = f.t + DAY) => ({ grantId, use, deadline });
      return { ...f, link, msg, grantId, check };
    }

    it("records a check signed by the grantee and relayed by anyone, as that grantee's check", async () => {
      const { consent, link, grantId, holding, check, other } = await loadFixture(linkFixture);
      const c1 = check(1);
      await expect(consent.connect(other).recordCheckBySig(c1, await signRecordCheck(consent, link, c1)))
        .to.emit(consent, "CheckRecorded")
        .withArgs(grantId, holding.certId, link.address, 1);
      const c2 = check(2);
      await expect(consent.recordCheckBySig(c2, await signRecordCheck(consent, link, c2)))
        .to.emit(consent, "CheckRecorded")
        .withArgs(grantId, holding.certId, link.address, 2);
      expect((await consent.getGrant(grantId)).uses).to.equal(2n);
      const c3 = check(3);
      await expect(consent.recordCheckBySig(c3, await signRecordCheck(consent, link, c3)))
        .to.be.revertedWithCustomError(consent, "ConsentGrantUsedUp")
        .withArgs(grantId, 2);
    });

    it("refuses a replayed signature and one naming a use already taken", async () => {
      const { consent, link, grantId, check } = await loadFixture(linkFixture);
      const c1 = check(1);
      const sig = await signRecordCheck(consent, link, c1);
      await consent.recordCheckBySig(c1, sig);
      await expect(consent.recordCheckBySig(c1, sig))
        .to.be.revertedWithCustomError(consent, "ConsentCheckUseTaken")
        .withArgs(grantId, 1, 2);
      expect((await consent.getGrant(grantId)).uses).to.equal(1n);
    });

    it("refuses a signer other than the grantee, a late signature and a malformed one", async () => {
      const { consent, link, grantId, check, other, t } = await loadFixture(linkFixture);
      const c1 = check(1);
      await expect(consent.recordCheckBySig(c1, await signRecordCheck(consent, other, c1)))
        .to.be.revertedWithCustomError(consent, "ConsentWrongGrantee")
        .withArgs(grantId, link.address, other.address);
      const late = check(1, t + 60n);
      const lateSig = await signRecordCheck(consent, link, late);
      await time.increaseTo(t + 61n);
      await expect(consent.recordCheckBySig(late, lateSig))
        .to.be.revertedWithCustomError(consent, "ConsentSignatureExpired")
        .withArgs(t + 60n, anyValue);
      await expect(consent.recordCheckBySig(c1, "0x1234")).to.be.revertedWithCustomError(
        consent,
        "ConsentSignatureInvalid",
      );
    });

    it("refuses a check under a revoked grant, and while paused", async () => {
      const { consent, registry, pauser, link, grantId, holding, check, t } = await loadFixture(linkFixture);
      const c1 = check(1);
      const sig = await signRecordCheck(consent, link, c1);
      await registry.connect(pauser).pause();
      await expect(consent.recordCheckBySig(c1, sig)).to.be.revertedWithCustomError(registry, "RegistryPaused");
      await registry.connect(pauser).unpause();
      const rev = { grantId, nonce: 1n, deadline: t + DAY };
      await consent.revokeGrantBySig(rev, holding.documentRoot, await signRevokeGrant(consent, holding.holder, rev));
      await expect(consent.recordCheckBySig(c1, sig))
        .to.be.revertedWithCustomError(consent, "ConsentGrantRevoked")
        .withArgs(grantId);
    });
  });

  describe("privacy", () => {
    it("puts no holder address in any event or stored grant", async () => {
      const { consent, holding, grantId, t, asVerifier } = await loadFixture(grantedFixture);
      await asVerifier.recordCheck(grantId);
      const rev = { grantId, nonce: 9n, deadline: t + DAY };
      await consent.revokeGrantBySig(rev, holding.documentRoot, await signRevokeGrant(consent, holding.holder, rev));
      const logs = await ethers.provider.getLogs({ address: await consent.getAddress(), fromBlock: 0 });
      const needle = holding.holder.address.slice(2).toLowerCase();
      for (const log of logs) expect((log.data + log.topics.join("")).toLowerCase()).not.to.contain(needle);
      expect((await consent.getGrant(grantId)).map(String).join(",").toLowerCase()).not.to.contain(needle);
    });
  });
});
