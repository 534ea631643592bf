/**
 * The gateway when its chain node comes back as another chain (anvil restarted without its state): it
 * says so on /readyz with the cause, refuses writes with 503 CHAIN_MISMATCH, and keeps answering from
 * the index it has: the type is still known and the certificate it issued still verifies, instead of
 * TYPE_NOT_FOUND and NOT_ISSUED.
 */
import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pino from "pino";
import request from "supertest";
import { startAnvil, type AnvilNode } from "../../src/chain/anvil";
import { loadConfig } from "../../src/config";
import { sampleFields } from "../../src/domain/catalog";
import { createHolderWallet, generateMnemonic } from "../../src/document";
import { openGateway, type Gateway } from "../../src/wiring/gateway";
import { HARDHAT_ACCOUNT_0 } from "../support/hardhatNode";
import { TEST_KEYSTORE_CONFIG } from "../support/keystore";

const TYPE = "diploma";

describe("gateway whose chain node came back as another chain (anvil)", function () {
  this.timeout(120_000);
  const nodes: AnvilNode[] = [];
  let gw: Gateway | undefined;
  let dataDir: string | undefined;
  const logged: { level: number; cause?: string; msg?: string }[] = [];

  after(async function () {
    await gw?.close();
    for (const n of nodes) await n.stop("SIGKILL");
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it("answers /readyz 503 CHAIN_MISMATCH with the cause, refuses an issue with 503 CHAIN_MISMATCH, logs the cause at error level, and still verifies what it issued, also after a restart", async function () {
    const genesis = Math.floor(Date.now() / 1000);
    const first = await startAnvil({ args: ["--timestamp", String(genesis)] });
    nodes.push(first);
    dataDir = mkdtempSync(path.join(tmpdir(), "certledger-mismatch-"));
    const config = loadConfig(
      { CERTLEDGER_RPC_URL: first.url, CERTLEDGER_FUNDING_KEY: HARDHAT_ACCOUNT_0 },
      { dataDir, port: 0, logLevel: "info", ...TEST_KEYSTORE_CONFIG },
    );
    const sink = { write: (line: string) => void logged.push(JSON.parse(line)) };
    gw = await openGateway(config, { logger: pino({ level: "info" }, sink), extraRouters: [] });
    const agency = gw.credentials!.agencies.find((a) => a.types.includes(TYPE))!;
    const http = request(gw.app);
    const issue = (key: string) =>
      http
        .post("/v1/agency/certificates")
        .set({ authorization: `Bearer ${agency.apiKey}`, "idempotency-key": key })
        .send({
          type: TYPE,
          holder: createHolderWallet({ mnemonic: generateMnemonic() }).address(0),
          fields: sampleFields(TYPE, 1),
        });
    const issued = await issue("before").expect(201);
    await http.get("/readyz").expect(200);

    // The node restarts without its state: a chain of its own, with a genesis block of its own.
    await first.stop("SIGKILL");
    nodes.push(await startAnvil({ port: first.port, args: ["--timestamp", String(genesis + 1)] }));

    // While the node is down /readyz may first say CHAIN_UNREACHABLE; wait for the stranger to be named.
    let ready = await http.get("/readyz");
    for (let i = 0; ready.body.error?.code !== "CHAIN_MISMATCH" && i < 600; i++) {
      await new Promise((r) => setTimeout(r, 50));
      ready = await http.get("/readyz");
    }
    expect(ready.status).to.equal(503);
    expect(ready.body.error.code).to.equal("CHAIN_MISMATCH");
    expect(ready.body.error.details).to.deep.equal({ cause: "GENESIS" });
    expect(ready.body.error.message).to.include("genesis");
    const errors = logged.filter((l) => l.level >= 50);
    expect(errors.map((l) => l.cause)).to.include("GENESIS");

    const refused = await issue("after").expect(503);
    expect(refused.body.error.code).to.equal("CHAIN_MISMATCH");
    expect(refused.body.error.details.cause).to.equal("GENESIS");

    const types = await http.get("/v1/public/types").expect(200);
    expect(JSON.stringify(types.body)).to.include(TYPE);
    const v = await http.post("/v1/public/verify").send({ document: issued.body.document }).expect(200);
    expect(v.body.reasons).to.not.include("NOT_ISSUED");
    expect(v.body.verdict, JSON.stringify(v.body)).to.equal("VALID");

    // Restarted against the same stranger, the gateway starts, says why it is not ready, and keeps refusing.
    await gw.close();
    gw = await openGateway(config, { logger: pino({ level: "info" }, sink), extraRouters: [] });
    const again = request(gw.app);
    const still = await again.get("/readyz").expect(503);
    expect(still.body.error.details).to.deep.equal({ cause: "GENESIS" });
    expect((await again.post("/v1/public/verify").send({ document: issued.body.document })).body.verdict).to.equal(
      "VALID",
    );
  });
});
