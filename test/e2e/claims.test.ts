/**
 * Claiming as the clerk and the citizen meet it: the clerk uploads a CSV whose rows carry claim
 * references (no holder address) in the console and gets each claim code once, with letters to print;
 * a citizen opens the letter's QR link in the wallet, gives the ID number, and the certificate is bound
 * to a fresh key of that wallet and verifies VALID at the counter. Another citizen enters a wrong code
 * five times: the offer is locked, and the right code is refused after that.
 */
import { expect } from "chai";
import path from "node:path";
import type { Page } from "playwright-core";
import { sampleFields } from "../../src/domain/catalog";
import { batchCsv, browserSuite, type Gateway, PHONE, readQrPng, RESULTS_DIR, shooter } from "../support/e2e";

const SHOTS = path.join(RESULTS_DIR, "claims");

/** The console's CSV with claim.idNumber cells and an empty holder column (one row's CSV at a time, joined). */
function claimCsv(rows: { idNumber: string; fields: Record<string, unknown> }[]): string {
  const one = rows.map((r) => {
    const [header, line] = batchCsv([{ holder: "", fields: r.fields }]).split("\n");
    const cells = (text: string) => text.match(/("(?:[^"]|"")*"|[^,]+)/g)!;
    const names = cells(header);
    return { names, values: Object.fromEntries(cells(line).map((v, i) => [names[i], v])), idNumber: r.idNumber };
  });
  // Sample rows may differ in their optional fields: the header is the union, a missing cell empty.
  const names = [...new Set(one.flatMap((o) => o.names))];
  return [
    ["claim.idNumber", ...names].join(","),
    ...one.map((o) => [`"${o.idNumber}"`, ...names.map((n) => o.values[n] ?? "")].join(",")),
  ].join("\n");
}

/** The same code with one character of its secret part changed. */
const wrongCode = (code: string) => code.slice(0, -1) + (code.endsWith("Z") ? "Y" : "Z");

describe("claiming a certificate with a claim code (e2e)", function () {
  this.timeout(180_000);
  const suite = browserSuite(SHOTS);
  let gw: Gateway;
  before(() => (gw = suite.gateway()));
  const shot = shooter(SHOTS);

  async function newWallet(page: Page): Promise<string> {
    await page.goto(`${gw.url}/wallet`);
    await page.click("#wallet-create");
    await page.click("#wallet-mnemonic-done");
    return (await page.textContent("#wallet-receive-address"))!.trim();
  }

  /** The clerk uploads `csv` for resident ID cards; returns the claim codes the console shows, in row order. */
  async function uploadClaims(csv: string, lang: "zh" | "en" = "zh"): Promise<{ clerk: Page; codes: string[] }> {
    const clerk = await suite.person({ width: 1280, height: 900 }, lang);
    await clerk.goto(`${gw.url}/agency`);
    await clerk.fill("#agency-api-key", gw.agencyKey);
    await clerk.press("#agency-api-key", "Enter");
    await clerk.locator("#agency-signed-in").waitFor();
    await clerk.selectOption("#agency-batch-type", "resident-id-card");
    await clerk.setInputFiles("#agency-batch-file", {
      name: "claims.csv",
      mimeType: "text/csv",
      buffer: Buffer.from(csv),
    });
    await clerk.click("#agency-batch-upload");
    await clerk
      .locator('#agency-claims-made .notice.ok[data-code="CLAIMS_MADE"]')
      .waitFor({ timeout: 30_000 })
      .catch(async (e) => {
        throw new Error(`${e}: ${await clerk.textContent("#agency-batch-result")}`);
      });
    const codes = (await clerk.locator("#agency-claim-codes .claim-code").allTextContents()).map((c) => c.trim());
    return { clerk, codes };
  }

  it("issues from a CSV of claim references; the citizen claims with the letter's QR link and it verifies VALID at the counter", async () => {
    const seed = `claim-${Date.now()}`;
    const rows = [0, 1].map((i) => {
      const fields = sampleFields("resident-id-card", `${seed}-${i}`);
      return { idNumber: String(fields.idNumber), fields };
    });
    const { clerk, codes } = await uploadClaims(claimCsv(rows));
    expect(codes).to.have.length(2);
    for (const c of codes) expect(c).to.match(/^([0-9A-HJKMNP-TV-Z]{4}-){6}[0-9A-HJKMNP-TV-Z]{4}$/);
    expect(await clerk.textContent("#agency-claims")).to.contain("认领通知书");
    await shot(clerk, "console-claim-codes");
    // The gateway keeps neither the codes nor the ID numbers (the fields are sealed under the code).
    const stored = JSON.stringify(await gw.db.selectFrom("claim_offers").selectAll().execute());
    for (const c of codes) expect(stored).to.not.contain(c.replace(/-/g, "").slice(12));
    for (const r of rows) expect(stored).to.not.contain(r.idNumber);

    // The letter's QR code opens the wallet with the code in the fragment.
    const wallet = await suite.person(PHONE);
    const holder = await newWallet(wallet);
    // As a phone's camera opens it: a new page load.
    await wallet.goto("about:blank");
    await wallet.goto(`${gw.url}/wallet#claim=${codes[0]}`);
    await wallet.locator("#wallet-claim-details").waitFor({ timeout: 30_000 });
    expect(new URL(wallet.url()).hash, "the code is taken out of the address bar").to.equal("");
    expect(await wallet.textContent("#wallet-claim-details")).to.contain("公民身份号码");
    // Typed as people do: the check letter in lower case.
    await wallet.fill("#wallet-claim-idNumber", rows[0].idNumber.toLowerCase());
    await wallet.click("#wallet-claim-submit");
    const claimed = wallet.locator('#wallet-claim-box .notice.ok[data-code="CLAIMED"]');
    await claimed.waitFor({ timeout: 30_000 });
    await shot(wallet, "wallet-claimed");
    const certId = (await claimed.getAttribute("data-cert-id"))!;
    expect(await wallet.locator(`#wallet-certificates li[data-cert="${certId}"]`).count()).to.equal(1);
    // Bound to the wallet's fresh key: the address it showed for the next certificate.
    const row = await gw.db
      .selectFrom("claim_offers")
      .selectAll()
      .where("cert_id", "=", certId)
      .executeTakeFirstOrThrow();
    expect(row.holder).to.equal(holder.toLowerCase());
    expect(row.draft).to.equal(null);

    await wallet.goto(await suite.api().counterRequest());
    await wallet.locator("#wallet-present").waitFor();
    await wallet.selectOption("select.cert-pick", certId);
    await wallet.click("#wallet-present");
    await wallet.locator("#wallet-present-result .verdict").waitFor({ timeout: 30_000 });
    expect(await wallet.getAttribute("#wallet-present-result .verdict", "data-verdict")).to.equal("VALID");

    // The same code a second time, in another wallet: already claimed.
    const other = await suite.person(PHONE, "en");
    await newWallet(other);
    await other.fill("#wallet-claim-code", codes[0]);
    await other.click("#wallet-claim-open");
    const again = other.locator('#wallet-claim-box .notice.error[data-code="CLAIM_ALREADY_CLAIMED"]');
    await again.waitFor({ timeout: 30_000 });
    expect(await again.textContent()).to.contain("already claimed");
  });

  it("locks the offer after five wrong codes, and then refuses the right one", async () => {
    const fields = sampleFields("resident-id-card", `lock-${Date.now()}`);
    const idNumber = String(fields.idNumber);
    const { codes } = await uploadClaims(claimCsv([{ idNumber, fields }]), "en");
    const [code] = codes;

    const wallet = await suite.person(PHONE, "en");
    await newWallet(wallet);
    await wallet.fill("#wallet-claim-code", wrongCode(code));
    await wallet.click("#wallet-claim-open");
    await wallet.locator("#wallet-claim-details").waitFor({ timeout: 30_000 });
    await wallet.fill("#wallet-claim-idNumber", idNumber);
    const seen: string[] = [];
    for (let i = 1; i <= 5; i++) {
      // The previous answer goes first, so that this round reads its own.
      await wallet.evaluate(() => document.querySelector("#wallet-claim-message")?.replaceChildren());
      await wallet.click("#wallet-claim-submit");
      const n = wallet.locator("#wallet-claim-message .notice.error");
      await n.waitFor({ timeout: 30_000 });
      const code = (await n.getAttribute("data-code"))!;
      seen.push(
        code === "CLAIM_CODE_INVALID" ? `${code}: ${(await n.textContent())!.match(/(\d) attempts left/)?.[1]}` : code,
      );
    }
    expect(seen).to.deep.equal([
      "CLAIM_CODE_INVALID: 4",
      "CLAIM_CODE_INVALID: 3",
      "CLAIM_CODE_INVALID: 2",
      "CLAIM_CODE_INVALID: 1",
      "CLAIM_LOCKED",
    ]);
    await shot(wallet, "wallet-claim-locked");

    // The right code now: the offer is locked.
    await wallet.fill("#wallet-claim-code", code);
    await wallet.click("#wallet-claim-open");
    const locked = wallet.locator('#wallet-claim-box .notice.error[data-code="CLAIM_LOCKED"]');
    await locked.waitFor({ timeout: 30_000 });
    expect(await locked.textContent()).to.contain("locked");
    expect(await wallet.locator("#wallet-certificates li[data-cert]").count()).to.equal(0);
    const offerId = code.replace(/-/g, "").slice(0, 12);
    const row = await gw.db.selectFrom("claim_offers").selectAll().where("id", "=", offerId).executeTakeFirstOrThrow();
    expect([row.state, row.failures]).to.deep.equal(["locked", 5]);
  });

  it("prints a letter whose QR code reads as the wallet link with the code", async () => {
    const fields = sampleFields("resident-id-card", `letter-${Date.now()}`);
    const { clerk, codes } = await uploadClaims(claimCsv([{ idNumber: String(fields.idNumber), fields }]), "en");
    // window.print() opens no dialog in headless Chromium; the sheet stays in the page to look at.
    await clerk.click("#agency-claim-print");
    const letter = clerk.locator("#print-sheet .claim-letter");
    await letter.waitFor();
    expect(await letter.textContent())
      .to.contain(codes[0])
      .and.to.contain("Resident ID number");
    const qr = letter.locator("img.print-qr-image");
    await clerk.waitForFunction(() => {
      const img = document.querySelector("#print-sheet img.print-qr-image") as HTMLImageElement | null;
      return !!img && img.complete && img.naturalWidth > 0;
    });
    expect(readQrPng(await qr.screenshot())).to.equal(`${gw.url}/wallet#claim=${codes[0]}`);
  });
});
