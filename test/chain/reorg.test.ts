/**
 * Reorgs on anvil (`anvil_reorg`: the last blocks replaced by new ones without our transactions). The
 * engine runs as a gateway does on an external chain: the indexer rewinds what left the canonical chain,
 * the relayer gets every acknowledged write back on chain exactly once, and with confirmations at or
 * above the reorg's depth nothing reorganised is ever visible.
 */
import { expect } from "chai";
import { hexlify, randomBytes, type Interface } from "ethers";
import type { Engine, EngineOptions } from "../../src/chain/engine";
import { consentIface, ledgerIface } from "../../src/chain/contracts";
import { httpRpc } from "../../src/chain/rpcChain";
import type { Rpc } from "../../src/chain/submitter";
import type { Bytes32 } from "../../src/domain/ports";
import { ANVIL, type ExternalNode } from "../support/chainNodes";
import {
  issueNow,
  newHolderCert,
  openEngine,
  setupActors,
  signGrant,
  tmpDataDir,
  until,
} from "../support/engineFixture";
import { freshPostgresDatabase } from "../support/postgres";

/** How many times each id (an event's first indexed argument) appears in the canonical chain's logs. */
async function onChain(rpc: Rpc, address: string, iface: Interface, event: string): Promise<Map<string, number>> {
  const logs = (await rpc("eth_getLogs", [
    { fromBlock: "0x0", toBlock: "latest", address, topics: [iface.getEvent(event)!.topicHash] },
  ])) as { topics: string[] }[];
  const n = new Map<string, number>();
  for (const l of logs) n.set(l.topics[1].toLowerCase(), (n.get(l.topics[1].toLowerCase()) ?? 0) + 1);
  return n;
}

async function head(rpc: Rpc): Promise<number> {
  return Number(BigInt((await rpc("eth_blockNumber")) as string));
}

/** Every certificate the index shows as issued is issued on the canonical chain (index read first). */
async function assertIndexOnlyShowsCanonical(engine: Engine, certIds: Bytes32[]): Promise<void> {
  const views = await Promise.all(certIds.map((c) => engine.index.certificate(c)));
  const shown = certIds.filter((_, i) => views[i] !== undefined);
  const issued = await onChain(engine.rpc, engine.addresses.ledger, ledgerIface, "CertificateIssued");
  for (const c of shown) expect(issued.get(c.toLowerCase()), `${c} shown by the index but not on chain`).to.equal(1);
}

function reorgSuite(dialect: string, store: () => Promise<{ extra: Partial<EngineOptions>; done(): Promise<void> }>) {
  describe(`reorgs on anvil (${dialect})`, function () {
    this.timeout(240_000);
    let node: ExternalNode;
    let engine: Engine | undefined;
    let done: () => Promise<void> = async () => undefined;

    beforeEach(async function () {
      node = await ANVIL.start();
    });
    afterEach(async function () {
      await engine?.close();
      engine = undefined;
      await node.stop();
      await done();
    });

    it("undoes issues, a batch anchor, a grant and a check a reorg dropped, and sends each of them again exactly once (confirmations 0)", async function () {
      const s = await store();
      done = s.done;
      engine = await openEngine(tmpDataDir(), {
        rpcUrl: node.url,
        fundingPrivateKey: node.fundingKey,
        confirmations: 0,
        pollMs: 100,
        ...s.extra,
      });
      const a = await setupActors(engine, "reorg");
      const start = await head(engine.rpc);

      // Each write in its own block, every one acknowledged.
      const certs = [newHolderCert(), newHolderCert()];
      for (const [i, c] of certs.entries()) await issueNow(engine, a, c.certId, `issue-${i}`);
      const root = hexlify(randomBytes(32)) as Bytes32;
      const members = [newHolderCert(), newHolderCert()].map((m) => ({
        certId: m.certId,
        validFrom: Math.floor(Date.now() / 1000) - 5,
        validUntil: Math.floor(Date.now() / 1000) + 3600,
      }));
      await engine.chain.anchorBatch({
        agency: a.agency,
        issuerKey: a.issuerKey,
        root,
        typeId: a.typeId,
        count: members.length,
        outboxKey: "batch",
        members,
      });
      const { grantId } = await engine.chain.relayGrant(
        await signGrant(engine, certs[0].holder, certs[0].certId, certs[0].documentRoot, a.verifier),
      );
      await engine.chain.recordCheck({ verifier: a.verifier, grantId, outboxKey: "check" });
      expect((await engine.index.grant(grantId))!.uses).to.equal(1);
      const depth = (await head(engine.rpc)) - start;
      expect(depth).to.be.at.least(5);

      // The last `depth` blocks are replaced by as many empty ones: all five writes leave the chain.
      await engine.indexer.stop();
      await engine.rpc("anvil_reorg", [depth, []]);
      expect((await onChain(engine.rpc, engine.addresses.ledger, ledgerIface, "CertificateIssued")).size).to.equal(0);
      await engine.indexer.poke();
      expect(engine.indexer.stats.rewinds).to.equal(1);
      // What the index shows from here on is on the canonical chain; the dropped work comes back.
      await assertIndexOnlyShowsCanonical(
        engine,
        certs.map((c) => c.certId),
      );
      engine.indexer.start(100);
      await until("the relayer sent the dropped writes again and the index holds them", async () => {
        await assertIndexOnlyShowsCanonical(
          engine!,
          certs.map((c) => c.certId),
        );
        return (
          engine!.relayer.stats.reorgedResent + engine!.relayer.stats.reorgedBack >= 5 &&
          (await Promise.all(certs.map((c) => engine!.index.certificate(c.certId)))).every(
            (v) => v?.status === "ACTIVE",
          ) &&
          engine!.index.batch(root) !== undefined &&
          (await engine!.index.grant(grantId))?.uses === 1 &&
          // The relayer marks a row done after the index has its block: wait for the outbox to drain too.
          (await engine!.outbox.counts()).sent === 0
        );
      });
      expect(engine.relayer.stats.reorgedResent + engine.relayer.stats.reorgedBack).to.equal(5);

      // Exactly once on the canonical chain, every outbox row done.
      const issued = await onChain(engine.rpc, engine.addresses.ledger, ledgerIface, "CertificateIssued");
      for (const c of certs) expect(issued.get(c.certId.toLowerCase())).to.equal(1);
      expect(
        (await onChain(engine.rpc, engine.addresses.ledger, ledgerIface, "BatchAnchored")).get(root.toLowerCase()),
      ).to.equal(1);
      expect(
        (await onChain(engine.rpc, engine.addresses.consent, consentIface, "GrantCreated")).get(grantId.toLowerCase()),
      ).to.equal(1);
      expect(
        (await onChain(engine.rpc, engine.addresses.consent, consentIface, "CheckRecorded")).get(grantId.toLowerCase()),
      ).to.equal(1);
      const counts = await engine.outbox.counts();
      expect(counts).to.include({ pending: 0, sent: 0, failed: 0 });

      // The relayer's nonces follow the chain after the reorg: the next write lands.
      const after = newHolderCert();
      await issueNow(engine, a, after.certId, "after");
      expect((await engine.index.certificate(after.certId))?.status).to.equal("ACTIVE");
    });
  });
}

reorgSuite("SQLite", async () => ({ extra: {}, done: async () => undefined }));
reorgSuite("PostgreSQL", async () => {
  const pg = await freshPostgresDatabase("cl_reorg");
  return { extra: { databaseUrl: pg.url }, done: () => pg.drop() };
});

describe("a reorg with two gateway engines on one PostgreSQL database (anvil)", function () {
  this.timeout(240_000);
  let node: ExternalNode;
  const engines: Engine[] = [];
  let drop: () => Promise<void> = async () => undefined;

  before(async function () {
    node = await ANVIL.start();
  });
  after(async function () {
    for (const e of engines) await e.close();
    await node.stop();
    await drop();
  });

  it("the replica that did not see the reorg itself still sends again what it had acknowledged", async function () {
    const pg = await freshPostgresDatabase("cl_reorg_replicas");
    drop = pg.drop;
    const common = { rpcUrl: node.url, fundingPrivateKey: node.fundingKey, confirmations: 0, pollMs: 100 };
    const a = await openEngine(tmpDataDir(), { ...common, databaseUrl: pg.url });
    engines.push(a);
    const b = await openEngine(tmpDataDir(), { ...common, databaseUrl: pg.url, contracts: a.addresses });
    engines.push(b);
    const actors = await setupActors(a, "replicas");
    const start = await head(a.rpc);
    const certs = [newHolderCert(), newHolderCert()];
    for (const [i, c] of certs.entries()) await issueNow(a, actors, c.certId, `a-${i}`);

    // B notices and rewinds the shared index; A learns of it from the database, not from the chain.
    await a.indexer.stop();
    await a.rpc("anvil_reorg", [(await head(a.rpc)) - start, []]);
    await b.indexer.poke();
    expect(b.indexer.stats.rewinds).to.equal(1);
    a.indexer.start(100);
    await until(
      "A sent its dropped issues again",
      async () =>
        a.relayer.stats.reorgedResent + a.relayer.stats.reorgedBack >= certs.length &&
        (await Promise.all(certs.map((c) => a.index.certificate(c.certId)))).every((v) => v?.status === "ACTIVE"),
    );
    expect(a.indexer.stats.rewinds).to.equal(0);
    expect(a.relayer.stats.reorgedResent + a.relayer.stats.reorgedBack).to.equal(certs.length);
    await until("B sees them too", async () =>
      (await Promise.all(certs.map((c) => b.index.certificate(c.certId)))).every((v) => v?.status === "ACTIVE"),
    );
    const issued = await onChain(a.rpc, a.addresses.ledger, ledgerIface, "CertificateIssued");
    for (const c of certs) expect(issued.get(c.certId.toLowerCase())).to.equal(1);
  });
});

describe("reorgs on anvil no deeper than CERTLEDGER_CONFIRMATIONS", function () {
  this.timeout(240_000);
  let node: ExternalNode;
  let engine: Engine | undefined;
  let miner: NodeJS.Timeout | undefined;

  before(async function () {
    node = await ANVIL.start();
  });
  after(async function () {
    if (miner) clearInterval(miner);
    await engine?.close();
    await node.stop();
  });

  it("never shows a reorganised block: nothing applied is undone, no acknowledged write is dropped, the write in flight lands once", async function () {
    const confirmations = 2;
    // Blocks keep coming, as on a network with a block time (automine alone mines only our transactions).
    const rpc = httpRpc(node.url);
    miner = setInterval(() => void rpc("evm_mine").catch(() => undefined), 100);
    engine = await openEngine(tmpDataDir(), {
      rpcUrl: node.url,
      fundingPrivateKey: node.fundingKey,
      confirmations,
      pollMs: 50,
    });
    const a = await setupActors(engine, "deep");

    const certs = [newHolderCert(), newHolderCert(), newHolderCert()];
    const ids = certs.map((c) => c.certId);
    let violation: unknown;
    const sampler = setInterval(
      () => void assertIndexOnlyShowsCanonical(engine!, ids).catch((e) => (violation ??= e)),
      50,
    );
    try {
      for (const [i, c] of certs.slice(0, 2).entries()) await issueNow(engine, a, c.certId, `deep-${i}`);
      // The third is in flight (mined, not yet confirmed) when the last `confirmations` blocks are replaced.
      clearInterval(miner);
      const inFlight = issueNow(engine, a, certs[2].certId, "deep-2");
      await until("the third issue is mined", async () =>
        (await onChain(rpc, engine!.addresses.ledger, ledgerIface, "CertificateIssued")).has(ids[2].toLowerCase()),
      );
      await rpc("anvil_reorg", [confirmations, []]);
      const right = await onChain(rpc, engine.addresses.ledger, ledgerIface, "CertificateIssued");
      expect(right.has(ids[2].toLowerCase()), "the reorg dropped the write in flight").to.equal(false);
      expect(right.get(ids[0].toLowerCase()), "and kept the acknowledged ones").to.equal(1);
      miner = setInterval(() => void rpc("evm_mine").catch(() => undefined), 100);
      await inFlight;
      expect((await engine.index.certificate(ids[2]))?.status).to.equal("ACTIVE");
    } finally {
      clearInterval(sampler);
    }
    expect(violation, String(violation)).to.equal(undefined);
    expect(engine.indexer.stats.rewinds, "the indexer never applied a block the reorg replaced").to.equal(0);
    expect(engine.relayer.stats.reorgedResent + engine.relayer.stats.reorgedBack).to.equal(0);
    const issued = await onChain(rpc, engine.addresses.ledger, ledgerIface, "CertificateIssued");
    for (const id of ids) expect(issued.get(id.toLowerCase()), id).to.equal(1);
  });
});
