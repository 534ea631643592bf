/**
 * SD-JWT VC export through the gateway, checked as an outside verifier would: the issuer's key is
 * fetched from the gateway's JWT VC Issuer Metadata (over a real listening socket, at the well-known
 * URL derived from the credential's iss), and @sd-jwt/sd-jwt-vc verifies credential and presentation.
 */
import { randomBytes } from "node:crypto";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "chai";
import { SigningKey, Wallet } from "ethers";
import { secp256k1 } from "@noble/curves/secp256k1";
import {
  base64url,
  createHolderWallet,
  generateMnemonic,
  parseSdJwt,
  presentSdJwtVc,
  publicKeyToJwk,
  redactDocument,
  ledgerDomain,
  signIssue,
  type Secp256k1Jwk,
} from "../../src/document";
import { bearer, getFront, holderHeaders, issue, type Front } from "../support/frontGateway";
import { agencyDiploma, openExternalCustody, type ExternalCustody } from "../support/externalCustody";
import { sdJwtVcLibrary } from "../support/sdJwtVerifier";
import { loadConfig } from "../../src/config";
import { outsideStatusList as bsl } from "../support/outsideStatusList";

type Jwks = { issuer: string; jwks: { keys: (Secp256k1Jwk & { kid: string })[] } };

/**
 * What a verifier does: read iss and kid, fetch the issuer's metadata from the well-known URL, check its
 * `issuer`, take the key named by kid, and verify with the outside library (the KB-JWT's nonce by the
 * library; the audience by comparing the library's output to its own).
 */

async function verifyAsOutsider(sdJwt: string, expect_?: { nonce: string; aud: string }) {
  const { header, payload } = parseSdJwt(sdJwt);
  const iss = new URL(payload.iss as string);
  const metadataUrl = `${iss.origin}/.well-known/jwt-vc-issuer${iss.pathname}`;
  const res = await fetch(metadataUrl);
  if (res.status !== 200) throw new Error(`metadata ${res.status}`);
  const metadata = (await res.json()) as Jwks;
  if (metadata.issuer !== payload.iss) throw new Error("metadata issuer differs from iss");
  const key = metadata.jwks.keys.find((k) => k.kid === header.kid);
  if (!key) throw new Error("no published key has the credential's kid");
  const result = await sdJwtVcLibrary(key).verify(sdJwt, {
    keyBindingNonce: expect_?.nonce,
    currentDate: Math.floor(Date.now() / 1000) + 5,
  });
  if (expect_ && result.kb?.payload.aud !== expect_.aud) throw new Error("wrong audience");
  return { result, claims: (await sdJwtVcLibrary(key).getClaims(sdJwt)) as Record<string, unknown>, metadata };
}

async function rejected(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error("expected a refusal");
}

function listen(
  app: Parameters<typeof import("node:http").createServer>[1],
): Promise<{ server: Server; origin: string }> {
  return new Promise((resolve) => {
    const server = (app as unknown as { listen: (port: number, host: string, cb: () => void) => Server }).listen(
      0,
      "127.0.0.1",
      () => resolve({ server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }),
    );
  });
}

describe("SD-JWT VC export (custodial gateway)", function () {
  this.timeout(120_000);
  let f: Front;
  let server: Server;
  let origin: string;
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${origin}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(body),
    });
  const holderJwkOf = (index: number) =>
    publicKeyToJwk(secp256k1.getPublicKey(f.wallet.deriveKey(index).privateKey, false));

  before(async () => {
    f = await getFront();
    ({ server, origin } = await listen(f.gw.app));
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("the agency exports a certificate that an outside library verifies with the key from the issuer metadata", async () => {
    const c = await issue(f);
    const res = await post(
      `/v1/agency/certificates/${c.certId}/sd-jwt`,
      { document: c.document, holderKey: holderJwkOf(c.index) },
      bearer(f.keys.agencyA),
    );
    expect(res.status).to.equal(200);
    const body = (await res.json()) as { sdJwt: string; issuer: string; issuerMetadata: string; kid: string };
    expect(body.issuer).to.equal(`${origin}/issuers/${f.ids.agencyA.toLowerCase()}`);
    expect(body.issuerMetadata).to.equal(`${origin}/.well-known/jwt-vc-issuer/issuers/${f.ids.agencyA.toLowerCase()}`);
    const { result, claims } = await verifyAsOutsider(body.sdJwt);
    expect(result.header).to.include({ typ: "dc+sd-jwt", alg: "ES256K", kid: body.kid });
    const { id: sub, ...fields } = c.document.credentialSubject;
    expect(claims).to.deep.include({ vct: "urn:certledger:type:diploma", sub, ...fields });
    expect(claims.credentialStatus).to.deep.equal(c.document.credentialStatus);
    expect(claims.nbf).to.equal(Date.parse(c.document.validFrom) / 1000);
    expect((claims.cnf as { jwk: Secp256k1Jwk }).jwk).to.deep.equal(holderJwkOf(c.index));
  });

  it("points its status claim at the certificate's entries in the agency's lists, and a revocation sets that bit", async () => {
    const c = await issue(f);
    const exported = async () => {
      const res = await post(
        `/v1/agency/certificates/${c.certId}/sd-jwt`,
        { document: c.document, holderKey: holderJwkOf(c.index) },
        bearer(f.keys.agencyA),
      );
      expect(res.status).to.equal(200);
      return (await verifyAsOutsider(((await res.json()) as { sdJwt: string }).sdJwt)).claims;
    };
    const entries = (await exported()).status as {
      bitstring_status_list: { statusPurpose: string; statusListCredential: string; statusListIndex: string }[];
    };
    const own = (await f.http.get(`/v1/public/certificates/${c.certId}/status-entries`).expect(200)).body as {
      entries: { statusPurpose: string; statusListCredential: string; statusListIndex: string }[];
    };
    expect(entries.bitstring_status_list.map((e) => e.statusPurpose).sort()).to.deep.equal([
      "revocation",
      "suspension",
    ]);
    const revocation = entries.bitstring_status_list.find((e) => e.statusPurpose === "revocation")!;
    const listed = own.entries.find((e) => e.statusPurpose === "revocation")!;
    expect(revocation.statusListIndex).to.equal(listed.statusListIndex);
    // The URL the claim names is the list a verifier fetches; the outside decoder reads its bit.
    expect(revocation.statusListCredential).to.equal(
      `${origin}/v1/public/status-lists/${f.ids.agencyA.toLowerCase()}/revocation`,
    );
    const bitOf = async () => {
      const jwt = await (await fetch(revocation.statusListCredential)).text();
      const credential = JSON.parse(Buffer.from(jwt.split(".")[1], "base64url").toString("utf8")) as {
        credentialSubject: { encodedList: string };
      };
      return (await bsl.decodeList({ encodedList: credential.credentialSubject.encodedList })).getStatus(
        Number(revocation.statusListIndex),
      );
    };
    expect(await bitOf()).to.equal(false);
    await f.http
      .post(`/v1/agency/certificates/${c.certId}/revoke`)
      .set(bearer(f.keys.agencyA))
      .send({ reason: "FRAUD" })
      .expect(200);
    expect(await bitOf()).to.equal(true);
  });

  it("the holder's signed request gets the credential, and its presentation hides what the holder did not pick", async () => {
    const c = await issue(f);
    const path = `/v1/holder/certificates/${c.certId}/sd-jwt`;
    const res = await post(
      path,
      { document: c.document, holderKey: holderJwkOf(c.index) },
      holderHeaders(f, c.index, "POST", path, c.certId, c.documentRoot),
    );
    expect(res.status).to.equal(200);
    const { sdJwt } = (await res.json()) as { sdJwt: string };
    const nonce = base64url(randomBytes(16));
    const presentation = presentSdJwtVc({
      sdJwt,
      disclose: ["name", "major"],
      holderPrivateKey: f.wallet.deriveKey(c.index).privateKey,
      nonce,
      aud: "https://bank.example",
      iat: Math.floor(Date.now() / 1000),
    });
    const { claims } = await verifyAsOutsider(presentation, { nonce, aud: "https://bank.example" });
    expect(claims.name).to.equal(c.document.credentialSubject.name);
    expect(claims.major).to.equal(c.document.credentialSubject.major);
    for (const hidden of ["idNumber", "birthDate", "sub", "credentialStatus", "certificateType"])
      expect(claims, hidden).not.to.have.property(hidden);

    expect(
      await rejected(verifyAsOutsider(presentation, { nonce: "another-nonce", aud: "https://bank.example" })),
    ).to.match(/nonce/i);
    expect(await rejected(verifyAsOutsider(presentation, { nonce, aud: "https://landlord.example" }))).to.equal(
      "wrong audience",
    );
    // A disclosure changed after issuance: its digest is no longer in the signed JWT.
    const p = parseSdJwt(presentation);
    const d = p.disclosures.find((x) => x.name === "name")!;
    const salt = (JSON.parse(Buffer.from(d.text, "base64url").toString()) as string[])[0];
    const changed = base64url(JSON.stringify([salt, "name", "王五"]));
    expect(
      await rejected(verifyAsOutsider(presentation.replace(d.text, changed), { nonce, aud: "https://bank.example" })),
    ).to.not.equal("");
  });

  it("another issuer's published key does not verify the credential", async () => {
    const c = await issue(f);
    const res = await post(
      `/v1/agency/certificates/${c.certId}/sd-jwt`,
      { document: c.document, holderKey: holderJwkOf(c.index) },
      bearer(f.keys.agencyA),
    );
    const { sdJwt } = (await res.json()) as { sdJwt: string };
    const other = (await (
      await fetch(`${origin}/.well-known/jwt-vc-issuer/issuers/${f.ids.agencyB.toLowerCase()}`)
    ).json()) as Jwks;
    expect(other.jwks.keys.length, JSON.stringify(other)).to.be.greaterThan(0);
    for (const key of other.jwks.keys) expect(await rejected(sdJwtVcLibrary(key).verify(sdJwt))).to.match(/signature/i);
  });

  it("refuses bad input with stable codes and exports nothing", async () => {
    const c = await issue(f);
    const holderKey = holderJwkOf(c.index);
    const url = `/v1/agency/certificates/${c.certId}/sd-jwt`;
    const code = async (r: Response) => ({
      status: r.status,
      code: ((await r.json()) as { error: { code: string } }).error.code,
    });
    const redacted = redactDocument(c.document, ["idNumber"]);
    expect(await code(await post(url, { document: redacted, holderKey }, bearer(f.keys.agencyA)))).to.deep.equal({
      status: 400,
      code: "DOCUMENT_REDACTED",
    });
    const tampered = { ...c.document, credentialSubject: { ...c.document.credentialSubject, name: "李四" } };
    expect(await code(await post(url, { document: tampered, holderKey }, bearer(f.keys.agencyA)))).to.deep.equal({
      status: 422,
      code: "DOCUMENT_INVALID",
    });
    expect(
      await code(
        await post(url, { document: c.document, holderKey: holderJwkOf(c.index + 1000) }, bearer(f.keys.agencyA)),
      ),
    ).to.deep.equal({ status: 422, code: "HOLDER_KEY_MISMATCH" });
    expect(
      await code(
        await post(url, { document: c.document, holderKey: { ...holderKey, x: holderKey.y } }, bearer(f.keys.agencyA)),
      ),
    ).to.deep.equal({ status: 400, code: "INVALID_HOLDER_KEY" });
    expect(await code(await post(url, { document: c.document, holderKey }, bearer(f.keys.agencyB)))).to.deep.equal({
      status: 403,
      code: "NOT_YOUR_CERTIFICATE",
    });
    const other = await issue(f);
    expect(
      await code(
        await post(
          `/v1/agency/certificates/${other.certId}/sd-jwt`,
          { document: c.document, holderKey },
          bearer(f.keys.agencyA),
        ),
      ),
    ).to.deep.equal({ status: 400, code: "CERT_ID_MISMATCH" });
    expect(await code(await post(url, { document: c.document }, bearer(f.keys.agencyA)))).to.deep.equal({
      status: 400,
      code: "VALIDATION_FAILED",
    });
    expect(await code(await post(url, { document: c.document, holderKey }))).to.deep.equal({
      status: 401,
      code: "MISSING_CREDENTIALS",
    });
    expect(
      await code(await post(`/v1/holder/certificates/${c.certId}/sd-jwt`, { document: c.document, holderKey })),
    ).to.deep.equal({ status: 401, code: "MISSING_HOLDER_SIGNATURE" });
    const path = `/v1/holder/certificates/${c.certId}/sd-jwt`;
    // Signed by another holder key: not this certificate's holder.
    expect(
      await code(
        await post(
          path,
          { document: c.document, holderKey },
          holderHeaders(f, c.index + 1, "POST", path, c.certId, c.documentRoot),
        ),
      ),
    ).to.deep.equal({ status: 401, code: "BAD_SIGNATURE" });
    const nobody = `0x${"12".repeat(20)}`;
    expect(await code(await fetch(`${origin}/.well-known/jwt-vc-issuer/issuers/${nobody}`))).to.deep.equal({
      status: 404,
      code: "AGENCY_NOT_FOUND",
    });
  });

  it("builds iss on CERTLEDGER_SD_JWT_ISSUER_ORIGIN when it is set, whatever Host the request names", async () => {
    expect(() => loadConfig({ CERTLEDGER_SD_JWT_ISSUER_ORIGIN: "https://certs.example.gov/path" })).to.throw(
      /CERTLEDGER_SD_JWT_ISSUER_ORIGIN/,
    );
    expect(loadConfig({ CERTLEDGER_SD_JWT_ISSUER_ORIGIN: "https://certs.example.gov" }).sdJwtIssuerOrigin).to.equal(
      "https://certs.example.gov",
    );
    const c = await issue(f);
    const send = (host: string) =>
      f.http
        .post(`/v1/agency/certificates/${c.certId}/sd-jwt`)
        .set(bearer(f.keys.agencyA))
        .set("host", host)
        .send({ document: c.document, holderKey: holderJwkOf(c.index) });
    expect((await send("evil.example")).body.issuer).to.equal(
      `http://evil.example/issuers/${f.ids.agencyA.toLowerCase()}`,
    );
    f.gw.deps.sdJwtIssuerOrigin = "https://certs.example.gov";
    try {
      const r = await send("evil.example");
      expect(r.body.issuer).to.equal(`https://certs.example.gov/issuers/${f.ids.agencyA.toLowerCase()}`);
      expect(parseSdJwt(r.body.sdJwt).payload.iss).to.equal(r.body.issuer);
      const meta = await f.http.get(`/.well-known/jwt-vc-issuer/issuers/${f.ids.agencyA}`).set("host", "evil.example");
      expect(meta.body.issuer).to.equal(r.body.issuer);
    } finally {
      f.gw.deps.sdJwtIssuerOrigin = undefined;
    }
  });

  it("lists the routes in /openapi.json", async () => {
    const spec = (await (await fetch(`${origin}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(spec.paths).to.include.keys(
      "/v1/agency/certificates/{certId}/sd-jwt",
      "/v1/agency/certificates/{certId}/sd-jwt/signing-input",
      "/v1/agency/certificates/{certId}/sd-jwt/signed",
      "/v1/holder/certificates/{certId}/sd-jwt",
      "/.well-known/jwt-vc-issuer/issuers/{agency}",
    );
  });
});

describe("SD-JWT VC export (external key custody: the agency signs)", function () {
  this.timeout(240_000);
  let x: ExternalCustody;
  let server: Server;
  let origin: string;
  const holders = createHolderWallet({ mnemonic: generateMnemonic() });

  before(async () => {
    x = await openExternalCustody();
    ({ server, origin } = await listen(x.gw.app));
  });
  after(async () => {
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    await x?.close();
  });

  const post = (path: string, body: unknown) =>
    fetch(`${origin}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...bearer(x.agency.apiKey) },
      body: JSON.stringify(body),
    });

  async function issueSigned(key: Wallet, n: number) {
    const now = Math.floor(Date.now() / 1000);
    const built = agencyDiploma(x, holders.address(n), key.address);
    const deadline = now + 600;
    const s = await signIssue(key, ledgerDomain(x.chainId, x.ledger), {
      certId: built.certId,
      typeId: x.typeId,
      validFrom: BigInt(Date.parse(built.document.validFrom) / 1000),
      validUntil: BigInt(Date.parse(built.document.validUntil) / 1000),
      deadline: BigInt(deadline),
    });
    const r = await post("/v1/agency/certificates/signed", {
      document: built.document,
      deadline,
      signature: s.signature,
    });
    expect(r.status, await r.clone().text()).to.equal(201);
    return built;
  }

  it("hands out the signing input, takes the agency's signature, publishes its key, and the credential verifies", async () => {
    const agencyKey = x.agency.wallet;
    const { document, certId } = await issueSigned(agencyKey, 0);
    const holderKey = publicKeyToJwk(secp256k1.getPublicKey(holders.deriveKey(0).privateKey, false));
    const refused = await post(`/v1/agency/certificates/${certId}/sd-jwt`, { document, holderKey });
    expect(refused.status).to.equal(409);
    expect(((await refused.json()) as { error: { code: string } }).error.code).to.equal("AGENCY_SIGNATURE_REQUIRED");

    const issuerKey = publicKeyToJwk(Buffer.from(agencyKey.signingKey.publicKey.slice(2), "hex"));
    const r = await post(`/v1/agency/certificates/${certId}/sd-jwt/signing-input`, { document, holderKey, issuerKey });
    expect(r.status, await r.clone().text()).to.equal(200);
    const input = (await r.json()) as { signingInput: string; disclosures: string[]; digest: string };
    // The agency signs the raw SHA-256 digest with its own key, outside the gateway.
    const sig = new SigningKey(agencyKey.privateKey).sign(input.digest);
    const signature = base64url(Buffer.from(sig.r.slice(2) + sig.s.slice(2), "hex"));

    const stranger = Wallet.createRandom();
    const bad = new SigningKey(stranger.privateKey).sign(input.digest);
    const badRes = await post(`/v1/agency/certificates/${certId}/sd-jwt/signed`, {
      signingInput: input.signingInput,
      disclosures: input.disclosures,
      signature: base64url(Buffer.from(bad.r.slice(2) + bad.s.slice(2), "hex")),
    });
    expect(badRes.status, await badRes.clone().text()).to.equal(422);
    const badBody = JSON.stringify(await badRes.json());
    expect(badBody, badBody).to.contain("BAD_SIGNATURE");
    const before = (await (
      await fetch(`${origin}/.well-known/jwt-vc-issuer/issuers/${x.agency.address.toLowerCase()}`)
    ).json()) as Jwks;
    expect(before.jwks.keys).to.deep.equal([]);

    const done = await post(`/v1/agency/certificates/${certId}/sd-jwt/signed`, {
      signingInput: input.signingInput,
      disclosures: input.disclosures,
      signature,
    });
    expect(done.status, await done.clone().text()).to.equal(200);
    const { sdJwt } = (await done.json()) as { sdJwt: string };
    const { claims, metadata } = await verifyAsOutsider(sdJwt);
    expect(metadata.jwks.keys).to.have.length(1);
    expect(claims.credentialStatus).to.deep.equal(document.credentialStatus);

    const nonce = "verifier-nonce-1";
    const presentation = presentSdJwtVc({
      sdJwt,
      disclose: ["name"],
      holderPrivateKey: holders.deriveKey(0).privateKey,
      nonce,
      aud: "https://employer.example",
      iat: Math.floor(Date.now() / 1000),
    });
    const shown = await verifyAsOutsider(presentation, { nonce, aud: "https://employer.example" });
    expect(Object.keys(shown.claims)).to.include("name").and.not.include("idNumber");
  });

  it("refuses a credential with a disclosure added after signing, and a signing key that is not the agency's", async () => {
    const agencyKey = x.agency.wallet;
    const { document, certId } = await issueSigned(agencyKey, 1);
    const holderKey = publicKeyToJwk(secp256k1.getPublicKey(holders.deriveKey(1).privateKey, false));
    const issuerKey = publicKeyToJwk(Buffer.from(agencyKey.signingKey.publicKey.slice(2), "hex"));
    const input = (await (
      await post(`/v1/agency/certificates/${certId}/sd-jwt/signing-input`, { document, holderKey, issuerKey })
    ).json()) as {
      signingInput: string;
      disclosures: string[];
      digest: string;
    };
    const sig = new SigningKey(agencyKey.privateKey).sign(input.digest);
    const signature = base64url(Buffer.from(sig.r.slice(2) + sig.s.slice(2), "hex"));
    const extra = base64url(JSON.stringify([base64url(randomBytes(16)), "name", "X"]));
    const r = await post(`/v1/agency/certificates/${certId}/sd-jwt/signed`, {
      signingInput: input.signingInput,
      disclosures: [...input.disclosures, extra],
      signature,
    });
    expect(r.status).to.equal(422);
    expect(((await r.json()) as { error: { code: string } }).error.code).to.equal("SD_JWT_INVALID");
    const stranger = publicKeyToJwk(secp256k1.getPublicKey(secp256k1.utils.randomPrivateKey(), false));
    const s = await post(`/v1/agency/certificates/${certId}/sd-jwt/signing-input`, {
      document,
      holderKey,
      issuerKey: stranger,
    });
    expect(s.status).to.equal(403);
    expect(((await s.json()) as { error: { code: string } }).error.code).to.equal("SIGNER_NOT_AGENCY_KEY");
  });
});
