/**
 * The citizen's wallet gets a certificate as an SD-JWT VC and presents it to a verifier, as a person
 * does it in the page; the presentation is then checked by an outside library (@sd-jwt/sd-jwt-vc) with
 * the issuer key fetched from the gateway's JWT VC Issuer Metadata.
 */
import { randomBytes } from "node:crypto";
import { expect } from "chai";
import type { Page } from "playwright-core";
import { parseSdJwt, type Secp256k1Jwk } from "../../src/document";
import { browserSuite, PHONE, type Gateway } from "../support/e2e";
import { sdJwtVcLibrary } from "../support/sdJwtVerifier";

describe("the wallet exports a certificate as an SD-JWT VC and presents picked fields (e2e)", function () {
  this.timeout(180_000);
  const suite = browserSuite();
  let gw: Gateway;
  before(() => (gw = suite.gateway()));

  async function walletWithCertificate(page: Page): Promise<{ certId: string; document: Record<string, unknown> }> {
    await page.goto(`${gw.url}/wallet`);
    await page.click("#wallet-create");
    await page.click("#wallet-mnemonic-done");
    const address = (await page.textContent("#wallet-receive-address"))!.trim();
    const issued = await suite.api().issue(address);
    await page.fill("#wallet-import-text", issued.document);
    await page.click("#wallet-import");
    await page.locator("#wallet-import-message .notice").waitFor();
    return { certId: issued.certId, document: JSON.parse(issued.document) as Record<string, unknown> };
  }

  it("makes a presentation for the verifier's nonce and identifier that an outside library verifies, showing only the ticked field", async function () {
    if (gw.kind !== "embedded-chain") this.skip(); // the in-memory ports hold no agency key to sign with
    const page = await suite.person(PHONE, "en");
    const { certId, document } = await walletWithCertificate(page);
    const item = page.locator(`li[data-cert="${certId}"]`);
    await item.locator('[data-action="sd-jwt"]').click();
    await item.locator(".sd-jwt-get").click();
    await item.locator(".sd-jwt-present-form").waitFor();

    // Without the verifier's nonce and identifier the page says what is missing, in the page's language.
    await item.locator(".sd-jwt-present").click();
    expect(await item.locator('.sd-jwt-present-form [data-code="SD_JWT_NEEDS_VERIFIER"]').textContent()).to.equal(
      "Fill in the nonce and the identifier the verifier gave you",
    );

    await item.locator('.sd-jwt-present-form input[type="checkbox"][value="name"]').check();
    const nonce = randomBytes(12).toString("base64url");
    await item.locator(".sd-jwt-nonce").fill(nonce);
    await item.locator(".sd-jwt-aud").fill("https://bank.example");
    await item.locator(".sd-jwt-present").click();
    const presentation = await item.locator(".sd-jwt-presentation").inputValue();

    const { header, payload } = parseSdJwt(presentation);
    const iss = new URL(payload.iss as string);
    const metadata = (await (await fetch(`${iss.origin}/.well-known/jwt-vc-issuer${iss.pathname}`)).json()) as {
      issuer: string;
      jwks: { keys: (Secp256k1Jwk & { kid: string })[] };
    };
    expect(metadata.issuer).to.equal(payload.iss);
    const issuerKey = metadata.jwks.keys.find((k) => k.kid === header.kid)!;
    const library = sdJwtVcLibrary(issuerKey);
    const result = await library.verify(presentation, { keyBindingNonce: nonce });
    expect(result.kb?.payload.aud).to.equal("https://bank.example");
    const claims = (await library.getClaims(presentation)) as Record<string, unknown>;
    const subject = document.credentialSubject as Record<string, unknown>;
    expect(claims.name).to.equal(subject.name);
    for (const hidden of Object.keys(subject).filter((k) => k !== "name" && k !== "id"))
      expect(claims, hidden).not.to.have.property(hidden);
    const wrongNonce = await library.verify(presentation, { keyBindingNonce: "another" }).then(
      () => "accepted",
      (e: Error) => e.message,
    );
    expect(wrongNonce).to.match(/nonce/i);
  });
});
