/**
 * An outside verifier of SD-JWT VCs for the tests: @sd-jwt/sd-jwt-vc (signatures, disclosures, sd_hash,
 * the KB-JWT's nonce) with ES256K checked by Node's OpenSSL (JOSE r ‖ s is ieee-p1363). Nothing of ours.
 */
import { createHash, createPublicKey, randomBytes, verify as cryptoVerify } from "node:crypto";
import { SDJwtVcInstance } from "@sd-jwt/sd-jwt-vc";
import type { Secp256k1Jwk } from "../../src/document";

export function es256kVerifier(jwk: Secp256k1Jwk): (data: string, sig: string) => boolean {
  const key = createPublicKey({ key: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }, format: "jwk" });
  return (data, sig) =>
    cryptoVerify("sha256", Buffer.from(data), { key, dsaEncoding: "ieee-p1363" }, Buffer.from(sig, "base64url"));
}

/** The library, trusting `issuerKey` for the issuer-signed JWT and cnf.jwk for the KB-JWT. */
export function sdJwtVcLibrary(issuerKey: Secp256k1Jwk): SDJwtVcInstance {
  return new SDJwtVcInstance({
    hasher: (data, alg) => {
      if (alg !== "sha-256") throw new Error(`unexpected _sd_alg ${alg}`);
      return new Uint8Array(
        createHash("sha256")
          .update(data as string)
          .digest(),
      );
    },
    saltGenerator: (n) => randomBytes(n).toString("base64url"),
    verifier: es256kVerifier(issuerKey),
    kbVerifier: (data, sig, payload) => es256kVerifier((payload.cnf as { jwk: Secp256k1Jwk }).jwk)(data, sig),
  });
}
