/**
 * A chain journal that fails a write stops acknowledging: the block's requests fail, later ones too,
 * and /readyz takes the gateway out of rotation (a journal with a gap could not be replayed).
 */
import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pino from "pino";
import request from "supertest";
import { loadConfig } from "../../src/config";
import { sampleFields } from "../../src/domain/catalog";
import { createHolderWallet, generateMnemonic } from "../../src/document";
import { openGateway, type Gateway } from "../../src/wiring/gateway";

describe("a chain journal that cannot be written", function () {
  this.timeout(120_000);
  let dataDir: string;
  let gw: Gateway;

  before(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), "certledger-journal-"));
    gw = await openGateway(loadConfig({}, { dataDir, port: 0, logLevel: "silent" }), {
      logger: pino({ level: "silent" }),
      seed: "0x" + "6b".repeat(32),
    });
  });
  after(async () => {
    await gw.close().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("acknowledges nothing more and reports not ready", async function () {
    const agency = gw.credentials!.agencies.find((a) => a.types.includes("diploma"))!;
    const wallet = createHolderWallet({ mnemonic: generateMnemonic() });
    const issue = (i: number) =>
      request(gw.app)
        .post("/v1/agency/certificates")
        .set({ authorization: `Bearer ${agency.apiKey}`, "idempotency-key": `journal-${i}` })
        .send({ type: "diploma", holder: wallet.address(i), fields: sampleFields("diploma", i) });

    expect((await issue(1)).status).to.equal(201);
    await request(gw.app).get("/readyz").expect(200);

    // Never answered as done once the journal cannot be written: either refused (5xx) or kept in the
    // outbox as pending (202 with the id to follow), to land after the operator restarts the gateway.
    const notDone = (res: request.Response) => {
      if (res.status === 202) {
        expect(res.body.state, JSON.stringify(res.body)).to.equal("pending");
        expect(res.body.writeId).to.be.a("string");
      } else {
        expect(res.status, JSON.stringify(res.body)).to.be.at.least(500);
        expect(res.body.error.code).to.be.a("string");
      }
    };
    await gw.engine.embedded!.journal.close(); // every later write fails: "journal is not open"
    notDone(await issue(2));
    expect(gw.engine.embedded!.journal.failure?.message).to.match(/not open/);
    const r = await request(gw.app).get("/readyz").expect(503);
    expect(r.body.error.code).to.equal("NOT_READY");
    notDone(await issue(3));
  });
});

describe("a chain node that is gone", function () {
  this.timeout(120_000);
  let dataDir: string;
  let gw: Gateway;

  before(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), "certledger-node-gone-"));
    gw = await openGateway(loadConfig({}, { dataDir, port: 0, logLevel: "silent" }), {
      logger: pino({ level: "silent" }),
      seed: "0x" + "6c".repeat(32),
      embeddedChain: { engine: "anvil" },
    });
  });
  after(async () => {
    await gw.close().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("reports not ready once the anvil process has ended", async function () {
    await request(gw.app).get("/readyz").expect(200);
    // End this gateway's anvil itself, as a crash would (never another gateway's node in this process).
    const anvil = gw.engine.embedded!.nodePid();
    expect(anvil).to.be.above(0);
    process.kill(anvil, "SIGKILL");
    for (let i = 0; i < 100 && gw.engine.embedded!.failure() === undefined; i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(gw.engine.embedded!.failure()).to.match(/chain node \(anvil\) exited/);
    const r = await request(gw.app).get("/readyz").expect(503);
    expect(r.body.error.code).to.equal("NOT_READY");
  });
});
