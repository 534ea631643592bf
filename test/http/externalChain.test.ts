/**
 * The gateway on an external JSON-RPC node (README.md#external-chain-and-postgresql), configured the
 * way an operator does it:
 * CERTLEDGER_RPC_URL and CERTLEDGER_FUNDING_KEY through loadConfig, then openGateway. A `hardhat node`
 * runs in its own process; the gateway deploys the contracts on first start, funds its custodial keys
 * (relayer, authority, the demo agencies) from the funding key, seeds the demo, and a certificate is
 * issued, granted and verified VALID over HTTP. (Before CERTLEDGER_FUNDING_KEY, nothing funded those keys and the
 * first issue failed with "Sender doesn't have enough funds".)
 */
import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pino from "pino";
import request from "supertest";
import { loadConfig } from "../../src/config";
import { sampleFields } from "../../src/domain/catalog";
import { consentDomain, createHolderWallet, generateMnemonic, purposeHash } from "../../src/document";
import { openGateway, type Gateway } from "../../src/wiring/gateway";
import { NODE_ENGINES, type ExternalNode } from "../support/chainNodes";
import { HARDHAT_ACCOUNT_0 } from "../support/hardhatNode";
import { TEST_KEYSTORE_CONFIG } from "../support/keystore";

const TYPE = "diploma";

for (const nodeEngine of NODE_ENGINES)
  describe(`gateway on an external chain (${nodeEngine.name}, CERTLEDGER_FUNDING_KEY)`, function () {
    this.timeout(120_000);
    let node: ExternalNode | undefined;
    let gw: Gateway | undefined;
    let dataDir: string | undefined;
    let rpcUrl: string;

    before(async function () {
      node = await nodeEngine.start();
      rpcUrl = node.url;
    });
    after(async function () {
      await gw?.close();
      await node?.stop();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    });

    it("refuses a funding key that is not a private key, naming the variable", function () {
      expect(() => loadConfig({ CERTLEDGER_FUNDING_KEY: "0x1234" })).to.throw(/CERTLEDGER_FUNDING_KEY/);
      expect(loadConfig({ CERTLEDGER_FUNDING_KEY: HARDHAT_ACCOUNT_0 }).fundingKey).to.equal(HARDHAT_ACCOUNT_0);
    });

    it("deploys on first start, funds its keys, issues through the API with the demo agency, and verifies VALID", async function () {
      dataDir = mkdtempSync(path.join(tmpdir(), "certledger-extchain-"));
      const config = loadConfig(
        { CERTLEDGER_RPC_URL: rpcUrl, CERTLEDGER_FUNDING_KEY: node!.fundingKey },
        { dataDir, port: 0, logLevel: "silent", ...TEST_KEYSTORE_CONFIG },
      );
      gw = await openGateway(config, { logger: pino({ level: "silent" }), extraRouters: [] });
      expect(gw.engine.startup.deployed).to.equal(true);
      expect(gw.engine.embedded).to.equal(undefined);
      const creds = gw.credentials!;
      const agency = creds.agencies.find((a) => a.types.includes(TYPE))!;
      const http = request(gw.app);

      const info = (await http.get("/v1/public/info").expect(200)).body;
      expect(info.chainId).to.equal(nodeEngine.chainId);
      const wallet = createHolderWallet({ mnemonic: generateMnemonic() });
      const issued = await http
        .post("/v1/agency/certificates")
        .set({ authorization: `Bearer ${agency.apiKey}`, "idempotency-key": "ext-1" })
        .send({ type: TYPE, holder: wallet.address(0), fields: sampleFields(TYPE, 1) })
        .expect(201);

      const now = Math.floor(Date.now() / 1000);
      const grant = {
        certId: issued.body.certId,
        grantee: creds.verifier.verifier,
        purpose: purposeHash("external-chain-test"),
        validUntil: now + 3600,
        maxUses: 3,
        nonce: "1",
        deadline: now + 600,
      };
      const s = wallet.signGrant(0, consentDomain(info.chainId, info.contracts.consent), {
        ...grant,
        validUntil: BigInt(grant.validUntil),
        nonce: 1n,
        deadline: BigInt(grant.deadline),
      });
      const documentRoot = gw.deps.documents.verifyIntegrity(issued.body.document).documentRoot;
      const relayed = await http
        .post("/v1/holder/grants")
        .send({ grant, signature: s.signature, documentRoot })
        .expect(201);

      const v = await http
        .post("/v1/verifier/verify")
        .set({ authorization: `Bearer ${creds.verifier.apiKey}` })
        .send({ document: issued.body.document, grantId: relayed.body.grantId })
        .expect(200);
      expect(v.body.verdict, JSON.stringify(v.body)).to.equal("VALID");
      expect(v.body.certId).to.equal(issued.body.certId.toLowerCase());
    });

    it("answers POST /rpc with 404 RPC_EXTERNAL_CHAIN: the chain's own nodes serve JSON-RPC, not the gateway", async function () {
      if (!gw) this.skip();
      const r = await request(gw.app)
        .post("/rpc")
        .set("content-type", "application/json")
        .send(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_blockNumber", params: [] }))
        .expect(404);
      expect(r.body.error.code).to.equal(-32004);
      expect(r.body.error.data).to.deep.equal({ reason: "RPC_EXTERNAL_CHAIN", chainId: nodeEngine.chainId });
      expect(r.body.error.message).to.include("chain's nodes");
    });
  });
