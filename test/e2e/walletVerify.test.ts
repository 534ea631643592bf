/**
 * The wallet and verify pages as a citizen meets them on the first day (issue 12): the wrong file is
 * "not a certificate file", never a forgery; a revoked certificate is shown as such and presenting it
 * takes a deliberate tick; only the fields a purpose needs start ticked; nothing is wider than a
 * 390 px phone; Enter submits the forms; every page loads with its icon and no failed request.
 */
import { expect } from "chai";
import path from "node:path";
import type { ConsoleMessage, Page } from "playwright-core";
import { browserSuite, type Gateway, PHONE, RESULTS_DIR, shooter } from "../support/e2e";

const SHOTS = path.join(RESULTS_DIR, "wallet-verify");
const PAGES = ["wallet", "verify", "agency", "counter"] as const;

/** A 1×1 PNG: what a citizen picks when they choose the photo of their card instead of the file. */
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
  "base64",
);
const NOT_CERTIFICATES: { name: string; file?: { name: string; mimeType: string; buffer: Buffer }; text?: string }[] = [
  {
    name: "a text file",
    file: { name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("办事需要带身份证\n") },
  },
  { name: "a PNG", file: { name: "photo.png", mimeType: "image/png", buffer: PNG } },
  { name: "garbage", text: "}{ not json at all %%%" },
  { name: "JSON of another kind", text: '{"a":1}' },
  { name: "an empty box", text: "" },
];

describe("the wallet and verify pages: wrong input, status, disclosure, phone width, Enter, icon (e2e)", function () {
  this.timeout(180_000);
  const suite = browserSuite(SHOTS);
  const person = (viewport = PHONE) => suite.person(viewport);
  let gw: Gateway;
  before(() => (gw = suite.gateway()));
  const issue = (holder: string) => suite.api().issue(holder);
  const counterRequest = () => suite.api().counterRequest();

  async function setLang(page: Page, lang: "zh" | "en"): Promise<void> {
    await page.evaluate((l) => localStorage.setItem("certledger.lang", l), lang);
    await page.reload();
  }

  async function newWallet(page: Page): Promise<string> {
    await page.goto(`${gw.url}/wallet`);
    await page.click("#wallet-create");
    await page.click("#wallet-mnemonic-done");
    return (await page.textContent("#wallet-receive-address"))!.trim();
  }

  async function importText(page: Page, text: string): Promise<void> {
    await page.fill("#wallet-import-text", text);
    await page.click("#wallet-import");
    await page.locator("#wallet-import-message .notice").waitFor();
  }

  /** Elements whose box reaches past the viewport's right edge (or left of 0), and the page's own overflow. */
  async function sideways(page: Page): Promise<string[]> {
    return page.evaluate(() => {
      const width = document.documentElement.clientWidth;
      const out: string[] = [];
      if (document.documentElement.scrollWidth > width)
        out.push(`page scrollWidth ${document.documentElement.scrollWidth} > ${width}`);
      for (const el of Array.from(document.body.querySelectorAll<HTMLElement>("*"))) {
        const r = el.getBoundingClientRect();
        if (r.width === 0 || r.height === 0) continue;
        if (r.right > width + 0.5 || r.left < -0.5) {
          const id = el.id ? `#${el.id}` : el.className ? `.${String(el.className).split(" ")[0]}` : "";
          out.push(`${el.tagName.toLowerCase()}${id} [${Math.round(r.left)}, ${Math.round(r.right)}]`);
        }
      }
      return out;
    });
  }

  const shot = shooter(SHOTS);

  it("serves an icon, and every page loads with no failed request and no console error", async () => {
    const page = await person({ width: 1280, height: 900 });
    const failed: string[] = [];
    const consoleErrors: string[] = [];
    page.on("response", (r) => {
      if (r.status() >= 400) failed.push(`${r.status()} ${r.url()}`);
    });
    // A request the next navigation cancels (the browser's own icon fetch) is not a failure of the server.
    page.on("requestfailed", (r) => {
      if (r.failure()?.errorText !== "net::ERR_ABORTED") failed.push(`failed ${r.url()} ${r.failure()?.errorText}`);
    });
    page.on("console", (m: ConsoleMessage) => {
      if (m.type() === "error" || m.type() === "warning") consoleErrors.push(`${m.type()}: ${m.text()}`);
    });
    for (const p of PAGES) {
      await page.goto(`${gw.url}/${p}`, { waitUntil: "networkidle" });
      // The icon the page declares is fetched and is an image.
      const icon = await page.evaluate(async () => {
        const href = document.querySelector<HTMLLinkElement>('link[rel="icon"]')?.href;
        if (!href) return null;
        const r = await fetch(href);
        return { status: r.status, type: r.headers.get("content-type") };
      });
      expect(icon, p).to.deep.include({ status: 200 });
      expect(icon!.type, p).to.match(/^image\/svg\+xml/);
    }
    const ico = await page.goto(`${gw.url}/favicon.ico`);
    expect(ico!.status()).to.equal(200);
    expect(ico!.headers()["content-type"]).to.match(/^image\/(x-icon|vnd\.microsoft\.icon)/);
    const body = await ico!.body();
    expect(body.readUInt16LE(2), "ICO type").to.equal(1);
    expect([body[6], body[7]], "32x32").to.deep.equal([32, 32]);
    expect(failed, "failed requests").to.deep.equal([]);
    expect(consoleErrors, "console errors").to.deep.equal([]);
  });

  it("shows a text file, a PNG, garbage, other JSON and an empty box as 'not a certificate file' on /verify, in zh and en, and a changed certificate as TAMPERED", async () => {
    const page = await person();
    await page.goto(`${gw.url}/verify`);
    for (const lang of ["zh", "en"] as const) {
      await setLang(page, lang);
      for (const input of NOT_CERTIFICATES) {
        await page.evaluate(() => document.querySelector("#verify-result")?.replaceChildren());
        if (input.file) await page.setInputFiles("#verify-file", input.file);
        else {
          await page.fill("#verify-paste", input.text!);
          await page.click("#verify-check");
        }
        const verdict = page.locator("#verify-result .verdict");
        await verdict.waitFor();
        expect(await verdict.getAttribute("data-verdict"), `${input.name} (${lang})`).to.equal("MALFORMED");
        const text = (await verdict.textContent())!;
        expect(text, `${input.name} (${lang})`).to.contain(lang === "zh" ? "不是证照文件" : "Not a certificate file");
        expect(text).to.not.match(/TAMPERED|篡改|Tampered/);
      }
      await shot(page, `verify-malformed-${lang}`);
    }

    const issued = await issue(`0x${"cd".repeat(20)}`);
    const changed = JSON.parse(issued.document);
    changed.credentialSubject.name = "王五";
    await page.fill("#verify-paste", JSON.stringify(changed));
    await page.click("#verify-check");
    await page.locator('#verify-result .verdict[data-verdict="TAMPERED"]').waitFor();
    expect(await page.textContent("#verify-result .verdict")).to.contain("Tampered");
    // The same document unchanged is VALID: the page tells the three apart.
    await page.fill("#verify-paste", issued.document);
    await page.click("#verify-check");
    await page.locator('#verify-result .verdict[data-verdict="VALID"]').waitFor();
  });

  it("refuses the wrong file at wallet import as 'not a certificate file', in zh and en, and a changed certificate as tampered", async () => {
    const page = await person();
    const holder = await newWallet(page);
    for (const lang of ["zh", "en"] as const) {
      await setLang(page, lang);
      for (const input of NOT_CERTIFICATES) {
        await page.evaluate(() => document.querySelector("#wallet-import-message")?.replaceChildren());
        if (input.file) await page.setInputFiles("#wallet-import-file", input.file);
        else await page.fill("#wallet-import-text", input.text!);
        if (!input.file) await page.click("#wallet-import");
        const msg = page.locator("#wallet-import-message .notice.error");
        await msg.waitFor();
        expect(await msg.getAttribute("data-code"), `${input.name} (${lang})`).to.equal("MALFORMED");
        expect(await msg.textContent(), `${input.name} (${lang})`).to.contain(
          lang === "zh" ? "不是证照文件" : "not a certificate file",
        );
      }
    }
    const issued = await issue(holder);
    const changed = JSON.parse(issued.document);
    changed.credentialSubject.idNumber = "110101199003074514";
    await importText(page, JSON.stringify(changed));
    expect(await page.getAttribute("#wallet-import-message .notice.error", "data-code")).to.equal("TAMPERED");
    expect(await page.locator("#wallet-certificates li[data-cert]").count()).to.equal(0);
    await importText(page, issued.document);
    await page.locator(`li[data-cert="${issued.certId}"]`).waitFor();
  });

  it("shows a revoked certificate's status and reason in the list, and presenting it takes a deliberate tick", async () => {
    const page = await person();
    const first = await newWallet(page);
    const good = await issue(first);
    await importText(page, good.document);
    const second = (await page.textContent("#wallet-receive-address"))!.trim();
    const bad = await issue(second);
    await importText(page, bad.document);
    await suite.api().revoke(bad.certId, "ISSUED_IN_ERROR");

    await page.reload();
    const badge = page.locator(`li[data-cert="${bad.certId}"] .status[data-status="REVOKED"]`);
    await badge.waitFor();
    expect(await badge.textContent()).to.equal("已吊销");
    expect(await page.textContent(`li[data-cert="${bad.certId}"] .status-reason`)).to.equal("误发");
    await page.locator(`li[data-cert="${good.certId}"] .status[data-status="ACTIVE"]`).waitFor();

    await page.goto(await counterRequest());
    await page.locator("#wallet-present").waitFor();
    // The valid certificate is picked first; nothing warns.
    expect(await page.inputValue("select.cert-pick")).to.equal(good.certId);
    expect(await page.locator(".present-warning .notice").count()).to.equal(0);
    expect(await page.isEnabled("#wallet-present")).to.equal(true);

    await page.selectOption("select.cert-pick", bad.certId);
    const warning = page.locator('.present-warning .notice[data-status="REVOKED"]');
    await warning.waitFor();
    expect(await warning.textContent()).to.contain("窗口将看到");
    expect(await page.isDisabled("#wallet-present"), "present is held until the citizen ticks").to.equal(true);
    await shot(page, "wallet-present-revoked-warning");
    await page.check(".present-anyway");
    expect(await page.isEnabled("#wallet-present")).to.equal(true);
    await page.click("#wallet-present");
    await page.locator("#wallet-present-result .verdict").waitFor({ timeout: 30_000 });
    expect(await page.getAttribute("#wallet-present-result .verdict", "data-verdict")).to.equal("REVOKED");
  });

  it("ticks only the fields the request's purpose needs, and none for a purpose that names no fields", async () => {
    const page = await person();
    const holder = await newWallet(page);
    const issued = await issue(holder);
    await importText(page, issued.document);
    await page.goto(await counterRequest());
    await page.locator("#wallet-present").waitFor();
    const ticked = await page.$$eval("#wallet-request .checks input[type=checkbox]", (els) =>
      (els as HTMLInputElement[]).filter((e) => e.checked).map((e) => e.value),
    );
    expect(ticked.sort()).to.deep.equal(["idNumber", "name"]);
    expect(await page.textContent(".disclose-hint")).to.contain("开立银行账户");

    // Sharing online starts from the "online check" purpose, which names no fields: nothing is ticked.
    await page.goto(`${gw.url}/wallet`);
    await page.click(`li[data-cert="${issued.certId}"] [data-action=share]`);
    const form = page.locator(`li[data-cert="${issued.certId}"] .share-form`);
    expect(await form.locator(".checks input:checked").count()).to.equal(0);
    await form.locator(".share-purpose").selectOption("identity-check");
    const shared = await form
      .locator(".checks input:checked")
      .evaluateAll((els) => (els as HTMLInputElement[]).map((e) => e.value));
    expect(shared.sort()).to.deep.equal(["idNumber", "name"]);
  });

  it("submits the wallet's forms with Enter: create, restore, unlock, open a pasted QR, create a share", async () => {
    const page = await person();
    await page.goto(`${gw.url}/wallet`);
    await page.fill("#wallet-passphrase", "correct horse battery staple");
    await page.press("#wallet-passphrase", "Enter");
    const mnemonic = (await page.locator("#wallet-mnemonic").textContent())!.trim();
    await page.click("#wallet-mnemonic-done");
    const holder = (await page.textContent("#wallet-receive-address"))!.trim();

    await page.reload();
    await page.fill("#wallet-unlock-passphrase", "wrong");
    await page.press("#wallet-unlock-passphrase", "Enter");
    await page.locator(".notice.error").waitFor();
    await page.fill("#wallet-unlock-passphrase", "correct horse battery staple");
    await page.press("#wallet-unlock-passphrase", "Enter");
    await page.locator("#wallet-receive-address").waitFor();
    expect((await page.textContent("#wallet-receive-address"))!.trim()).to.equal(holder);

    const issued = await issue(holder);
    await importText(page, issued.document);
    await page.fill("#wallet-scan-paste", await counterRequest());
    await page.press("#wallet-scan-paste", "Enter");
    await page.locator("#wallet-present").waitFor();

    await page.click(`li[data-cert="${issued.certId}"] [data-action=share]`);
    await page.locator(`li[data-cert="${issued.certId}"] .share-hours`).fill("2");
    await page.press(`li[data-cert="${issued.certId}"] .share-hours`, "Enter");
    await page.locator(`li[data-cert="${issued.certId}"] .share-result a.share-link`).waitFor();

    const other = await person();
    await other.goto(`${gw.url}/wallet`);
    await other.fill("#wallet-mnemonic-input", mnemonic);
    await other.press("#wallet-restore-passphrase", "Enter");
    await other.locator("#wallet-receive-address").waitFor();
    // Restored from the wallet's backup: the certificate of `holder` is back, and the next address is past it.
    expect(await other.locator(`li[data-cert="${issued.certId}"]`).count()).to.equal(1);
    expect((await other.textContent("#wallet-receive-address"))!.trim()).to.not.equal(holder);
  });

  it("keeps every wallet view within a 390 px phone screen (nothing sticks out sideways)", async () => {
    const page = await person(PHONE);
    const check = async (view: string) => {
      expect(await sideways(page), view).to.deep.equal([]);
      await shot(page, `phone-wallet-${view}`);
    };
    await page.goto(`${gw.url}/wallet`);
    await check("setup");
    await page.fill("#wallet-passphrase", "pass");
    await page.click("#wallet-create");
    await check("mnemonic");
    await page.click("#wallet-mnemonic-done");
    const holder = (await page.textContent("#wallet-receive-address"))!.trim();
    const issued = await issue(holder);
    await importText(page, issued.document);
    const item = page.locator(`li[data-cert="${issued.certId}"]`);
    await item.locator(".status[data-status=ACTIVE]").waitFor();
    await item.locator("details summary").click();
    await check("certificate-details");
    // A link share and a counter grant: the grant list holds a long link and a verifier's name.
    await item.locator("[data-action=share]").click();
    await item.locator(".share-create").click();
    await item.locator(".share-result a.share-link").waitFor();
    await check("share-created");
    // And a share to a named verifier: its grant shows the verifier's 42-character address.
    await item.locator(".share-mode").selectOption("verifier");
    await item.locator(".share-verifier").fill(gw.verifierAddress);
    await item.locator(".share-create").click();
    await page.locator('#wallet-grants li[data-kind="verifier"]').waitFor();
    await page.goto(await counterRequest());
    await page.fill("#wallet-unlock-passphrase", "pass");
    await page.press("#wallet-unlock-passphrase", "Enter");
    await page.locator("#wallet-present").waitFor();
    await check("request");
    await page.click("#wallet-present");
    await page.locator("#wallet-present-result .verdict").waitFor({ timeout: 30_000 });
    await check("presented");
    await page.goto(`${gw.url}/wallet`);
    await page.fill("#wallet-unlock-passphrase", "pass");
    await page.press("#wallet-unlock-passphrase", "Enter");
    await page.locator('#wallet-grants li[data-kind="link"]').waitFor();
    await page.locator('#wallet-grants li[data-kind="counter"]').waitFor();
    await page.locator('#wallet-grants li[data-kind="verifier"]').waitFor();
    await check("grants");
    await page.click(`li[data-cert="${issued.certId}"] [data-action=trail]`);
    await page.locator("#wallet-trail li[data-check]").waitFor();
    await check("trail");
    await page.reload();
    await page.locator("#wallet-unlock-passphrase").waitFor();
    await check("locked");
  });
});
