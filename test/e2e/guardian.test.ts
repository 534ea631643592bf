/**
 * A guardian named by the issuing agency (issue 19, minors): the agency issues a child's household
 * register to the child's wallet and names the parent's wallet as guardian. The parent's wallet takes the
 * issue answer the agency hands over and keeps the certificate as held for the child (another wallet is
 * told the answer is not for it); at a school's
 * counter the parent presents it (VALID, presented by a delegate), and the child's wallet trail lists the
 * delegation, marked as named by the issuing agency, and the check made under it.
 */
import { expect } from "chai";
import path from "node:path";
import type { Page } from "playwright-core";
import { sampleFields } from "../../src/domain/catalog";
import { browserSuite, type Gateway, newWallet, openCounterQr, PHONE, RESULTS_DIR, shooter } from "../support/e2e";

const SHOTS = path.join(RESULTS_DIR, "guardian");

describe("a guardian the issuing agency named presents a minor's certificate at a counter (e2e)", function () {
  this.timeout(120_000);
  const suite = browserSuite(SHOTS);
  let gw: Gateway;
  let child: Page;
  let parent: Page;
  let counter: Page;
  before(async () => {
    gw = suite.gateway();
    child = await suite.person(PHONE, "en");
    parent = await suite.person(PHONE, "en");
    counter = await suite.person({ width: 1280, height: 900 }, "en");
  });

  const shot = shooter(SHOTS);

  async function importText(page: Page, text: string, code: string): Promise<void> {
    await page.fill("#wallet-import-text", text);
    await page.click("#wallet-import");
    await page.locator(`#wallet-import-message .notice.ok${code ? `[data-code="${code}"]` : ""}`).waitFor();
  }

  it("keeps the issue answer as held for the child in the guardian's wallet, presents VALID by a delegate at the counter, and the child's trail shows the delegation named by the issuing agency", async () => {
    await newWallet(child, gw);
    const childAddress = (await child.textContent("#wallet-receive-address"))!.trim();
    await newWallet(parent, gw);
    const guardianAddress = (await parent.textContent("#wallet-delegate-address"))!.trim();

    // The agency issues the child's household register and names the parent's delegate address as guardian.
    const agency = gw.agencies.find((a) => a.types.includes("household-register"))!;
    const res = await fetch(`${gw.url}/v1/agency/certificates`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${agency.apiKey}`,
        "content-type": "application/json",
        "idempotency-key": `e2e-guardian-${Date.now()}`,
      },
      body: JSON.stringify({
        type: "household-register",
        holder: childAddress,
        fields: sampleFields("household-register", `${Date.now()}`),
        guardian: { delegate: guardianAddress, validUntil: Math.floor(Date.now() / 1000) + 16 * 365 * 86_400 },
      }),
    });
    expect(res.status).to.equal(201);
    const issued = (await res.json()) as {
      certId: string;
      document: unknown;
      guardian: { delegationId: string; delegation: { delegate: string } };
    };
    const delegationId = issued.guardian.delegationId;
    expect(issued.guardian.delegation.delegate).to.equal(guardianAddress.toLowerCase());

    // The child's wallet takes the document; the parent's wallet takes the answer and holds it for the child.
    const handedOver = JSON.stringify({ document: issued.document, guardian: issued.guardian });
    await importText(child, JSON.stringify(issued.document), "");
    // Another wallet is told the answer names someone else as guardian, and keeps nothing.
    const stranger = await suite.person(PHONE, "en");
    await newWallet(stranger, gw);
    await stranger.fill("#wallet-import-text", handedOver);
    await stranger.click("#wallet-import");
    await stranger
      .locator('#wallet-import-message .notice.error[data-code="DELEGATION_NOT_FOR_THIS_WALLET"]')
      .waitFor();
    expect(await stranger.locator("#wallet-certificates li[data-cert]").count()).to.equal(0);
    await importText(parent, handedOver, "HELD_RECEIVED");
    const held = parent.locator(`#wallet-certificates li[data-cert="${issued.certId}"]`);
    expect(await held.getAttribute("data-held")).to.equal("true");
    expect(await held.getAttribute("data-delegation")).to.equal(delegationId);
    expect(await held.locator(".held-for").textContent()).to.contain("Held for someone else");
    await shot(parent, "guardian-holds");

    // At the school's counter the parent presents the household register: VALID, presented by a delegate.
    const qr = await openCounterQr(counter, gw, "school");
    await parent.goto(`${gw.url}/wallet`);
    await parent.setInputFiles("#wallet-scan-image", { name: "qr.png", mimeType: "image/png", buffer: qr });
    await parent.locator("#wallet-present").waitFor();
    await parent.selectOption("select.cert-pick[data-type=household-register]", issued.certId);
    await parent.click("#wallet-present");
    const verdict = parent.locator("#wallet-present-result [data-code]").first();
    await verdict.waitFor({ timeout: 30_000 });
    expect(await verdict.getAttribute("data-code")).to.equal("VALID");
    const overall = counter.locator("#counter-overall");
    await overall.waitFor({ timeout: 30_000 });
    expect(await overall.getAttribute("data-verdict")).to.equal("VALID");
    const by = counter.locator("#counter-verdict .presented-by");
    expect(await by.getAttribute("data-delegation")).to.equal(delegationId);
    expect(await by.textContent()).to.contain("Presented by a delegate");
    await shot(counter, "counter-valid-by-guardian");

    // The child's trail: the delegation, named by the issuing agency, and the check made under it.
    await child.goto(`${gw.url}/wallet`);
    await child.click(`li[data-cert="${issued.certId}"] [data-action=trail]`);
    const listed = child.locator(`#wallet-trail li[data-trail-delegation="${delegationId}"]`);
    await listed.waitFor({ timeout: 30_000 });
    expect(await listed.getAttribute("data-named-by")).to.equal("agency");
    expect(await listed.getAttribute("data-state")).to.equal("ACTIVE");
    expect(await listed.textContent())
      .to.contain("named by the issuing agency")
      .and.contain(guardianAddress.toLowerCase());
    const check = child.locator("#wallet-trail li[data-check]");
    await check.first().waitFor({ timeout: 30_000 });
    expect(await check.getAttribute("data-via")).to.equal("delegate");
    expect(await check.getAttribute("data-delegation")).to.equal(delegationId);
    await shot(child, "child-trail");
  });
});
