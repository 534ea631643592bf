/**
 * Export a certificate as an SD-JWT VC issued by its agency (src/document/sdJwt.ts builds and signs;
 * docs/decisions/0019-sd-jwt-vc-export.md says why it is shaped this way).
 *
 * The issuer is the agency: `iss` = <gateway>/issuers/<agency address>, and the gateway publishes the
 * agency's keys as JWT VC Issuer Metadata at <gateway>/.well-known/jwt-vc-issuer/issuers/<agency>.
 * The credential is signed by a current signing key of the agency: in custodial mode by the gateway's
 * custodial key, under external custody by the agency itself (the gateway hands out the signing input
 * and takes the signature back, checks it and learns the key's public key to publish it: the chain
 * holds only the key's address).
 */
import {
  SD_JWT_ALG,
  SD_JWT_VC_TYP,
  base64url,
  checkDisclosures,
  disclosedClaims,
  es256kDigest,
  es256kSignerCandidates,
  finishSdJwtVc,
  jwkAddress,
  jwkThumbprint,
  parseSdJwt,
  prepareSdJwtVc,
  publicKeyToJwk,
  type Secp256k1Jwk,
  type StatusListEntry,
  type UnsignedSdJwtVc,
} from "../document/sdJwt";
import { DocumentError } from "../document/errors";
import { bytesToHex } from "../document/ids";
import type { CertificateDocument } from "../document/format";
import { requireCustodialAgency } from "./custody";
import { DomainError, badRequest, notFound } from "./errors";
import { activeSigningKey } from "./issuance";
import { certificateOnLedger } from "./lookups";
import type { Address, Bytes32, CertificateView, DomainDeps, IssuerJwk, IssuerKeyStore } from "./ports";
import { agencyKey } from "./signedWrites";
import { ownCertificate } from "./status";

export interface SdJwtDeps extends Pick<DomainDeps, "clock" | "index" | "documents" | "keyring" | "custody"> {
  issuerKeys: IssuerKeyStore;
  /**
   * The certificate's entries in the status lists (purpose, list credential URL, index), which become
   * the credential's `status` claim (sdJwtStatusClaim). Absent: no status list is wired, no claim.
   */
  statusEntries?: (certId: Bytes32) => Promise<StatusListEntry[]>;
}

/** The agency's issuer identifier: an https URL under the gateway's origin. */
export function issuerUrl(origin: string, agency: Address): string {
  return `${origin}/issuers/${agency.toLowerCase()}`;
}

/** Where the JWT VC Issuer Metadata of `issuerUrl(origin, agency)` is: the well-known segment after the host. */
export function issuerMetadataUrl(origin: string, agency: Address): string {
  return `${origin}/.well-known/jwt-vc-issuer/issuers/${agency.toLowerCase()}`;
}

export interface SdJwtExportRequest {
  certId: Bytes32;
  /** The whole (unredacted) certledger document of the certificate. */
  document: unknown;
  /** The certificate's holder key, bound as cnf.jwk. */
  holderKey: unknown;
  /** The gateway's public origin (scheme://host[:port]). */
  origin: string;
}

function holderJwk(jwk: unknown, holder: Address): Secp256k1Jwk {
  let address: string;
  try {
    address = jwkAddress(jwk);
  } catch (e) {
    throw badRequest("INVALID_HOLDER_KEY", `holderKey: ${(e as Error).message}.`);
  }
  if (address !== holder.toLowerCase())
    throw new DomainError(
      "HOLDER_KEY_MISMATCH",
      `holderKey is the key of ${address}, not of this certificate's holder ${holder.toLowerCase()}.`,
      { status: 422, details: { holder: holder.toLowerCase(), holderKey: address } },
    );
  const j = jwk as Secp256k1Jwk;
  return { kty: "EC", crv: "secp256k1", x: j.x, y: j.y };
}

/** The document checked whole and intact, of the certificate in the path, and its on-chain record. */
async function checkedCertificate(
  deps: SdJwtDeps,
  req: SdJwtExportRequest,
  agency?: Address,
): Promise<{ cert: CertificateView; document: CertificateDocument; holderKey: Secp256k1Jwk }> {
  const r = await (deps.documents.checkIntegrity?.(req.document) ?? deps.documents.verifyIntegrity(req.document));
  if (r.status !== "OK")
    throw new DomainError("DOCUMENT_INVALID", `The document does not verify: ${r.problems.join("; ")}.`, {
      status: 422,
      details: { status: r.status, problems: r.problems },
    });
  if (r.redacted.length > 0)
    throw badRequest(
      "DOCUMENT_REDACTED",
      "The document has redacted fields; export it whole (the holder picks fields when presenting).",
    );
  if (r.certId!.toLowerCase() !== req.certId.toLowerCase())
    throw badRequest("CERT_ID_MISMATCH", `The document is certificate ${r.certId}, not ${req.certId}.`, {
      documentCertId: r.certId,
    });
  const cert = agency
    ? await ownCertificate(deps, agency, req.certId)
    : await certificateOnLedger(deps.index, req.certId);
  if (!cert) throw notFound("CERTIFICATE_NOT_FOUND", `No certificate ${req.certId} is on the ledger.`);
  return { cert, document: req.document as CertificateDocument, holderKey: holderJwk(req.holderKey, r.holder!) };
}

async function prepare(
  deps: SdJwtDeps,
  req: SdJwtExportRequest,
  checked: Awaited<ReturnType<typeof checkedCertificate>>,
  issuerKey: Secp256k1Jwk,
): Promise<UnsignedSdJwtVc> {
  const status = deps.statusEntries ? await deps.statusEntries(checked.cert.certId) : [];
  try {
    return prepareSdJwtVc({
      document: checked.document,
      issuer: issuerUrl(req.origin, checked.cert.agency),
      issuerKey,
      holderKey: checked.holderKey,
      issuedAt: deps.clock.now(),
      status,
    });
  } catch (e) {
    if (e instanceof DocumentError && e.code === "INVALID_FIELD")
      throw new DomainError("SD_JWT_FIELD_RESERVED", `This certificate cannot be exported: ${e.message}.`, {
        status: 422,
      });
    if (e instanceof DocumentError) throw badRequest("SD_JWT_INVALID", e.message);
    throw e;
  }
}

export interface SdJwtExportResult {
  sdJwt: string;
  certId: Bytes32;
  issuer: string;
  /** Where a verifier finds the issuer's keys. */
  issuerMetadata: string;
  /** The agency key that signed, and its JWK thumbprint (the JWT's kid). */
  signingKey: Address;
  kid: string;
}

/**
 * Custodial gateways only: builds the SD-JWT VC and signs it with a current custodial key of the
 * certificate's agency. `agency` is the calling agency (its own certificates only); absent for the
 * holder, who authenticated with the certificate's key.
 */
export async function exportSdJwtVc(
  deps: SdJwtDeps,
  req: SdJwtExportRequest,
  agency?: Address,
): Promise<SdJwtExportResult> {
  requireCustodialAgency(deps, `POST /v1/agency/certificates/${req.certId}/sd-jwt/signing-input`);
  const checked = await checkedCertificate(deps, req, agency);
  const key = await activeSigningKey(deps, checked.cert.agency, deps.clock.now());
  const publicKey = await deps.keyring.publicKey?.(key.key);
  if (!publicKey || !deps.keyring.signDigest)
    throw new DomainError(
      "AGENCY_SIGNATURE_REQUIRED",
      `This gateway holds no custodial key ${key.key}: the agency signs the SD-JWT VC itself.`,
      { status: 409, details: { instead: `POST /v1/agency/certificates/${req.certId}/sd-jwt/signing-input` } },
    );
  const issuerKey = publicKeyToJwk(publicKey);
  const unsigned = await prepare(deps, req, checked, issuerKey);
  const signature = base64url(await deps.keyring.signDigest(key.key, es256kDigest(unsigned.signingInput)));
  return {
    sdJwt: finishSdJwtVc(unsigned.signingInput, unsigned.disclosures, signature),
    certId: checked.cert.certId,
    issuer: unsigned.payload.iss as string,
    issuerMetadata: issuerMetadataUrl(req.origin, checked.cert.agency),
    signingKey: key.key,
    kid: jwkThumbprint(issuerKey),
  };
}

/**
 * An agency that keeps its own key: the issuer-signed JWT's signing input for `issuerKey` (one of the
 * agency's current keys, as a JWK) and the disclosures. The agency signs ES256K over SHA-256 of
 * `signingInput` and sends both back to `acceptSignedSdJwtVc`.
 */
export async function sdJwtSigningInput(
  deps: SdJwtDeps,
  req: SdJwtExportRequest & { issuerKey: unknown },
  agency: Address,
): Promise<UnsignedSdJwtVc & { digest: string; signingKey: Address; kid: string }> {
  const checked = await checkedCertificate(deps, req, agency);
  let signingKey: Address;
  try {
    signingKey = jwkAddress(req.issuerKey);
  } catch (e) {
    throw badRequest("INVALID_ISSUER_KEY", `issuerKey: ${(e as Error).message}.`);
  }
  await agencyKey(deps, agency, signingKey, deps.clock.now());
  const j = req.issuerKey as Secp256k1Jwk;
  const issuerKey: Secp256k1Jwk = { kty: "EC", crv: "secp256k1", x: j.x, y: j.y };
  const unsigned = await prepare(deps, req, checked, issuerKey);
  return {
    ...unsigned,
    digest: bytesToHex(es256kDigest(unsigned.signingInput)),
    signingKey,
    kid: jwkThumbprint(issuerKey),
  };
}

export interface SignedSdJwtVcRequest {
  certId: Bytes32;
  signingInput: string;
  disclosures: string[];
  /** base64url of r ‖ s (64 bytes): the JWS signature. */
  signature: string;
  origin: string;
}

const sdJwtRefused = (message: string, details?: unknown) =>
  new DomainError("SD_JWT_INVALID", message, { status: 422, details });

/**
 * Checks an SD-JWT VC the agency signed with its own key: a certledger credential of one of its
 * certificates, issued under its issuer URL, every disclosure in place, signed by one of its current
 * keys named by kid. Records the key's public key for the issuer metadata and returns the SD-JWT.
 */
export async function acceptSignedSdJwtVc(
  deps: SdJwtDeps,
  req: SignedSdJwtVcRequest,
  agency: Address,
): Promise<SdJwtExportResult> {
  let parsed;
  try {
    parsed = parseSdJwt(finishSdJwtVc(req.signingInput, req.disclosures, req.signature));
    checkDisclosures(parsed);
  } catch (e) {
    if (e instanceof DocumentError) throw sdJwtRefused(e.message);
    throw e;
  }
  const { header, payload } = parsed;
  if (header.alg !== SD_JWT_ALG || header.typ !== SD_JWT_VC_TYP || typeof header.kid !== "string")
    throw sdJwtRefused(`The header must be {"alg":"${SD_JWT_ALG}","typ":"${SD_JWT_VC_TYP}","kid":<JWK thumbprint>}.`);
  const issuer = issuerUrl(req.origin, agency);
  if (payload.iss !== issuer) throw sdJwtRefused(`iss must be this agency's issuer URL ${issuer}.`, { iss: issuer });
  const status = disclosedClaims(parsed).credentialStatus as { certId?: unknown } | undefined;
  if (typeof status?.certId !== "string" || status.certId.toLowerCase() !== req.certId.toLowerCase())
    throw sdJwtRefused(`The credential's credentialStatus disclosure must name certificate ${req.certId}.`);
  await ownCertificate(deps, agency, req.certId);
  const key = es256kSignerCandidates(req.signingInput, req.signature).find((k) => jwkThumbprint(k) === header.kid);
  if (!key)
    throw new DomainError(
      "BAD_SIGNATURE",
      "The signature is not ES256K over the signing input by the key named in kid.",
      {
        status: 422,
      },
    );
  const signingKey = jwkAddress(key);
  await agencyKey(deps, agency, signingKey, deps.clock.now());
  await deps.issuerKeys.put(agency, signingKey, key);
  return {
    sdJwt: finishSdJwtVc(req.signingInput, req.disclosures, req.signature),
    certId: req.certId.toLowerCase() as Bytes32,
    issuer,
    issuerMetadata: issuerMetadataUrl(req.origin, agency),
    signingKey,
    kid: header.kid,
  };
}

export interface IssuerMetadata {
  issuer: string;
  jwks: { keys: (IssuerJwk & { kid: string; alg: string; use: "sig" })[] };
}

/**
 * JWT VC Issuer Metadata of an agency: every signing key of the agency (current or retired, so that
 * credentials signed before a rotation still verify) whose public key the gateway knows.
 */
export async function issuerMetadata(deps: SdJwtDeps, origin: string, agency: Address): Promise<IssuerMetadata> {
  const a = await deps.index.agency(agency.toLowerCase() as Address);
  if (!a) throw notFound("AGENCY_NOT_FOUND", `No agency is registered at ${agency}.`);
  const known = new Map<string, IssuerJwk>();
  for (const k of await deps.index.signingKeys(a.agency)) {
    const pub = await deps.keyring.publicKey?.(k.key);
    if (pub) known.set(k.key.toLowerCase(), publicKeyToJwk(pub));
  }
  for (const k of await deps.issuerKeys.byAgency(a.agency))
    if (!known.has(k.address.toLowerCase())) known.set(k.address.toLowerCase(), k.jwk);
  return {
    issuer: issuerUrl(origin, a.agency),
    jwks: {
      keys: [...known.values()].map((jwk) => ({
        kty: jwk.kty,
        crv: jwk.crv,
        x: jwk.x,
        y: jwk.y,
        kid: jwkThumbprint(jwk),
        alg: SD_JWT_ALG,
        use: "sig" as const,
      })),
    },
  };
}
