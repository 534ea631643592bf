/**
 * The agency console with the agency's own key, in headless Chromium against a gateway under external
 * key custody (it holds no agency key): the clerk signs in, is told to unlock a keystore before issuing,
 * imports the agency's keystore file, is refused a wrong passphrase, unlocks it, sees what will be
 * signed, signs in the browser and sends; then revokes the certificate the same way, and anchors a CSV
 * batch whose documents and root the page built and signed. The gateway's
 * answers and the public verdicts show each step happened on chain.
 */
import { expect } from "chai";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { sampleFields } from "../../src/domain/catalog";
import type { BrowserContext, Page } from "playwright-core";
import { closeSharedBrowser, ensureChromium, newBrowser } from "../support/e2e";
import { PASSPHRASE, openExternalCustody, type ExternalCustody } from "../support/externalCustody";

describe("the agency console signing with the agency's keystore (e2e, external key custody)", function () {
  this.timeout(300_000);
  let x: ExternalCustody;
  let server: Server;
  let url: string;
  let context: BrowserContext;
  let dir: string | undefined;
  let page: Page;
  const pageErrors: string[] = [];

  before(async function () {
    this.timeout(900_000);
    ensureChromium();
    x = await openExternalCustody({ pages: true });
    server = x.gw.app.listen(0, "127.0.0.1");
    await new Promise((r) => server.once("listening", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    ({ context, dir } = await newBrowser());
    page = context.pages()[0] ?? (await context.newPage());
    page.on("pageerror", (e) => pageErrors.push(e.message));
  });
  after(async () => {
    await context?.close();
    await closeSharedBrowser();
    if (dir) rmSync(dir, { recursive: true, force: true });
    await new Promise((r) => server.close(r));
    await x.close();
  });
  afterEach(() => {
    if (pageErrors.length) throw new Error(`uncaught errors in the page: ${pageErrors.splice(0).join("; ")}`);
  });

  const verdict = async (document: unknown) =>
    (await x.http.post("/v1/public/verify").send({ document }).expect(200)).body;

  it("issues with the keystore: refused while locked, a wrong passphrase refused, then reviewed, signed here and VALID", async () => {
    await page.goto(`${url}/agency`);
    await page.fill("#agency-api-key", x.agency.apiKey);
    await page.press("#agency-api-key", "Enter");
    await page.locator("#agency-signed-in").waitFor();
    await page.click("#lang-switch"); // English, to read the messages below
    await page.fill("#agency-holder", "0x1111111111111111111111111111111111111111");
    await page.click("#agency-fill-sample");

    // locked: the console says to unlock first, and nothing is sent
    await page.click("#agency-issue");
    await page.locator('#agency-issue-result .notice.error[data-code="KEY_LOCKED"]').waitFor();

    await page.setInputFiles("#agency-keystore-file", x.agency.file);
    await page.fill("#agency-keystore-passphrase", "not the passphrase");
    await page.click("#agency-keystore-unlock");
    await page.locator('#agency-keystore-result .notice.error[data-code="KEYSTORE_PASSPHRASE_WRONG"]').waitFor();
    await page.fill("#agency-keystore-passphrase", PASSPHRASE);
    await page.click("#agency-keystore-unlock");
    await page.locator(`#agency-keystore-state[data-address="${x.agency.address}"]`).waitFor();

    await page.click("#agency-issue");
    await page.locator("#agency-sign-review").waitFor();
    const certId = (await page.textContent("#agency-sign-certid"))!.trim();
    expect(certId).to.match(/^0x[0-9a-f]{64}$/);
    expect((await page.textContent("#agency-sign-key"))!.toLowerCase()).to.equal(x.agency.address);
    expect(await page.textContent("#agency-sign-typeid")).to.equal(String(x.typeId));
    expect(await x.gw.engine.index.certificate(certId as `0x${string}`)).to.equal(undefined); // not sent yet

    await page.click("#agency-sign-send");
    const ok = page.locator('#agency-issue-result .notice.ok[data-code="ISSUED"]');
    await ok.waitFor();
    expect(await ok.getAttribute("data-cert-id")).to.equal(certId);
    const document = JSON.parse(await page.inputValue("#agency-document"));
    const v = await verdict(document);
    expect(v.verdict).to.equal("VALID");
    expect(v.certId).to.equal(certId);
    expect((await x.gw.engine.index.certificate(certId as `0x${string}`))!.issuerKey).to.equal(x.agency.address);
  });

  it("revokes with the keystore: the StatusChange is signed here and the certificate is REVOKED", async () => {
    const certId = (await page.getAttribute('#agency-issue-result .notice.ok[data-code="ISSUED"]', "data-cert-id"))!;
    const document = JSON.parse(await page.inputValue("#agency-document"));
    await page.fill("#agency-search", certId);
    await page.click("#agency-search-go");
    await page.locator('[data-action="revoke"]').waitFor();
    await page.selectOption('[data-action-reason="revoke"]', "ISSUED_IN_ERROR");
    await page.click('[data-action="revoke"]');
    await page.click("#agency-confirm-revoke");
    await page.locator('.notice.ok[data-status="REVOKED"]').waitFor();
    expect(await page.getAttribute("#agency-detail-status", "data-status")).to.equal("REVOKED");
    const v = await verdict(document);
    expect(v.verdict).to.equal("INVALID");
    expect(v.reasons).to.include("REVOKED");
    const n = await x.http
      .get(`/v1/agency/certificates/${certId}/status-nonce`)
      .set({ authorization: `Bearer ${x.agency.apiKey}` })
      .expect(200);
    expect(n.body.nonce).to.equal(1);
  });

  it("anchors a CSV batch built and signed in the browser: its root is on chain under the agency's key", async () => {
    const rows = [21, 22, 23].map((i) => ({ holder: `0x${String(i).repeat(20)}`, ...sampleFields("diploma", i) }));
    const header = Object.keys(rows[0]);
    const csv = [
      header.join(","),
      ...rows.map((r) => header.map((k) => String((r as Record<string, unknown>)[k])).join(",")),
    ].join("\n");
    const file = path.join(x.outside, "graduates.csv");
    writeFileSync(file, `${csv}\n`);
    await page.setInputFiles("#agency-batch-file", file);
    await page.click("#agency-batch-upload");
    const done = page.locator('#agency-batch-result .notice.ok[data-code="BATCH_DONE"]');
    await done.waitFor();
    const root = /0x[0-9a-f]{64}/.exec((await done.textContent())!)![0];
    const batch = await x.gw.engine.index.batch(root as `0x${string}`);
    expect(batch!.count).to.equal(3);
    expect(batch!.issuerKey).to.equal(x.agency.address);
  });

  it("refuses a CSV batch naming a guardian before signing it: GUARDIAN_NEEDS_CUSTODIAL_KEYS, nothing anchored", async () => {
    const fields = sampleFields("diploma", 31);
    const header = ["holder", "guardian", "guardian.validUntil", ...Object.keys(fields)];
    const row = [`0x${"31".repeat(20)}`, `0x${"ab".repeat(20)}`, "2040-01-01", ...Object.values(fields).map(String)];
    const file = path.join(x.outside, "minors.csv");
    writeFileSync(file, `${header.join(",")}\n${row.join(",")}\n`);
    const sent: string[] = [];
    const record = (r: { url(): string; method(): string }) => {
      if (r.method() === "POST") sent.push(new URL(r.url()).pathname);
    };
    page.on("request", record);
    try {
      await page.setInputFiles("#agency-batch-file", file);
      await page.click("#agency-batch-upload");
      await page.locator('#agency-batch-result .notice.error[data-code="GUARDIAN_NEEDS_CUSTODIAL_KEYS"]').waitFor();
    } finally {
      page.off("request", record);
    }
    // The file was checked (the preview names the guardian), and no batch was signed or sent.
    expect(sent).to.deep.equal(["/v1/agency/batches/preview"]);
  });
});
