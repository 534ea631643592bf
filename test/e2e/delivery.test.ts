/**
 * Delivery and backup as the clerk and the citizen meet them (issue 12): the clerk issues in the
 * console and shows a pickup QR code; the citizen's wallet scans it (a screenshot of the console's
 * image, decoded by jsQR and by the wallet itself) and the certificate arrives, presentable at a
 * counter; a second pickup is refused; the gateway's stored row is ciphertext. A wallet with two
 * certificates, cleared away, comes back whole from its mnemonic; a wrong mnemonic brings nothing back
 * and says so.
 */
import { expect } from "chai";
import path from "node:path";
import type { Page } from "playwright-core";
import { generateMnemonic, mnemonicSeed } from "../../src/document";
import { deriveBackupKeys, openBackup } from "../../src/domain/backup";
import { sampleFields } from "../../src/domain/catalog";
import { batchCsv, browserSuite, type Gateway, PHONE, readQrPng, RESULTS_DIR, shooter } from "../support/e2e";

const SHOTS = path.join(RESULTS_DIR, "delivery");

describe("delivery by pickup QR code and the wallet's backup (e2e)", function () {
  this.timeout(180_000);
  const suite = browserSuite(SHOTS);
  let gw: Gateway;
  before(() => (gw = suite.gateway()));
  const shot = shooter(SHOTS);

  async function newWallet(page: Page): Promise<{ mnemonic: string; holder: string }> {
    await page.goto(`${gw.url}/wallet`);
    await page.click("#wallet-create");
    const mnemonic = (await page.textContent("#wallet-mnemonic"))!.trim();
    await page.click("#wallet-mnemonic-done");
    return { mnemonic, holder: (await page.textContent("#wallet-receive-address"))!.trim() };
  }

  /** The agency console on a desktop, signed in with the key of the agency accredited for ID cards. */
  async function signedInClerk(): Promise<Page> {
    const clerk = await suite.person({ width: 1280, height: 900 });
    await clerk.goto(`${gw.url}/agency`);
    await clerk.fill("#agency-api-key", gw.agencyKey);
    await clerk.press("#agency-api-key", "Enter");
    await clerk.locator("#agency-signed-in").waitFor();
    return clerk;
  }

  /** The wallet answers the counter's request for a resident ID card with `certId`: the verdict it shows. */
  async function presentAtCounter(page: Page, certId: string): Promise<string | null> {
    await page.goto(await suite.api().counterRequest());
    await page.locator("#wallet-present").waitFor();
    await page.selectOption("select.cert-pick", certId);
    await page.click("#wallet-present");
    await page.locator("#wallet-present-result .verdict").waitFor({ timeout: 30_000 });
    return page.getAttribute("#wallet-present-result .verdict", "data-verdict");
  }

  it("delivers an issued certificate through the console's pickup QR code once, stored only as ciphertext", async () => {
    const wallet = await suite.person(PHONE);
    const { holder } = await newWallet(wallet);

    const clerk = await signedInClerk();
    await clerk.selectOption("#agency-type", "resident-id-card");
    await clerk.fill("#agency-holder", holder);
    await clerk.click("#agency-fill-sample");
    await clerk.click("#agency-issue");
    const qr = clerk.locator(".pickup .pickup-qr");
    await qr.waitFor({ timeout: 30_000 });
    await clerk.waitForFunction(() => {
      const img = document.querySelector(".pickup .pickup-qr") as HTMLImageElement | null;
      return !!img && img.complete && img.naturalWidth > 0;
    });
    await shot(clerk, "console-pickup-qr");
    const link = (await clerk.textContent(".pickup .pickup-url"))!.trim();
    const png = await qr.screenshot();
    expect(readQrPng(png), "the QR code reads as the pickup link").to.equal(link);
    const pickupId = new URL(link).searchParams.get("pickup")!;
    const doc = JSON.parse(await clerk.inputValue("#agency-document")) as {
      credentialSubject: Record<string, unknown>;
      credentialStatus: { certId: string };
    };
    const certId = doc.credentialStatus.certId;

    // What the gateway keeps: ciphertext under the pickup id, no field value and no key in it.
    const row = await gw.db.selectFrom("pickups").selectAll().where("id", "=", pickupId).executeTakeFirstOrThrow();
    expect(row.cert_id).to.equal(certId);
    const values = Object.values(doc.credentialSubject).filter(
      (v): v is string => typeof v === "string" && v.length >= 2,
    );
    expect(values.length).to.be.greaterThan(2);
    for (const v of values) expect(JSON.stringify(row), v).to.not.contain(v);
    expect(JSON.stringify(row)).to.not.contain(link.split("#k=")[1]);

    // The clerk can show the same QR code again from the certificate's details.
    await clerk.fill("#agency-search", certId);
    await clerk.click("#agency-search-go");
    await clerk.click("#agency-show-pickup");
    await clerk.locator("#agency-pickup .pickup-url").waitFor();
    expect((await clerk.textContent("#agency-pickup .pickup-url"))!.trim()).to.equal(link);

    // The citizen's wallet scans the QR code (the same picture, through the wallet's own decoder).
    await wallet.goto(`${gw.url}/wallet`);
    await wallet.setInputFiles("#wallet-scan-image", { name: "pickup.png", mimeType: "image/png", buffer: png });
    const received = wallet.locator('#wallet-banner .notice.ok[data-code="PICKED_UP"]');
    await received.waitFor({ timeout: 30_000 });
    expect(await received.textContent()).to.contain("已领取证照");
    await shot(wallet, "wallet-picked-up");
    expect(await wallet.locator(`#wallet-certificates li[data-cert="${certId}"]`).count()).to.equal(1);
    const after = await gw.db.selectFrom("pickups").selectAll().where("id", "=", pickupId).executeTakeFirstOrThrow();
    expect([after.state, after.sealed]).to.deep.equal(["picked_up", null]);

    expect(await presentAtCounter(wallet, certId)).to.equal("VALID");

    // A second pickup (the link forwarded to someone else) is refused, in their language.
    const other = await suite.person(PHONE, "en");
    await newWallet(other);
    await other.goto(link);
    const refused = other.locator('#wallet-banner .notice.error[data-code="PICKUP_ALREADY_PICKED_UP"]');
    await refused.waitFor({ timeout: 30_000 });
    expect(await refused.textContent()).to.contain("already picked up");
    expect(await other.locator("#wallet-certificates li[data-cert]").count()).to.equal(0);
    expect(new URL(other.url()).hash, "the key is taken out of the address bar").to.equal("");
    // And the console no longer offers it.
    await clerk.click("#agency-show-pickup");
    await clerk.locator('#agency-pickup .notice.error[data-code="PICKUP_ALREADY_PICKED_UP"]').waitFor();
  });

  it("lists a pickup per certificate after a batch, and the wallet receives its own from the link", async () => {
    const wallet = await suite.person(PHONE);
    const { holder } = await newWallet(wallet);
    const clerk = await signedInClerk();
    await clerk.selectOption("#agency-batch-type", "resident-id-card");
    const csv = batchCsv([
      { holder: `0x${"0".repeat(39)}1`, fields: sampleFields("resident-id-card", `b-${Date.now()}-0`) },
      { holder, fields: sampleFields("resident-id-card", `b-${Date.now()}-1`) },
    ]);
    await clerk.setInputFiles("#agency-batch-file", {
      name: "batch.csv",
      mimeType: "text/csv",
      buffer: Buffer.from(csv),
    });
    await clerk.click("#agency-batch-upload");
    await clerk.locator('#agency-batch-result .notice.ok[data-code="BATCH_DONE"]').waitFor({ timeout: 30_000 });
    await clerk.click("#agency-batch-pickups-button");
    const items = clerk.locator("#agency-batch-pickups li[data-cert-id]");
    await items.nth(1).waitFor();
    expect(await items.count()).to.equal(2);
    const mine = items.nth(1);
    expect(await mine.textContent()).to.contain(holder);
    await mine.locator(".pickup-show").click();
    const link = (await mine.locator(".pickup-url").textContent())!.trim();
    await shot(clerk, "console-batch-pickups");

    await wallet.goto(link);
    await wallet.locator('#wallet-banner .notice.ok[data-code="PICKED_UP"]').waitFor({ timeout: 30_000 });
    const certId = await mine.getAttribute("data-cert-id");
    expect(await wallet.locator(`#wallet-certificates li[data-cert="${certId}"]`).count()).to.equal(1);
  });

  it("restores both certificates of a cleared wallet from its mnemonic, presentable, and nothing from a wrong one", async () => {
    const a = await suite.person(PHONE);
    const { mnemonic, holder } = await newWallet(a);
    const first = await suite.api().issue(holder);
    await a.fill("#wallet-import-text", first.document);
    await a.click("#wallet-import");
    await a.locator("#wallet-import-message .notice.ok").waitFor();
    await a.click("#wallet-next-address");
    const second = await suite.api().issue((await a.textContent("#wallet-receive-address"))!.trim());
    await a.fill("#wallet-import-text", second.document);
    await a.click("#wallet-import");
    await a.locator("#wallet-import-message .notice.ok").waitFor();

    // The gateway's backup, opened with the keys only the mnemonic gives, holds both once the wallet wrote it.
    const keys = await deriveBackupKeys(mnemonicSeed(mnemonic));
    const backedUp = async () => {
      const res = await fetch(`${gw.url}/v1/backups/${keys.id}`);
      if (res.status !== 200) return [];
      const b = (await res.json()) as { version: number; blob: string };
      return (JSON.parse(await openBackup(keys, b.version, b.blob)) as { certificates: { certId: string }[] })
        .certificates;
    };
    for (let i = 0; (await backedUp()).length < 2; i++) {
      expect(i, "the wallet backs up both certificates").to.be.below(100);
      await new Promise((r) => setTimeout(r, 200));
    }
    await a.locator('#wallet-backup-status[data-state="saved"]').waitFor();
    const row = await gw.db.selectFrom("backups").selectAll().where("id", "=", keys.id).executeTakeFirstOrThrow();
    for (const d of [first.document, second.document]) {
      const subject = (JSON.parse(d) as { credentialSubject: Record<string, unknown> }).credentialSubject;
      for (const v of Object.values(subject))
        if (typeof v === "string" && v.length >= 2) expect(row.blob).to.not.contain(v);
    }

    // A new device: empty storage, the mnemonic typed in.
    const b = await suite.person(PHONE);
    await b.goto(`${gw.url}/wallet`);
    expect(await b.evaluate(() => localStorage.getItem("certledger.wallet.v1"))).to.equal(null);
    await b.fill("#wallet-mnemonic-input", mnemonic);
    await b.click("#wallet-restore");
    const restored = b.locator('#wallet-banner .notice.ok[data-code="RESTORED"]');
    await restored.waitFor({ timeout: 30_000 });
    expect(await restored.textContent()).to.contain("2");
    await shot(b, "wallet-restored");
    for (const c of [first, second])
      expect(await b.locator(`#wallet-certificates li[data-cert="${c.certId}"]`).count(), c.certId).to.equal(1);
    // The next address is past both certificates' keys: a third certificate gets a fresh one.
    expect((await b.textContent("#wallet-receive-address"))!.trim()).to.equal(
      (await a.textContent("#wallet-receive-address"))!.trim(),
    );
    expect(await presentAtCounter(b, second.certId)).to.equal("VALID");

    // Another (valid) mnemonic: nothing comes back, and the wallet says so.
    const c = await suite.person(PHONE);
    await c.goto(`${gw.url}/wallet`);
    await c.fill("#wallet-mnemonic-input", generateMnemonic());
    await c.click("#wallet-restore");
    const none = c.locator('#wallet-banner .notice[data-code="BACKUP_NOT_FOUND"]');
    await none.waitFor({ timeout: 30_000 });
    expect(await none.textContent()).to.contain("没有这组助记词的备份");
    expect(await c.locator("#wallet-certificates li[data-cert]").count()).to.equal(0);
  });
});
