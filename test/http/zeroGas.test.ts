/**
 * A network that charges no gas, as a permissioned Besu or Quorum network often is (README.md#running-on-a-permissioned-network):
 * anvil with a zero base fee and gas price, the gateway with CERTLEDGER_GAS_PRICE_WEI=0 and no funding
 * key. Nothing is funded, no key holds any ether, and the gateway deploys, seeds, issues, relays a grant
 * and verifies VALID all the same.
 */
import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pino from "pino";
import request from "supertest";
import { startAnvil, type AnvilNode } from "../../src/chain/anvil";
import { loadConfig } from "../../src/config";
import { openGateway, type Gateway } from "../../src/wiring/gateway";
import { issueAndGrant } from "../support/grants";
import { TEST_KEYSTORE_CONFIG } from "../support/keystore";

const TYPE = "diploma";

describe("gateway on a zero-gas-price network (anvil --base-fee 0 --gas-price 0, no funding key)", function () {
  this.timeout(300_000);
  let node: AnvilNode | undefined;
  let gw: Gateway | undefined;
  let dir: string | undefined;

  after(async function () {
    await gw?.close();
    await node?.stop("SIGKILL");
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("refuses a gas price that is not a whole number of wei, naming the variable", function () {
    expect(() => loadConfig({ CERTLEDGER_GAS_PRICE_WEI: "1.5" })).to.throw(/CERTLEDGER_GAS_PRICE_WEI/);
    expect(loadConfig({ CERTLEDGER_GAS_PRICE_WEI: "0" }).gasPriceWei).to.equal("0");
  });

  it("deploys, seeds, issues, grants and verifies with keys that hold no ether", async function () {
    node = await startAnvil({ args: ["--base-fee", "0", "--gas-price", "0"] });
    dir = mkdtempSync(path.join(tmpdir(), "certledger-zerogas-"));
    const config = loadConfig(
      { CERTLEDGER_RPC_URL: node.url, CERTLEDGER_GAS_PRICE_WEI: "0" },
      { dataDir: dir, port: 0, logLevel: "silent", ...TEST_KEYSTORE_CONFIG },
    );
    gw = await openGateway(config, { logger: pino({ level: "silent" }), extraRouters: [] });
    const g = gw;
    expect(g.engine.startup.deployed).to.equal(true);
    const creds = g.credentials!;
    const { agency, issued, grantId } = await issueAndGrant(g, {
      type: TYPE,
      idempotencyKey: "zero-gas-1",
      purpose: "zero-gas-test",
      maxUses: 2,
    });
    const http = request(g.app);
    const checked = await http
      .post("/v1/verifier/checks")
      .set({ authorization: `Bearer ${creds.verifier.apiKey}`, "idempotency-key": "zero-gas-check" })
      .send({ document: issued.document, grantId })
      .expect(201);
    expect(checked.body.verdict).to.equal("VALID");

    // Every key the gateway sent from holds no ether, and every transaction it sent paid a price of 0.
    for (const a of [g.engine.relayerAddress, g.engine.authority, agency.agency, creds.verifier.verifier])
      expect(BigInt((await g.engine.rpc("eth_getBalance", [a, "latest"])) as string), a).to.equal(0n);
    const tx = (await g.engine.rpc("eth_getTransactionByHash", [issued.txHash])) as { gasPrice: string };
    expect(BigInt(tx.gasPrice)).to.equal(0n);
  });
});
