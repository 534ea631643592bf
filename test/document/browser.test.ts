/**
 * The same library in the browser: builds the esbuild bundle, runs it in headless Chromium (Debian's
 * chromium-headless-shell driven by playwright-core) and checks that the page computes exactly what Node computes.
 */
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import type { AddressInfo } from "node:net";
import { expect } from "chai";
import { Wallet } from "ethers";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { buildBrowserBundle } from "../../scripts/build-browser";
import * as lib from "../../src/document";
import { CHROMIUM, CHROMIUM_ARGS, ensureChromium } from "../support/chromium";
import { diplomaParams, seededRandom, twentyFields } from "./helpers";

const ETHERS_UMD = require.resolve("ethers").replace(/lib\.commonjs[\\/]index\.js$/, "dist/ethers.umd.min.js");
const MNEMONIC = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";

describe("the document library in headless Chromium", function () {
  let server: http.Server;
  let context: BrowserContext;
  let page: Page;
  let userDataDir: string;

  before(async function () {
    this.timeout(900_000); // a fresh machine installs chromium from Debian here
    ensureChromium();
    const bundleFile = await buildBrowserBundle(path.join(os.tmpdir(), `certledger-document-${process.pid}.js`));
    const bundle = fs.readFileSync(bundleFile);
    server = http.createServer((req, res) => {
      if (req.url === "/certledger-document.js") {
        res.writeHead(200, { "content-type": "text/javascript" }).end(bundle);
      } else if (req.url === "/ethers.js") {
        // An agency console loads ethers (keystores, signers) beside the library.
        res.writeHead(200, { "content-type": "text/javascript" }).end(fs.readFileSync(ETHERS_UMD));
      } else {
        res
          .writeHead(200, { "content-type": "text/html" })
          .end('<!doctype html><script src="/certledger-document.js"></script>');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), "certledger-chromium-"));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
    });
    page = context.pages()[0] ?? (await context.newPage());
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    await page.waitForFunction(() => typeof (globalThis as { certledger?: unknown }).certledger === "object");
  });

  after(async function () {
    await context?.close();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    if (userDataDir) fs.rmSync(userDataDir, { recursive: true, force: true });
  });

  const nodeParams = (fields: Record<string, unknown>, seed: number) => {
    const p = diplomaParams({ fields, random: seededRandom(seed) });
    return { ...p, random: undefined };
  };

  it("builds the same document and certId as Node, and verifies and redacts it the same way", async function () {
    for (const [fields, seed] of [
      [twentyFields(), 11],
      [diplomaParams().fields, 12],
    ] as const) {
      const params = nodeParams(fields, seed);
      const node = lib.buildDocument({ ...params, random: seededRandom(seed) });
      const nodeRedacted = lib.redactDocument(node.document, [lib.verifyDocumentIntegrity(node.document).disclosed[0]]);

      const inPage = await page.evaluate(
        ({ params, seed, randomSource }) => {
          const cl = (globalThis as unknown as { certledger: typeof lib }).certledger;
          const seededRandom = new Function(`return (${randomSource})`)();
          const built = cl.buildDocument({ ...params, random: seededRandom(seed) });
          const verdict = cl.verifyDocumentIntegrity(cl.serializeDocument(built.document));
          const redacted = cl.redactDocument(built.document, [verdict.disclosed[0]]);
          return {
            certId: built.certId,
            documentRoot: built.documentRoot,
            text: cl.serializeDocument(built.document),
            verdict,
            redactedText: cl.serializeDocument(redacted),
            redactedVerdict: cl.verifyDocumentIntegrity(redacted),
          };
        },
        { params, seed, randomSource: seededRandom.toString() },
      );

      expect(inPage.certId).to.equal(node.certId);
      expect(inPage.documentRoot).to.equal(node.documentRoot);
      expect(inPage.text).to.equal(lib.serializeDocument(node.document));
      expect(inPage.verdict).to.deep.equal(lib.verifyDocumentIntegrity(node.document));
      expect(inPage.redactedText).to.equal(lib.serializeDocument(nodeRedacted));
      expect(inPage.redactedVerdict).to.include({ code: "OK", certId: node.certId });
    }
  });

  it("reads a certificate's bit from a signed status list in the page, offline, as Node does", async function () {
    const key = new Uint8Array(32).fill(7);
    const url = "https://gateway.example/v1/public/status-lists/0x" + "ab".repeat(20) + "/revocation";
    const bits = new Uint8Array(lib.STATUS_LIST_MIN_LENGTH / 8);
    lib.setStatusBit(bits, 90_211, true);
    const credential = lib.buildStatusListCredential({
      id: url,
      issuer: lib.toDidPkh(1337, lib.privateKeyToAddress(key)),
      statusPurpose: "revocation",
      bits,
      validFrom: 1_800_000_000,
    });
    const jwt = lib.signStatusListJwt(credential, key, 1337);
    const inPage = await page.evaluate(
      ([j, u]) => {
        const cl = (globalThis as unknown as { certledger: typeof lib }).certledger;
        return [
          cl.statusFromList(j, cl.statusListEntry(u, "revocation", 90_211)).set,
          cl.statusFromList(j, cl.statusListEntry(u, "revocation", 90_212)).set,
          cl.verifyStatusListJwt(j).signer,
          cl.encodeStatusList(
            cl.decodeStatusList(
              JSON.parse(atob(j.split(".")[1].replace(/-/g, "+").replace(/_/g, "/"))).credentialSubject.encodedList,
            ),
          ),
        ];
      },
      [jwt, url] as const,
    );
    expect(inPage).to.deep.equal([true, false, lib.privateKeyToAddress(key), credential.credentialSubject.encodedList]);
  });

  it("uses the browser's crypto.getRandomValues for salts by default", async function () {
    const result = await page.evaluate(
      (params) => {
        const cl = (globalThis as unknown as { certledger: typeof lib }).certledger;
        const a = cl.buildDocument(params);
        const b = cl.buildDocument(params);
        return { differ: a.certId !== b.certId, ok: cl.verifyDocumentIntegrity(a.document).code };
      },
      nodeParams({ name: "x" }, 1),
    );
    expect(result).to.deep.equal({ differ: true, ok: "OK" });
  });

  it("reports tampering and malformed input in the page as Node does", async function () {
    const { document } = lib.buildDocument(diplomaParams());
    const tampered = JSON.stringify({
      ...document,
      credentialSubject: { ...document.credentialSubject, name: "李四" },
    });
    const duplicate = lib
      .serializeDocument(document)
      .replace('"credentialSubject":{', '"credentialSubject":{"name":"x",');
    const codes = await page.evaluate(
      ([t, d]) => {
        const cl = (globalThis as unknown as { certledger: typeof lib }).certledger;
        return [
          cl.verifyDocumentIntegrity(t).code,
          cl.verifyDocumentIntegrity(d).code,
          cl.verifyDocumentIntegrity("x".repeat(11e6)).code,
        ];
      },
      [tampered, duplicate],
    );
    expect(codes).to.deep.equal(["TAMPERED", "MALFORMED", "MALFORMED"]);
  });

  it("derives the same holder keys, grantIds and grant signatures as Node, and the same batch root", async function () {
    const domain = { ...lib.consentDomain(31337, "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512"), chainId: 31337 };
    const grant = {
      certId: "0x" + "ab".repeat(32),
      grantee: "0x90F79bf6EB2c4f870365E785982E1f101E93b906",
      purpose: lib.purposeHash("open-bank-account"),
      validUntil: 1_800_000_000,
      maxUses: 3,
      nonce: 42,
      deadline: 1_790_000_000,
    };
    const items = [1, 2, 3, 4, 5].map((i) => ({
      certId: "0x" + String(i).repeat(64),
      validFrom: 1_767_225_600,
      validUntil: 1_924_992_000,
    }));
    const inPage = await page.evaluate(
      ({ mnemonic, domain, grant, items }) => {
        const cl = (globalThis as unknown as { certledger: typeof lib }).certledger;
        const wallet = cl.createHolderWallet({ mnemonic });
        const batch = cl.buildBatch(items);
        return {
          addresses: [0, 1, 2].map((i) => wallet.address(i)),
          signed: wallet.signGrant(
            1,
            { ...domain, chainId: BigInt(domain.chainId) },
            {
              ...grant,
              validUntil: BigInt(grant.validUntil),
              nonce: BigInt(grant.nonce),
              deadline: BigInt(grant.deadline),
            },
          ),
          root: batch.root,
          proof: batch.getProof(3),
        };
      },
      { mnemonic: MNEMONIC, domain, grant, items },
    );
    const wallet = lib.createHolderWallet({ mnemonic: MNEMONIC });
    expect(inPage.addresses).to.deep.equal([0, 1, 2].map((i) => wallet.address(i)));
    const nodeGrant = {
      ...grant,
      validUntil: BigInt(grant.validUntil),
      nonce: BigInt(grant.nonce),
      deadline: BigInt(grant.deadline),
    };
    expect(inPage.signed).to.deep.equal(
      wallet.signGrant(1, lib.consentDomain(31337, domain.verifyingContract), nodeGrant),
    );
    const batch = lib.buildBatch(items);
    expect(inPage.root).to.equal(batch.root);
    expect(inPage.proof).to.deep.equal(batch.getProof(3));
  });

  it("signs an agency's ledger writes in the page with an ethers wallet, as Node does", async function () {
    const privateKey = "0x" + "5a".repeat(32);
    const domain = lib.ledgerDomain(31337, "0x5FbDB2315678afecb367f032d93F642f64180aa3");
    const issue = {
      certId: "0x" + "cd".repeat(32),
      typeId: 3,
      validFrom: 1_767_225_600,
      validUntil: 1_924_992_000,
      deadline: 1_790_000_000,
    };
    const many = {
      requests: [1, 2].map((i) => ({
        certId: "0x" + String(i).repeat(64),
        typeId: i,
        validFrom: 1_767_225_600,
        validUntil: 1_924_992_000,
      })),
      deadline: 1_790_000_000,
    };
    const change = lib.statusChangeMessage({
      certId: issue.certId,
      batchRoot: "0x" + "ef".repeat(32),
      status: lib.LEDGER_STATUS.Suspended,
      reason: 12,
      nonce: 4,
      deadline: 1_790_000_000,
    });
    const { port } = server.address() as AddressInfo;
    await page.addScriptTag({ url: `http://127.0.0.1:${port}/ethers.js` });
    const inPage = await page.evaluate(
      async ({ privateKey, domain, issue, many, change }) => {
        const g = globalThis as unknown as { certledger: typeof lib; ethers: typeof import("ethers") };
        const cl = g.certledger;
        const wallet = new g.ethers.Wallet(privateKey);
        const d = { ...domain, chainId: BigInt(domain.chainId) };
        const plain = (w: { signer: string; deadline: bigint; signature: string }) => ({
          ...w,
          deadline: String(w.deadline),
        });
        return {
          issue: plain(await cl.signIssue(wallet, d, issue)),
          many: plain(await cl.signIssueMany(wallet, d, many)),
          change: plain(await cl.signStatusChange(wallet, d, change)),
          digests: [cl.hashIssue(d, issue), cl.hashIssueMany(d, many), cl.hashStatusChange(d, change)],
        };
      },
      { privateKey, domain: { ...domain, chainId: Number(domain.chainId) }, issue, many, change },
    );
    const wallet = new Wallet(privateKey);
    const plain = (w: { signer: string; deadline: bigint; signature: string }) => ({
      ...w,
      deadline: String(w.deadline),
    });
    expect(inPage).to.deep.equal({
      issue: plain(await lib.signIssue(wallet, domain, issue)),
      many: plain(await lib.signIssueMany(wallet, domain, many)),
      change: plain(await lib.signStatusChange(wallet, domain, change)),
      digests: [lib.hashIssue(domain, issue), lib.hashIssueMany(domain, many), lib.hashStatusChange(domain, change)],
    });
    expect(lib.recoverDigestSigner(inPage.digests[2], inPage.change.signature)).to.equal(wallet.address);
  });
});
