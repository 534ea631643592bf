import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { expect } from "chai";
import { DomainError } from "../../src/domain/errors";
import { Wallet } from "ethers";
import { consentDomain, RECORD_CHECK_TYPES } from "../../src/document/typedData";
import type { Address, Bytes32, Hex } from "../../src/domain/ports";
import type { EngineOptions } from "../../src/chain/engine";
import { freshPostgresDatabase } from "../support/postgres";
import { newHolderCert, openEngine, setupActors, signGrant, tmpDataDir } from "../support/engineFixture";

/** Deploy, issue, grant, check, suspend; restart; everything is still there. */
async function roundTrip(dir: string, extra: Partial<EngineOptions> = {}): Promise<void> {
  let engine = await openEngine(dir, extra);
  expect(engine.startup.deployed).to.equal(true);
  const a = await setupActors(engine);
  const now = Math.floor(Date.now() / 1000);

  const { holder, documentRoot, certId } = newHolderCert();
  const r = await engine.chain.issue({
    agency: a.agency,
    issuerKey: a.issuerKey,
    certId,
    typeId: a.typeId,
    validFrom: now - 5,
    validUntil: now + 86400,
    outboxKey: "k1",
  });
  expect(r.blockNumber).to.be.greaterThan(0);
  // Read-your-writes: the index answers at once.
  const view = await engine.index.certificate(certId);
  expect(view).to.deep.include({ status: "ACTIVE", typeId: a.typeId, issuerKey: a.issuerKey, agency: a.agency });
  expect(engine.index.wasAccredited(a.agency, a.typeId, view!.issuedAt)).to.equal(true);

  // Same outbox key: same outcome, nothing sent again.
  const again = await engine.chain.issue({
    agency: a.agency,
    issuerKey: a.issuerKey,
    certId,
    typeId: a.typeId,
    validFrom: now - 5,
    validUntil: now + 86400,
    outboxKey: "k1",
  });
  expect(again).to.deep.equal(r);

  const g = await signGrant(engine, holder, certId, documentRoot, a.verifier);
  const { grantId } = await engine.chain.relayGrant(g);
  expect(await engine.index.grant(grantId)).to.deep.include({ certId, grantee: a.verifier, uses: 0, revoked: false });
  await engine.chain.recordCheck({ verifier: a.verifier, grantId, outboxKey: "c1" });
  await engine.chain.recordCheck({ verifier: a.verifier, grantId, outboxKey: "c1" });
  expect((await engine.index.grant(grantId))!.uses).to.equal(1);
  expect(await engine.index.checksForCertificate(certId)).to.have.length(1);

  await engine.chain.changeStatus({
    agency: a.agency,
    issuerKey: a.issuerKey,
    certId,
    action: "suspend",
    reason: 3,
    outboxKey: "s1",
  });
  expect((await engine.index.certificate(certId))!.status).to.equal("SUSPENDED");
  await engine.close();

  engine = await openEngine(dir, extra);
  expect(engine.startup.deployed).to.equal(false);
  // The chain came back with its blocks: from its checkpoint (anvil, taken at the clean close) or by
  // replaying the journal (EDR).
  const replay = engine.startup.replay!;
  expect(replay.fromBlock + replay.blocks).to.be.greaterThan(5);
  if (engine.embedded!.engine === "anvil")
    expect(replay, "a clean stop leaves a checkpoint at the head").to.deep.include({ blocks: 0, transactions: 0 });
  expect((await engine.index.certificate(certId))!.status).to.equal("SUSPENDED");
  expect((await engine.index.grant(grantId))!.uses).to.equal(1);
  expect((await engine.index.statusHistory(certId)).map((h) => h.status)).to.deep.equal(["SUSPENDED"]);
  await engine.close();
}

/** Issues `certId` singly from the test agency's key, valid from now for a day. */
function issueForADay(
  engine: Awaited<ReturnType<typeof openEngine>>,
  a: Awaited<ReturnType<typeof setupActors>>,
  certId: Bytes32,
  outboxKey: string,
) {
  const now = Math.floor(Date.now() / 1000);
  return engine.chain.issue({
    agency: a.agency,
    issuerKey: a.issuerKey,
    certId,
    typeId: a.typeId,
    validFrom: now,
    validUntil: now + 86400,
    outboxKey,
  });
}

/** `n` certificates issued for a day (outbox keys `<prefix><i>`), each with its holder's grant to the verifier, signed. */
async function grantsToRelay(
  engine: Awaited<ReturnType<typeof openEngine>>,
  a: Awaited<ReturnType<typeof setupActors>>,
  n: number,
  prefix: string,
) {
  const holdings = Array.from({ length: n }, () => newHolderCert());
  await Promise.all(holdings.map((h, i) => issueForADay(engine, a, h.certId, `${prefix}${i}`)));
  const requests = await Promise.all(
    holdings.map((h) => signGrant(engine, h.holder, h.certId, h.documentRoot, a.verifier)),
  );
  return { holdings, requests };
}

describe("engine on the embedded chain", function () {
  this.timeout(300_000);

  it("deploys on first start, issues, grants and records checks, and finds it all again after a restart", async function () {
    await roundTrip(tmpDataDir());
  });

  it("on anvil, comes back after a clean stop from the checkpoint it took, replaying nothing", async function () {
    await roundTrip(tmpDataDir(), { embeddedChain: { engine: "anvil" } });
  });

  it("lands 50 concurrent issues of one agency key with no nonce error, grouped into few transactions", async function () {
    const engine = await openEngine(tmpDataDir());
    const a = await setupActors(engine);
    const now = Math.floor(Date.now() / 1000);
    const before = engine.relayer.stats.transactions;
    const certs = Array.from({ length: 50 }, () => newHolderCert().certId);
    const receipts = await Promise.all(
      certs.map((certId, i) =>
        engine.chain.issue({
          agency: a.agency,
          issuerKey: a.issuerKey,
          certId,
          typeId: a.typeId,
          validFrom: now,
          validUntil: now + 1000,
          outboxKey: `c${i}`,
        }),
      ),
    );
    expect(receipts).to.have.length(50);
    for (const c of certs) expect((await engine.index.certificate(c))?.status).to.equal("ACTIVE");
    expect(engine.relayer.stats.transactions - before).to.be.lessThan(10);
    await engine.close();
  });

  it("relays 30 concurrent grants in few grantManyBySig transactions; a bad one fails alone with its own code", async function () {
    const engine = await openEngine(tmpDataDir());
    const a = await setupActors(engine);
    const { holdings, requests } = await grantsToRelay(engine, a, 30, "g");
    // Signed by another key than the holder's: the registry refuses it (the domain would have, before).
    const stranger = newHolderCert();
    requests[7] = await signGrant(engine, stranger.holder, holdings[7].certId, holdings[7].documentRoot, a.verifier);
    const before = { ...engine.relayer.stats };
    const results = await Promise.allSettled(requests.map((r) => engine.chain.relayGrant(r)));
    expect(results[7].status).to.equal("rejected");
    expect(((results[7] as PromiseRejectedResult).reason as DomainError).code).to.equal("BAD_SIGNATURE");
    const ok = results.filter((r) => r.status === "fulfilled");
    expect(ok).to.have.length(29);
    for (const [i, r] of results.entries()) {
      if (i === 7) continue;
      const { grantId } = (r as PromiseFulfilledResult<{ grantId: Bytes32 }>).value;
      expect(grantId).to.equal(engine.chain.grantIdOf(requests[i].grant));
      expect(await engine.index.grant(grantId)).to.deep.include({ certId: holdings[i].certId, uses: 0 });
    }
    expect(engine.relayer.stats.grouped - before.grouped).to.be.greaterThan(1);
    // Asking again: the same answers, nothing sent again.
    const txs = engine.relayer.stats.transactions;
    const again = await Promise.allSettled([
      engine.chain.relayGrant(requests[0]),
      engine.chain.relayGrant(requests[7]),
    ]);
    expect((again[0] as PromiseFulfilledResult<{ grantId: Bytes32 }>).value.grantId).to.equal(
      engine.chain.grantIdOf(requests[0].grant),
    );
    expect(((again[1] as PromiseRejectedResult).reason as DomainError).code).to.equal("BAD_SIGNATURE");
    expect(engine.relayer.stats.transactions).to.equal(txs);
    await engine.close();
  });

  it("sends the grants that came while no block could be made as one transaction, not one per linger", async function () {
    const engine = await openEngine(tmpDataDir());
    const a = await setupActors(engine);
    const { requests } = await grantsToRelay(engine, a, 12, "w");
    const before = { ...engine.relayer.stats };
    // Three waves 20 ms apart (ten times the relayer's linger) while the producer is held between blocks.
    let relayed: Promise<unknown>[] = [];
    await engine.embedded!.producer.between(async () => {
      for (let wave = 0; wave < 3; wave++) {
        relayed = relayed.concat(requests.slice(wave * 4, wave * 4 + 4).map((r) => engine.chain.relayGrant(r)));
        await new Promise((r) => setTimeout(r, 20));
      }
    });
    await Promise.all(relayed);
    expect(engine.relayer.stats.transactions - before.transactions).to.equal(1);
    expect(engine.relayer.stats.grouped - before.grouped).to.equal(12);
    await engine.close();
  });

  it("records a check signed by a link's key, once per signature, and refuses a second signature for the same use", async function () {
    const engine = await openEngine(tmpDataDir());
    const a = await setupActors(engine);
    const now = Math.floor(Date.now() / 1000);
    const h = newHolderCert();
    await issueForADay(engine, a, h.certId, "link-cert");
    const link = Wallet.createRandom();
    const g = await signGrant(engine, h.holder, h.certId, h.documentRoot, link.address.toLowerCase() as Address);
    const { grantId } = await engine.chain.relayGrant(g);
    const d = consentDomain(engine.chainId, engine.addresses.consent);
    const sign = (use: number, deadline: number) =>
      link.signTypedData(
        { name: d.name, version: d.version, chainId: d.chainId, verifyingContract: d.verifyingContract },
        RECORD_CHECK_TYPES as unknown as Record<string, { name: string; type: string }[]>,
        { grantId, use, deadline },
      );
    const first = { grantId, use: 1, deadline: now + 300, signature: (await sign(1, now + 300)) as Hex };
    const r = await engine.chain.relayRecordCheck(first);
    expect(await engine.chain.relayRecordCheck(first)).to.deep.equal(r);
    expect((await engine.index.grant(grantId))!.uses).to.equal(1);
    const checks = await engine.index.checksForCertificate(h.certId);
    expect(checks.map((c) => c.verifier)).to.deep.equal([link.address.toLowerCase()]);
    const raced = { grantId, use: 1, deadline: now + 299, signature: (await sign(1, now + 299)) as Hex };
    const err = await engine.chain.relayRecordCheck(raced).catch((e) => e);
    expect((err as DomainError).code).to.equal("CHECK_USE_TAKEN");
    expect((await engine.index.grant(grantId))!.uses).to.equal(1);
    await engine.close();
  });

  it("fails only the bad item of a group and maps the contract's error to the domain's code", async function () {
    const engine = await openEngine(tmpDataDir());
    const a = await setupActors(engine);
    const now = Math.floor(Date.now() / 1000);
    const dup = newHolderCert().certId;
    await engine.chain.issue({
      agency: a.agency,
      issuerKey: a.issuerKey,
      certId: dup,
      typeId: a.typeId,
      validFrom: now,
      validUntil: now + 10,
      outboxKey: "first",
    });
    const others = Array.from({ length: 5 }, () => newHolderCert().certId);
    const results = await Promise.allSettled([
      engine.chain.issue({
        agency: a.agency,
        issuerKey: a.issuerKey,
        certId: dup,
        typeId: a.typeId,
        validFrom: now,
        validUntil: now + 10,
        outboxKey: "dup",
      }),
      ...others.map((c, i) =>
        engine.chain.issue({
          agency: a.agency,
          issuerKey: a.issuerKey,
          certId: c,
          typeId: a.typeId,
          validFrom: now,
          validUntil: now + 10,
          outboxKey: `o${i}`,
        }),
      ),
    ]);
    expect(results[0].status).to.equal("rejected");
    const err = (results[0] as PromiseRejectedResult).reason as DomainError;
    expect(err.code).to.equal("CERTIFICATE_ALREADY_ISSUED");
    expect(results.slice(1).every((r) => r.status === "fulfilled")).to.equal(true);
    // Asking again gives the same recorded answer.
    const again = await engine.chain
      .issue({
        agency: a.agency,
        issuerKey: a.issuerKey,
        certId: dup,
        typeId: a.typeId,
        validFrom: now,
        validUntil: now + 10,
        outboxKey: "dup",
      })
      .catch((e) => e);
    expect((again as DomainError).code).to.equal("CERTIFICATE_ALREADY_ISSUED");
    await engine.close();
  });

  it("anchors a batch and serves its members' status from the index, with a per-member override", async function () {
    const engine = await openEngine(tmpDataDir());
    const a = await setupActors(engine);
    const now = Math.floor(Date.now() / 1000);
    const members = Array.from({ length: 1000 }, () => ({
      certId: newHolderCert().certId,
      validFrom: now,
      validUntil: now + 3600,
    }));
    const tree = StandardMerkleTree.of(
      members.map((m) => [m.certId, m.validFrom, m.validUntil]),
      ["bytes32", "uint64", "uint64"],
    );
    const root = tree.root as Bytes32;
    await engine.chain.anchorBatch({
      agency: a.agency,
      issuerKey: a.issuerKey,
      root,
      typeId: a.typeId,
      count: members.length,
      outboxKey: "b1",
      members,
    });
    expect(engine.index.batch(root)).to.deep.include({ count: 1000, typeId: a.typeId });
    expect(await engine.index.certificate(members[10].certId)).to.deep.include({
      status: "ACTIVE",
      batchRoot: root,
      validUntil: now + 3600,
    });

    const m = members[10];
    const proof = tree.getProof(10) as Bytes32[];
    await engine.chain.changeStatus({
      agency: a.agency,
      issuerKey: a.issuerKey,
      certId: m.certId,
      action: "revoke",
      reason: 1,
      batch: { root, validFrom: m.validFrom, validUntil: m.validUntil, proof },
      outboxKey: "r1",
    });
    expect(await engine.index.certificate(m.certId)).to.deep.include({
      status: "REVOKED",
      batchRoot: root,
      validUntil: now + 3600,
    });
    expect((await engine.index.certificate(members[11].certId))!.status).to.equal("ACTIVE");
    await engine.close();
  });
});

describe("engine with its store on PostgreSQL", function () {
  this.timeout(300_000);

  it("deploys, issues, grants, records checks and survives a restart, as on SQLite", async function () {
    const pg = await freshPostgresDatabase("cl_engine");
    try {
      await roundTrip(tmpDataDir(), { databaseUrl: pg.url });
    } finally {
      await pg.drop();
    }
  });
});
