/**
 * The counter page when a delegate presents for the holder, in headless Chromium against the real
 * gateway: the officer reads, in Chinese and in English, that a delegate presented the certificate for
 * its holder; after the holder revokes the delegation, the delegate's next presentation is shown as
 * refused with the delegation's reason. The delegate's answer is sent as its wallet sends it (the wallet's
 * pages are tested on their own).
 */
import { expect } from "chai";
import type { Page } from "playwright-core";
import {
  consentDomain,
  createHolderWallet,
  generateMnemonic,
  grantMessage,
  verifyDocumentIntegrity,
} from "../../src/document";
import { counterGrantFor } from "../../src/domain/counter";
import type { Bytes32 } from "../../src/domain/ports";
import { browserSuite, type Gateway } from "../support/e2e";

describe("the counter page names a delegate who presents for the holder (e2e)", function () {
  this.timeout(180_000);
  const suite = browserSuite();
  let gw: Gateway;
  before(() => (gw = suite.gateway()));

  async function post(path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(`${gw.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  /** Opens a request for a resident ID card on the counter page; returns its id. */
  async function openRequest(counter: Page): Promise<string> {
    await counter.goto(`${gw.url}/counter`);
    if ((await counter.locator("#counter-api-key").count()) > 0) {
      await counter.fill("#counter-api-key", gw.verifierKey);
      await counter.press("#counter-api-key", "Enter");
    }
    await counter.locator("#counter-signed-in").waitFor();
    await counter.selectOption("#counter-service", "bank");
    await counter.click("#counter-open");
    await counter.locator("#counter-qr-image").waitFor();
    const url = (await counter.textContent("#counter-request-url"))!.trim();
    return new URL(url).searchParams.get("r")!;
  }

  it("says a delegate presented the certificate for its holder, in Chinese and English, and shows the delegate's scan after the holder revoked as DELEGATION_REVOKED", async () => {
    const holderWallet = createHolderWallet({ mnemonic: generateMnemonic() });
    const delegateWallet = createHolderWallet({ mnemonic: generateMnemonic() });
    const delegate = delegateWallet.address(0).toLowerCase();
    const info = (await (await fetch(`${gw.url}/v1/public/info`)).json()) as {
      chainId: number;
      contracts: { consent: string };
    };
    const domain = consentDomain(info.chainId, info.contracts.consent);
    const issued = await suite.api().issue(holderWallet.address(0).toLowerCase());
    const doc = JSON.parse(issued.document) as unknown;
    const documentRoot = verifyDocumentIntegrity(doc).documentRoot!;
    const now = Math.floor(Date.now() / 1000);
    const terms = {
      certId: issued.certId,
      delegate,
      purpose: `0x${"0".repeat(64)}`,
      verifier: `0x${"0".repeat(40)}`,
      online: false,
      validUntil: now + 7200,
      nonce: "1",
      deadline: now + 600,
    };
    const d = holderWallet.signDelegation(0, domain, {
      ...terms,
      validUntil: BigInt(terms.validUntil),
      nonce: 1n,
      deadline: BigInt(terms.deadline),
    });
    const delegationId = d.delegationId.toLowerCase();
    expect(
      (await post("/v1/delegations", { delegation: terms, signature: d.signature, documentRoot })).status,
    ).to.equal(201);

    /** The delegate's wallet answers request `id`: a grant signed by the delegate's key, with the holder's terms. */
    async function delegateAnswers(id: string) {
      const req = (await (await fetch(`${gw.url}/v1/counter/requests/${id}`)).json()) as {
        nonce: string;
        expiresAt: number;
        purpose: string;
        verifier: { address: string };
      };
      const grant = counterGrantFor({ ...req, verifier: req.verifier.address }, issued.certId as Bytes32);
      const s = delegateWallet.signGrant(0, domain, grantMessage(grant));
      return post(`/v1/counter/requests/${id}/answer`, {
        presentations: [{ document: doc, grant, signature: s.signature, delegation: terms }],
      });
    }

    const counter = await suite.person(undefined, "zh");
    const first = await delegateAnswers(await openRequest(counter));
    expect(first.status).to.equal(200);
    const by = counter.locator("#counter-verdict .presented-by");
    await by.waitFor({ timeout: 30_000 });
    expect(await by.getAttribute("data-delegate")).to.equal(delegate);
    expect(await by.getAttribute("data-delegation")).to.equal(delegationId);
    expect(await by.textContent())
      .to.contain("由代办人")
      .and.contain(delegate)
      .and.contain("代持证人出示");
    expect(await counter.getAttribute("#counter-overall", "data-verdict")).to.equal("VALID");
    await counter.click("#lang-switch");
    await counter.waitForFunction(() =>
      document.querySelector("#counter-verdict .presented-by")?.textContent?.includes("Presented by a delegate"),
    );
    expect(await by.textContent())
      .to.contain(delegate)
      .and.contain("for the holder");

    const revokeMsg = { delegationId, nonce: 2n, deadline: BigInt(Math.floor(Date.now() / 1000) + 600) };
    const r = holderWallet.signRevokeDelegation(0, domain, revokeMsg);
    const revoked = await post(`/v1/delegations/${delegationId}/revoke`, {
      nonce: "2",
      deadline: Number(revokeMsg.deadline),
      signature: r.signature,
      documentRoot,
    });
    expect(revoked.status).to.equal(200);

    await counter.click("#counter-next");
    const second = await delegateAnswers(await openRequest(counter));
    expect(second.status).to.equal(200);
    expect(second.body.verdict).to.equal("INVALID");
    await counter.locator('#counter-overall[data-verdict="INVALID"]').waitFor({ timeout: 30_000 });
    // The page opened again in the person's language (Chinese); the reason reads in both.
    const reason = counter.locator('#counter-verdict li[data-reason="DELEGATION_REVOKED"]');
    expect(await reason.textContent()).to.contain("由代办人出示，但持证人已撤销对其的委托");
    await counter.click("#lang-switch");
    await counter.waitForFunction(() =>
      document.querySelector('#counter-verdict li[data-reason="DELEGATION_REVOKED"]')?.textContent?.includes("revoked"),
    );
    expect(await reason.textContent()).to.contain("Presented by a delegate whose delegation the holder has revoked");
    expect(await by.getAttribute("data-delegate")).to.equal(delegate);
  });
});
