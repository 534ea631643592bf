/**
 * Every page in Chinese and in English, walked through its main views as its users meet them (issue
 * 12, requirement 6). At each view the test reads what a person sees — the visible text, placeholders,
 * the title — and fails on a translation key shown raw, on English words in the Chinese page or
 * Chinese in the English page (text marked translate="no" is data: ids, addresses, field values), on
 * any error message the gateway sent being shown instead of its code's translation, and on a string
 * the page asked for and its language lacks (reported on the console by src/web/i18n.ts).
 */
import { expect } from "chai";
import path from "node:path";
import type { Page } from "playwright-core";
import { browserSuite, type Gateway, PHONE, RESULTS_DIR, shooter } from "../support/e2e";

const SHOTS = path.join(RESULTS_DIR, "language");

type Lang = "zh" | "en";

/** Technical words the Chinese pages keep as they are ("holder": the CSV column a batch file must have). */
// File formats and CSV column names are literal: CSV, Excel/xlsx, GBK/GB18030, holder, claim.<field>; standard names: SD-JWT VC.
const ALLOWED_LATIN =
  /\b(API|JSON|CSV|Excel|xlsx|GBK|GB18030|QR|Merkle|UTF-8|holder|SD-JWT(?: VC)?)\b|\bclaim\.[A-Za-z]*/g;

describe("every page in both languages (e2e)", function () {
  this.timeout(300_000);
  const suite = browserSuite(SHOTS);
  const shot = shooter(SHOTS);
  let gw: Gateway;
  before(() => (gw = suite.gateway()));
  const missingStrings: string[] = [];
  /** The `message` of every error the gateway answered the pages with. */
  const serverMessages = new Set<string>();

  async function person(lang: Lang, viewport?: { width: number; height: number }): Promise<Page> {
    const page = await suite.person(viewport ?? { width: 1280, height: 900 }, lang);
    page.on("console", (m) => {
      if (m.text().includes("certledger i18n")) missingStrings.push(m.text());
    });
    page.on("response", async (r) => {
      if (r.status() < 400 || !(r.headers()["content-type"] ?? "").includes("json")) return;
      try {
        const body = (await r.json()) as { error?: { message?: string } };
        if (body.error?.message) serverMessages.add(body.error.message);
      } catch {
        // not JSON after all
      }
    });
    return page;
  }

  /** What the page shows that is wrong for its language; [] when all is well. */
  async function audit(page: Page, lang: Lang, view: string): Promise<void> {
    // Let pending answers (statuses, the verdict) land and their error messages be collected.
    await page.waitForLoadState("networkidle");
    const problems = await page.evaluate(
      ({ lang, messages, allowed }) => {
        const allowedRe = new RegExp(allowed, "g");
        const shown = (el: Element) => {
          if (el.closest('[translate="no"], script, style, noscript')) return false;
          const box = (el.closest("select") ?? el) as HTMLElement & { checkVisibility?: () => boolean };
          return box.checkVisibility ? box.checkVisibility() : true;
        };
        const texts: string[] = [document.title];
        const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        for (let n = walker.nextNode(); n; n = walker.nextNode()) {
          const s = n.textContent?.trim();
          if (s && n.parentElement && shown(n.parentElement)) texts.push(s);
        }
        for (const el of Array.from(document.querySelectorAll("[placeholder], [title], [aria-label]")))
          if (shown(el))
            for (const a of ["placeholder", "title", "aria-label"]) {
              const v = el.getAttribute(a);
              if (v) texts.push(v);
            }
        const out: string[] = [];
        const key =
          /\b(app|lang|nav|common|agency|wallet|counter|verify|verdict|service|status|reason|error|statusReason|purpose)\.[A-Za-z_]+/;
        for (const s of texts) {
          if (key.test(s)) out.push(`raw key: ${s}`);
          if (lang === "zh") {
            const rest = s.replace(/0x[0-9a-fA-F]+…?/g, "").replace(allowedRe, "");
            if (/[A-Za-z]{2,}/.test(rest)) out.push(`English in the Chinese page: ${s}`);
          } else if (/[\u3400-\u9fff]/.test(s)) out.push(`Chinese in the English page: ${s}`);
        }
        const body = document.body.innerText;
        for (const m of messages) if (body.includes(m)) out.push(`the server's message shown: ${m}`);
        return out;
      },
      { lang, messages: [...serverMessages], allowed: ALLOWED_LATIN.source },
    );
    await shot(page, `${lang}-${view}`);
    expect(problems, `${view} (${lang})`).to.deep.equal([]);
    expect(missingStrings, `strings missing after ${view} (${lang})`).to.deep.equal([]);
  }

  for (const lang of ["zh", "en"] as const) {
    it(`walks the wallet, verify, agency console and counter pages in ${lang === "zh" ? "Chinese" : "English"} with nothing untranslated`, async () => {
      const wallet = await person(lang, PHONE);
      const agency = await person(lang);
      const counter = await person(lang);
      const third = await person(lang, PHONE);

      // --- the citizen sets up a wallet -------------------------------------------------------
      await wallet.goto(`${gw.url}/wallet`);
      await audit(wallet, lang, "wallet-setup");
      await wallet.fill("#wallet-mnemonic-input", "not a mnemonic");
      await wallet.click("#wallet-restore");
      await wallet.locator(".notice.error").waitFor();
      await audit(wallet, lang, "wallet-bad-mnemonic");
      await wallet.click("#wallet-create");
      await audit(wallet, lang, "wallet-mnemonic");
      await wallet.click("#wallet-mnemonic-done");
      await audit(wallet, lang, "wallet-empty");
      const holder = (await wallet.textContent("#wallet-receive-address"))!.trim();

      // --- the agency issues from the console -------------------------------------------------
      await agency.goto(`${gw.url}/agency`);
      await audit(agency, lang, "agency-login");
      await agency.fill("#agency-api-key", gw.agencyKey);
      await agency.click("#agency-sign-in");
      await agency.locator("#agency-type").waitFor();
      await audit(agency, lang, "agency-main");
      await agency.selectOption("#agency-type", "resident-id-card");
      await agency.click("#agency-fill-sample");
      await agency.fill("#agency-holder", "0x1234");
      await agency.click("#agency-issue");
      await agency.locator("#agency-issue-result .notice.error").waitFor();
      await audit(agency, lang, "agency-issue-refused");
      await agency.fill("#agency-holder", holder);
      await agency.click("#agency-issue");
      await agency.waitForSelector("#agency-document", { timeout: 30_000 });
      await audit(agency, lang, "agency-issued");
      const document = await agency.inputValue("#agency-document");
      const certId = JSON.parse(document).credentialStatus.certId as string;

      // --- the wallet imports it, and a second one the agency then revokes --------------------
      await wallet.fill("#wallet-import-text", "hello");
      await wallet.click("#wallet-import");
      await wallet.locator("#wallet-import-message .notice.error").waitFor();
      await audit(wallet, lang, "wallet-import-malformed");
      await wallet.fill("#wallet-import-text", document);
      await wallet.click("#wallet-import");
      await wallet.locator(`li[data-cert="${certId}"] .status[data-status=ACTIVE]`).waitFor();
      const revoked = await suite.api().issue((await wallet.textContent("#wallet-receive-address"))!.trim());
      await wallet.fill("#wallet-import-text", revoked.document);
      await wallet.click("#wallet-import");
      await wallet.locator(`li[data-cert="${revoked.certId}"]`).waitFor();
      await agency.fill("#agency-search", revoked.certId);
      await agency.click("#agency-search-go");
      await agency.locator('[data-action-reason="revoke"]').selectOption("ISSUED_IN_ERROR");
      await agency.click("[data-action=revoke]");
      await agency.locator("#agency-confirm").waitFor();
      await audit(agency, lang, "agency-revoke-confirm");
      await agency.click("#agency-confirm-revoke");
      await agency.waitForSelector('#agency-detail-status[data-status="REVOKED"]');
      await audit(agency, lang, "agency-revoked");

      await wallet.reload();
      await wallet.locator(`li[data-cert="${revoked.certId}"] .status[data-status=REVOKED]`).waitFor();
      await wallet.locator(`li[data-cert="${certId}"] details summary`).click();
      await audit(wallet, lang, "wallet-certificates");
      const item = wallet.locator(`li[data-cert="${certId}"]`);
      await item.locator("[data-action=share]").click();
      await audit(wallet, lang, "wallet-share-form");
      await item.locator(".share-purpose").selectOption("employment-check");
      await item.locator(".share-create").click();
      const link = (await item.locator(".share-result a.share-link").getAttribute("href"))!;
      await audit(wallet, lang, "wallet-shared");
      // Delegating it (to this wallet's own delegate address: the words are what is checked here).
      await item.locator("[data-action=delegate]").click();
      await item.locator(".delegate-address").fill((await wallet.textContent("#wallet-delegate-address"))!.trim());
      await audit(wallet, lang, "wallet-delegate-form");
      await item.locator(".delegate-create").click();
      await item.locator(".delegate-result a.delegation-link").waitFor({ timeout: 30_000 });
      await audit(wallet, lang, "wallet-delegated");

      // --- the counter asks, the citizen presents ---------------------------------------------
      await counter.goto(`${gw.url}/counter`);
      await audit(counter, lang, "counter-login");
      await counter.fill("#counter-api-key", gw.verifierKey);
      await counter.click("#counter-sign-in");
      await counter.locator("#counter-service").waitFor();
      await audit(counter, lang, "counter-main");
      await counter.selectOption("#counter-service", "bank");
      await counter.click("#counter-open");
      await counter.locator("#counter-qr-image").waitFor();
      await audit(counter, lang, "counter-qr");
      const url = (await counter.textContent("#counter-request-url"))!.trim();

      await wallet.goto(url);
      await wallet.locator("#wallet-present").waitFor();
      await audit(wallet, lang, "wallet-request");
      await wallet.selectOption("select.cert-pick", revoked.certId);
      await wallet.locator(".present-warning .notice").waitFor();
      await audit(wallet, lang, "wallet-request-revoked");
      await wallet.selectOption("select.cert-pick", certId);
      await wallet.click("#wallet-present");
      await wallet.locator("#wallet-present-result .verdict").waitFor({ timeout: 30_000 });
      await audit(wallet, lang, "wallet-presented");
      await counter.locator("#counter-verdict .verdict").waitFor({ timeout: 30_000 });
      await audit(counter, lang, "counter-verdict");

      await wallet.goto(`${gw.url}/wallet`);
      await wallet.click(`li[data-cert="${certId}"] [data-action=trail]`);
      await wallet.locator("#wallet-trail li[data-check]").waitFor();
      await audit(wallet, lang, "wallet-grants-and-trail");
      await wallet.fill("#wallet-scan-paste", `${gw.url}/wallet?r=AAAAAAAAAAAAAAAAAAAAAA`);
      await wallet.click("#wallet-scan-open");
      await wallet.locator("#wallet-request .notice.error").waitFor();
      await audit(wallet, lang, "wallet-forged-request");

      // --- a third party verifies ---------------------------------------------------------------
      await third.goto(`${gw.url}/verify`);
      await audit(third, lang, "verify");
      await third.fill("#verify-paste", document);
      await third.click("#verify-check");
      await third.locator('#verify-result .verdict[data-verdict="VALID"]').waitFor();
      await audit(third, lang, "verify-valid");
      await third.fill("#verify-paste", revoked.document);
      await third.click("#verify-check");
      await third.locator('#verify-result .verdict[data-verdict="REVOKED"]').waitFor();
      await audit(third, lang, "verify-revoked");
      const changed = JSON.parse(document);
      changed.credentialSubject.name = "王五";
      await third.fill("#verify-paste", JSON.stringify(changed));
      await third.click("#verify-check");
      await third.locator('#verify-result .verdict[data-verdict="TAMPERED"]').waitFor();
      await audit(third, lang, "verify-tampered");
      await third.fill("#verify-paste", '{"a":1}');
      await third.click("#verify-check");
      await third.locator('#verify-result .verdict[data-verdict="MALFORMED"]').waitFor();
      await audit(third, lang, "verify-malformed");
      await third.goto("about:blank");
      await third.goto(link);
      await third.locator('#verify-result .verdict[data-verdict="VALID"]').waitFor({ timeout: 15_000 });
      await audit(third, lang, "verify-share-link");
      await third.goto("about:blank");
      await third.goto(link.replace(/s=[A-Za-z0-9_-]{22}/, "s=AAAAAAAAAAAAAAAAAAAAAA"));
      await third.locator("#verify-share-status .notice.error").waitFor();
      await audit(third, lang, "verify-share-missing");
      expect(serverMessages.size, "the walk met the gateway's refusals").to.be.greaterThan(2);
    });
  }
});
