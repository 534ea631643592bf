/**
 * Certificates as cards and printed paper that can be checked (issue 12): the wallet, the verify page
 * and the counter show a certificate as a card in its type's layout, in Chinese and in English, on a
 * 390 px phone without sideways scrolling; the holder prints an A4 sheet whose QR code opens a
 * verification link, which a scan follows to VALID, and to REVOKED once the agency revokes; the agency
 * prints at issuance without a QR code and says why.
 */
import { expect } from "chai";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import jsQR from "jsqr";
import { PNG } from "pngjs";
import type { Page } from "playwright-core";
import { browserSuite, PHONE, RESULTS_DIR, shooter } from "../support/e2e";

const SHOTS = path.join(RESULTS_DIR, "cards-print");

/** The first page of a PDF as an image (poppler's pdftoppm), and the QR code read from it, if any. */
function qrOfPdf(pdf: Buffer, name: string): { text?: string; png: Buffer } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "certledger-print-"));
  fs.writeFileSync(path.join(dir, "sheet.pdf"), pdf);
  execFileSync("pdftoppm", ["-r", "150", "-png", "-f", "1", "-l", "1", "-singlefile", "sheet.pdf", "page"], {
    cwd: dir,
  });
  const png = fs.readFileSync(path.join(dir, "page.png"));
  fs.copyFileSync(path.join(dir, "page.png"), path.join(SHOTS, `${name}.png`));
  const img = PNG.sync.read(png);
  const code = jsQR(
    new Uint8ClampedArray(img.data.buffer, img.data.byteOffset, img.data.length),
    img.width,
    img.height,
  );
  fs.rmSync(dir, { recursive: true, force: true });
  return { text: code?.data, png };
}

/** Pixels that stick out sideways: the page's scrollWidth against the viewport's width. */
async function overflow(page: Page): Promise<{ scrollWidth: number; width: number }> {
  return page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    width: document.documentElement.clientWidth,
  }));
}

describe("certificate cards and printed certificates with a verification QR code (e2e)", function () {
  this.timeout(300_000);
  const suite = browserSuite(SHOTS);

  before(() => execFileSync("bash", [path.join(__dirname, "..", "..", "scripts", "ensure-poppler.sh")]));

  async function walletWith(page: Page, count = 1): Promise<{ certId: string; document: string }[]> {
    await page.goto(`${suite.gateway().url}/wallet`);
    await page.click("#wallet-create");
    await page.click("#wallet-mnemonic-done");
    const out: { certId: string; document: string }[] = [];
    for (let i = 0; i < count; i++) {
      const holder = (await page.textContent("#wallet-receive-address"))!.trim();
      const issued = await suite.api().issue(holder);
      await page.fill("#wallet-import-text", issued.document);
      await page.click("#wallet-import");
      await page.locator(`li[data-cert="${issued.certId}"]`).waitFor();
      out.push(issued);
    }
    return out;
  }

  /** Someone with the paper scans its code: a fresh browser opens the link; the verdict it shows. */
  async function scanPaper(url: string, lang: "zh" | "en"): Promise<{ page: Page; verdict: string | null }> {
    const page = await suite.person(PHONE, lang);
    await page.goto(url);
    await page.locator("#verify-result .verdict").waitFor();
    return { page, verdict: await page.getAttribute("#verify-result .verdict", "data-verdict") };
  }

  const shot = shooter(SHOTS);

  for (const lang of ["zh", "en"] as const) {
    it(`shows a certificate as a card on the wallet and the verify page, in ${lang}, within a 390 px phone`, async () => {
      const page = await suite.person(PHONE, lang);
      const [issued] = await walletWith(page);
      const doc = JSON.parse(issued.document);
      const card = page.locator(`li[data-cert="${issued.certId}"] .cert-card`);
      await card.locator('.cert-badge[data-status="ACTIVE"]').waitFor();
      expect(await card.locator(".cert-card-type").textContent()).to.equal(
        lang === "zh" ? "居民身份证" : "Resident identity card",
      );
      await card.locator(".cert-card-issuer").waitFor();
      expect(await card.locator(".cert-card-issuer").textContent()).to.equal(
        lang === "zh" ? "签发机关：公安局" : "Issued by Public Security Bureau",
      );
      expect(await card.locator(".cert-badge").textContent()).to.equal(lang === "zh" ? "有效" : "Valid");
      // The holder's name and the main fields of the type's layout, in the schema's order.
      expect(await card.locator('.cert-card-holder[data-field="name"] strong').textContent()).to.equal(
        doc.credentialSubject.name,
      );
      expect(
        await card
          .locator(".cert-card-fields [data-field]")
          .evaluateAll((els) => els.map((e) => e.getAttribute("data-field"))),
      ).to.deep.equal(["gender", "birthDate", "idNumber", "ethnicity", "address", "issuingAuthority"]);
      expect(await card.locator('[data-field="gender"] dd').textContent()).to.equal(
        lang === "zh"
          ? doc.credentialSubject.gender === "male"
            ? "男"
            : "女"
          : doc.credentialSubject.gender === "male"
            ? "Male"
            : "Female",
      );
      expect(Number(await card.locator(".cert-card-validity").getAttribute("data-valid-from"))).to.equal(
        Date.parse(doc.validFrom) / 1000,
      );
      // The hex ids are in the collapsed details, not on the card's face.
      expect(await card.locator(".cert-card-details").getAttribute("open")).to.equal(null);
      expect(await card.locator(".cert-card-ids [data-id=certId] dd").isVisible()).to.equal(false);
      expect(
        await card
          .locator(".cert-card-head, .cert-card-body")
          .evaluateAll((els) => els.map((e) => e.textContent).join(" ")),
      ).to.not.contain("0x");
      expect(await overflow(page)).to.satisfy((o: { scrollWidth: number; width: number }) => o.scrollWidth <= o.width);
      await shot(page, `phone-wallet-card-${lang}`);
      await card.locator(".cert-card-details summary").click();
      expect(await card.locator(".cert-card-ids [data-id=certId] dd").textContent()).to.equal(issued.certId);
      expect(await overflow(page)).to.satisfy((o: { scrollWidth: number; width: number }) => o.scrollWidth <= o.width);
      await shot(page, `phone-wallet-card-details-${lang}`);

      // The verify page: the same card under the verdict, for a document the holder redacted.
      const redacted = JSON.parse(issued.document);
      const { redactDocument } = await import("../../src/document");
      const hidden = redactDocument(redacted, ["idNumber", "birthDate"]);
      await page.goto(`${suite.gateway().url}/verify`);
      await page.fill("#verify-paste", JSON.stringify(hidden));
      await page.click("#verify-check");
      const vcard = page.locator("#verify-result .cert-card");
      await vcard.waitFor();
      expect(await page.getAttribute("#verify-result .verdict", "data-verdict")).to.equal("VALID");
      expect(await vcard.locator(".cert-badge").getAttribute("data-status")).to.equal("VALID");
      // Redacted fields are shown as hidden, not as missing.
      expect(await vcard.locator('[data-field="idNumber"]').getAttribute("data-hidden")).to.equal("true");
      expect(await vcard.locator('[data-field="idNumber"] .field-hidden').textContent()).to.equal(
        lang === "zh" ? "已隐藏" : "Hidden",
      );
      expect(await vcard.locator('[data-field="gender"]').getAttribute("data-hidden")).to.equal(null);
      expect(await overflow(page)).to.satisfy((o: { scrollWidth: number; width: number }) => o.scrollWidth <= o.width);
      await shot(page, `phone-verify-card-${lang}`);
    });
  }

  it("shows the counter's verdict as the presented certificate's card, with hidden fields marked, on a 390 px screen", async () => {
    const wallet = await suite.person(PHONE, "zh");
    const [issued] = await walletWith(wallet);
    const counter = await suite.person(PHONE, "en");
    await counter.goto(`${suite.gateway().url}/counter`);
    await counter.fill("#counter-api-key", suite.gateway().verifierKey);
    await counter.press("#counter-api-key", "Enter");
    await counter.locator("#counter-open").waitFor();
    await counter.selectOption("#counter-service", "bank");
    await counter.click("#counter-open");
    const url = (await counter.textContent("#counter-request-url"))!.trim();
    await wallet.goto(url);
    await wallet.locator("#wallet-present").waitFor();
    // Only the name is disclosed: the ID number stays with the citizen.
    await wallet.uncheck('#wallet-request .checks input[value="idNumber"]');
    await wallet.click("#wallet-present");
    const card = counter.locator("#counter-verdict .cert-card");
    await card.waitFor({ timeout: 60_000 });
    expect(await card.locator(".cert-badge").getAttribute("data-status")).to.equal("VALID");
    expect(await card.locator(".cert-card-type").textContent()).to.equal("Resident identity card");
    expect(await card.locator(".cert-card-holder strong").textContent()).to.equal(
      JSON.parse(issued.document).credentialSubject.name,
    );
    expect(await card.locator('[data-field="idNumber"]').getAttribute("data-hidden")).to.equal("true");
    expect(await overflow(counter)).to.satisfy((o: { scrollWidth: number; width: number }) => o.scrollWidth <= o.width);
    await shot(counter, "phone-counter-card-en");
    await counter.click("#lang-switch");
    await card.locator(".cert-card-type", { hasText: "居民身份证" }).waitFor();
    expect(await counter.locator("#counter-verdict .cert-card .field-hidden").first().textContent()).to.equal("已隐藏");
    expect(await overflow(counter)).to.satisfy((o: { scrollWidth: number; width: number }) => o.scrollWidth <= o.width);
    await shot(counter, "phone-counter-card-zh");
  });

  it("prints an A4 sheet whose QR code opens a verification link: VALID, and REVOKED after the agency revokes", async () => {
    const page = await suite.person(PHONE, "zh");
    const [issued] = await walletWith(page);
    const item = page.locator(`li[data-cert="${issued.certId}"]`);
    await item.locator("[data-action=print]").click();
    // Until revoked and without a limit on checks, as the form starts.
    expect(await item.locator(".print-unlimited").isChecked()).to.equal(true);
    expect(await item.locator(".print-until-revoked").isChecked()).to.equal(true);
    await item.locator(".print-create").click();
    await page.locator("#print-sheet #print-qr img").waitFor();
    await shot(page, "phone-wallet-print-preview-zh");
    // The wallet lists the paper's link as a grant the holder can revoke.
    await page.locator('#wallet-grants li[data-kind="link"]').waitFor();

    await page.emulateMedia({ media: "print" });
    const pdf = await page.pdf({ format: "A4", printBackground: true });
    expect(pdf.subarray(0, 5).toString()).to.equal("%PDF-");
    const scanned = qrOfPdf(pdf, "printed-sheet-holder");
    expect(scanned.text, "a QR code on the printed page").to.be.a("string");
    expect(scanned.text).to.match(new RegExp(`^${suite.gateway().url}/verify\\?s=[A-Za-z0-9_-]{22}#k=`));

    // Whoever holds the paper scans it.
    const { page: reader, verdict } = await scanPaper(scanned.text!, "zh");
    expect(verdict).to.equal("VALID");
    expect(await reader.locator("#verify-result .cert-card .cert-card-type").textContent()).to.equal("居民身份证");
    await shot(reader, "phone-verify-printed-valid-zh");

    await suite.api().revoke(issued.certId, "ISSUED_IN_ERROR");
    const { page: later, verdict: after } = await scanPaper(scanned.text!, "en");
    expect(after).to.equal("REVOKED");
    expect(await later.locator("#verify-result .cert-badge").textContent()).to.equal("Revoked");
    await shot(later, "phone-verify-printed-revoked-en");
  });

  it("lets the holder revoke a printed link from the wallet: the paper then answers GRANT_REVOKED", async () => {
    const page = await suite.person(PHONE, "en");
    const [issued] = await walletWith(page);
    const item = page.locator(`li[data-cert="${issued.certId}"]`);
    await item.locator("[data-action=print]").click();
    // Five checks, for 48 hours: the holder's own terms, printed on the sheet.
    await item.locator(".print-unlimited").uncheck();
    await item.locator(".print-uses").fill("5");
    await item.locator(".print-until-revoked").uncheck();
    await item.locator(".print-hours").fill("48");
    await item.locator(".print-create").click();
    await page.locator("#print-sheet #print-qr img").waitFor();
    expect(await page.textContent("#print-sheet .print-terms")).to.contain("5 check(s)");
    const scanned = qrOfPdf(await page.pdf({ format: "A4" }), "printed-sheet-holder-limited");
    expect((await scanPaper(scanned.text!, "en")).verdict).to.equal("VALID");

    const grant = page.locator('#wallet-grants li[data-kind="link"]');
    await grant.locator("[data-action=revoke]").click();
    await page.locator('#wallet-grants li[data-kind="link"][data-revoked="true"]').waitFor();
    expect((await scanPaper(scanned.text!, "en")).verdict).to.equal("GRANT_REVOKED");
  });

  it("prints the agency's copy at issuance without a QR code, saying that only the holder's wallet can make one", async () => {
    const page = await suite.person({ width: 1280, height: 900 }, "zh");
    await page.goto(`${suite.gateway().url}/agency`);
    await page.fill("#agency-api-key", suite.gateway().agencyKey);
    await page.press("#agency-api-key", "Enter");
    await page.locator("#agency-fill-sample").waitFor();
    await page.fill("#agency-holder", "0x" + "ab".repeat(20));
    await page.click("#agency-fill-sample");
    await page.click("#agency-issue");
    await page.click("#agency-print");
    await page.locator("#print-sheet .cert-card").waitFor();
    expect(await page.getAttribute("#print-sheet", "data-qr")).to.equal("no");
    expect(await page.textContent("#print-note")).to.contain("持证人的钱包");
    const sheet = qrOfPdf(await page.pdf({ format: "A4", printBackground: true }), "printed-sheet-agency");
    expect(sheet.text).to.equal(undefined);
  });
});
