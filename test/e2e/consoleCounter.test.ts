/**
 * The agency console and the counter as their officers meet them on the first day (issue 12), in
 * headless Chromium against the real gateway: a wrong key at either login, in Chinese and in English;
 * Enter to sign in; which agency is signed in and the types it may issue; the status actions a
 * certificate allows and a confirmation before revoking; the counter learning of the citizen's
 * decline at once, and its verdict naming the issuer and the validity.
 */
import { expect } from "chai";
import type { Page } from "playwright-core";
import { CERTIFICATE_TYPES } from "../../src/domain/catalog";
import { browserSuite, type Gateway, PHONE } from "../support/e2e";

describe("the agency console and the counter for a first-day officer (e2e)", function () {
  this.timeout(180_000);
  const suite = browserSuite();
  const person = suite.person;
  let gw: Gateway;
  before(() => (gw = suite.gateway()));

  /** Types the key into the login and presses Enter (no click). */
  async function submitKey(page: Page, which: "agency" | "counter", key: string) {
    await page.fill(`#${which}-api-key`, key);
    await page.press(`#${which}-api-key`, "Enter");
  }

  async function signedIn(page: Page, which: "agency" | "counter", key: string) {
    await page.goto(`${gw.url}/${which}`);
    if ((await page.locator(`#${which}-api-key`).count()) > 0) await submitKey(page, which, key);
    await page.locator(`#${which}-signed-in`).waitFor();
  }

  /** The login refused the key with `code`; the key stays in the box, nothing is kept. */
  async function refused(page: Page, which: "agency" | "counter", code: string, typed: string): Promise<string> {
    const msg = page.locator(`#${which}-sign-in-message .notice.error[data-code="${code}"]`);
    await msg.waitFor();
    expect(await page.inputValue(`#${which}-api-key`)).to.equal(typed);
    expect(await page.locator(`#${which}-signed-in`).count()).to.equal(0);
    expect(await page.evaluate((k) => localStorage.getItem(k), `certledger.${which}.apiKey`)).to.equal(null);
    return (await msg.textContent())!;
  }

  const wrongKey = (prefix: string) => `${prefix}_${"0".repeat(43)}`;

  for (const which of ["agency", "counter"] as const) {
    const prefix = which === "agency" ? "clg" : "clv";
    it(`refuses a wrong key at the ${which} login with a message in Chinese, then in English, and stays on the login`, async () => {
      const page = await person();
      const calls: string[] = [];
      page.on("request", (r) => calls.push(new URL(r.url()).pathname));
      await page.goto(`${gw.url}/${which}`);
      await submitKey(page, which, wrongKey(prefix));
      expect(await refused(page, which, "INVALID_CREDENTIALS", wrongKey(prefix))).to.contain("API 密钥无效");
      // Not even a key's characters (pasted from a chat): the same message, not a network error.
      await submitKey(page, which, "密钥 abc");
      expect(await refused(page, which, "INVALID_CREDENTIALS", "密钥 abc")).to.contain("API 密钥无效");
      await submitKey(page, which, "");
      expect(await refused(page, which, "MISSING_CREDENTIALS", "")).to.contain("请输入");

      await page.click("#lang-switch");
      await submitKey(page, which, `${wrongKey(prefix)}1`);
      const en = await refused(page, which, "INVALID_CREDENTIALS", `${wrongKey(prefix)}1`);
      expect(en).to.contain("Wrong API key");
      expect(en).to.not.match(/[\u4e00-\u9fff]/);
      expect(en).to.not.contain("Authorization");

      // The other role's key is refused too, saying whose key this page needs.
      const other = which === "agency" ? gw.verifierKey : gw.agencyKey;
      await submitKey(page, which, other);
      expect(await refused(page, which, "WRONG_ROLE", other)).to.contain(
        which === "agency" ? "issuing agency" : "counter verifier",
      );
      // Nothing but the key check was asked of the gateway.
      expect(calls.filter((p) => p.startsWith("/v1/") && p !== "/v1/me")).to.deep.equal([]);

      await submitKey(page, which, which === "agency" ? gw.agencyKey : gw.verifierKey);
      await page.locator(`#${which}-signed-in`).waitFor();
    });
  }

  it("says which agency is signed in, in the page's language", async () => {
    const page = await person();
    await signedIn(page, "agency", gw.agencyKey);
    const agency = gw.agencies.find((a) => a.apiKey === gw.agencyKey)!;
    expect(await page.textContent("#agency-signed-in")).to.contain(agency.nameZh ?? agency.name);
    await page.click("#lang-switch");
    expect(await page.textContent("#agency-signed-in")).to.contain(agency.name);
    // A key disabled since the last visit sends the officer back to the login, saying so.
    await page.evaluate(() => localStorage.setItem("certledger.agency.apiKey", `clg_${"9".repeat(43)}`));
    await page.reload();
    await page.locator('#agency-sign-in-message .notice.error[data-code="INVALID_CREDENTIALS"]').waitFor();
    expect(await page.textContent("#agency-sign-in-message")).to.contain("no longer valid");
  });

  it("offers only the agency's accredited types, starting on one of them and then on the one used last", async function () {
    const education = gw.agencies.find((a) => a.name === "Education Bureau");
    if (!education) this.skip(); // the in-memory gateway has a single agency
    const page = await person();
    await signedIn(page, "agency", education!.apiKey);
    expect(await page.textContent("#agency-signed-in")).to.contain("教育局");
    const options = (id: string) => page.$$eval(`#${id} option`, (os) => os.map((o) => (o as HTMLOptionElement).value));
    const expected = CERTIFICATE_TYPES.filter((t) => education!.types.includes(t.code)).map((t) => t.code);
    expect(await options("agency-type")).to.deep.equal(expected);
    expect(await options("agency-batch-type")).to.deep.equal(expected);
    expect(await page.inputValue("#agency-type")).to.equal(expected[0]);
    expect(expected).to.not.include("resident-id-card");

    await page.selectOption("#agency-type", expected[1]);
    await page.reload();
    await page.locator("#agency-signed-in").waitFor();
    expect(await page.inputValue("#agency-type")).to.equal(expected[1]);
  });

  it("offers the actions the certificate's status allows, and revokes only after a confirmation naming it and the reason", async () => {
    const page = await person();
    const statusCalls: string[] = [];
    page.on("request", (r) => {
      if (/\/(revoke|suspend|reinstate)$/.test(new URL(r.url()).pathname)) statusCalls.push(r.url());
    });
    await signedIn(page, "agency", gw.agencyKey);
    await page.selectOption("#agency-type", "resident-id-card");
    await page.fill("#agency-holder", `0x${"cd".repeat(20)}`);
    await page.click("#agency-fill-sample");
    await page.click("#agency-issue");
    await page.waitForSelector("#agency-document", { timeout: 30_000 });
    const certId = JSON.parse(await page.inputValue("#agency-document")).credentialStatus.certId as string;

    const offered = async () => {
      await page.locator("#agency-detail-status").waitFor();
      return page.$$eval("#agency-detail [data-action]", (bs) => bs.map((b) => b.getAttribute("data-action")));
    };
    await page.fill("#agency-search", certId);
    await page.click("#agency-search-go");
    expect(await offered()).to.deep.equal(["revoke", "suspend"]);

    await page.click("[data-action=suspend]");
    await page.waitForSelector('#agency-detail-status[data-status="SUSPENDED"]');
    expect(await offered()).to.deep.equal(["revoke", "reinstate"]);

    // Revoke asks first, showing the certificate and the reason; cancelling sends nothing.
    const before = statusCalls.length;
    await page.selectOption("[data-action-reason=revoke]", "FRAUD");
    await page.click("[data-action=revoke]");
    const confirm = page.locator("#agency-confirm");
    await confirm.waitFor();
    expect(await confirm.locator(`[data-cert="${certId}"]`).count()).to.equal(1);
    expect(await confirm.locator('[data-reason="FRAUD"]').textContent()).to.equal("欺诈取得");
    await page.click("#agency-confirm-cancel");
    expect(await page.locator("#agency-confirm").count()).to.equal(0);
    expect(statusCalls.length).to.equal(before);
    await page.click("#agency-search-go");
    await page.waitForSelector('#agency-detail-status[data-status="SUSPENDED"]');

    await page.selectOption("[data-action-reason=revoke]", "FRAUD");
    await page.click("[data-action=revoke]");
    expect(await page.locator('#agency-confirm [data-reason="FRAUD"]').count()).to.equal(1);
    await page.click("#agency-confirm-revoke");
    await page.waitForSelector('#agency-detail-status[data-status="REVOKED"]');
    expect(statusCalls.length).to.equal(before + 1);
    expect(await offered()).to.deep.equal([]);
    await page.locator("#agency-no-actions").waitFor();
    // The history reads in the page's language.
    expect(await page.textContent("#agency-detail")).to.contain("欺诈取得");
  });

  describe("at the counter", () => {
    let counter: Page;
    let wallet: Page;
    let console_: Page;

    before(async () => {
      counter = await person();
      wallet = await person(PHONE);
      console_ = await person();
      await wallet.goto(`${gw.url}/wallet`);
      await wallet.click("#wallet-create");
      await wallet.click("#wallet-mnemonic-done");
    });

    /** Opens a request for `service` (a resident ID card by default) living `minutes`; returns its QR as shown and its id. */
    async function openRequest(minutes: number, service = "bank"): Promise<{ png: Buffer; id: string }> {
      await signedIn(counter, "counter", gw.verifierKey);
      await counter.selectOption("#counter-service", service);
      await counter.fill("#counter-minutes", String(minutes));
      await counter.click("#counter-open");
      const img = counter.locator("#counter-qr-image");
      await img.waitFor();
      await counter.waitForFunction(
        () => (document.querySelector("#counter-qr-image") as HTMLImageElement | null)?.complete === true,
      );
      const url = (await counter.textContent("#counter-request-url"))!.trim();
      return { png: await img.screenshot(), id: new URL(url).searchParams.get("r")! };
    }

    async function scan(png: Buffer) {
      await wallet.goto(`${gw.url}/wallet`);
      await wallet.setInputFiles("#wallet-scan-image", { name: "qr.png", mimeType: "image/png", buffer: png });
      await wallet.locator("#wallet-request-from").waitFor();
    }

    it("shows the citizen's decline at once, while the QR code still has most of its 30 minutes", async () => {
      const { png, id } = await openRequest(30);
      await scan(png);
      await wallet.click("#wallet-decline");
      await wallet.locator('#wallet-request .notice.ok[data-code="DECLINED"]').waitFor();

      const declined = counter.locator('#counter-status .notice.error[data-code="COUNTER_REQUEST_DECLINED"]');
      await declined.waitFor({ timeout: 15_000 });
      expect(await declined.textContent()).to.contain("拒绝");
      expect(await counter.locator("#counter-qr-image").count()).to.equal(0);
      await counter.locator("#counter-next").waitFor();
      // Not the expiry: the request itself is far from expired.
      const view = await counter.evaluate(async (rid) => (await fetch(`/v1/counter/requests/${rid}`)).json(), id);
      expect(view.state).to.equal("DECLINED");
      expect(view.expiresAt - Math.floor(Date.now() / 1000)).to.be.greaterThan(25 * 60);

      // Scanning it again says it was declined.
      await wallet.goto(`${gw.url}/wallet`);
      await wallet.setInputFiles("#wallet-scan-image", { name: "qr.png", mimeType: "image/png", buffer: png });
      await wallet.locator('#wallet-request .notice.error[data-code="COUNTER_REQUEST_DECLINED"]').waitFor();
    });

    interface IssuedDoc {
      validFrom: string;
      validUntil: string;
      credentialSubject: Record<string, unknown>;
      credentialStatus: { certId: string };
    }

    /** Issues a certificate of `type` (sample fields) to the wallet's next holder key and imports it there. */
    async function issueToWallet(type: string): Promise<IssuedDoc> {
      await wallet.goto(`${gw.url}/wallet`);
      const holder = (await wallet.textContent("#wallet-receive-address"))!.trim();
      const agency = gw.agencies.find((a) => a.types.includes(type))!;
      await signedIn(console_, "agency", agency.apiKey);
      await console_.selectOption("#agency-type", type);
      await console_.fill("#agency-holder", holder);
      await console_.click("#agency-fill-sample");
      await console_.click("#agency-issue");
      await console_.waitForSelector("#agency-document", { timeout: 30_000 });
      const document = await console_.inputValue("#agency-document");
      await wallet.fill("#wallet-import-text", document);
      await wallet.click("#wallet-import");
      await wallet.waitForSelector("#wallet-import-message .notice.ok");
      // The next certificate starts from an empty form.
      await console_.goto("about:blank");
      return JSON.parse(document) as IssuedDoc;
    }

    it("shows the issuing agency and the validity dates with the verdict", async () => {
      const doc = await issueToWallet("resident-id-card");

      const { png } = await openRequest(5);
      await scan(png);
      await wallet.selectOption("select.cert-pick[data-type=resident-id-card]", doc.credentialStatus.certId);
      await wallet.click("#wallet-present");

      const verdict = counter.locator("#counter-verdict .verdict");
      await verdict.waitFor({ timeout: 30_000 });
      expect(await verdict.getAttribute("data-verdict")).to.equal("VALID");
      // The issuer and the validity are on the card under the verdict.
      const card = counter.locator("#counter-verdict .cert-card");
      const agency = gw.agencies.find((a) => a.apiKey === gw.agencyKey)!;
      expect(await card.locator("[data-issuer]").textContent()).to.equal(`签发机关：${agency.nameZh ?? agency.name}`);
      const validity = card.locator("[data-valid-from]");
      expect(Number(await validity.getAttribute("data-valid-from"))).to.equal(Date.parse(doc.validFrom) / 1000);
      expect(Number(await validity.getAttribute("data-valid-until"))).to.equal(Date.parse(doc.validUntil) / 1000);
      const day = (iso: string) => new Date(iso).toLocaleDateString("zh-CN", { timeZone: "UTC" });
      expect(await validity.textContent()).to.equal(`有效期：${day(doc.validFrom)} 至 ${day(doc.validUntil)}`);
      // In English, the agency's English name and English dates.
      await counter.click("#lang-switch");
      expect(await card.locator("[data-issuer]").textContent()).to.equal(`Issued by ${agency.name}`);
      const dayEn = (iso: string) => new Date(iso).toLocaleDateString("en-GB", { timeZone: "UTC" });
      expect(await validity.textContent()).to.equal(`Valid from ${dayEn(doc.validFrom)} to ${dayEn(doc.validUntil)}`);
    });

    it("takes an ID card and a household register at one counter, one field hidden in each, with a verdict for each and overall", async () => {
      const card = await issueToWallet("resident-id-card");
      const register = await issueToWallet("household-register");
      const hide = { "resident-id-card": "idNumber", "household-register": "householdNumber" } as const;

      // The officer reads Chinese (an earlier test left the counter in English).
      await counter.evaluate(() => localStorage.setItem("certledger.lang", "zh"));
      const { png } = await openRequest(5, "household");
      await scan(png);
      // The wallet shows both types asked for, each with its own pick and its own fields.
      expect(await wallet.locator("#wallet-request select.cert-pick").count()).to.equal(2);
      for (const [type, doc] of [
        ["resident-id-card", card],
        ["household-register", register],
      ] as const) {
        await wallet.selectOption(`select.cert-pick[data-type=${type}]`, doc.credentialStatus.certId);
        // The card of this type (the nearest card around its pick).
        const part = wallet
          .locator(`#wallet-request select.cert-pick[data-type=${type}]`)
          .locator("xpath=ancestor::div[contains(@class,'card')][1]");
        // Show every field but one.
        for (const box of await part.locator("input[type=checkbox][data-path]").all()) await box.check();
        await part.locator(`input[data-path=${hide[type]}]`).uncheck();
      }
      await wallet.click("#wallet-present");

      const overall = counter.locator("#counter-overall");
      await overall.waitFor({ timeout: 60_000 });
      expect(await overall.getAttribute("data-verdict")).to.equal("VALID");
      expect(await overall.textContent()).to.equal("总体结论：有效（2/2 份证照有效）");
      expect(await counter.locator("#counter-verdict .verdict-card").count()).to.equal(2);
      for (const [type, doc] of [
        ["resident-id-card", card],
        ["household-register", register],
      ] as const) {
        const verdict = counter.locator(`#counter-verdict .verdict-card[data-type=${type}]`);
        expect(await verdict.locator(".verdict").getAttribute("data-verdict")).to.equal("VALID");
        expect(await verdict.getAttribute("data-cert")).to.equal(doc.credentialStatus.certId);
        // The hidden field is at most marked hidden, its value never shown; the others are, and one is counted hidden.
        expect(await verdict.locator(`[data-field="${hide[type]}"]:not([data-hidden="true"])`).count()).to.equal(0);
        const hiddenValue = String(doc.credentialSubject[hide[type]]);
        expect(await verdict.textContent()).to.not.contain(hiddenValue);
        // A shown field is on the card: the address as a main line, or its city among the details.
        const address = verdict.locator(
          `[data-field="address"]:not([data-hidden="true"]), [data-field="address.city"]`,
        );
        expect(await address.count()).to.equal(1);
        expect(await verdict.locator(".hidden-count").textContent()).to.equal("持证人隐藏了 1 项");
      }
      expect(await counter.textContent("#counter-verdict")).to.not.contain(
        String(register.credentialSubject.householdNumber),
      );
      await counter.click("#lang-switch");
      expect(await overall.textContent()).to.equal("Overall: VALID (2 of 2 certificates valid)");
    });
  });
});
