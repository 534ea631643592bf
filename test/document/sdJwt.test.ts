/**
 * The SD-JWT VC export checked by code that is not ours: @sd-jwt/sd-jwt-vc and @sd-jwt/core (the
 * OpenWallet Foundation's implementation) verify signatures, disclosures, sd_hash and the KB-JWT's
 * nonce; Node's OpenSSL verifies ES256K. Only the audience comparison is the verifier's own rule.
 */
import { expect } from "chai";
import { secp256k1 } from "@noble/curves/secp256k1";
import {
  buildDocument,
  es256kSign,
  finishSdJwtVc,
  parseSdJwt,
  prepareSdJwtVc,
  presentSdJwtVc,
  publicKeyToJwk,
  jwkThumbprint,
  type Secp256k1Jwk,
} from "../../src/document";
import { diplomaParams } from "./helpers";
import { sdJwtVcLibrary } from "../support/sdJwtVerifier";

const issuerPrivate = secp256k1.utils.randomPrivateKey();
const holderPrivate = secp256k1.utils.randomPrivateKey();
const issuerJwk = publicKeyToJwk(secp256k1.getPublicKey(issuerPrivate, false));
const holderJwk = publicKeyToJwk(secp256k1.getPublicKey(holderPrivate, false));
/** The verifier's clock: after the credential's iat and the KB-JWT's. */
const NOW = 1_800_000_200;
const ISSUER = "https://gateway.example/issuers/0x70997970c51812dc3a010c7d01b50e0d17dc79c8";

function issue(): { sdJwt: string; document: ReturnType<typeof buildDocument>["document"] } {
  const { document } = buildDocument(diplomaParams());
  const unsigned = prepareSdJwtVc({
    document,
    issuer: ISSUER,
    issuerKey: issuerJwk,
    holderKey: holderJwk,
    issuedAt: 1_800_000_000,
  });
  const sdJwt = finishSdJwtVc(
    unsigned.signingInput,
    unsigned.disclosures,
    es256kSign(issuerPrivate, unsigned.signingInput),
  );
  return { sdJwt, document };
}

describe("SD-JWT VC export (verified by @sd-jwt/sd-jwt-vc)", () => {
  it("an outside library verifies the issued credential and recovers every field of the document", async () => {
    const { sdJwt, document } = issue();
    const verified = await sdJwtVcLibrary(issuerJwk).verify(sdJwt, { currentDate: NOW });
    expect(verified.header).to.include({ typ: "dc+sd-jwt", alg: "ES256K", kid: jwkThumbprint(issuerJwk) });
    const claims = (await sdJwtVcLibrary(issuerJwk).getClaims(sdJwt)) as Record<string, unknown>;
    const { id: sub, ...fields } = document.credentialSubject;
    expect(claims).to.deep.include({
      iss: ISSUER,
      vct: "urn:certledger:type:UniversityDiploma",
      nbf: 1_767_225_600,
      exp: 253_402_300_799,
      sub,
      certificateType: document.certificateType,
      credentialStatus: document.credentialStatus,
      ...fields,
    });
    expect((claims.cnf as { jwk: Secp256k1Jwk }).jwk).to.deep.equal(holderJwk);
  });

  it("makes every field a salted disclosure: the issuer-signed JWT alone shows no field", () => {
    const { sdJwt } = issue();
    const parsed = parseSdJwt(sdJwt);
    expect(Object.keys(parsed.payload).sort()).to.deep.equal(
      ["_sd", "_sd_alg", "cnf", "exp", "iat", "iss", "nbf", "vct"].sort(),
    );
    const names = parsed.disclosures.filter((d) => d.name !== undefined).map((d) => d.name);
    expect(names).to.include.members([
      "sub",
      "certificateType",
      "credentialStatus",
      "name",
      "idNumber",
      "city",
      "title",
    ]);
    const salts = parsed.disclosures.map((d) => JSON.parse(Buffer.from(d.text, "base64url").toString())[0] as string);
    expect(new Set(salts).size).to.equal(salts.length);
    for (const s of salts) expect(Buffer.from(s, "base64url")).to.have.length(16);
  });

  it("refuses a certificate whose field takes a name the credential or SD-JWT reserves", () => {
    for (const fields of [
      { iss: "https://evil.example" },
      { cnf: { jwk: {} } },
      { address: { _sd: ["x"] } },
      { list: [{ "...": "d" }] },
    ]) {
      const { document } = buildDocument(diplomaParams({ fields }));
      expect(() =>
        prepareSdJwtVc({
          document,
          issuer: ISSUER,
          issuerKey: issuerJwk,
          holderKey: holderJwk,
          issuedAt: 1_800_000_000,
        }),
      ).to.throw(/cannot be an SD-JWT VC claim/);
    }
  });

  it("a presentation discloses only the picked fields and passes the library's key-binding check", async () => {
    const { sdJwt } = issue();
    const presentation = presentSdJwtVc({
      sdJwt,
      disclose: ["name", "address"],
      holderPrivateKey: holderPrivate,
      nonce: "n-0S6_WzA2Mj",
      aud: "https://bank.example",
      iat: 1_800_000_100,
    });
    const result = await sdJwtVcLibrary(issuerJwk).verify(presentation, {
      keyBindingNonce: "n-0S6_WzA2Mj",
      currentDate: NOW,
    });
    expect(result.kb?.payload).to.include({ aud: "https://bank.example", nonce: "n-0S6_WzA2Mj" });
    expect(result.kb?.header.typ).to.equal("kb+jwt");
    const claims = (await sdJwtVcLibrary(issuerJwk).getClaims(presentation)) as Record<string, unknown>;
    expect(claims.name).to.equal("张三");
    expect(claims.address).to.deep.equal({ city: "Shenzhen", street: "1 Shennan Road", "unit.no": "3[A]" });
    for (const hidden of ["idNumber", "degrees", "sub", "credentialStatus", "verified"])
      expect(claims).not.to.have.property(hidden);
    expect(presentation).not.to.contain(Buffer.from('"idNumber"').toString("base64url").slice(0, 8));
  });

  it("the library refuses a changed disclosure, a wrong nonce, a changed audience and another issuer key", async () => {
    const { sdJwt } = issue();
    const present = () =>
      presentSdJwtVc({
        sdJwt,
        disclose: ["name"],
        holderPrivateKey: holderPrivate,
        nonce: "nonce-1",
        aud: "https://bank.example",
        iat: 1_800_000_100,
      });
    const presentation = present();
    const parsed = parseSdJwt(presentation);
    const forged = Buffer.from(
      JSON.stringify([JSON.parse(Buffer.from(parsed.disclosures[0].text, "base64url").toString())[0], "name", "李四"]),
    ).toString("base64url");
    await expectRejected(
      sdJwtVcLibrary(issuerJwk).verify(presentation.replace(parsed.disclosures[0].text, forged), {
        keyBindingNonce: "nonce-1",
      }),
    );
    await expectRejected(
      sdJwtVcLibrary(issuerJwk).verify(presentation, { keyBindingNonce: "nonce-2", currentDate: NOW }),
    );
    const other = publicKeyToJwk(secp256k1.getPublicKey(secp256k1.utils.randomPrivateKey(), false));
    await expectRejected(sdJwtVcLibrary(other).verify(presentation, { keyBindingNonce: "nonce-1", currentDate: NOW }));

    // The audience is the verifier's to compare; a KB-JWT re-signed for another audience by someone
    // without the holder key fails the library's signature check.
    const ok = await sdJwtVcLibrary(issuerJwk).verify(presentation, { keyBindingNonce: "nonce-1", currentDate: NOW });
    expect(ok.kb?.payload.aud).to.equal("https://bank.example");
    expect(ok.kb?.payload.aud).not.to.equal("https://landlord.example");
    const [head, payload] = parsed.keyBinding!.split(".");
    const changed = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload, "base64url").toString()), aud: "https://landlord.example" }),
    ).toString("base64url");
    const stranger = secp256k1.utils.randomPrivateKey();
    const reSigned = `${head}.${changed}.${es256kSign(stranger, `${head}.${changed}`)}`;
    await expectRejected(
      sdJwtVcLibrary(issuerJwk).verify(presentation.replace(parsed.keyBinding!, reSigned), {
        keyBindingNonce: "nonce-1",
        currentDate: NOW,
      }),
    );
  });
});

async function expectRejected(p: Promise<unknown>): Promise<void> {
  let failed = false;
  try {
    await p;
  } catch {
    failed = true;
  }
  expect(failed, "the library accepted it").to.equal(true);
}
