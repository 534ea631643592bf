/**
 * A node that is not our chain any more, on anvil: restarted without its state, another network,
 * no code at the contracts' addresses, another block where the deployment was. Each time the engine
 * names the cause at error level, refuses writes with CHAIN_MISMATCH, keeps its index as it was (no
 * rewind, nothing deployed or sent on the stranger), also across a restart of the gateway; and it
 * resumes once its own chain is back.
 */
import { expect } from "chai";
import path from "node:path";
import { startAnvil, type AnvilNode } from "../../src/chain/anvil";
import type { ChainMismatchCause } from "../../src/chain/chainIdentity";
import type { Engine } from "../../src/chain/engine";
import { httpRpc } from "../../src/chain/rpcChain";
import { DomainError } from "../../src/domain/errors";
import { HARDHAT_ACCOUNT_0 } from "../support/hardhatNode";
import { issueNow, newHolderCert, openEngine, setupActors, tmpDataDir, until } from "../support/engineFixture";

describe("a chain node that is not ours any more (anvil)", function () {
  this.timeout(240_000);
  const nodes: AnvilNode[] = [];
  const engines: Engine[] = [];
  const start = async (args: string[], port = 0) => {
    const n = await startAnvil({ port, args });
    nodes.push(n);
    return n;
  };
  const open = async (dir: string, url: string, errors: { cause: unknown }[]) => {
    const e = await openEngine(dir, {
      rpcUrl: url,
      fundingPrivateKey: HARDHAT_ACCOUNT_0,
      pollMs: 100,
      chainCheckMs: 200,
      logError: (_msg, fields) => errors.push({ cause: fields?.cause }),
    });
    engines.push(e);
    return e;
  };
  afterEach(async function () {
    for (const e of engines.splice(0)) await e.close().catch(() => undefined);
    for (const n of nodes.splice(0)) await n.stop("SIGKILL");
  });

  /** A gateway engine on a node, with one certificate issued; then the node is replaced by `next`. */
  async function swapNode(next: (port: number, genesisTime: string) => Promise<AnvilNode>, firstArgs: string[] = []) {
    // A fixed genesis time lets a second node have the very same genesis block.
    const genesisTime = String(Math.floor(Date.now() / 1000));
    const first = await start(["--timestamp", genesisTime, ...firstArgs]);
    const dir = tmpDataDir();
    const errors: { cause: unknown }[] = [];
    const engine = await open(dir, first.url, errors);
    const a = await setupActors(engine, "ours");
    const cert = newHolderCert();
    await issueNow(engine, a, cert.certId, "before");
    const rows = (await engine.store.db.selectFrom("certificates").select("cert_id").execute()).length;
    // SIGTERM: anvil writes its --state file on the way out.
    await first.stop("SIGTERM");
    const second = await next(first.port, genesisTime);
    return { first, second, dir, errors, engine, a, cert, rows };
  }

  async function expectRefusedAndKept(
    s: Awaited<ReturnType<typeof swapNode>>,
    engine: Engine,
    cause: ChainMismatchCause,
  ): Promise<void> {
    await until(`the engine sees ${cause}`, () => engine.chainGuard?.mismatch?.cause === cause);
    expect(s.errors.map((e) => e.cause)).to.include(cause);
    // Writes are refused with their own code, nothing is sent to the stranger.
    const err = await issueNow(engine, s.a, newHolderCert().certId, `after-${cause}`).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(DomainError);
    expect((err as DomainError).code).to.equal("CHAIN_MISMATCH");
    expect((err as DomainError).status).to.equal(503);
    expect((err as DomainError).details).to.include({ cause });
    // The index is kept: the old certificate is still there, no row was dropped, nothing was rewound.
    expect((await engine.index.certificate(s.cert.certId))?.status).to.equal("ACTIVE");
    expect(engine.index.certificateTypeByCode("ours-licence")).to.not.equal(undefined);
    expect((await engine.store.db.selectFrom("certificates").select("cert_id").execute()).length).to.equal(s.rows);
    expect(engine.indexer.stats.rewinds).to.equal(0);
  }

  it("names GENESIS when the node was restarted without its state, keeps the index, and stays refused after a gateway restart", async function () {
    // A node started afresh has a genesis block of its own start time.
    const s = await swapNode((port, t) => start(["--timestamp", String(Number(t) + 1)], port));
    await expectRefusedAndKept(s, s.engine, "GENESIS");
    const before = Number(BigInt((await httpRpc(s.second.url)("eth_blockNumber")) as string));

    // A restart of the gateway against the same stranger: it starts (so /readyz can say why), deploys
    // nothing, funds nothing, and keeps refusing.
    await s.engine.close();
    engines.splice(engines.indexOf(s.engine), 1);
    const again = await open(s.dir, s.second.url, s.errors);
    expect(again.startup.deployed).to.equal(false);
    expect(again.chainGuard?.mismatch?.cause).to.equal("GENESIS");
    await expectRefusedAndKept(s, again, "GENESIS");
    expect(Number(BigInt((await httpRpc(s.second.url)("eth_blockNumber")) as string))).to.equal(before);
  });

  it("names CHAIN_ID when the node serves another network, and deploys nothing there on restart", async function () {
    const s = await swapNode((port, t) => start(["--chain-id", "1338", "--timestamp", t], port));
    await expectRefusedAndKept(s, s.engine, "CHAIN_ID");
    await s.engine.close();
    engines.splice(engines.indexOf(s.engine), 1);
    const again = await open(s.dir, s.second.url, s.errors);
    expect(again.startup.deployed).to.equal(false);
    expect(again.chainId, "the recorded chain id, not the stranger's").to.equal(31337);
    await expectRefusedAndKept(s, again, "CHAIN_ID");
    expect(Number(BigInt((await httpRpc(s.second.url)("eth_blockNumber")) as string))).to.equal(0);
  });

  it("resumes indexing and writes once its own chain is back (anvil restarted from its saved state)", async function () {
    const file = path.join(tmpDataDir(), "anvil-state.json");
    // Another genesis time: a fresh node started within the same second would have the same genesis block.
    const s = await swapNode((port, t) => start(["--timestamp", String(Number(t) + 1)], port), ["--state", file]);
    await expectRefusedAndKept(s, s.engine, "GENESIS");
    await s.second.stop("SIGKILL");
    await start(["--state", file], s.first.port);
    await until("the engine sees its chain again", () => s.engine.chainGuard?.mismatch === undefined);
    const next = newHolderCert();
    await issueNow(s.engine, s.a, next.certId, "back");
    expect((await s.engine.index.certificate(next.certId))?.status).to.equal("ACTIVE");
    expect((await s.engine.index.certificate(s.cert.certId))?.status).to.equal("ACTIVE");
    expect(s.engine.indexer.stats.rewinds).to.equal(0);
  });

  it("names NO_CODE when the same genesis has no contracts at the recorded addresses", async function () {
    const s = await swapNode((port, t) => start(["--timestamp", t], port));
    await expectRefusedAndKept(s, s.engine, "NO_CODE");
  });

  it("names DEPLOYMENT_BLOCK when the contracts' addresses hold code deployed in another block", async function () {
    const s = await swapNode(async (port, t) => {
      const n = await start(["--timestamp", t], port);
      // Another gateway with the same keys deploys the same addresses one block later on this chain.
      await httpRpc(n.url)("evm_mine");
      const other = await open(tmpDataDir(), n.url, []);
      await other.close();
      engines.splice(engines.indexOf(other), 1);
      return n;
    });
    await expectRefusedAndKept(s, s.engine, "DEPLOYMENT_BLOCK");
  });
});
