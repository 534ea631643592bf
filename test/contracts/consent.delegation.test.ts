import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-toolbox/network-helpers";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import type { HDNodeWallet } from "ethers";
import { consentDomain, DELEGATION_TYPES } from "../../src/document/typedData";
import { computeDelegationId, createHolderWallet, generateMnemonic, hashRevokeDelegation } from "../../src/document";
import { computeCertId } from "../../src/document/ids";
import { rejection, revertData } from "../../src/chain/contracts";
import { ERC1271Account__factory } from "../../typechain-types";
import {
  AGENCY_MARKET,
  AGENCY_POLICE,
  buildBatch,
  DAY,
  delegationMessage,
  FAR_FUTURE,
  deployedFixture,
  grantMessage,
  newBatchEntries,
  newHolding,
  now,
  signDelegation,
  signGrant,
  signRecordCheck,
  signRevokeDelegation,
  signRevokeGrant,
  TYPE_ID_CARD,
  YEAR,
} from "../support/certledger";

const CheckVerdict = { Allowed: 0n, Revoked: 3n, Expired: 4n, DelegationRevoked: 6n };
const DelegationVerdict = { Active: 0n, Unknown: 1n, Revoked: 2n, Expired: 3n };
const MINUTE = 60n;

async function delegationFixture() {
  const f = await deployedFixture();
  const t = await now();
  const holding = newHolding();
  await f.ledger.issue(holding.certId, TYPE_ID_CARD, t, t + YEAR);
  const entries = newBatchEntries(4, t, t + YEAR);
  const batch = buildBatch(entries);
  await f.ledger.anchorBatch(batch.root, TYPE_ID_CARD, entries.length);
  const leafOf = (i: number) => {
    const r = batch.refOf(i);
    return { batchRoot: r.batchRoot, validFrom: r.validFrom, validUntil: r.validUntil, proof: r.proof };
  };
  // The delegate has no gas: its key only signs, the relayer (`other`) sends.
  const delegate = ethers.Wallet.createRandom() as unknown as HDNodeWallet;
  const opts = { delegate: delegate.address, validUntil: t + 30n * DAY, deadline: t + DAY };
  return { ...f, t, holding, entries, batch, leafOf, delegate, opts };
}

/** One stored counter-only delegation of the single certificate, any purpose, any verifier. */
async function delegatedFixture() {
  const f = await delegationFixture();
  const delegation = delegationMessage(f.holding.certId, f.opts);
  await f.consent.delegateBySig(
    delegation,
    f.holding.documentRoot,
    await signDelegation(f.consent, f.holding.holder, delegation),
  );
  const delegationId = await f.consent.delegationIdOf(delegation);
  /** The grant a counter asks for: one use, ending within minutes. */
  const counterGrant = (o: { purpose?: string; grantee?: string } = {}) =>
    grantMessage(f.holding.certId, {
      grantee: o.grantee ?? f.verifier.address,
      purpose: o.purpose,
      validUntil: f.t + 15n * MINUTE,
      maxUses: 1,
      deadline: f.t + 15n * MINUTE,
    });
  return { ...f, delegation, delegationId, counterGrant };
}

/** The delegated fixture with one grant the delegate made to the verifier. */
async function delegateGrantedFixture() {
  const f = await delegatedFixture();
  const grant = f.counterGrant();
  await f.consent.grantByDelegateSig(grant, f.delegation, await signGrant(f.consent, f.delegate, grant));
  return { ...f, grant, grantId: await f.consent.grantIdOf(grant) };
}

/** The holder's signed revocation of `delegationId`, relayed. */
async function holderRevokes(f: Awaited<ReturnType<typeof delegationFixture>>, delegationId: string) {
  const revoke = { delegationId, nonce: 1n, deadline: f.opts.deadline };
  return f.consent.revokeDelegationBySig(
    revoke,
    f.holding.documentRoot,
    await signRevokeDelegation(f.consent, f.holding.holder, revoke),
  );
}

describe("ConsentRegistry delegations", () => {
  describe("EIP-712", () => {
    it("makes delegationId the EIP-712 digest of the delegation, as the TypeScript helper computes it", async () => {
      const { consent, holding, opts } = await loadFixture(delegationFixture);
      const msg = delegationMessage(holding.certId, { ...opts, purpose: ethers.id("p"), online: true });
      const { chainId } = await ethers.provider.getNetwork();
      const domain = consentDomain(chainId, await consent.getAddress());
      const digest = ethers.TypedDataEncoder.hash(domain, { Delegation: [...DELEGATION_TYPES.Delegation] }, msg);
      expect(await consent.delegationIdOf(msg)).to.equal(digest);
      expect(computeDelegationId(domain, msg)).to.equal(digest);
    });

    it("accepts a delegation and its revocation signed by the wallet's certificate key", async () => {
      const { consent, ledger, t, opts } = await loadFixture(delegationFixture);
      const wallet = createHolderWallet({ mnemonic: generateMnemonic() });
      const documentRoot = ethers.id("wallet document");
      const id = computeCertId(wallet.address(3), documentRoot);
      await ledger.issue(id, TYPE_ID_CARD, t, t + YEAR);
      const { chainId } = await ethers.provider.getNetwork();
      const domain = consentDomain(chainId, await consent.getAddress());
      const msg = delegationMessage(id, opts);
      const signed = wallet.signDelegation(3, domain, msg);
      await expect(consent.delegateBySig(msg, documentRoot, signed.signature))
        .to.emit(consent, "DelegationCreated")
        .withArgs(signed.delegationId, id, opts.delegate, ethers.ZeroHash, ethers.ZeroAddress, false, opts.validUntil);
      const revoke = { delegationId: signed.delegationId, nonce: 1n, deadline: opts.deadline };
      const rs = wallet.signRevokeDelegation(3, domain, revoke);
      expect(rs.digest).to.equal(hashRevokeDelegation(domain, revoke));
      await expect(consent.revokeDelegationBySig(revoke, documentRoot, rs.signature))
        .to.emit(consent, "DelegationRevoked")
        .withArgs(signed.delegationId, id);
    });
  });

  describe("delegateBySig", () => {
    it("stores a delegation relayed by anyone and emits DelegationCreated", async () => {
      const { consent, holding, opts, delegate } = await loadFixture(delegationFixture);
      const verifierScope = ethers.Wallet.createRandom().address;
      const msg = delegationMessage(holding.certId, {
        ...opts,
        purpose: ethers.id("open-bank-account"),
        verifier: verifierScope,
        online: true,
      });
      const id = await consent.delegationIdOf(msg);
      await expect(consent.delegateBySig(msg, holding.documentRoot, await signDelegation(consent, holding.holder, msg)))
        .to.emit(consent, "DelegationCreated")
        .withArgs(id, holding.certId, delegate.address, msg.purpose, verifierScope, true, opts.validUntil);
      const d = await consent.getDelegation(id);
      expect([d.certId, d.delegate, d.validUntil, d.online, d.revoked]).to.deep.equal([
        holding.certId,
        delegate.address,
        opts.validUntil,
        true,
        false,
      ]);
      expect(await consent.delegationVerdict(id)).to.equal(DelegationVerdict.Active);
    });

    it("stores a delegation for a certificate inside a batch, with its leaf and proof", async () => {
      const { consent, entries, leafOf, opts } = await loadFixture(delegationFixture);
      const e = entries[2];
      const msg = delegationMessage(e.certId, opts);
      const sig = await signDelegation(consent, e.holder, msg);
      await expect(consent.delegateInBatchBySig(msg, e.documentRoot, leafOf(2), sig)).to.emit(
        consent,
        "DelegationCreated",
      );
      expect((await consent.getDelegation(await consent.delegationIdOf(msg))).certId).to.equal(e.certId);
    });

    it("rejects a batched certificate with another leaf's proof", async () => {
      const { consent, entries, leafOf, opts, batch } = await loadFixture(delegationFixture);
      const e = entries[2];
      const msg = delegationMessage(e.certId, opts);
      const sig = await signDelegation(consent, e.holder, msg);
      await expect(consent.delegateInBatchBySig(msg, e.documentRoot, leafOf(1), sig))
        .to.be.revertedWithCustomError(consent, "ConsentCertificateNotIssued")
        .withArgs(e.certId, batch.root);
    });

    it("rejects a certificate the ledger has not issued", async () => {
      const { consent, opts } = await loadFixture(delegationFixture);
      const h = newHolding();
      const msg = delegationMessage(h.certId, opts);
      await expect(consent.delegateBySig(msg, h.documentRoot, await signDelegation(consent, h.holder, msg)))
        .to.be.revertedWithCustomError(consent, "ConsentCertificateNotIssued")
        .withArgs(h.certId, ethers.ZeroHash);
    });

    it("rejects a delegation signed by someone other than the holder (a delegate cannot delegate further)", async () => {
      const { consent, holding, delegate, opts } = await loadFixture(delegatedFixture);
      const onward = delegationMessage(holding.certId, { ...opts, delegate: ethers.Wallet.createRandom().address });
      await expect(consent.delegateBySig(onward, holding.documentRoot, await signDelegation(consent, delegate, onward)))
        .to.be.revertedWithCustomError(consent, "ConsentSignerNotHolder")
        .withArgs(holding.certId, delegate.address);
    });

    it("rejects a replayed delegation", async () => {
      const { consent, holding, delegation, delegationId } = await loadFixture(delegatedFixture);
      const sig = await signDelegation(consent, holding.holder, delegation);
      await expect(consent.delegateBySig(delegation, holding.documentRoot, sig))
        .to.be.revertedWithCustomError(consent, "ConsentDelegationExists")
        .withArgs(delegationId);
    });

    it("rejects a signature past its deadline", async () => {
      const { consent, holding, opts } = await loadFixture(delegationFixture);
      const msg = delegationMessage(holding.certId, opts);
      const sig = await signDelegation(consent, holding.holder, msg);
      await time.increaseTo(opts.deadline + 1n);
      await expect(consent.delegateBySig(msg, holding.documentRoot, sig))
        .to.be.revertedWithCustomError(consent, "ConsentSignatureExpired")
        .withArgs(opts.deadline, anyValue);
    });

    it("rejects a malformed signature", async () => {
      const { consent, holding, opts } = await loadFixture(delegationFixture);
      const msg = delegationMessage(holding.certId, opts);
      await expect(consent.delegateBySig(msg, holding.documentRoot, "0x1234")).to.be.revertedWithCustomError(
        consent,
        "ConsentSignatureInvalid",
      );
    });

    it("rejects a zero delegate", async () => {
      const { consent, holding, opts } = await loadFixture(delegationFixture);
      const msg = delegationMessage(holding.certId, { ...opts, delegate: ethers.ZeroAddress });
      await expect(
        consent.delegateBySig(msg, holding.documentRoot, await signDelegation(consent, holding.holder, msg)),
      ).to.be.revertedWithCustomError(consent, "ConsentDelegateZero");
    });

    it("rejects the holder's own key as delegate", async () => {
      const { consent, holding, opts } = await loadFixture(delegationFixture);
      const msg = delegationMessage(holding.certId, { ...opts, delegate: holding.holder.address });
      await expect(consent.delegateBySig(msg, holding.documentRoot, await signDelegation(consent, holding.holder, msg)))
        .to.be.revertedWithCustomError(consent, "ConsentDelegateIsHolder")
        .withArgs(holding.certId, holding.holder.address);
    });

    it("rejects a validUntil that is not in the future or does not fit 40 bits", async () => {
      const { consent, holding, opts, t } = await loadFixture(delegationFixture);
      for (const validUntil of [t - 1n, 2n ** 40n]) {
        const msg = delegationMessage(holding.certId, { ...opts, validUntil });
        await expect(
          consent.delegateBySig(msg, holding.documentRoot, await signDelegation(consent, holding.holder, msg)),
        )
          .to.be.revertedWithCustomError(consent, "ConsentDelegationValidUntilInvalid")
          .withArgs(validUntil, anyValue);
      }
    });

    it("is refused while paused", async () => {
      const { consent, registry, pauser, holding, opts, leafOf, entries } = await loadFixture(delegationFixture);
      await registry.connect(pauser).pause();
      const msg = delegationMessage(holding.certId, opts);
      const sig = await signDelegation(consent, holding.holder, msg);
      await expect(consent.delegateBySig(msg, holding.documentRoot, sig)).to.be.revertedWithCustomError(
        registry,
        "RegistryPaused",
      );
      const bmsg = delegationMessage(entries[0].certId, opts);
      const bsig = await signDelegation(consent, entries[0].holder, bmsg);
      await expect(
        consent.delegateInBatchBySig(bmsg, entries[0].documentRoot, leafOf(0), bsig),
      ).to.be.revertedWithCustomError(registry, "RegistryPaused");
    });
  });

  describe("delegateByIssuerSig (a guardian named by the issuing agency)", () => {
    it("stores the agency's delegation as an ordinary one and marks it as named by the issuer", async () => {
      const { consent, holding, opts, delegate, policeKey2, registry } = await loadFixture(delegationFixture);
      const msg = delegationMessage(holding.certId, opts);
      const id = await consent.delegationIdOf(msg);
      // policeKey1 issued the certificate; any acting key of the same agency may name the guardian.
      const keyId = await registry.keyIdOf(policeKey2.address);
      await expect(consent.delegateByIssuerSig(msg, policeKey2.address, await signDelegation(consent, policeKey2, msg)))
        .to.emit(consent, "DelegationCreated")
        .withArgs(id, holding.certId, delegate.address, ethers.ZeroHash, ethers.ZeroAddress, false, opts.validUntil)
        .and.to.emit(consent, "DelegationNamedByIssuer")
        .withArgs(id, keyId);
      const d = await consent.getDelegation(id);
      expect([d.certId, d.delegate, d.revoked]).to.deep.equal([holding.certId, delegate.address, false]);
      expect(await consent.delegationVerdict(id)).to.equal(DelegationVerdict.Active);
    });

    it("lets the guardian grant under it, and the holder revoke it, after which the guardian cannot grant", async () => {
      const f = await loadFixture(delegationFixture);
      const { consent, holding, opts, delegate, policeKey1, verifier, t } = f;
      const msg = delegationMessage(holding.certId, opts);
      await consent.delegateByIssuerSig(msg, policeKey1.address, await signDelegation(consent, policeKey1, msg));
      const id = await consent.delegationIdOf(msg);
      const grant = grantMessage(holding.certId, {
        grantee: verifier.address,
        validUntil: t + 15n * MINUTE,
        maxUses: 1,
        deadline: t + 15n * MINUTE,
      });
      await expect(consent.grantByDelegateSig(grant, msg, await signGrant(consent, delegate, grant)))
        .to.emit(consent, "GrantCreatedByDelegate")
        .withArgs(await consent.grantIdOf(grant), id);
      await expect(holderRevokes(f, id)).to.emit(consent, "DelegationRevoked").withArgs(id, holding.certId);
      const again = grantMessage(holding.certId, {
        grantee: verifier.address,
        validUntil: t + 10n * MINUTE,
        maxUses: 1,
        deadline: t + 10n * MINUTE,
      });
      await expect(consent.grantByDelegateSig(again, msg, await signGrant(consent, delegate, again)))
        .to.be.revertedWithCustomError(consent, "ConsentDelegationRevoked")
        .withArgs(id);
    });

    it("refuses the guardian delegating further (only the holder's key proves the holder)", async () => {
      const { consent, holding, opts, delegate, policeKey1 } = await loadFixture(delegationFixture);
      const msg = delegationMessage(holding.certId, opts);
      await consent.delegateByIssuerSig(msg, policeKey1.address, await signDelegation(consent, policeKey1, msg));
      const onward = delegationMessage(holding.certId, { ...opts, delegate: ethers.Wallet.createRandom().address });
      await expect(consent.delegateBySig(onward, holding.documentRoot, await signDelegation(consent, delegate, onward)))
        .to.be.revertedWithCustomError(consent, "ConsentSignerNotHolder")
        .withArgs(holding.certId, delegate.address);
    });

    it("names a guardian for a certificate inside a batch, with its leaf and proof", async () => {
      const { consent, entries, leafOf, opts, policeKey1, batch } = await loadFixture(delegationFixture);
      const e = entries[1];
      const msg = delegationMessage(e.certId, opts);
      const sig = await signDelegation(consent, policeKey1, msg);
      await expect(consent.delegateInBatchByIssuerSig(msg, leafOf(2), policeKey1.address, sig))
        .to.be.revertedWithCustomError(consent, "ConsentCertificateNotIssued")
        .withArgs(e.certId, batch.root);
      await expect(consent.delegateInBatchByIssuerSig(msg, leafOf(1), policeKey1.address, sig)).to.emit(
        consent,
        "DelegationNamedByIssuer",
      );
      expect((await consent.getDelegation(await consent.delegationIdOf(msg))).certId).to.equal(e.certId);
    });

    it("rejects a key of another agency", async () => {
      const { consent, holding, opts, marketKey } = await loadFixture(delegationFixture);
      const msg = delegationMessage(holding.certId, opts);
      await expect(consent.delegateByIssuerSig(msg, marketKey.address, await signDelegation(consent, marketKey, msg)))
        .to.be.revertedWithCustomError(consent, "ConsentSignerNotIssuingAgency")
        .withArgs(holding.certId, AGENCY_MARKET, AGENCY_POLICE);
    });

    it("rejects a signer that is not an agency key, the holder included", async () => {
      const { consent, registry, holding, opts, other } = await loadFixture(delegationFixture);
      const msg = delegationMessage(holding.certId, opts);
      for (const signer of [holding.holder, other]) {
        await expect(consent.delegateByIssuerSig(msg, signer.address, await signDelegation(consent, signer, msg)))
          .to.be.revertedWithCustomError(registry, "RegistryAccountNotAKey")
          .withArgs(signer.address);
      }
    });

    it("rejects a retired agency key", async () => {
      const { consent, registry, holding, opts, policeKey2 } = await loadFixture(delegationFixture);
      const keyId = await registry.keyIdOf(policeKey2.address);
      await registry.retireKey(keyId);
      const msg = delegationMessage(holding.certId, opts);
      await expect(consent.delegateByIssuerSig(msg, policeKey2.address, await signDelegation(consent, policeKey2, msg)))
        .to.be.revertedWithCustomError(registry, "RegistryKeyOutsideWindow")
        .withArgs(keyId, anyValue, anyValue, anyValue);
    });

    it("rejects a signature that is not the named signer's", async () => {
      const { consent, holding, opts, policeKey1, policeKey2 } = await loadFixture(delegationFixture);
      const msg = delegationMessage(holding.certId, opts);
      const sig = await signDelegation(consent, policeKey2, msg);
      await expect(consent.delegateByIssuerSig(msg, policeKey1.address, sig))
        .to.be.revertedWithCustomError(consent, "ConsentIssuerSignatureInvalid")
        .withArgs(policeKey1.address);
      await expect(consent.delegateByIssuerSig(msg, policeKey1.address, "0x1234"))
        .to.be.revertedWithCustomError(consent, "ConsentIssuerSignatureInvalid")
        .withArgs(policeKey1.address);
    });

    it("accepts a contract agency key through ERC-1271", async () => {
      const { consent, registry, holding, opts, deployer, spare } = await loadFixture(delegationFixture);
      const account = await new ERC1271Account__factory(deployer).deploy(spare.address);
      const address = await account.getAddress();
      await registry.addKey(AGENCY_POLICE, address, 0, FAR_FUTURE);
      const msg = delegationMessage(holding.certId, opts);
      await expect(consent.delegateByIssuerSig(msg, address, await signDelegation(consent, spare, msg)))
        .to.emit(consent, "DelegationNamedByIssuer")
        .withArgs(await consent.delegationIdOf(msg), await registry.keyIdOf(address));
    });

    it("rejects a certificate the ledger has not issued", async () => {
      const { consent, opts, policeKey1 } = await loadFixture(delegationFixture);
      const h = newHolding();
      const msg = delegationMessage(h.certId, opts);
      await expect(consent.delegateByIssuerSig(msg, policeKey1.address, await signDelegation(consent, policeKey1, msg)))
        .to.be.revertedWithCustomError(consent, "ConsentCertificateNotIssued")
        .withArgs(h.certId, ethers.ZeroHash);
    });

    it("rejects a replay, also of the same terms the holder already signed", async () => {
      const { consent, holding, delegation, delegationId, policeKey1 } = await loadFixture(delegatedFixture);
      await expect(
        consent.delegateByIssuerSig(
          delegation,
          policeKey1.address,
          await signDelegation(consent, policeKey1, delegation),
        ),
      )
        .to.be.revertedWithCustomError(consent, "ConsentDelegationExists")
        .withArgs(delegationId);
      expect((await consent.getDelegation(delegationId)).certId).to.equal(holding.certId);
    });

    it("rejects a past deadline, a zero delegate and a validUntil not in the future", async () => {
      const { consent, holding, opts, policeKey1, t } = await loadFixture(delegationFixture);
      const zero = delegationMessage(holding.certId, { ...opts, delegate: ethers.ZeroAddress });
      await expect(
        consent.delegateByIssuerSig(zero, policeKey1.address, await signDelegation(consent, policeKey1, zero)),
      ).to.be.revertedWithCustomError(consent, "ConsentDelegateZero");
      const past = delegationMessage(holding.certId, { ...opts, validUntil: t - 1n });
      await expect(
        consent.delegateByIssuerSig(past, policeKey1.address, await signDelegation(consent, policeKey1, past)),
      )
        .to.be.revertedWithCustomError(consent, "ConsentDelegationValidUntilInvalid")
        .withArgs(t - 1n, anyValue);
      const msg = delegationMessage(holding.certId, opts);
      const sig = await signDelegation(consent, policeKey1, msg);
      await time.increaseTo(opts.deadline + 1n);
      await expect(consent.delegateByIssuerSig(msg, policeKey1.address, sig))
        .to.be.revertedWithCustomError(consent, "ConsentSignatureExpired")
        .withArgs(opts.deadline, anyValue);
    });

    it("is refused while paused", async () => {
      const { consent, registry, pauser, holding, opts, policeKey1, leafOf, entries } =
        await loadFixture(delegationFixture);
      await registry.connect(pauser).pause();
      const msg = delegationMessage(holding.certId, opts);
      await expect(
        consent.delegateByIssuerSig(msg, policeKey1.address, await signDelegation(consent, policeKey1, msg)),
      ).to.be.revertedWithCustomError(registry, "RegistryPaused");
      const bmsg = delegationMessage(entries[0].certId, opts);
      await expect(
        consent.delegateInBatchByIssuerSig(
          bmsg,
          leafOf(0),
          policeKey1.address,
          await signDelegation(consent, policeKey1, bmsg),
        ),
      ).to.be.revertedWithCustomError(registry, "RegistryPaused");
    });
  });

  describe("revokeDelegationBySig", () => {
    it("revokes a delegation, signed by the holder and relayed by anyone", async () => {
      const f = await loadFixture(delegatedFixture);
      const { consent, holding, delegationId } = f;
      await expect(holderRevokes(f, delegationId))
        .to.emit(consent, "DelegationRevoked")
        .withArgs(delegationId, holding.certId);
      expect((await consent.getDelegation(delegationId)).revoked).to.equal(true);
      expect(await consent.delegationVerdict(delegationId)).to.equal(DelegationVerdict.Revoked);
    });

    it("rejects a revocation signed by the delegate", async () => {
      const { consent, holding, delegate, delegationId, opts } = await loadFixture(delegatedFixture);
      const revoke = { delegationId, nonce: 1n, deadline: opts.deadline };
      await expect(
        consent.revokeDelegationBySig(
          revoke,
          holding.documentRoot,
          await signRevokeDelegation(consent, delegate, revoke),
        ),
      )
        .to.be.revertedWithCustomError(consent, "ConsentSignerNotHolder")
        .withArgs(holding.certId, delegate.address);
    });

    it("rejects an unknown delegation", async () => {
      const { consent, holding, opts } = await loadFixture(delegatedFixture);
      const revoke = { delegationId: ethers.id("nothing"), nonce: 1n, deadline: opts.deadline };
      await expect(
        consent.revokeDelegationBySig(
          revoke,
          holding.documentRoot,
          await signRevokeDelegation(consent, holding.holder, revoke),
        ),
      )
        .to.be.revertedWithCustomError(consent, "ConsentDelegationUnknown")
        .withArgs(revoke.delegationId);
    });

    it("rejects a replayed or second revocation", async () => {
      const { consent, holding, delegationId, opts } = await loadFixture(delegatedFixture);
      const revoke = { delegationId, nonce: 1n, deadline: opts.deadline };
      const sig = await signRevokeDelegation(consent, holding.holder, revoke);
      await consent.revokeDelegationBySig(revoke, holding.documentRoot, sig);
      await expect(consent.revokeDelegationBySig(revoke, holding.documentRoot, sig))
        .to.be.revertedWithCustomError(consent, "ConsentDelegationRevoked")
        .withArgs(delegationId);
    });

    it("rejects a revocation past its deadline, and while paused", async () => {
      const { consent, registry, pauser, holding, delegationId, t } = await loadFixture(delegatedFixture);
      const revoke = { delegationId, nonce: 1n, deadline: t + MINUTE };
      const sig = await signRevokeDelegation(consent, holding.holder, revoke);
      await registry.connect(pauser).pause();
      await expect(consent.revokeDelegationBySig(revoke, holding.documentRoot, sig)).to.be.revertedWithCustomError(
        registry,
        "RegistryPaused",
      );
      await registry.connect(pauser).unpause();
      await time.increaseTo(revoke.deadline + 1n);
      await expect(consent.revokeDelegationBySig(revoke, holding.documentRoot, sig))
        .to.be.revertedWithCustomError(consent, "ConsentSignatureExpired")
        .withArgs(revoke.deadline, anyValue);
    });
  });

  describe("grantByDelegateSig", () => {
    it("stores a grant signed by the delegate, marked as made by the delegate", async () => {
      const { consent, holding, delegate, delegation, delegationId, counterGrant, verifier } =
        await loadFixture(delegatedFixture);
      const grant = counterGrant();
      const grantId = await consent.grantIdOf(grant);
      await expect(consent.grantByDelegateSig(grant, delegation, await signGrant(consent, delegate, grant)))
        .to.emit(consent, "GrantCreated")
        .withArgs(grantId, holding.certId, verifier.address, grant.purpose, grant.validUntil, 1n)
        .and.to.emit(consent, "GrantCreatedByDelegate")
        .withArgs(grantId, delegationId);
      expect(await consent.delegationOf(grantId)).to.equal(delegationId);
      const g = await consent.getGrant(grantId);
      expect([g.certId, g.grantee, g.maxUses, g.uses, g.revoked]).to.deep.equal([
        holding.certId,
        verifier.address,
        1n,
        0n,
        false,
      ]);
      expect(await consent.checkVerdict(grantId, verifier.address)).to.equal(CheckVerdict.Allowed);
    });

    it("lets the verifier record a check under the delegate's grant, reported under the certificate", async () => {
      const { consent, holding, verifier, grantId } = await loadFixture(delegateGrantedFixture);
      await expect(consent.connect(verifier).recordCheck(grantId))
        .to.emit(consent, "CheckRecorded")
        .withArgs(grantId, holding.certId, verifier.address, 1n);
    });

    it("keeps a holder's grant unmarked", async () => {
      const { consent, holding, t, verifier } = await loadFixture(delegatedFixture);
      const grant = grantMessage(holding.certId, { grantee: verifier.address, validUntil: t + DAY, deadline: t + DAY });
      await consent.grantBySig(grant, holding.documentRoot, await signGrant(consent, holding.holder, grant));
      expect(await consent.delegationOf(await consent.grantIdOf(grant))).to.equal(ethers.ZeroHash);
    });

    it("lets a delegate of a batched certificate grant without relaying the proof again", async () => {
      const { consent, entries, leafOf, opts, delegate, verifier, t } = await loadFixture(delegationFixture);
      const e = entries[1];
      const delegation = delegationMessage(e.certId, opts);
      await consent.delegateInBatchBySig(
        delegation,
        e.documentRoot,
        leafOf(1),
        await signDelegation(consent, e.holder, delegation),
      );
      const grant = grantMessage(e.certId, {
        grantee: verifier.address,
        validUntil: t + 10n * MINUTE,
        deadline: t + DAY,
      });
      await expect(consent.grantByDelegateSig(grant, delegation, await signGrant(consent, delegate, grant)))
        .to.emit(consent, "GrantCreatedByDelegate")
        .withArgs(await consent.grantIdOf(grant), await consent.delegationIdOf(delegation));
    });

    it("lets an online delegate share online: several uses, for days", async () => {
      const { consent, holding, opts, delegate, t } = await loadFixture(delegationFixture);
      const delegation = delegationMessage(holding.certId, { ...opts, online: true });
      await consent.delegateBySig(
        delegation,
        holding.documentRoot,
        await signDelegation(consent, holding.holder, delegation),
      );
      const link = ethers.Wallet.createRandom().address;
      const grant = grantMessage(holding.certId, {
        grantee: link,
        validUntil: t + 7n * DAY,
        maxUses: 5,
        deadline: t + DAY,
      });
      await expect(consent.grantByDelegateSig(grant, delegation, await signGrant(consent, delegate, grant))).to.emit(
        consent,
        "GrantCreatedByDelegate",
      );
    });

    it("refuses an online share under a counter-only delegation", async () => {
      const { consent, holding, delegation, delegationId, delegate, t, verifier } = await loadFixture(delegatedFixture);
      const manyUses = grantMessage(holding.certId, {
        grantee: verifier.address,
        validUntil: t + 10n * MINUTE,
        maxUses: 2,
        deadline: t + DAY,
      });
      await expect(consent.grantByDelegateSig(manyUses, delegation, await signGrant(consent, delegate, manyUses)))
        .to.be.revertedWithCustomError(consent, "ConsentDelegationCounterOnly")
        .withArgs(delegationId, 2n, manyUses.validUntil);
      const lasting = grantMessage(holding.certId, {
        grantee: verifier.address,
        validUntil: t + 2n * 3600n,
        deadline: t + DAY,
      });
      await expect(consent.grantByDelegateSig(lasting, delegation, await signGrant(consent, delegate, lasting)))
        .to.be.revertedWithCustomError(consent, "ConsentDelegationCounterOnly")
        .withArgs(delegationId, 1n, lasting.validUntil);
      expect(await consent.COUNTER_GRANT_MAX_SECONDS()).to.equal(3600n);
    });

    it("rejects a grant signed by someone other than the delegate", async () => {
      const { consent, delegation, delegationId, counterGrant, delegate, other } = await loadFixture(delegatedFixture);
      const grant = counterGrant();
      await expect(consent.grantByDelegateSig(grant, delegation, await signGrant(consent, other, grant)))
        .to.be.revertedWithCustomError(consent, "ConsentSignerNotDelegate")
        .withArgs(delegationId, delegate.address, other.address);
    });

    it("rejects a delegation the holder never signed (altered terms give an unknown id)", async () => {
      const { consent, delegation, counterGrant, delegate } = await loadFixture(delegatedFixture);
      const widened = { ...delegation, online: true };
      const grant = counterGrant();
      await expect(consent.grantByDelegateSig(grant, widened, await signGrant(consent, delegate, grant)))
        .to.be.revertedWithCustomError(consent, "ConsentDelegationUnknown")
        .withArgs(await consent.delegationIdOf(widened));
    });

    it("rejects a grant for another certificate than the delegation's", async () => {
      const { consent, delegation, delegationId, delegate, t, verifier, ledger } = await loadFixture(delegatedFixture);
      const otherCert = newHolding();
      await ledger.issue(otherCert.certId, TYPE_ID_CARD, t, t + YEAR);
      const grant = grantMessage(otherCert.certId, {
        grantee: verifier.address,
        validUntil: t + 10n * MINUTE,
        deadline: t + DAY,
      });
      await expect(consent.grantByDelegateSig(grant, delegation, await signGrant(consent, delegate, grant)))
        .to.be.revertedWithCustomError(consent, "ConsentDelegationWrongCertificate")
        .withArgs(delegationId, otherCert.certId);
    });

    it("rejects a grant after the holder revoked the delegation", async () => {
      const { consent, holding, delegation, delegationId, counterGrant, delegate, opts } =
        await loadFixture(delegatedFixture);
      const revoke = { delegationId, nonce: 7n, deadline: opts.deadline };
      await consent.revokeDelegationBySig(
        revoke,
        holding.documentRoot,
        await signRevokeDelegation(consent, holding.holder, revoke),
      );
      const grant = counterGrant();
      await expect(consent.grantByDelegateSig(grant, delegation, await signGrant(consent, delegate, grant)))
        .to.be.revertedWithCustomError(consent, "ConsentDelegationRevoked")
        .withArgs(delegationId);
    });

    it("rejects a grant after the delegation expired", async () => {
      const { consent, holding, delegate, verifier, opts, t } = await loadFixture(delegationFixture);
      const delegation = delegationMessage(holding.certId, { ...opts, validUntil: t + DAY, deadline: t + DAY });
      await consent.delegateBySig(
        delegation,
        holding.documentRoot,
        await signDelegation(consent, holding.holder, delegation),
      );
      const id = await consent.delegationIdOf(delegation);
      await time.increaseTo(t + DAY);
      const at = t + DAY + 10n;
      const grant = grantMessage(holding.certId, {
        grantee: verifier.address,
        validUntil: at + 10n * MINUTE,
        deadline: at + DAY,
      });
      await time.setNextBlockTimestamp(at);
      await expect(consent.grantByDelegateSig(grant, delegation, await signGrant(consent, delegate, grant)))
        .to.be.revertedWithCustomError(consent, "ConsentDelegationExpired")
        .withArgs(id, t + DAY, at);
      expect(await consent.delegationVerdict(id)).to.equal(DelegationVerdict.Expired);
    });

    it("rejects a grant that would outlive the delegation", async () => {
      const { consent, holding, delegate, verifier, opts, t } = await loadFixture(delegationFixture);
      const delegation = delegationMessage(holding.certId, { ...opts, online: true, validUntil: t + DAY });
      await consent.delegateBySig(
        delegation,
        holding.documentRoot,
        await signDelegation(consent, holding.holder, delegation),
      );
      const grant = grantMessage(holding.certId, {
        grantee: verifier.address,
        validUntil: t + 2n * DAY,
        deadline: t + DAY,
      });
      await expect(consent.grantByDelegateSig(grant, delegation, await signGrant(consent, delegate, grant)))
        .to.be.revertedWithCustomError(consent, "ConsentGrantOutlivesDelegation")
        .withArgs(await consent.delegationIdOf(delegation), grant.validUntil, t + DAY);
    });

    it("rejects a purpose outside the delegation's scope", async () => {
      const { consent, holding, delegate, opts, verifier, t } = await loadFixture(delegationFixture);
      const delegation = delegationMessage(holding.certId, { ...opts, purpose: ethers.id("household-registration") });
      await consent.delegateBySig(
        delegation,
        holding.documentRoot,
        await signDelegation(consent, holding.holder, delegation),
      );
      const grant = grantMessage(holding.certId, {
        grantee: verifier.address,
        purpose: ethers.id("open-bank-account"),
        validUntil: t + 10n * MINUTE,
        deadline: t + DAY,
      });
      await expect(consent.grantByDelegateSig(grant, delegation, await signGrant(consent, delegate, grant)))
        .to.be.revertedWithCustomError(consent, "ConsentDelegationPurposeOutOfScope")
        .withArgs(await consent.delegationIdOf(delegation), grant.purpose);
    });

    it("accepts the delegation's purpose and verifier, and refuses another verifier", async () => {
      const { consent, holding, delegate, opts, verifier, t } = await loadFixture(delegationFixture);
      const purpose = ethers.id("household-registration");
      const delegation = delegationMessage(holding.certId, { ...opts, purpose, verifier: verifier.address });
      await consent.delegateBySig(
        delegation,
        holding.documentRoot,
        await signDelegation(consent, holding.holder, delegation),
      );
      const id = await consent.delegationIdOf(delegation);
      const terms = { purpose, validUntil: t + 10n * MINUTE, deadline: t + DAY };
      const good = grantMessage(holding.certId, { ...terms, grantee: verifier.address });
      await expect(consent.grantByDelegateSig(good, delegation, await signGrant(consent, delegate, good)))
        .to.emit(consent, "GrantCreatedByDelegate")
        .withArgs(await consent.grantIdOf(good), id);
      const stranger = ethers.Wallet.createRandom().address;
      const bad = grantMessage(holding.certId, { ...terms, grantee: stranger });
      await expect(consent.grantByDelegateSig(bad, delegation, await signGrant(consent, delegate, bad)))
        .to.be.revertedWithCustomError(consent, "ConsentDelegationVerifierOutOfScope")
        .withArgs(id, stranger);
    });

    it("rejects a replayed grant", async () => {
      const { consent, delegation, delegate, grant, grantId } = await loadFixture(delegateGrantedFixture);
      await expect(consent.grantByDelegateSig(grant, delegation, await signGrant(consent, delegate, grant)))
        .to.be.revertedWithCustomError(consent, "ConsentGrantExists")
        .withArgs(grantId);
    });

    it("rejects a signature past its deadline, a malformed signature, and the grant's own bad terms", async () => {
      const { consent, delegation, delegate, counterGrant, t } = await loadFixture(delegatedFixture);
      const zero = counterGrant({ grantee: ethers.ZeroAddress });
      await expect(
        consent.grantByDelegateSig(zero, delegation, await signGrant(consent, delegate, zero)),
      ).to.be.revertedWithCustomError(consent, "ConsentGranteeZero");
      const grant = counterGrant();
      await expect(consent.grantByDelegateSig(grant, delegation, "0x1234")).to.be.revertedWithCustomError(
        consent,
        "ConsentSignatureInvalid",
      );
      const sig = await signGrant(consent, delegate, grant);
      await time.increaseTo(grant.deadline + 1n);
      await expect(consent.grantByDelegateSig(grant, delegation, sig))
        .to.be.revertedWithCustomError(consent, "ConsentSignatureExpired")
        .withArgs(grant.deadline, anyValue);
      expect(t).to.be.lessThan(grant.deadline);
    });

    it("rejects a holder's grant relayed as a delegate's, and a delegate's grant relayed as the holder's", async () => {
      const { consent, holding, delegation, delegationId, delegate, counterGrant } =
        await loadFixture(delegatedFixture);
      const grant = counterGrant();
      await expect(consent.grantByDelegateSig(grant, delegation, await signGrant(consent, holding.holder, grant)))
        .to.be.revertedWithCustomError(consent, "ConsentSignerNotDelegate")
        .withArgs(delegationId, delegate.address, holding.holder.address);
      await expect(consent.grantBySig(grant, holding.documentRoot, await signGrant(consent, delegate, grant)))
        .to.be.revertedWithCustomError(consent, "ConsentSignerNotHolder")
        .withArgs(holding.certId, delegate.address);
    });

    it("is refused while paused", async () => {
      const { consent, registry, pauser, delegation, delegate, counterGrant } = await loadFixture(delegatedFixture);
      await registry.connect(pauser).pause();
      const grant = counterGrant();
      await expect(
        consent.grantByDelegateSig(grant, delegation, await signGrant(consent, delegate, grant)),
      ).to.be.revertedWithCustomError(registry, "RegistryPaused");
    });
  });

  describe("the delegate's grants after the delegation is revoked", () => {
    async function revokedFixture() {
      const f = await delegateGrantedFixture();
      const revoke = { delegationId: f.delegationId, nonce: 1n, deadline: f.opts.deadline };
      await f.consent.revokeDelegationBySig(
        revoke,
        f.holding.documentRoot,
        await signRevokeDelegation(f.consent, f.holding.holder, revoke),
      );
      return f;
    }

    it("records no check, directly or by the grantee's signature", async () => {
      const { consent, verifier, grantId, delegationId, t } = await loadFixture(revokedFixture);
      expect(await consent.checkVerdict(grantId, verifier.address)).to.equal(CheckVerdict.DelegationRevoked);
      expect(await consent.mayCheck(grantId, verifier.address)).to.equal(false);
      await expect(consent.connect(verifier).recordCheck(grantId))
        .to.be.revertedWithCustomError(consent, "ConsentDelegationRevoked")
        .withArgs(delegationId);
      const check = { grantId, use: 1, deadline: t + DAY };
      await expect(consent.recordCheckBySig(check, await signRecordCheck(consent, verifier, check)))
        .to.be.revertedWithCustomError(consent, "ConsentDelegationRevoked")
        .withArgs(delegationId);
    });

    it("still lets the holder revoke the delegate's grant, which then reads Revoked", async () => {
      const { consent, holding, verifier, grantId, t } = await loadFixture(revokedFixture);
      const revoke = { grantId, nonce: 1n, deadline: t + DAY };
      await expect(
        consent.revokeGrantBySig(revoke, holding.documentRoot, await signRevokeGrant(consent, holding.holder, revoke)),
      )
        .to.emit(consent, "GrantRevoked")
        .withArgs(grantId, holding.certId);
      expect(await consent.checkVerdict(grantId, verifier.address)).to.equal(CheckVerdict.Revoked);
      expect((await consent.getGrant(grantId)).revoked).to.equal(true);
    });
  });

  it("refuses the delegate revoking the delegate's own grant (only the holder revokes)", async () => {
    const { consent, holding, delegate, grantId, t } = await loadFixture(delegateGrantedFixture);
    const revoke = { grantId, nonce: 1n, deadline: t + DAY };
    await expect(
      consent.revokeGrantBySig(revoke, holding.documentRoot, await signRevokeGrant(consent, delegate, revoke)),
    )
      .to.be.revertedWithCustomError(consent, "ConsentSignerNotHolder")
      .withArgs(holding.certId, delegate.address);
  });

  describe("as the gateway reports the refusals", () => {
    /** The code and HTTP status the gateway's chain adapter gives a call's revert. */
    const codeOf = async (call: Promise<unknown>) => {
      const err = await call.then(
        () => undefined,
        (e: unknown) => e,
      );
      const r = rejection(revertData(err), "grant");
      return [r.code, r.status];
    };

    it("maps unknown, revoked, expired and out-of-scope delegations and a wrong key to their codes", async () => {
      const { consent, holding, delegate, delegation, delegationId, counterGrant, other, opts, t } =
        await loadFixture(delegatedFixture);
      const grant = counterGrant();
      const sig = await signGrant(consent, delegate, grant);
      expect(
        await codeOf(consent.grantByDelegateSig.staticCall(grant, { ...delegation, nonce: 1n }, sig)),
      ).to.deep.equal(["DELEGATION_NOT_FOUND", 404]);
      expect(
        await codeOf(consent.grantByDelegateSig.staticCall(grant, delegation, await signGrant(consent, other, grant))),
      ).to.deep.equal(["BAD_SIGNATURE", 422]);
      const wide = grantMessage(holding.certId, { grantee: other.address, validUntil: t + DAY, deadline: t + DAY });
      expect(
        await codeOf(consent.grantByDelegateSig.staticCall(wide, delegation, await signGrant(consent, delegate, wide))),
      ).to.deep.equal(["DELEGATION_OUT_OF_SCOPE", 403]);
      expect(
        await codeOf(
          consent.delegateBySig.staticCall(
            delegation,
            holding.documentRoot,
            await signDelegation(consent, holding.holder, delegation),
          ),
        ),
      ).to.deep.equal(["REPLAYED", 409]);
      const revoke = { delegationId, nonce: 1n, deadline: opts.deadline };
      await consent.revokeDelegationBySig(
        revoke,
        holding.documentRoot,
        await signRevokeDelegation(consent, holding.holder, revoke),
      );
      expect(await codeOf(consent.grantByDelegateSig.staticCall(grant, delegation, sig))).to.deep.equal([
        "DELEGATION_REVOKED",
        409,
      ]);
    });

    it("maps an expired delegation to DELEGATION_EXPIRED", async () => {
      const { consent, holding, delegate, verifier, opts, t } = await loadFixture(delegationFixture);
      const delegation = delegationMessage(holding.certId, { ...opts, validUntil: t + DAY });
      await consent.delegateBySig(
        delegation,
        holding.documentRoot,
        await signDelegation(consent, holding.holder, delegation),
      );
      await time.increaseTo(t + DAY);
      const at = await now();
      const grant = grantMessage(holding.certId, {
        grantee: verifier.address,
        validUntil: at + 10n * MINUTE,
        deadline: at + DAY,
      });
      expect(
        await codeOf(
          consent.grantByDelegateSig.staticCall(grant, delegation, await signGrant(consent, delegate, grant)),
        ),
      ).to.deep.equal(["DELEGATION_EXPIRED", 409]);
    });
  });

  it("answers Unknown for a delegation never stored, and lets a delegate's grant expire as any grant", async () => {
    const { consent, verifier, grant, grantId } = await loadFixture(delegateGrantedFixture);
    expect(await consent.delegationVerdict(ethers.id("none"))).to.equal(DelegationVerdict.Unknown);
    await time.increaseTo(grant.validUntil);
    expect(await consent.checkVerdict(grantId, verifier.address)).to.equal(CheckVerdict.Expired);
  });
});
