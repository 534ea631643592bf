/**
 * The ledger's by-signature writes: an agency key signs an EIP-712 message with the signing module that
 * agency systems use (src/document/agencySigning.ts) and an unrelated account relays it.
 */
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
  FAR_FUTURE,
  ledgerDomainOf,
  minedAt,
  newBatchEntries,
  newHolding,
  now,
  singleRef,
  TYPE_ID_CARD,
  TYPE_LICENCE,
  YEAR,
  type CertRef,
} from "../support/certledger";
import {
  mutableTypes,
  signAnchorBatch,
  signIssue,
  signIssueMany,
  signStatusChange,
  type TypedDataSigner,
} from "../../src/document/agencySigning";
import {
  hashAnchorBatch,
  hashIssue,
  hashIssueMany,
  hashIssueRequests,
  hashStatusChange,
} from "../../src/document/ledgerDigest";
import { domainSeparator } from "../../src/document/eip712";
import { DocumentError } from "../../src/document/errors";
import {
  ANCHOR_BATCH_TYPES,
  ISSUE_MANY_TYPES,
  ISSUE_TYPES,
  LEDGER_DOMAIN_NAME,
  LEDGER_DOMAIN_VERSION,
  LEDGER_STATUS,
  STATUS_CHANGE_TYPES,
  statusChangeMessage,
  type LedgerStatus,
  type TypedDataDomain,
} from "../../src/document/typedData";
import { CertificateLedger__factory, ERC1271Account__factory } from "../../typechain-types";
import { rejection, revertData } from "../../src/chain/contracts";

const Status = { Active: 0n, Suspended: 1n, Revoked: 2n, Superseded: 3n };
const VALID = 0n;

async function signedFixture() {
  const f = await deployedFixture();
  const domain = await ledgerDomainOf(f.ledger);
  // The relayer: an account with no role anywhere.
  const relayer = f.ledger.connect(f.other);
  const t = await now();
  return { ...f, domain, relayer, t, deadline: t + DAY };
}

/** A fixture with one single and one batched certificate issued by policeKey1, and a replacement. */
async function issuedFixture() {
  const f = await signedFixture();
  const single = newHolding();
  await f.ledger.issue(single.certId, TYPE_ID_CARD, f.t, f.t + YEAR);
  const entries = newBatchEntries(4, f.t, f.t + YEAR);
  const batch = buildBatch(entries);
  await f.ledger.anchorBatch(batch.root, TYPE_ID_CARD, entries.length);
  const replacement = newHolding();
  await f.ledger.issue(replacement.certId, TYPE_ID_CARD, f.t, f.t + YEAR);
  return { ...f, single, batch, replacement };
}

const STATUS_FN = {
  [LEDGER_STATUS.Revoked]: "revokeBySig",
  [LEDGER_STATUS.Suspended]: "suspendBySig",
  [LEDGER_STATUS.Active]: "reinstateBySig",
} as const;

describe("CertificateLedger by-signature writes", () => {
  describe("the EIP-712 domain", () => {
    it("publishes name, version, chain and contract through eip712Domain, and the TypeScript separator matches", async () => {
      const { ledger, domain } = await loadFixture(signedFixture);
      const d = await ledger.eip712Domain();
      expect([d.name, d.version, d.chainId, d.verifyingContract]).to.deep.equal([
        LEDGER_DOMAIN_NAME,
        LEDGER_DOMAIN_VERSION,
        domain.chainId,
        await ledger.getAddress(),
      ]);
      expect(await ledger.domainSeparator()).to.equal(domainSeparator(domain));
      expect(await ledger.domainSeparator()).to.equal(ethers.TypedDataEncoder.hashDomain(domain));
    });

    it("computes in TypeScript the digests ethers' TypedDataEncoder computes, for every message", async () => {
      const { domain, t, deadline } = await loadFixture(signedFixture);
      const issue = { certId: newHolding().certId, typeId: 7, validFrom: t, validUntil: t + YEAR, deadline };
      expect(hashIssue(domain, issue)).to.equal(ethers.TypedDataEncoder.hash(domain, mutableTypes(ISSUE_TYPES), issue));
      for (const n of [0, 1, 3]) {
        const requests = Array.from({ length: n }, (_, i) => ({
          certId: newHolding().certId,
          typeId: i + 1,
          validFrom: t + BigInt(i),
          validUntil: t + YEAR,
        }));
        const many = { requests, deadline };
        expect(hashIssueMany(domain, many)).to.equal(
          ethers.TypedDataEncoder.hash(domain, mutableTypes(ISSUE_MANY_TYPES), many),
        );
        const encoder = ethers.TypedDataEncoder.from(mutableTypes(ISSUE_MANY_TYPES));
        expect(hashIssueRequests(requests)).to.equal(encoder.encodeData("IssueRequest[]", requests));
      }
      const anchor = { root: ethers.id("root"), typeId: 2, count: 100_000, deadline };
      expect(hashAnchorBatch(domain, anchor)).to.equal(
        ethers.TypedDataEncoder.hash(domain, mutableTypes(ANCHOR_BATCH_TYPES), anchor),
      );
      const change = statusChangeMessage({
        certId: newHolding().certId,
        batchRoot: ethers.id("batch"),
        status: LEDGER_STATUS.Superseded,
        reason: 65_535,
        replacement: { certId: newHolding().certId },
        nonce: 2 ** 32 - 1,
        deadline,
      });
      expect(hashStatusChange(domain, change)).to.equal(
        ethers.TypedDataEncoder.hash(domain, mutableTypes(STATUS_CHANGE_TYPES), change),
      );
    });
  });

  describe("issuance", () => {
    it("issues a certificate signed by the agency key and relayed by an unrelated account", async () => {
      const { ledger, relayer, domain, policeKey1, other, t, deadline } = await loadFixture(signedFixture);
      const h = newHolding();
      const msg = { certId: h.certId, typeId: TYPE_ID_CARD, validFrom: t, validUntil: t + YEAR, deadline };
      const signed = await signIssue(policeKey1, domain, msg);
      expect(signed.signer).to.equal(policeKey1.address);
      expect(ethers.verifyTypedData(domain, { Issue: [...ISSUE_TYPES.Issue] }, msg, signed.signature)).to.equal(
        policeKey1.address,
      );
      const tx = relayer.issueBySig(h.certId, TYPE_ID_CARD, t, t + YEAR, signed);
      await expect(tx)
        .to.emit(ledger, "CertificateIssued")
        .withArgs(h.certId, 1, TYPE_ID_CARD, t, t + YEAR);
      expect((await tx).from).to.equal(other.address);
      expect(await ledger.verdict(singleRef(h.certId))).to.equal(VALID);
      // A replay finds the certificate issued.
      await expect(relayer.issueBySig(h.certId, TYPE_ID_CARD, t, t + YEAR, signed))
        .to.be.revertedWithCustomError(ledger, "LedgerCertificateAlreadyIssued")
        .withArgs(h.certId);
    });

    it("issues a group signed once, and refuses the group replayed, reordered or cut", async () => {
      const { ledger, relayer, domain, policeKey2, t, deadline } = await loadFixture(signedFixture);
      const requests = [TYPE_ID_CARD, TYPE_LICENCE, TYPE_ID_CARD].map((typeId) => ({
        certId: newHolding().certId,
        typeId,
        validFrom: t,
        validUntil: t + YEAR,
      }));
      const signed = await signIssueMany(policeKey2, domain, { requests, deadline });
      await expect(relayer.issueManyBySig([requests[1], requests[0], requests[2]], signed))
        .to.be.revertedWithCustomError(ledger, "LedgerSignatureInvalid")
        .withArgs(policeKey2.address);
      await expect(relayer.issueManyBySig(requests.slice(0, 2), signed))
        .to.be.revertedWithCustomError(ledger, "LedgerSignatureInvalid")
        .withArgs(policeKey2.address);
      const tx = relayer.issueManyBySig(requests, signed);
      for (const r of requests)
        await expect(tx)
          .to.emit(ledger, "CertificateIssued")
          .withArgs(r.certId, 2, r.typeId, t, t + YEAR);
      await expect(relayer.issueManyBySig(requests, signed))
        .to.be.revertedWithCustomError(ledger, "LedgerCertificateAlreadyIssued")
        .withArgs(requests[0].certId);
    });

    it("refuses a signed empty group", async () => {
      const { ledger, relayer, domain, policeKey1, deadline } = await loadFixture(signedFixture);
      const signed = await signIssueMany(policeKey1, domain, { requests: [], deadline });
      await expect(relayer.issueManyBySig([], signed)).to.be.revertedWithCustomError(ledger, "LedgerNothingToIssue");
    });

    it("anchors a batch root signed by the agency key, once", async () => {
      const { ledger, relayer, domain, policeKey1, t, deadline } = await loadFixture(signedFixture);
      const batch = buildBatch(newBatchEntries(3, t, t + YEAR));
      const signed = await signAnchorBatch(policeKey1, domain, {
        root: batch.root,
        typeId: TYPE_ID_CARD,
        count: 3,
        deadline,
      });
      await expect(relayer.anchorBatchBySig(batch.root, TYPE_ID_CARD, 3, signed))
        .to.emit(ledger, "BatchAnchored")
        .withArgs(batch.root, 1, TYPE_ID_CARD, 3);
      expect(await ledger.verdict(batch.refOf(1))).to.equal(VALID);
      await expect(relayer.anchorBatchBySig(batch.root, TYPE_ID_CARD, 3, signed))
        .to.be.revertedWithCustomError(ledger, "LedgerBatchAlreadyAnchored")
        .withArgs(batch.root);
    });

    it("runs the registry's checks on the signer: another agency's key is not accredited for the type", async () => {
      const { ledger, registry, relayer, domain, marketKey, t, deadline } = await loadFixture(signedFixture);
      const h = newHolding();
      const signed = await signIssue(marketKey, domain, {
        certId: h.certId,
        typeId: TYPE_ID_CARD,
        validFrom: t,
        validUntil: t + YEAR,
        deadline,
      });
      await expect(relayer.issueBySig(h.certId, TYPE_ID_CARD, t, t + YEAR, signed))
        .to.be.revertedWithCustomError(registry, "RegistryNotAccredited")
        .withArgs(AGENCY_MARKET, TYPE_ID_CARD, anyValue);
      expect(await ledger.isIssued(singleRef(h.certId))).to.equal(false);
    });

    it("refuses a message whose signer is no registered key with the registry's error", async () => {
      const { registry, relayer, domain, spare, deadline } = await loadFixture(signedFixture);
      const root = ethers.id("root");
      const signed = await signAnchorBatch(spare, domain, { root, typeId: TYPE_ID_CARD, count: 1, deadline });
      await expect(relayer.anchorBatchBySig(root, TYPE_ID_CARD, 1, signed))
        .to.be.revertedWithCustomError(registry, "RegistryAccountNotAKey")
        .withArgs(spare.address);
    });

    it("is refused while paused", async () => {
      const { registry, relayer, domain, pauser, policeKey1, t, deadline } = await loadFixture(signedFixture);
      const h = newHolding();
      const msg = { certId: h.certId, typeId: TYPE_ID_CARD, validFrom: t, validUntil: t + YEAR, deadline };
      const signed = await signIssue(policeKey1, domain, msg);
      await registry.connect(pauser).pause();
      await expect(relayer.issueBySig(h.certId, TYPE_ID_CARD, t, t + YEAR, signed)).to.be.revertedWithCustomError(
        registry,
        "RegistryPaused",
      );
    });
  });

  describe("refused messages", () => {
    async function issueMessageFixture() {
      const f = await signedFixture();
      const h = newHolding();
      const msg = {
        certId: h.certId,
        typeId: TYPE_ID_CARD,
        validFrom: f.t,
        validUntil: f.t + YEAR,
        deadline: f.deadline,
      };
      const send = (signed: { signer: string; deadline: bigint; signature: string }, m = msg) =>
        f.relayer.issueBySig(m.certId, m.typeId, m.validFrom, m.validUntil, signed);
      return { ...f, h, msg, send };
    }

    it("refuses an expired message with its deadline and the time, and accepts it up to the deadline", async () => {
      const { ledger, domain, policeKey1, msg, send } = await loadFixture(issueMessageFixture);
      const signed = await signIssue(policeKey1, domain, msg);
      await time.setNextBlockTimestamp(msg.deadline + 1n);
      await expect(send(signed))
        .to.be.revertedWithCustomError(ledger, "LedgerSignatureExpired")
        .withArgs(msg.deadline, msg.deadline + 1n);
      const h2 = newHolding();
      const m2 = { ...msg, certId: h2.certId, deadline: (await now()) + 10n };
      await time.setNextBlockTimestamp(m2.deadline);
      await expect(send(await signIssue(policeKey1, domain, m2), m2)).to.emit(ledger, "CertificateIssued");
    });

    it("refuses a message signed for another chain", async () => {
      const { ledger, domain, policeKey1, msg, send } = await loadFixture(issueMessageFixture);
      const foreign: TypedDataDomain = { ...domain, chainId: domain.chainId + 1n };
      await expect(send(await signIssue(policeKey1, foreign, msg)))
        .to.be.revertedWithCustomError(ledger, "LedgerSignatureInvalid")
        .withArgs(policeKey1.address);
    });

    it("refuses a message signed for another ledger contract", async () => {
      const { ledger, registry, deployer, policeKey1, msg, send } = await loadFixture(issueMessageFixture);
      const otherLedger = await new CertificateLedger__factory(deployer).deploy(await registry.getAddress());
      const foreign = await ledgerDomainOf(otherLedger);
      const signed = await signIssue(policeKey1, foreign, msg);
      await expect(send(signed))
        .to.be.revertedWithCustomError(ledger, "LedgerSignatureInvalid")
        .withArgs(policeKey1.address);
      // The same signature is good where it was meant to go.
      await expect(
        otherLedger.connect(deployer).issueBySig(msg.certId, msg.typeId, msg.validFrom, msg.validUntil, signed),
      )
        .to.emit(otherLedger, "CertificateIssued")
        .withArgs(msg.certId, 1, TYPE_ID_CARD, msg.validFrom, msg.validUntil);
    });

    it("refuses a message signed by another key than the one it names", async () => {
      const { ledger, domain, policeKey1, policeKey2, msg, send } = await loadFixture(issueMessageFixture);
      const byKey2 = await signIssue(policeKey2, domain, msg);
      await expect(send({ ...byKey2, signer: policeKey1.address }))
        .to.be.revertedWithCustomError(ledger, "LedgerSignatureInvalid")
        .withArgs(policeKey1.address);
    });

    it("refuses a message altered by the relayer, or a signature that is not one", async () => {
      const { ledger, domain, policeKey1, msg, send } = await loadFixture(issueMessageFixture);
      const signed = await signIssue(policeKey1, domain, msg);
      await expect(send(signed, { ...msg, validUntil: msg.validUntil + 1n }))
        .to.be.revertedWithCustomError(ledger, "LedgerSignatureInvalid")
        .withArgs(policeKey1.address);
      await expect(send({ ...signed, deadline: signed.deadline + 1n }))
        .to.be.revertedWithCustomError(ledger, "LedgerSignatureInvalid")
        .withArgs(policeKey1.address);
      await expect(send({ ...signed, signature: signed.signature.slice(0, 66) }))
        .to.be.revertedWithCustomError(ledger, "LedgerSignatureInvalid")
        .withArgs(policeKey1.address);
      expect(await ledger.isIssued(singleRef(msg.certId))).to.equal(false);
    });

    it("refuses after T a message a key signed before it was retired at T; what it issued before T stays valid", async () => {
      const { ledger, registry, relayer, domain, policeKey1, t, deadline } = await loadFixture(signedFixture);
      const early = newHolding();
      const late = newHolding();
      const earlyMsg = { certId: early.certId, typeId: TYPE_ID_CARD, validFrom: t, validUntil: t + YEAR, deadline };
      const lateMsg = { ...earlyMsg, certId: late.certId };
      const earlySigned = await signIssue(policeKey1, domain, earlyMsg);
      const lateSigned = await signIssue(policeKey1, domain, lateMsg);
      const revokeSigned = await signStatusChange(
        policeKey1,
        domain,
        statusChangeMessage({ certId: early.certId, status: LEDGER_STATUS.Revoked, reason: 1, nonce: 0, deadline }),
      );
      await relayer.issueBySig(early.certId, TYPE_ID_CARD, t, t + YEAR, earlySigned);
      const retiredAt = await minedAt(registry.retireKey(1));
      await expect(relayer.issueBySig(late.certId, TYPE_ID_CARD, t, t + YEAR, lateSigned))
        .to.be.revertedWithCustomError(registry, "RegistryKeyOutsideWindow")
        .withArgs(1, 0, retiredAt, anyValue);
      await expect(relayer.revokeBySig(singleRef(early.certId), 1, 0, revokeSigned))
        .to.be.revertedWithCustomError(registry, "RegistryKeyOutsideWindow")
        .withArgs(1, 0, retiredAt, anyValue);
      await time.increase(DAY / 2n);
      expect(await ledger.verdict(singleRef(early.certId))).to.equal(VALID);
      expect(await ledger.isIssued(singleRef(late.certId))).to.equal(false);
    });
  });

  describe("status changes", () => {
    for (const kind of ["single", "batched"] as const) {
      describe(`of a ${kind} certificate`, () => {
        async function refFixture() {
          const f = await issuedFixture();
          const ref: CertRef = kind === "single" ? singleRef(f.single.certId) : f.batch.refOf(2);
          const root = kind === "single" ? ethers.ZeroHash : f.batch.root;
          const sign = async (status: LedgerStatus, nonce: bigint | number, signer = f.policeKey2, reason = 7) =>
            signStatusChange(
              signer,
              f.domain,
              statusChangeMessage({
                certId: ref.certId as string,
                batchRoot: root,
                status,
                reason,
                nonce,
                deadline: f.deadline,
              }),
            );
          return { ...f, ref, root, sign };
        }

        it("suspends, reinstates and revokes by signature, each change counted in statusNonce", async () => {
          const { ledger, relayer, ref, root, sign } = await loadFixture(refFixture);
          const certId = ref.certId as string;
          expect(await ledger.statusNonce(certId, root)).to.equal(0n);
          for (const [status, event, expected] of [
            [LEDGER_STATUS.Suspended, "CertificateSuspended", Status.Suspended],
            [LEDGER_STATUS.Active, "CertificateReinstated", Status.Active],
            [LEDGER_STATUS.Revoked, "CertificateRevoked", Status.Revoked],
          ] as const) {
            const nonce = await ledger.statusNonce(certId, root);
            const signed = await sign(status, nonce);
            await expect(relayer[STATUS_FN[status]](ref, 7, nonce, signed))
              .to.emit(ledger, event)
              .withArgs(certId, root, 2, 7);
            expect((await ledger.getStatus(ref)).status).to.equal(expected);
            expect(await ledger.statusNonce(certId, root)).to.equal(nonce + 1n);
          }
        });

        it("refuses a suspension replayed after suspend, reinstate, suspend", async () => {
          const { ledger, relayer, policeKey2, ref, sign } = await loadFixture(refFixture);
          const certId = ref.certId as string;
          const firstSuspend = await sign(LEDGER_STATUS.Suspended, 0);
          await relayer.suspendBySig(ref, 7, 0, firstSuspend);
          await relayer.reinstateBySig(ref, 7, 1, await sign(LEDGER_STATUS.Active, 1));
          // Active again: the first suspension would apply, but its nonce is spent.
          await expect(relayer.suspendBySig(ref, 7, 0, firstSuspend))
            .to.be.revertedWithCustomError(ledger, "LedgerStatusNonceInvalid")
            .withArgs(certId, 2, 0);
          await relayer.suspendBySig(ref, 7, 2, await sign(LEDGER_STATUS.Suspended, 2));
          await expect(relayer.suspendBySig(ref, 7, 0, firstSuspend))
            .to.be.revertedWithCustomError(ledger, "LedgerStatusNonceInvalid")
            .withArgs(certId, 3, 0);
          // Presenting the spent signature with the current nonce changes the message: not the key's signature.
          await expect(relayer.reinstateBySig(ref, 7, 3, await sign(LEDGER_STATUS.Active, 1)))
            .to.be.revertedWithCustomError(ledger, "LedgerSignatureInvalid")
            .withArgs(policeKey2.address);
        });

        it("counts direct changes too, so a signature made before one is spent", async () => {
          const { ledger, policeKey1, relayer, ref, root, sign } = await loadFixture(refFixture);
          const signedSuspend = await sign(LEDGER_STATUS.Suspended, 0);
          await ledger.connect(policeKey1).suspend(ref, 1);
          await ledger.connect(policeKey1).reinstate(ref, 1);
          expect(await ledger.statusNonce(ref.certId as string, root)).to.equal(2n);
          await expect(relayer.suspendBySig(ref, 7, 0, signedSuspend))
            .to.be.revertedWithCustomError(ledger, "LedgerStatusNonceInvalid")
            .withArgs(ref.certId, 2, 0);
        });

        it("refuses a change signed for a later nonce, and one signed with another status or reason", async () => {
          const { ledger, relayer, policeKey2, ref, sign } = await loadFixture(refFixture);
          await expect(relayer.revokeBySig(ref, 7, 1, await sign(LEDGER_STATUS.Revoked, 1)))
            .to.be.revertedWithCustomError(ledger, "LedgerStatusNonceInvalid")
            .withArgs(ref.certId, 0, 1);
          const suspend = await sign(LEDGER_STATUS.Suspended, 0);
          await expect(relayer.revokeBySig(ref, 7, 0, suspend))
            .to.be.revertedWithCustomError(ledger, "LedgerSignatureInvalid")
            .withArgs(policeKey2.address);
          await expect(relayer.suspendBySig(ref, 8, 0, suspend))
            .to.be.revertedWithCustomError(ledger, "LedgerSignatureInvalid")
            .withArgs(policeKey2.address);
        });

        it("refuses another agency's key with LedgerNotIssuingAgency and an impossible transition", async () => {
          const { ledger, relayer, marketKey, ref, sign } = await loadFixture(refFixture);
          await expect(relayer.revokeBySig(ref, 7, 0, await sign(LEDGER_STATUS.Revoked, 0, marketKey)))
            .to.be.revertedWithCustomError(ledger, "LedgerNotIssuingAgency")
            .withArgs(ref.certId, AGENCY_MARKET, AGENCY_POLICE);
          await expect(relayer.reinstateBySig(ref, 7, 0, await sign(LEDGER_STATUS.Active, 0)))
            .to.be.revertedWithCustomError(ledger, "LedgerStatusChangeInvalid")
            .withArgs(ref.certId, Status.Active, Status.Active);
        });

        it("supersedes by signature, bound to the replacement", async () => {
          const { ledger, relayer, domain, policeKey2, ref, root, replacement, batch, deadline } =
            await loadFixture(refFixture);
          const message = statusChangeMessage({
            certId: ref.certId as string,
            batchRoot: root,
            status: LEDGER_STATUS.Superseded,
            reason: 21,
            replacement: { certId: replacement.certId },
            nonce: 0,
            deadline,
          });
          const signed = await signStatusChange(policeKey2, domain, message);
          const elsewhere = batch.refOf(3);
          await expect(relayer.supersedeBySig(ref, elsewhere, 21, 0, signed))
            .to.be.revertedWithCustomError(ledger, "LedgerSignatureInvalid")
            .withArgs(policeKey2.address);
          await expect(relayer.supersedeBySig(ref, singleRef(replacement.certId), 21, 0, signed))
            .to.emit(ledger, "CertificateSuperseded")
            .withArgs(ref.certId, root, replacement.certId, ethers.ZeroHash, 2, 21);
          const s = await ledger.getStatus(ref);
          expect([s.status, s.supersededBy]).to.deep.equal([Status.Superseded, replacement.certId]);
          expect(await ledger.statusNonce(ref.certId as string, root)).to.equal(1n);
          await expect(relayer.supersedeBySig(ref, singleRef(replacement.certId), 21, 0, signed))
            .to.be.revertedWithCustomError(ledger, "LedgerStatusNonceInvalid")
            .withArgs(ref.certId, 1, 0);
        });
      });
    }

    it("refuses a signed supersede by the certificate itself", async () => {
      const { ledger, relayer, domain, policeKey1, single, deadline } = await loadFixture(issuedFixture);
      const ref = singleRef(single.certId);
      const signed = await signStatusChange(
        policeKey1,
        domain,
        statusChangeMessage({
          certId: single.certId,
          status: LEDGER_STATUS.Superseded,
          reason: 1,
          replacement: { certId: single.certId },
          nonce: 0,
          deadline,
        }),
      );
      await expect(relayer.supersedeBySig(ref, ref, 1, 0, signed))
        .to.be.revertedWithCustomError(ledger, "LedgerSupersedeBySelf")
        .withArgs(single.certId);
    });
  });

  describe("a contract key (ERC-1271)", () => {
    async function contractKeyFixture() {
      const f = await signedFixture();
      const account = await new ERC1271Account__factory(f.deployer).deploy(f.spare.address);
      const address = await account.getAddress();
      await f.registry.addKey(AGENCY_POLICE, address, 0, FAR_FUTURE);
      // The account's owner signs; the SignedWrite names the account.
      const accountSigner: TypedDataSigner = {
        getAddress: async () => address,
        signTypedData: (domain, types, value) => f.spare.signTypedData(domain, types, value),
      };
      return { ...f, address, accountSigner };
    }

    it("issues and revokes with a contract key whose owner signed, and refuses another key's signature", async () => {
      const { ledger, relayer, domain, accountSigner, address, marketKey, t, deadline } =
        await loadFixture(contractKeyFixture);
      const h = newHolding();
      const msg = { certId: h.certId, typeId: TYPE_ID_CARD, validFrom: t, validUntil: t + YEAR, deadline };
      const signed = await signIssue(accountSigner, domain, msg);
      expect(signed.signer).to.equal(address);
      await expect(relayer.issueBySig(h.certId, TYPE_ID_CARD, t, t + YEAR, signed))
        .to.emit(ledger, "CertificateIssued")
        .withArgs(h.certId, 4, TYPE_ID_CARD, t, t + YEAR);
      const revoke = statusChangeMessage({
        certId: h.certId,
        status: LEDGER_STATUS.Revoked,
        reason: 3,
        nonce: 0,
        deadline,
      });
      const byMarket = await signStatusChange(marketKey, domain, revoke);
      await expect(relayer.revokeBySig(singleRef(h.certId), 3, 0, { ...byMarket, signer: address }))
        .to.be.revertedWithCustomError(ledger, "LedgerSignatureInvalid")
        .withArgs(address);
      await expect(
        relayer.revokeBySig(singleRef(h.certId), 3, 0, await signStatusChange(accountSigner, domain, revoke)),
      )
        .to.emit(ledger, "CertificateRevoked")
        .withArgs(h.certId, ethers.ZeroHash, 4, 3);
    });
  });

  describe("as the gateway reports the refusals", () => {
    it("maps a bad signature, an expired one and a spent nonce to BAD_SIGNATURE, SIGNATURE_EXPIRED and REPLAYED", async () => {
      const { relayer, domain, policeKey1, policeKey2, single, deadline } = await loadFixture(issuedFixture);
      const ref = singleRef(single.certId);
      const change = (nonce: number, d = deadline) =>
        statusChangeMessage({ certId: single.certId, status: LEDGER_STATUS.Suspended, reason: 1, nonce, deadline: d });
      const codeOf = async (call: Promise<unknown>) => {
        const err = await call.then(
          () => undefined,
          (e: unknown) => e,
        );
        const r = rejection(revertData(err), "suspend");
        return [r.code, r.status];
      };
      const byKey2 = await signStatusChange(policeKey2, domain, change(0));
      expect(
        await codeOf(relayer.suspendBySig.staticCall(ref, 1, 0, { ...byKey2, signer: policeKey1.address })),
      ).to.deep.equal(["BAD_SIGNATURE", 422]);
      const past = await signStatusChange(policeKey1, domain, change(0, (await now()) - 1n));
      expect(await codeOf(relayer.suspendBySig.staticCall(ref, 1, 0, past))).to.deep.equal(["SIGNATURE_EXPIRED", 422]);
      const first = await signStatusChange(policeKey1, domain, change(0));
      await relayer.suspendBySig(ref, 1, 0, first);
      expect(await codeOf(relayer.suspendBySig.staticCall(ref, 1, 0, first))).to.deep.equal(["REPLAYED", 409]);
    });
  });

  describe("the signing module", () => {
    it("refuses a malformed message before the signer sees it, naming the member", async () => {
      const { domain, policeKey1, t, deadline } = await loadFixture(signedFixture);
      let asked = 0;
      const counting: TypedDataSigner = {
        getAddress: async () => policeKey1.address,
        signTypedData: async (d, ty, v) => {
          asked++;
          return policeKey1.signTypedData(d, ty, v);
        },
      };
      const good = { certId: newHolding().certId, typeId: 1, validFrom: t, validUntil: t + YEAR, deadline };
      const refusal = async (p: Promise<unknown>) => {
        const err = await p.then(
          () => undefined,
          (e: unknown) => e as DocumentError,
        );
        expect(err, "a refusal").to.be.instanceOf(DocumentError);
        return [err!.code, err!.message];
      };
      expect(await refusal(signIssue(counting, domain, { ...good, typeId: 2 ** 32 }))).to.deep.equal([
        "INVALID_PARAMETER",
        "typeId must fit in uint32",
      ]);
      expect(await refusal(signIssue(counting, domain, { ...good, certId: "0x1234" }))).to.deep.equal([
        "INVALID_PARAMETER",
        "certId must be 32 bytes of hex",
      ]);
      expect(
        await refusal(signIssueMany(counting, domain, { requests: [{ ...good, validUntil: -1 }], deadline })),
      ).to.deep.equal(["INVALID_PARAMETER", "requests[0].validUntil must fit in uint64"]);
      const badStatus = statusChangeMessage({
        certId: good.certId,
        status: 4 as LedgerStatus,
        reason: 1,
        nonce: 0,
        deadline,
      });
      expect(await refusal(signStatusChange(counting, domain, badStatus))).to.deep.equal([
        "INVALID_PARAMETER",
        "status must be one of LEDGER_STATUS (0 to 3)",
      ]);
      expect(asked).to.equal(0);
      await signIssue(counting, domain, good);
      expect(asked).to.equal(1);
    });
  });
});
