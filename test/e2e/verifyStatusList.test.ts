/**
 * The verify page reading status from the agency's status lists fetched whole (e2e): a document that
 * carries its signed entries is VALID without the page naming the certificate to the gateway (no request
 * carries its certId or the document); revoked, it shows REVOKED from the list; an entry moved to another
 * index is TAMPERED; a document without entries is still checked online, as before. A certificate picked
 * up in the citizen's wallet gets its signed entries there, and travels with them through a share link.
 */
import { expect } from "chai";
import path from "node:path";
import type { Page } from "playwright-core";
import { withStatusEntries, type CertificateDocument } from "../../src/document";
import { browserSuite, type Gateway, PHONE, RESULTS_DIR, shooter } from "../support/e2e";

const SHOTS = path.join(RESULTS_DIR, "verify-status-list");
const HOLDER = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";

describe("the verify page: status from status lists fetched whole (e2e)", function () {
  this.timeout(180_000);
  const suite = browserSuite(SHOTS);
  const shot = shooter(SHOTS);
  let gw: Gateway;
  before(() => (gw = suite.gateway()));

  /** Issues a resident ID card and attaches its signed entries, as `certledger attach-status` does. */
  async function issuedWithEntries(): Promise<{ certId: string; document: string; plain: string }> {
    const issued = await suite.api().issue(HOLDER);
    const res = await fetch(`${gw.url}/v1/public/certificates/${issued.certId}/status-entries`);
    expect(res.status).to.equal(200);
    const signed = (await res.json()) as { entries: never[]; proof?: string };
    expect(signed.proof, "the custodial agency signs the entries").to.be.a("string");
    const doc = withStatusEntries(JSON.parse(issued.document) as CertificateDocument, {
      entries: signed.entries,
      proof: signed.proof!,
    });
    return { certId: issued.certId, document: JSON.stringify(doc), plain: issued.document };
  }

  /** Pastes a document, returns the verdict element's data-verdict and every request the page made. */
  async function verify(page: Page, text: string): Promise<{ verdict: string; requests: string[] }> {
    const requests: string[] = [];
    const onRequest = (r: { url(): string; method(): string; postData(): string | null }) =>
      requests.push(`${r.method()} ${r.url()} ${r.postData() ?? ""}`);
    page.on("request", onRequest);
    await page.evaluate(() => document.querySelector("#verify-result")?.replaceChildren());
    await page.fill("#verify-paste", text);
    await page.click("#verify-check");
    const verdict = page.locator("#verify-result .verdict");
    await verdict.waitFor();
    page.off("request", onRequest);
    return { verdict: (await verdict.getAttribute("data-verdict"))!, requests };
  }

  it("says VALID from the lists without naming the certificate, then REVOKED once revoked", async () => {
    const page = await suite.person({ width: 1280, height: 900 }, "en");
    await page.goto(`${gw.url}/verify`);
    const c = await issuedWithEntries();

    const ok = await verify(page, c.document);
    expect(ok.verdict).to.equal("VALID");
    expect(await page.getAttribute("#verify-result", "data-status-checked-by")).to.equal("status-list");
    expect(await page.textContent("#verify-status-method")).to.contain("did not learn which certificate");
    const named = ok.requests.filter((r) => r.toLowerCase().includes(c.certId.slice(2).toLowerCase()));
    expect(named, "no request names the certificate").to.deep.equal([]);
    expect(ok.requests.some((r) => r.includes("/v1/public/status-lists/"))).to.equal(true);
    expect(ok.requests.some((r) => r.includes("/v1/public/verify"))).to.equal(false);
    await shot(page, "valid-from-list");

    await suite.api().revoke(c.certId, "ISSUED_IN_ERROR");
    const revoked = await verify(page, c.document);
    expect(revoked.verdict).to.equal("REVOKED");
    expect(await page.textContent("#verify-result .verdict")).to.contain("revoked");
  });

  it("calls an entry pointed at another index TAMPERED, and checks a document without entries online", async () => {
    const page = await suite.person({ width: 1280, height: 900 }, "en");
    await page.goto(`${gw.url}/verify`);
    const c = await issuedWithEntries();
    const doc = JSON.parse(c.document);
    const e = doc.credentialStatus[1];
    e.statusListIndex = String((Number(e.statusListIndex) + 1) % 131_072);
    e.id = `${e.statusListCredential}#${e.statusListIndex}`;
    expect((await verify(page, JSON.stringify(doc))).verdict).to.equal("TAMPERED");

    const plain = await verify(page, c.plain);
    expect(plain.verdict).to.equal("VALID");
    expect(await page.getAttribute("#verify-result", "data-status-checked-by")).to.equal("gateway");
    expect(plain.requests.some((r) => r.includes("/v1/public/verify"))).to.equal(true);
  });

  it("puts the signed entries into a certificate picked up in the wallet; shared by link, it verifies from the lists, then REVOKED", async () => {
    const wallet = await suite.person(PHONE, "en");
    await wallet.goto(`${gw.url}/wallet`);
    await wallet.click("#wallet-create");
    await wallet.click("#wallet-mnemonic-done");
    const holder = (await wallet.textContent("#wallet-receive-address"))!.trim();
    const issued = await suite.api().issue(holder);

    // Picked up: the wallet asks for its own certificate's entries once and keeps them in the document.
    expect(issued.pickupUrl, "a pickup link").to.be.a("string");
    await wallet.goto(issued.pickupUrl!);
    await wallet.locator('#wallet-banner .notice.ok[data-code="PICKED_UP"]').waitFor({ timeout: 30_000 });
    const stored = async () =>
      wallet.evaluate((certId) => {
        const w = JSON.parse(localStorage.getItem("certledger.wallet.v1")!) as {
          certificates: { certId: string; document: { credentialStatus: unknown; proof: Record<string, unknown> } }[];
        };
        return w.certificates.find((c) => c.certId === certId)?.document;
      }, issued.certId.toLowerCase());
    await wallet.waitForFunction(
      (certId) =>
        (
          JSON.parse(localStorage.getItem("certledger.wallet.v1")!) as {
            certificates: { certId: string; document: { credentialStatus: unknown } }[];
          }
        ).certificates.some((c) => c.certId === certId && Array.isArray(c.document.credentialStatus)),
      issued.certId.toLowerCase(),
      { timeout: 30_000 },
    );
    const kept = (await stored())!;
    expect((kept.credentialStatus as { type: string }[]).map((e) => e.type)).to.deep.equal([
      "CertLedgerStatus",
      "BitstringStatusListEntry",
      "BitstringStatusListEntry",
    ]);
    expect(kept.proof.statusEntryProof).to.be.a("string");

    // Shared by link with a field hidden: the third party's page receives the document with its entries.
    const item = wallet.locator(`li[data-cert="${issued.certId.toLowerCase()}"]`);
    await item.locator("[data-action=share]").click();
    const boxes = item.locator(".share-form .checks input[type=checkbox]");
    for (let i = 0; i < (await boxes.count()); i++) await boxes.nth(i).check();
    await boxes.first().uncheck();
    await item.locator(".share-create").click();
    const link = (await item.locator(".share-result a.share-link").getAttribute("href", { timeout: 60_000 }))!;
    const third = await suite.person({ width: 1280, height: 900 }, "en");
    let shared: { credentialStatus: unknown[]; proof: { redacted: string[] } } | undefined;
    third.on("request", (r) => {
      if (r.method() === "POST" && r.url().includes("/v1/shares/"))
        shared = (JSON.parse(r.postData()!) as { document: typeof shared }).document;
    });
    await third.goto(link);
    const viaLink = third.locator("#verify-result .verdict");
    await viaLink.waitFor({ timeout: 30_000 });
    expect(await viaLink.getAttribute("data-verdict")).to.equal("VALID");
    expect(shared, "the shared document").to.not.equal(undefined);
    expect(shared!.proof.redacted, "the one field hidden").to.have.length(1);
    expect((shared!.proof as { statusEntryProof?: string }).statusEntryProof).to.equal(kept.proof.statusEntryProof);
    expect(shared!.credentialStatus).to.deep.equal(kept.credentialStatus);

    // Kept by the third party and checked again later: status from the lists fetched whole, naming nobody.
    await third.goto(`${gw.url}/verify`);
    const ok = await verify(third, JSON.stringify(shared));
    expect(ok.verdict).to.equal("VALID");
    expect(await third.getAttribute("#verify-result", "data-status-checked-by")).to.equal("status-list");
    const named = (r: string) => r.toLowerCase().includes(issued.certId.slice(2).toLowerCase());
    expect(ok.requests.filter(named), "no request names the certificate").to.deep.equal([]);
    await shot(third, "wallet-shared-valid-from-list");

    await suite.api().revoke(issued.certId, "ISSUED_IN_ERROR");
    const revoked = await verify(third, JSON.stringify(shared));
    expect(revoked.verdict).to.equal("REVOKED");
    expect(revoked.requests.filter(named), "no request names the certificate").to.deep.equal([]);
  });
});
