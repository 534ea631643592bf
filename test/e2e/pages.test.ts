/**
 * The four pages in headless Chromium against a gateway on a random port (issue 6 items 4 and 5).
 * Each person has their own browser profile: the agency officer, the citizen (a phone-sized screen),
 * the counter officer and a third party who opens a share link. The citizen's wallet reads the
 * counter's QR code from the counter page's own image (a screenshot of the <img>, decoded by jsQR in
 * the wallet page): nothing passes the request id on the side.
 */
import { expect } from "chai";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { DEMO_VERIFIER, sampleFields } from "../../src/domain/catalog";
import { gb18030, holderOf, titledCsv } from "../support/batchFiles";
import {
  batchCsv,
  closeSharedBrowser,
  ensureChromium,
  fakeCameraFile,
  type Gateway,
  newBrowser,
  openCounterQr,
  PHONE,
  RESULTS_DIR,
  shooter,
  startGateway,
} from "../support/e2e";

const SHOTS = path.join(RESULTS_DIR, "pages");

describe("the pages in a real browser (e2e)", function () {
  this.timeout(180_000);
  let gw: Gateway;
  const contexts: BrowserContext[] = [];
  let agency: Page;
  let wallet: Page;
  let counter: Page;
  let third: Page;
  const pageErrors: string[] = [];
  const counterCalls: string[] = [];

  async function person(viewport?: { width: number; height: number }): Promise<Page> {
    const { context } = await newBrowser(viewport);
    contexts.push(context);
    const page = context.pages()[0] ?? (await context.newPage());
    page.on("pageerror", (e) => pageErrors.push(e.message));
    return page;
  }

  /** Opens a share link in the third party's browser as a fresh page load. */
  async function openLink(link: string): Promise<string | null> {
    await third.goto("about:blank");
    await third.goto(link);
    const verdict = third.locator("#verify-result .verdict");
    await verdict.waitFor({ timeout: 15_000 });
    return verdict.getAttribute("data-verdict");
  }

  const shot = shooter(SHOTS);

  before(async function () {
    this.timeout(900_000); // a fresh machine installs chromium (and a CJK font) here
    ensureChromium();
    execFileSync("bash", [path.join(__dirname, "..", "..", "scripts", "ensure-cjk-fonts.sh")], { stdio: "inherit" });
    fs.mkdirSync(SHOTS, { recursive: true });
    gw = await startGateway();
    agency = await person();
    wallet = await person(PHONE);
    counter = await person();
    counter.on("request", (r) => counterCalls.push(new URL(r.url()).pathname));
    third = await person(PHONE);
  });

  after(async function () {
    for (const c of contexts) await c.close().catch(() => undefined);
    await closeSharedBrowser();
    await gw?.close();
  });

  afterEach(function () {
    expect(pageErrors, "uncaught errors in the pages").to.deep.equal([]);
  });

  // --- steps shared by the scenarios ----------------------------------------------------------

  async function signIn(page: Page, which: "agency" | "counter", key: string) {
    await page.goto(`${gw.url}/${which}`);
    // Already signed in on this profile (the key is kept in localStorage): nothing to do.
    if ((await page.locator(`#${which}-api-key`).count()) === 0) return;
    await page.fill(`#${which}-api-key`, key);
    await page.click(`#${which}-sign-in`);
    // The key is checked (GET /v1/me) before the page keeps it.
    await page.locator(`#${which}-signed-in`).waitFor();
  }

  async function receiveAddress(): Promise<string> {
    await wallet.goto(`${gw.url}/wallet`);
    return (await wallet.textContent("#wallet-receive-address"))!.trim();
  }

  /** The agency issues a resident ID card to `holder` from the console; returns the document text. */
  async function issueInConsole(holder: string): Promise<{ certId: string; document: string }> {
    await agency.goto(`${gw.url}/agency`);
    await agency.selectOption("#agency-type", "resident-id-card");
    await agency.fill("#agency-holder", holder);
    await agency.click("#agency-fill-sample");
    await agency.click("#agency-issue");
    await agency.waitForSelector("#agency-document", { timeout: 30_000 });
    const document = await agency.inputValue("#agency-document");
    return { certId: JSON.parse(document).credentialStatus.certId, document };
  }

  async function importInWallet(document: string) {
    await wallet.fill("#wallet-import-text", document);
    await wallet.click("#wallet-import");
    await wallet.waitForSelector("#wallet-import-message .notice.ok");
  }

  /** The counter opens a request for a resident ID card; returns the PNG of the QR as shown. */
  async function openCounterRequest(): Promise<Buffer> {
    return openCounterQr(counter, gw);
  }

  /** The wallet reads the QR from an image file, as from a photo of the counter's screen. */
  async function scanInWallet(png: Buffer) {
    await wallet.goto(`${gw.url}/wallet`);
    await wallet.setInputFiles("#wallet-scan-image", { name: "counter-qr.png", mimeType: "image/png", buffer: png });
    await wallet.waitForSelector("#wallet-present, #wallet-request .notice.error");
  }

  async function pickCertificate(certId: string) {
    await wallet.selectOption("select.cert-pick[data-type=resident-id-card]", certId);
  }

  // --- item 4 ---------------------------------------------------------------------------------

  let firstCertId: string;
  let firstMnemonic: string;
  let firstHolder: string;
  let firstDocument: string;

  it("issues in the console, imports in the wallet, presents at the counter with two fields hidden, and shows VALID with only the disclosed fields", async () => {
    await wallet.goto(`${gw.url}/wallet`);
    await wallet.click("#wallet-create");
    const mnemonic = (await wallet.textContent("#wallet-mnemonic"))!.trim();
    expect(mnemonic.split(/\s+/)).to.have.length(12);
    await shot(wallet, "wallet-mnemonic");
    await wallet.click("#wallet-mnemonic-done");
    const holder = (await wallet.textContent("#wallet-receive-address"))!.trim();
    expect(holder).to.match(/^0x[0-9a-f]{40}$/);
    firstMnemonic = mnemonic;
    firstHolder = holder;

    await signIn(agency, "agency", gw.agencyKey);
    const issued = await issueInConsole(holder);
    firstCertId = issued.certId;
    firstDocument = issued.document;
    await shot(agency, "agency-issued");

    await importInWallet(issued.document);
    await wallet.waitForSelector(`li[data-cert="${firstCertId}"] .status[data-status=ACTIVE]`);
    // The next certificate gets another address (unlinkable holders).
    expect((await wallet.textContent("#wallet-receive-address"))!.trim()).to.not.equal(holder);

    await signIn(counter, "counter", gw.verifierKey);
    const qr = await openCounterRequest();
    const url = (await counter.textContent("#counter-request-url"))!.trim();
    expect(url.length).to.be.at.most(200);
    await shot(counter, "counter-request-qr");

    await scanInWallet(qr);
    await wallet.waitForSelector("#wallet-present");
    await pickCertificate(firstCertId);
    await wallet.uncheck('#wallet-request input[data-path="idNumber"]');
    await wallet.uncheck('#wallet-request input[data-path="birthDate"]');
    await shot(wallet, "wallet-request");
    const writesBefore = await gw.chainWrites();
    await wallet.click("#wallet-present");
    await wallet.waitForSelector("#wallet-present-result .verdict");
    expect(await wallet.getAttribute("#wallet-present-result .verdict", "data-verdict")).to.equal("VALID");
    expect(await gw.chainWrites()).to.be.greaterThan(writesBefore); // grant relayed, check recorded

    // The counter page updates by itself (no reload).
    const verdict = counter.locator("#counter-verdict .verdict");
    await verdict.waitFor({ timeout: 15_000 });
    expect(await verdict.getAttribute("data-verdict")).to.equal("VALID");
    // It followed the request's server-sent events; it did not poll.
    expect(counterCalls.filter((p) => p.endsWith("/events"))).to.have.length.greaterThan(0);
    expect(counterCalls.filter((p) => p.endsWith("/result"))).to.deep.equal([]);
    // The card shows the disclosed name; the fields the citizen kept are marked hidden, with no value.
    const field = (k: string) => counter.locator(`#counter-verdict .cert-card [data-field="${k}"]`);
    expect(await field("name").getAttribute("data-hidden")).to.equal(null);
    expect(await field("idNumber").getAttribute("data-hidden")).to.equal("true");
    expect(await field("birthDate").getAttribute("data-hidden")).to.equal("true");
    const shown = await counter.textContent("#counter-verdict");
    const fields = JSON.parse(issued.document).credentialSubject as Record<string, string>;
    expect(shown).to.contain(fields.name);
    expect(shown).to.not.contain(fields.idNumber);
    await shot(counter, "counter-verdict-valid");

    // The citizen's trail lists the check.
    await wallet.goto(`${gw.url}/wallet`);
    await wallet.click(`li[data-cert="${firstCertId}"] [data-action=trail]`);
    await wallet.waitForSelector(`#wallet-trail li[data-check]`);
    expect(await wallet.textContent("#wallet-trail")).to.contain("开立银行账户"); // the purpose in words
    await shot(wallet, "wallet-trail");
  });

  it("shows REVOKED at the counter for a certificate the agency revoked", async () => {
    // The citizen skips an address (as when asking two agencies at once); the import still finds its key.
    const skipped = await receiveAddress();
    await wallet.click("#wallet-next-address");
    const holder = (await wallet.textContent("#wallet-receive-address"))!.trim();
    expect(holder).to.not.equal(skipped);
    const issued = await issueInConsole(holder);
    await importInWallet(issued.document);

    await agency.fill("#agency-search", issued.certId);
    await agency.click("#agency-search-go");
    await agency.click("[data-action=revoke]");
    await agency.click("#agency-confirm-revoke");
    await agency.waitForSelector('#agency-detail-status[data-status="REVOKED"]');
    await shot(agency, "agency-revoked");

    const qr = await openCounterRequest();
    await scanInWallet(qr);
    await pickCertificate(issued.certId);
    // The wallet says the certificate is revoked and presents it only after a deliberate tick.
    await wallet.locator('.present-warning .notice[data-status="REVOKED"]').waitFor();
    await wallet.check(".present-anyway");
    await wallet.click("#wallet-present");
    await wallet.waitForSelector("#wallet-present-result .verdict");

    const verdict = counter.locator("#counter-verdict .verdict");
    await verdict.waitFor({ timeout: 15_000 });
    expect(await verdict.getAttribute("data-verdict")).to.equal("REVOKED");
    expect(await counter.locator("#counter-verdict [data-field]").count()).to.equal(0);
    await shot(counter, "counter-verdict-revoked");
  });

  it("issues a CSV batch with a progress bar, and suspends and reinstates from the console", async () => {
    const csv = batchCsv(
      [0, 1, 2].map((i) => ({
        holder: `0x${String(i + 1).padStart(40, "0")}`,
        fields: sampleFields("resident-id-card", `batch-${i}`),
      })),
    );
    await agency.goto(`${gw.url}/agency`);
    await agency.selectOption("#agency-batch-type", "resident-id-card");
    await agency.setInputFiles("#agency-batch-file", {
      name: "batch.csv",
      mimeType: "text/csv",
      buffer: Buffer.from(csv),
    });
    await agency.click("#agency-batch-upload");
    await agency.locator('#agency-batch-result .notice.ok[data-code="BATCH_DONE"]').waitFor({ timeout: 30_000 });
    expect(await agency.getAttribute("#agency-batch-progress", "value")).to.equal("3");
    expect(await agency.textContent("#agency-batch-label")).to.contain("3/3");
    await shot(agency, "agency-batch");

    const issued = await issueInConsole(`0x${"ab".repeat(20)}`);
    await agency.fill("#agency-search", issued.certId);
    await agency.click("#agency-search-go");
    await agency.click("[data-action=suspend]");
    await agency.waitForSelector('#agency-detail-status[data-status="SUSPENDED"]');
    await agency.click("[data-action=reinstate]");
    await agency.waitForSelector('#agency-detail-status[data-status="ACTIVE"]');
  });

  it("checks a GBK CSV with Chinese titles in the console: the three bad rows in a table and a CSV, nothing issued", async () => {
    const ten = Array.from({ length: 10 }, (_, i) => ({
      holder: holderOf(9000 + i),
      fields: sampleFields("resident-id-card", `check-${i}`) as Record<string, unknown>,
    }));
    const id = String(ten[2].fields.idNumber);
    ten[2].fields = { ...ten[2].fields, idNumber: id.slice(0, 17) + (id[17] === "1" ? "2" : "1") };
    ten[5].holder = "0x1234";
    ten[8].fields = { ...ten[8].fields, gender: "未知" };
    await agency.goto(`${gw.url}/agency`);
    await agency.selectOption("#agency-batch-type", "resident-id-card");
    await agency.setInputFiles("#agency-batch-file", {
      name: "身份证.csv",
      mimeType: "text/csv",
      buffer: gb18030(titledCsv("resident-id-card", ten)),
    });
    await agency.click("#agency-batch-upload");
    await agency.locator('#agency-batch-problems [data-code="INVALID_ROWS"]').waitFor({ timeout: 30_000 });
    const rows = await agency
      .locator("#agency-batch-problems tbody tr")
      .evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll("td"), (td) => td.textContent).slice(0, 3)));
    expect(rows).to.deep.equal([
      ["4", "公民身份号码", "INVALID_ID_NUMBER_CHECK_DIGIT"],
      ["7", "持有人", "INVALID_HOLDER"],
      ["10", "性别", "NOT_ALLOWED_VALUE"],
    ]);
    expect(await agency.getAttribute("#agency-batch-errors-csv", "download")).to.equal("errors.csv");
    expect(await agency.isHidden("#agency-batch-progress"), "nothing was sent for issuing").to.equal(true);
    await shot(agency, "agency-batch-problems");
  });

  it("opens a share link as VALID, lists that check in the holder's trail via link, then GRANT_REVOKED after the holder revokes it", async () => {
    await wallet.goto(`${gw.url}/wallet`);
    const item = wallet.locator(`li[data-cert="${firstCertId}"]`);
    await item.locator("[data-action=share]").click();
    await item.locator(".share-form .share-create").click();
    const link = (await item.locator(".share-result a.share-link").getAttribute("href"))!;
    expect(link).to.match(/\/verify\?s=[A-Za-z0-9_-]{22}#k=[0-9a-f]{64}$/);
    await shot(wallet, "wallet-share-link");

    expect(await openLink(link)).to.equal("VALID");
    expect(third.url()).to.not.contain("#k="); // the key left the address bar
    await shot(third, "verify-share-valid");

    // The check went on chain under the grant, signed by the link's key: the holder's trail lists it.
    await wallet.goto(`${gw.url}/wallet`);
    const grantId = await wallet.getAttribute('#wallet-grants li[data-kind="link"]', "data-grant");
    await wallet.click(`li[data-cert="${firstCertId}"] [data-action=trail]`);
    const entry = wallet.locator(`#wallet-trail li[data-check="${grantId}"]`);
    await entry.waitFor({ timeout: 15_000 });
    expect(await entry.getAttribute("data-via")).to.equal("link");
    const lang = await wallet.evaluate(() => document.documentElement.lang);
    expect(await entry.textContent()).to.contain(lang.startsWith("zh") ? "经分享链接" : "via link");
    await shot(wallet, "wallet-trail-via-link");

    await wallet.click('#wallet-grants li[data-kind="link"] [data-action=revoke]');
    await wallet.waitForSelector('#wallet-grants li[data-kind="link"][data-revoked="true"]');

    expect(await openLink(link)).to.equal("GRANT_REVOKED");
    await shot(third, "verify-share-revoked");
  });

  it("answers GRANT_USED_UP after the last use of a share link", async () => {
    await wallet.goto(`${gw.url}/wallet`);
    const item = wallet.locator(`li[data-cert="${firstCertId}"]`);
    await item.locator("[data-action=share]").click();
    await item.locator(".share-form .share-uses").fill("1");
    await item.locator(".share-form .share-create").click();
    const link = (await item.locator(".share-result a.share-link").getAttribute("href"))!;
    expect(await openLink(link)).to.equal("VALID");
    expect(await openLink(link)).to.equal("GRANT_USED_UP");
  });

  it("reads the counter's QR code with the wallet's camera", async () => {
    await signIn(counter, "counter", gw.verifierKey);
    const qr = await openCounterRequest();
    const camera = fakeCameraFile(qr);
    const { context } = await newBrowser(PHONE, [
      "--use-fake-ui-for-media-stream",
      "--use-fake-device-for-media-stream",
      `--use-file-for-fake-video-capture=${camera}`,
    ]);
    contexts.push(context);
    await context.grantPermissions(["camera"], { origin: gw.url });
    const phone = context.pages()[0] ?? (await context.newPage());
    phone.on("pageerror", (e) => pageErrors.push(e.message));
    await phone.goto(`${gw.url}/wallet`);
    // This wallet seals its mnemonic under a passphrase: after a reload it asks for it.
    await phone.fill("#wallet-passphrase", "correct horse battery staple");
    await phone.click("#wallet-create");
    await phone.click("#wallet-mnemonic-done");
    expect(await phone.evaluate(() => localStorage.getItem("certledger.wallet.v1"))).to.not.match(/"mnemonic"/);
    await phone.reload();
    await phone.fill("#wallet-unlock-passphrase", "wrong");
    await phone.click("#wallet-unlock");
    await phone.locator(".notice.error").waitFor();
    await phone.fill("#wallet-unlock-passphrase", "correct horse battery staple");
    await phone.click("#wallet-unlock");
    await phone.click("#wallet-scan-camera");
    // This wallet holds no ID card: it shows the request and says what is missing.
    await phone.locator("#wallet-request-from").waitFor({ timeout: 20_000 });
    expect(gw.verifierName).to.equal(DEMO_VERIFIER.name);
    expect(await phone.textContent("#wallet-request")).to.contain(DEMO_VERIFIER.nameZh); // the name in the page's language
    expect(await phone.isDisabled("#wallet-present")).to.equal(true);
    await shot(phone, "wallet-camera-scan");
  });

  it("restores a wallet from its mnemonic on another device, with the same keys", async () => {
    const other = await person(PHONE);
    await other.goto(`${gw.url}/wallet`);
    await other.fill("#wallet-mnemonic-input", firstMnemonic);
    await other.click("#wallet-restore");
    // The wallet's backup brings the certificate back, and the next address is past its key.
    await other.locator('#wallet-banner .notice[data-code="RESTORED"]').waitFor();
    await other.waitForSelector(`li[data-cert="${firstCertId}"]`);
    expect((await other.textContent("#wallet-receive-address"))!.trim()).to.not.equal(firstHolder);
    // The same keys: the document, imported again, is recognised as this wallet's own.
    await other.fill("#wallet-import-text", firstDocument);
    await other.click("#wallet-import");
    await other.locator("#wallet-import-message .notice.ok").waitFor();
    expect(await other.locator(`li[data-cert="${firstCertId}"]`).count()).to.equal(1);
  });

  it("verifies a dropped document file on the verify page: integrity and status, and the file's own card", async () => {
    await third.goto(`${gw.url}/verify`);
    await third.setInputFiles("#verify-file", {
      name: "certificate.json",
      mimeType: "application/json",
      buffer: Buffer.from(firstDocument),
    });
    const verdict = third.locator("#verify-result .verdict");
    await verdict.waitFor();
    expect(await verdict.getAttribute("data-verdict")).to.equal("VALID");
    // The gateway's public answer discloses no field; the card shows the file the person opened.
    const doc = JSON.parse(firstDocument);
    expect(await third.textContent("#verify-result .cert-card-holder strong")).to.equal(doc.credentialSubject.name);
  });

  it("switches the pages between Chinese and English, and fits a phone screen", async () => {
    await third.goto(`${gw.url}/verify`);
    expect(await third.textContent("h1")).to.equal("证照核验");
    await third.click("#lang-switch");
    expect(await third.textContent("h1")).to.equal("Verify a certificate");
    await shot(third, "verify-en");
    await third.reload();
    expect(await third.textContent("h1")).to.equal("Verify a certificate"); // remembered
    await third.click("#lang-switch");
    // Signed in, with real content: the console's forms and list, the counter's QR.
    await signIn(third, "agency", gw.agencyKey);
    await signIn(third, "counter", gw.verifierKey);
    for (const p of ["agency", "wallet", "counter", "verify"]) {
      await third.goto(`${gw.url}/${p}`);
      if (p === "counter") {
        await third.click("#counter-open");
        await third.locator("#counter-qr-image").waitFor();
      }
      if (p === "agency") await third.locator("#agency-certificates li").first().waitFor();
      const overflow = await third.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      expect(overflow, `${p} scrolls sideways on a phone`).to.be.at.most(0);
      await shot(third, `phone-${p}`);
    }
  });

  // --- item 5: garbage from a browser ---------------------------------------------------------

  it("refuses a forged request id with a clear message and no chain write", async () => {
    const before = await gw.chainWrites();
    await wallet.goto(`${gw.url}/wallet`);
    await wallet.fill("#wallet-scan-paste", `${gw.url}/wallet?r=AAAAAAAAAAAAAAAAAAAAAA`);
    await wallet.click("#wallet-scan-open");
    const msg = wallet.locator('#wallet-request .notice.error[data-code="COUNTER_REQUEST_NOT_FOUND"]');
    await msg.waitFor();
    expect(await msg.textContent()).to.contain("伪造");
    const status = await wallet.evaluate(async () => {
      const r = await fetch("/v1/counter/requests/AAAAAAAAAAAAAAAAAAAAAA/answer", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ presentations: [] }),
      });
      return r.status;
    });
    expect(status).to.be.oneOf([400, 404]);
    expect(await gw.chainWrites()).to.equal(before);
  });

  it("refuses a grant made for another request, a tampered document and a replayed presentation, changing nothing on chain", async () => {
    // Two requests are open; the wallet answers A, but its answer is sent to B.
    const qrA = await openCounterRequest();
    const counterB = await person();
    await signIn(counterB, "counter", gw.verifierKey);
    await counterB.selectOption("#counter-service", "bank");
    await counterB.click("#counter-open");
    const urlB = (await counterB.locator("#counter-request-url").textContent())!.trim();
    const idB = new URL(urlB).searchParams.get("r")!;

    await scanInWallet(qrA);
    await pickCertificate(firstCertId);
    let before = await gw.chainWrites();
    await wallet.route("**/v1/counter/requests/*/answer", (route) =>
      route.continue({ url: `${gw.url}/v1/counter/requests/${idB}/answer` }),
    );
    await wallet.click("#wallet-present");
    await wallet.locator('#wallet-present-result .notice.error[data-code="COUNTER_GRANT_MISMATCH"]').waitFor();
    await wallet.unroute("**/v1/counter/requests/*/answer");
    expect(await gw.chainWrites()).to.equal(before);
    await shot(wallet, "wallet-garbage-foreign-grant");

    // A tampered document: the wallet's answer has a field changed on the way.
    await wallet.route("**/v1/counter/requests/*/answer", (route) => {
      const body = JSON.parse(route.request().postData()!);
      body.presentations[0].document.credentialSubject.name = "李四";
      return route.continue({ postData: JSON.stringify(body) });
    });
    await wallet.click("#wallet-present");
    await wallet.locator('#wallet-present-result .notice.error[data-code="COUNTER_DOCUMENT_TAMPERED"]').waitFor();
    await wallet.unroute("**/v1/counter/requests/*/answer");
    expect(await gw.chainWrites()).to.equal(before);

    // The honest answer goes through once; replaying it is refused.
    let answer: string | undefined;
    await wallet.route("**/v1/counter/requests/*/answer", (route) => {
      answer = route.request().postData()!;
      return route.continue();
    });
    await wallet.click("#wallet-present");
    await wallet.waitForSelector("#wallet-present-result .verdict");
    await wallet.unroute("**/v1/counter/requests/*/answer");
    const answerUrl = `${gw.url}/v1/counter/requests/${new URL((await counter.textContent("#counter-request-url"))!.trim()).searchParams.get("r")}/answer`;
    before = await gw.chainWrites();
    const replay = await wallet.evaluate(
      async ([url, body]) => {
        const r = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });
        return { status: r.status, body: await r.json() };
      },
      [answerUrl, answer!] as const,
    );
    expect(replay.status).to.equal(409);
    expect(replay.body.error.code).to.equal("COUNTER_REQUEST_ANSWERED");
    // On the page: opening the same QR again says it was answered.
    await scanInWallet(qrA);
    await wallet.locator('#wallet-request .notice.error[data-code="COUNTER_REQUEST_ANSWERED"]').waitFor();
    expect(await gw.chainWrites()).to.equal(before);
    await shot(wallet, "wallet-garbage-replayed");
  });

  it("shows TAMPERED on the verify page for an altered document, without asking the gateway", async () => {
    // The document the console still shows from an earlier test, if it does (inputValue would wait 30 s for one).
    const shown = (await agency.locator("#agency-document").count()) > 0;
    const doc = JSON.parse((shown && (await agency.inputValue("#agency-document"))) || "null") ?? undefined;
    const before = await gw.chainWrites();
    const issued = doc ?? JSON.parse((await issueInConsole(await receiveAddress())).document);
    issued.credentialSubject.name = "王五";
    await third.goto(`${gw.url}/verify`);
    await third.fill("#verify-paste", JSON.stringify(issued));
    await third.click("#verify-check");
    await third.locator("#verify-result .verdict").waitFor();
    expect(await third.getAttribute("#verify-result .verdict", "data-verdict")).to.equal("TAMPERED");
    await shot(third, "verify-tampered");
    if (doc) expect(await gw.chainWrites()).to.equal(before);
  });
});
