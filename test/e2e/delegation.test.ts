/**
 * Acting for someone else, in two wallets and a counter (issue 19): the delegate's wallet shows its
 * delegate address as a link; the holder opens it, delegates a certificate for one purpose with a field
 * hidden, and sends it through a share link; the delegate's wallet keeps it as held for someone else and
 * presents it at the counter with its own key (VALID). The holder revokes the delegation; the delegate's
 * next presentation is refused with the delegation's reason, and the holder's trail lists the check.
 */
import { expect } from "chai";
import path from "node:path";
import type { Page } from "playwright-core";
import { browserSuite, type Gateway, newWallet, openCounterQr, PHONE, RESULTS_DIR, shooter } from "../support/e2e";

const SHOTS = path.join(RESULTS_DIR, "delegation");

describe("a delegate presents a certificate for its holder at a counter (e2e)", function () {
  this.timeout(240_000);
  const suite = browserSuite(SHOTS);
  let gw: Gateway;
  let holder: Page;
  let delegate: Page;
  let counter: Page;
  before(async () => {
    gw = suite.gateway();
    holder = await suite.person(PHONE, "en");
    delegate = await suite.person(PHONE, "en");
    counter = await suite.person({ width: 1280, height: 900 }, "en");
  });

  const shot = shooter(SHOTS);

  /** The delegate scans the counter's QR code, picks the held certificate and approves; returns the wallet's verdict. */
  async function presentAsDelegate(qr: Buffer, certId: string): Promise<string | null> {
    await delegate.goto(`${gw.url}/wallet`);
    await delegate.setInputFiles("#wallet-scan-image", { name: "qr.png", mimeType: "image/png", buffer: qr });
    await delegate.locator("#wallet-present").waitFor();
    await delegate.selectOption("select.cert-pick[data-type=resident-id-card]", certId);
    expect(await delegate.textContent("select.cert-pick[data-type=resident-id-card]")).to.contain(
      "Held for someone else",
    );
    await delegate.click("#wallet-present");
    const verdict = delegate.locator("#wallet-present-result [data-code]").first();
    await verdict.waitFor({ timeout: 30_000 });
    return verdict.getAttribute("data-code");
  }

  async function counterVerdict(): Promise<{ overall: string | null; text: string }> {
    const overall = counter.locator("#counter-overall");
    await overall.waitFor({ timeout: 30_000 });
    return {
      overall: await overall.getAttribute("data-verdict"),
      text: (await counter.textContent("#counter-verdict"))!,
    };
  }

  it("presents VALID as the delegate, then after the holder revokes the delegation the next presentation is refused as DELEGATION_REVOKED, and the holder's trail lists the delegate's check", async () => {
    // The holder's wallet and certificate.
    await newWallet(holder, gw);
    const holderAddress = (await holder.textContent("#wallet-receive-address"))!.trim();
    const issued = await suite.api().issue(holderAddress);
    const fields = JSON.parse(issued.document).credentialSubject as Record<string, string>;
    await holder.fill("#wallet-import-text", issued.document);
    await holder.click("#wallet-import");
    await holder.locator("#wallet-import-message .notice.ok").waitFor();

    // The delegate's wallet shows its delegate address as a QR code and a link.
    await newWallet(delegate, gw);
    const delegateAddress = (await delegate.textContent("#wallet-delegate-address"))!.trim();
    expect(delegateAddress).to.match(/^0x[0-9a-f]{40}$/);
    expect(delegateAddress).to.not.equal((await delegate.textContent("#wallet-receive-address"))!.trim());
    await delegate.locator("#wallet-delegate-qr-image").waitFor();
    const delegateLink = (await delegate.getAttribute("#wallet-delegate-link", "href"))!;
    expect(delegateLink).to.equal(`${gw.url}/wallet#delegate=${delegateAddress}`);
    await shot(delegate, "delegate-address");

    // The holder opens that link, picks the certificate, delegates it for opening a bank account (counter
    // only), hiding the ID number from the delegate.
    await holder.goto(delegateLink);
    await holder.selectOption("#wallet-delegate-pick", issued.certId);
    const form = holder.locator("#wallet-request .delegate-form");
    expect(await form.locator(".delegate-address").inputValue()).to.equal(delegateAddress);
    await form.locator(".delegate-purpose").selectOption("open-bank-account");
    await form.locator('input[type=checkbox][value="idNumber"]').uncheck();
    await form.locator(".delegate-create").click();
    const heldLink = (await form
      .locator(".delegate-result a.delegation-link")
      .getAttribute("href", { timeout: 60_000 }))!;
    expect(heldLink).to.match(/\/wallet#held=[A-Za-z0-9_-]{22}&k=[0-9a-f]{64}$/);
    const given = holder.locator("#wallet-delegations li[data-delegation]");
    const delegationId = (await given.getAttribute("data-delegation"))!;
    expect(delegationId).to.match(/^0x[0-9a-f]{64}$/);
    expect(await given.getAttribute("data-revoked")).to.equal("false");
    expect(await given.textContent())
      .to.contain(delegateAddress)
      .and.contain("counter only");
    await shot(holder, "holder-delegated");

    // The delegate opens the link: the certificate is kept as held for someone else, without the hidden field.
    await delegate.goto(heldLink);
    await delegate.locator('#wallet-banner [data-code="HELD_RECEIVED"]').waitFor({ timeout: 30_000 });
    expect(delegate.url()).to.not.contain("#");
    const held = delegate.locator(`#wallet-certificates li[data-cert="${issued.certId}"]`);
    expect(await held.getAttribute("data-held")).to.equal("true");
    expect(await held.getAttribute("data-delegation")).to.equal(delegationId);
    expect(await held.locator(".held-for").textContent()).to.contain("Held for someone else");
    expect(await held.textContent())
      .to.contain(fields.name)
      .and.not.contain(fields.idNumber);
    await shot(delegate, "delegate-holds");

    // A counter asking for another purpose: the delegate's wallet says at once the delegation does not cover it.
    const other = await fetch(`${gw.url}/v1/counter/requests`, {
      method: "POST",
      headers: { authorization: `Bearer ${gw.verifierKey}`, "content-type": "application/json" },
      body: JSON.stringify({ types: ["resident-id-card"], purpose: "employment-check", minutes: 5 }),
    });
    await delegate.goto(((await other.json()) as { url: string }).url);
    await delegate.locator("#wallet-present").waitFor();
    await delegate.selectOption("select.cert-pick[data-type=resident-id-card]", issued.certId);
    expect(await delegate.textContent('.present-warning [data-code="DELEGATION_OUT_OF_SCOPE"]')).to.contain(
      "outside the delegation",
    );
    await delegate.click("#wallet-decline");

    // At the counter the delegate presents with the name shown: VALID.
    const validQr = await openCounterQr(counter, gw);
    expect(await presentAsDelegate(validQr, issued.certId)).to.equal("VALID");
    const first = await counterVerdict();
    expect(first.overall).to.equal("VALID");
    expect(first.text).to.contain(fields.name);
    // The counter says who stands there: the holder's delegate, under which delegation.
    const by = counter.locator("#counter-verdict .presented-by");
    expect(await by.getAttribute("data-delegate")).to.equal(delegateAddress);
    expect(await by.getAttribute("data-delegation")).to.equal(delegationId);
    expect(await by.textContent())
      .to.contain("Presented by a delegate")
      .and.contain(delegateAddress);
    await shot(counter, "counter-valid-by-delegate");

    // The holder revokes the delegation.
    await holder.goto(`${gw.url}/wallet`);
    await holder.click(`#wallet-delegations li[data-delegation="${delegationId}"] [data-action="revoke-delegation"]`);
    await holder.locator(`#wallet-delegations li[data-delegation="${delegationId}"][data-revoked="true"]`).waitFor({
      timeout: 30_000,
    });

    // The delegate's next presentation is refused with the delegation's reason.
    const refusedQr = await openCounterQr(counter, gw);
    expect(await presentAsDelegate(refusedQr, issued.certId)).to.equal("INVALID");
    expect(await delegate.getAttribute("#wallet-present-result .verdict", "data-verdict")).to.equal(
      "DELEGATION_REVOKED",
    );
    const second = await counterVerdict();
    expect(second.overall).to.equal("INVALID");
    expect(second.text).to.not.contain(fields.name);
    expect(await counter.getAttribute("#counter-verdict .verdict", "data-verdict")).to.equal("DELEGATION_REVOKED");
    expect(await counter.textContent("#counter-verdict .reasons")).to.contain(
      "Presented by a delegate whose delegation the holder has revoked",
    );
    await shot(counter, "counter-refused-delegation-revoked");

    // The holder's trail lists the check the delegate's grant was used for.
    await holder.goto(`${gw.url}/wallet`);
    await holder.click(`li[data-cert="${issued.certId}"] [data-action=trail]`);
    await holder.locator("#wallet-trail li[data-check]").first().waitFor({ timeout: 30_000 });
    expect(await holder.locator("#wallet-trail li[data-check]").count()).to.equal(1);
    expect(await holder.textContent("#wallet-trail")).to.contain("Opening a bank account");
    // The check is marked as presented by the delegate, and the delegation is listed, revoked.
    const check = holder.locator("#wallet-trail li[data-check]");
    expect(await check.getAttribute("data-via")).to.equal("delegate");
    expect(await check.getAttribute("data-delegation")).to.equal(delegationId);
    expect(await check.textContent())
      .to.contain("presented by a delegate")
      .and.contain(delegateAddress);
    const listed = holder.locator(`#wallet-trail li[data-trail-delegation="${delegationId}"]`);
    expect(await listed.getAttribute("data-state")).to.equal("REVOKED");
    expect(await listed.textContent())
      .to.contain(delegateAddress)
      .and.contain("Revoked");
    await shot(holder, "holder-trail");
  });
  it("lets a delegate with an online delegation share the certificate as a link, which a third party verifies VALID", async () => {
    // Another certificate of the same holder, delegated from its own Delegate button with the address pasted.
    await holder.goto(`${gw.url}/wallet`);
    const issued = await suite.api().issue((await holder.textContent("#wallet-receive-address"))!.trim());
    await holder.fill("#wallet-import-text", issued.document);
    await holder.click("#wallet-import");
    await holder.locator("#wallet-import-message .notice.ok").waitFor();
    await delegate.goto(`${gw.url}/wallet`);
    const delegateAddress = (await delegate.textContent("#wallet-delegate-address"))!.trim();
    const item = holder.locator(`#wallet-certificates li[data-cert="${issued.certId}"]`);
    await item.locator("[data-action=delegate]").click();
    await item.locator(".delegate-address").fill(delegateAddress);
    await item.locator(".delegate-online").check();
    await item.locator(".delegate-create").click();
    const heldLink = (await item
      .locator(".delegate-result a.delegation-link")
      .getAttribute("href", { timeout: 60_000 }))!;
    expect(await holder.textContent("#wallet-delegations")).to.contain("counter and online");

    await delegate.goto(heldLink);
    await delegate.locator('#wallet-banner [data-code="HELD_RECEIVED"]').waitFor({ timeout: 30_000 });
    const held = delegate.locator(`#wallet-certificates li[data-cert="${issued.certId}"][data-held="true"]`);
    await held.locator("[data-action=share]").click();
    await held.locator(".share-create").click();
    const link = (await held.locator(".share-result a.share-link").getAttribute("href", { timeout: 60_000 }))!;
    expect(link).to.match(/\/verify\?s=[A-Za-z0-9_-]{22}#k=[0-9a-f]{64}$/);
    // The delegate's wallet keeps no grant of the holder's: revoking is the holder's, with the delegation.
    expect(await delegate.locator("#wallet-grants li[data-grant]").count()).to.equal(0);

    const third = await suite.person(PHONE, "en");
    await third.goto(link);
    const verdict = third.locator("#verify-result .verdict");
    await verdict.waitFor({ timeout: 30_000 });
    expect(await verdict.getAttribute("data-verdict")).to.equal("VALID");
    // The third party reads who shared it: the holder's delegate, under the holder's delegation.
    const by = third.locator("#verify-result .presented-by");
    expect(await by.getAttribute("data-delegate")).to.equal(delegateAddress.toLowerCase());
    expect(await by.textContent()).to.contain("Presented by a delegate");
    await shot(third, "verify-shared-by-delegate");
  });
});
