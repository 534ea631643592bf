/**
 * npm run bench:gas — gas of each on-chain operation, one JSON line per figure: {"name","value","unit"}.
 * Figures are receipts' gasUsed on the in-process Hardhat network (paris bytecode, optimizer 10,000 runs).
 */
import {
  buildBatch,
  deployedFixture,
  DAY,
  delegationMessage,
  grantMessage,
  anonymousBatchEntries,
  ledgerDomainOf,
  newHolding,
  now,
  signDelegation,
  signGrant,
  signRecordCheck,
  signRevokeDelegation,
  singleRef,
  TYPE_ID_CARD,
  YEAR,
} from "../support/certledger";
import { Signature, Wallet, type ContractTransactionResponse } from "ethers";
import { signAnchorBatch, signIssue, signIssueMany, signStatusChange } from "../../src/document/agencySigning";
import { LEDGER_STATUS, statusChangeMessage } from "../../src/document/typedData";

function report(name: string, value: bigint | number, unit = "gas"): void {
  console.log(JSON.stringify({ name, value: Number(value), unit }));
}

async function gasOf(tx: Promise<ContractTransactionResponse>): Promise<bigint> {
  const receipt = await (await tx).wait();
  return receipt!.gasUsed;
}

async function main(): Promise<void> {
  const f = await deployedFixture();
  const t = await now();
  const validFrom = t;
  const validUntil = t + 10n * YEAR;

  // By-signature forms: signed by the agency key, relayed by an account with no role.
  const domain = await ledgerDomainOf(f.ledger);
  const relayer = f.ledger.connect(f.other);
  const deadline = t + DAY;

  const single = newHolding();
  report("issue_single", await gasOf(f.ledger.issue(single.certId, TYPE_ID_CARD, validFrom, validUntil)));
  const signedOne = newHolding().certId;
  const issueAuth = await signIssue(f.policeKey1, domain, {
    certId: signedOne,
    typeId: TYPE_ID_CARD,
    validFrom,
    validUntil,
    deadline,
  });
  report(
    "issue_by_sig_single",
    await gasOf(relayer.issueBySig(signedOne, TYPE_ID_CARD, validFrom, validUntil, issueAuth)),
  );

  const many = Array.from({ length: 100 }, () => ({
    certId: newHolding().certId,
    typeId: TYPE_ID_CARD,
    validFrom,
    validUntil,
  }));
  const manyGas = await gasOf(f.ledger.issueMany(many));
  report("issue_many_100_total", manyGas);
  report("issue_many_100_per_certificate", manyGas / 100n);
  const signedMany = Array.from({ length: 100 }, () => ({
    certId: newHolding().certId,
    typeId: TYPE_ID_CARD,
    validFrom,
    validUntil,
  }));
  const manyAuth = await signIssueMany(f.policeKey1, domain, { requests: signedMany, deadline });
  report("issue_many_by_sig_100_per_certificate", (await gasOf(relayer.issueManyBySig(signedMany, manyAuth))) / 100n);

  const entries1k = anonymousBatchEntries(1_000, validFrom, validUntil);
  const e1k = { ...newHolding(), validFrom, validUntil };
  entries1k[7] = e1k;
  const batch1k = buildBatch(entries1k);
  report("anchor_batch_1000", await gasOf(f.ledger.anchorBatch(batch1k.root, TYPE_ID_CARD, 1_000)));
  const signedBatch = buildBatch(anonymousBatchEntries(1_000, validFrom, validUntil));
  const anchorAuth = await signAnchorBatch(f.policeKey1, domain, {
    root: signedBatch.root,
    typeId: TYPE_ID_CARD,
    count: 1_000,
    deadline,
  });
  report(
    "anchor_batch_by_sig",
    await gasOf(relayer.anchorBatchBySig(signedBatch.root, TYPE_ID_CARD, 1_000, anchorAuth)),
  );

  const entries100k = anonymousBatchEntries(100_000, validFrom, validUntil);
  const e = { ...newHolding(), validFrom, validUntil };
  entries100k[42] = e;
  const batch100k = buildBatch(entries100k);
  report("anchor_batch_100000", await gasOf(f.ledger.anchorBatch(batch100k.root, TYPE_ID_CARD, 100_000)));

  const toRevoke = newHolding();
  await f.ledger.issue(toRevoke.certId, TYPE_ID_CARD, validFrom, validUntil);
  report("revoke_single", await gasOf(f.ledger.revoke(singleRef(toRevoke.certId), 1)));
  const toRevokeBySig = newHolding();
  await f.ledger.issue(toRevokeBySig.certId, TYPE_ID_CARD, validFrom, validUntil);
  const revokeAuth = await signStatusChange(
    f.policeKey1,
    domain,
    statusChangeMessage({ certId: toRevokeBySig.certId, status: LEDGER_STATUS.Revoked, reason: 1, nonce: 0, deadline }),
  );
  report("revoke_by_sig_single", await gasOf(relayer.revokeBySig(singleRef(toRevokeBySig.certId), 1, 0, revokeAuth)));
  report("revoke_in_batch_100000", await gasOf(f.ledger.revoke(batch100k.refOf(7), 1)));

  const grantDeadline = (await now()) + DAY;
  const grantOpts = {
    grantee: f.verifier.address,
    validUntil: grantDeadline + DAY,
    maxUses: 3,
    deadline: grantDeadline,
  };
  const msg = grantMessage(single.certId, grantOpts);
  const sig = await signGrant(f.consent, single.holder, msg);
  report("grant_by_sig_single", await gasOf(f.consent.grantBySig(msg, single.documentRoot, sig)));

  const ref = batch100k.refOf(42);
  const bmsg = grantMessage(e.certId, grantOpts);
  const bsig = await signGrant(f.consent, e.holder, bmsg);
  const leaf = { batchRoot: ref.batchRoot, validFrom: ref.validFrom, validUntil: ref.validUntil, proof: ref.proof };
  report("grant_by_sig_batch_100000", await gasOf(f.consent.grantInBatchBySig(bmsg, e.documentRoot, leaf, bsig)));

  const ref1k = batch1k.refOf(7);
  const msg1k = grantMessage(e1k.certId, grantOpts);
  const leaf1k = {
    batchRoot: ref1k.batchRoot,
    validFrom: ref1k.validFrom,
    validUntil: ref1k.validUntil,
    proof: ref1k.proof,
  };
  const sig1k = await signGrant(f.consent, e1k.holder, msg1k);
  report("grant_by_sig_batch_1000", await gasOf(f.consent.grantInBatchBySig(msg1k, e1k.documentRoot, leaf1k, sig1k)));

  const grantId = await f.consent.grantIdOf(msg);
  const consentAsVerifier = f.consent.connect(f.verifier);
  report("record_check", await gasOf(consentAsVerifier.recordCheck(grantId)));

  // Five grants, one check each, recorded in one transaction.
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) {
    const h = newHolding();
    await f.ledger.issue(h.certId, TYPE_ID_CARD, validFrom, validUntil);
    const m = grantMessage(h.certId, grantOpts);
    await f.consent.grantBySig(m, h.documentRoot, await signGrant(f.consent, h.holder, m));
    ids.push(await f.consent.grantIdOf(m));
  }
  report("record_checks_5_per_check", (await gasOf(consentAsVerifier.recordChecks(ids))) / 5n);

  // Grants in groups: twenty single certificates, each granted by its own holder, in one transaction.
  const singles = [];
  for (let i = 0; i < 20; i++) {
    const h = newHolding();
    await f.ledger.issue(h.certId, TYPE_ID_CARD, validFrom, validUntil);
    const m = grantMessage(h.certId, grantOpts);
    const s = Signature.from(await signGrant(f.consent, h.holder, m));
    singles.push({ grant: m, documentRoot: h.documentRoot, r: s.r, vs: s.yParityAndS });
  }
  report("grant_many_by_sig_20_per_grant", (await gasOf(f.consent.grantManyBySig(singles, []))) / 20n);

  // A check signed by a one-time link's key and relayed by the gateway's key.
  const linkKey = Wallet.createRandom();
  const linkGrant = grantMessage(single.certId, { ...grantOpts, grantee: linkKey.address });
  await f.consent.grantBySig(linkGrant, single.documentRoot, await signGrant(f.consent, single.holder, linkGrant));
  const linkCheck = { grantId: await f.consent.grantIdOf(linkGrant), use: 1, deadline };
  const linkSig = await signRecordCheck(f.consent, linkKey, linkCheck);
  report("record_check_by_sig", await gasOf(f.consent.recordCheckBySig(linkCheck, linkSig)));

  // Delegation: the holder lets another wallet present the certificate at counters, relayed; the delegate
  // then signs a counter's grant (one use, minutes) with its own key, relayed with the delegation's terms.
  const delegate = Wallet.createRandom();
  const delegation = delegationMessage(single.certId, {
    delegate: delegate.address,
    validUntil: grantDeadline + 30n * DAY,
    deadline: grantDeadline,
  });
  const delegationSig = await signDelegation(f.consent, single.holder, delegation);
  report("delegate_by_sig", await gasOf(f.consent.delegateBySig(delegation, single.documentRoot, delegationSig)));
  // A guardian named by the issuing agency for a minor's certificate, relayed right after issuance.
  const minor = newHolding();
  await f.ledger.issue(minor.certId, TYPE_ID_CARD, validFrom, validUntil);
  const guardian = delegationMessage(minor.certId, {
    delegate: Wallet.createRandom().address,
    validUntil: grantDeadline + 30n * DAY,
    deadline: grantDeadline,
  });
  const issuerKey = f.policeKey1;
  const guardianSig = await signDelegation(f.consent, issuerKey, guardian);
  report(
    "delegate_by_issuer_sig",
    await gasOf(f.consent.delegateByIssuerSig(guardian, issuerKey.address, guardianSig)),
  );
  const counterAt = await now();
  const byDelegate = grantMessage(single.certId, {
    grantee: f.verifier.address,
    validUntil: counterAt + 15n * 60n,
    maxUses: 1,
    deadline: counterAt + 15n * 60n,
  });
  const byDelegateSig = await signGrant(f.consent, delegate, byDelegate);
  report("grant_by_delegate_sig", await gasOf(f.consent.grantByDelegateSig(byDelegate, delegation, byDelegateSig)));
  report(
    "record_check_by_delegate_grant",
    await gasOf(consentAsVerifier.recordCheck(await f.consent.grantIdOf(byDelegate))),
  );
  const revokeDelegation = { delegationId: await f.consent.delegationIdOf(delegation), nonce: 1n, deadline };
  const revokeDelegationSig = await signRevokeDelegation(f.consent, single.holder, revokeDelegation);
  report(
    "revoke_delegation_by_sig",
    await gasOf(f.consent.revokeDelegationBySig(revokeDelegation, single.documentRoot, revokeDelegationSig)),
  );
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
