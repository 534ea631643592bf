/**
 * SD-JWT VC export (src/domain/sdJwtExport.ts): the agency (API key) and the holder (signed X-Holder-*
 * headers, as for the audit trail) get a certificate as an SD-JWT VC signed by the agency; an agency
 * that keeps its own key gets the signing input and sends the signature back; verifiers fetch the
 * agency's keys from its JWT VC Issuer Metadata.
 */
import express, { type Router } from "express";
import type { authenticateHolder } from "../../domain/holderAuth";
import type { Address, Bytes32 } from "../../domain/ports";
import {
  acceptSignedSdJwtVc,
  exportSdJwtVc,
  issuerMetadata,
  sdJwtSigningInput,
  type SdJwtDeps,
} from "../../domain/sdJwtExport";
import { defineRoute, type RouteEnv } from "../route";
import * as S from "../schemas";
import { originOf } from "./counter";
import { holderOfRequest } from "./holder";

const TAG = "sd-jwt";

/** True for the paths this router answers (the app mounts it only for them). */
export function isSdJwtPath(path: string): boolean {
  return (
    path.startsWith("/.well-known/jwt-vc-issuer/") || /^\/v1\/(agency|holder)\/certificates\/[^/]+\/sd-jwt/.test(path)
  );
}

export function sdJwtRouter(
  deps: SdJwtDeps & { settings: { holderAuthSkewSeconds: number }; sdJwtIssuerOrigin?: string } & Parameters<
      typeof authenticateHolder
    >[0],
  env: RouteEnv,
): Router {
  const r = express.Router();
  const common = {
    404: { description: "CERTIFICATE_NOT_FOUND: no such certificate on the ledger.", schema: S.ErrorResponse },
    422: {
      description:
        "DOCUMENT_INVALID (tampered or not a document), HOLDER_KEY_MISMATCH (holderKey is not the certificate's holder key), " +
        "SD_JWT_FIELD_RESERVED (a field named like a claim of the credential, or _sd / ...).",
      schema: S.ErrorResponse,
    },
  };
  const badInput =
    "400: DOCUMENT_REDACTED (send the whole document), CERT_ID_MISMATCH (the document is another certificate), INVALID_HOLDER_KEY.";

  defineRoute(r, env, {
    method: "post",
    path: "/v1/agency/certificates/:certId/sd-jwt",
    auth: "agency",
    tag: TAG,
    summary: "Export one of the agency's certificates as an SD-JWT VC signed with a custodial agency key",
    description:
      "The SD-JWT VC (typ dc+sd-jwt, ES256K) carries iss (<gateway>/issuers/<agency>), iat, nbf/exp (validFrom/validUntil), vct " +
      "(urn:certledger:type:<code>) and cnf.jwk (holderKey) in clear; sub, certificateType, credentialStatus and every field of the " +
      "document are salted disclosures (nested objects and arrays element by element). The key is published at " +
      "/.well-known/jwt-vc-issuer/issuers/<agency>. Under external key custody: 409 AGENCY_SIGNATURE_REQUIRED (use /sd-jwt/signing-input). " +
      badInput,
    params: S.CertIdParams,
    body: S.SdJwtExportBody,
    responses: {
      200: { description: "The SD-JWT VC.", schema: S.SdJwtExport },
      ...common,
      403: { description: "NOT_YOUR_CERTIFICATE: another agency issued it.", schema: S.ErrorResponse },
      409: { description: "AGENCY_SIGNATURE_REQUIRED (external key custody).", schema: S.ErrorResponse },
    },
    handler: async ({ params, body, principal, req }) => ({
      body: await exportSdJwtVc(
        deps,
        {
          certId: params.certId as Bytes32,
          document: body.document,
          holderKey: body.holderKey,
          origin: originOf(req, deps.sdJwtIssuerOrigin),
        },
        principal!.address,
      ),
    }),
  });

  defineRoute(r, env, {
    method: "post",
    path: "/v1/agency/certificates/:certId/sd-jwt/signing-input",
    auth: "agency",
    tag: TAG,
    summary: "An agency that keeps its own key: the SD-JWT VC's signing input and disclosures, to sign ES256K",
    description:
      "issuerKey is the public JWK of one of the agency's current signing keys; its RFC 7638 thumbprint becomes the header's kid. Sign " +
      "ECDSA secp256k1 over SHA-256 of signingInput (e.g. ethers: new SigningKey(pk).sign(digest), then r ‖ s base64url) and send it to " +
      "/sd-jwt/signed with signingInput and disclosures unchanged. Nothing is stored. " +
      badInput +
      " 403 SIGNER_NOT_AGENCY_KEY / KEY_NOT_VALID for a key that is not a current key of the agency; 400 INVALID_ISSUER_KEY.",
    params: S.CertIdParams,
    body: S.SdJwtSigningInputBody,
    responses: {
      200: { description: "What to sign.", schema: S.SdJwtSigningInput },
      ...common,
      403: { description: "NOT_YOUR_CERTIFICATE, SIGNER_NOT_AGENCY_KEY, KEY_NOT_VALID.", schema: S.ErrorResponse },
    },
    handler: async ({ params, body, principal, req }) => ({
      body: await sdJwtSigningInput(
        deps,
        {
          certId: params.certId as Bytes32,
          document: body.document,
          holderKey: body.holderKey,
          issuerKey: body.issuerKey,
          origin: originOf(req, deps.sdJwtIssuerOrigin),
        },
        principal!.address,
      ),
    }),
  });

  defineRoute(r, env, {
    method: "post",
    path: "/v1/agency/certificates/:certId/sd-jwt/signed",
    auth: "agency",
    tag: TAG,
    summary: "An agency that keeps its own key: check its signed SD-JWT VC and publish the signing key",
    description:
      "The gateway checks the header (ES256K, dc+sd-jwt, kid), iss (this agency's issuer URL), that every disclosure is referenced once, " +
      "that the credentialStatus disclosure names this certificate of the agency, and that the signature is by the key named in kid, a " +
      "current key of the agency; it then adds the key to the agency's issuer metadata. 422 SD_JWT_INVALID or BAD_SIGNATURE otherwise.",
    params: S.CertIdParams,
    body: S.SignedSdJwtBody,
    responses: {
      200: { description: "The SD-JWT VC.", schema: S.SdJwtExport },
      403: { description: "NOT_YOUR_CERTIFICATE, SIGNER_NOT_AGENCY_KEY, KEY_NOT_VALID.", schema: S.ErrorResponse },
      404: common[404],
      422: { description: "SD_JWT_INVALID, BAD_SIGNATURE.", schema: S.ErrorResponse },
    },
    handler: async ({ params, body, principal, req }) => ({
      body: await acceptSignedSdJwtVc(
        deps,
        { certId: params.certId as Bytes32, ...body, origin: originOf(req, deps.sdJwtIssuerOrigin) },
        principal!.address,
      ),
    }),
  });

  defineRoute(r, env, {
    method: "post",
    path: "/v1/holder/certificates/:certId/sd-jwt",
    auth: "holder",
    tag: TAG,
    summary: "The holder's wallet gets its certificate as an SD-JWT VC signed by the agency (custodial gateways)",
    description:
      "Signed like the audit trail: EIP-191 by the certificate's holder key over the six lines of holderAuthMessage (method POST, this path), " +
      "sent in the X-Holder-* headers. The answer is the agency's SD-JWT VC (see the agency route); the wallet presents it with a KB-JWT. " +
      "Under external key custody the gateway cannot sign for the agency: 409 AGENCY_SIGNATURE_REQUIRED (the agency exports it). " +
      badInput,
    params: S.CertIdParams,
    headers: S.HolderAuthHeaders,
    body: S.SdJwtExportBody,
    responses: {
      200: { description: "The SD-JWT VC.", schema: S.SdJwtExport },
      ...common,
      409: { description: "AGENCY_SIGNATURE_REQUIRED (external key custody).", schema: S.ErrorResponse },
    },
    holderSigned: ({ params }) => [params.certId],
    holderCredentials: async ({ req, params, headers }) =>
      void (await holderOfRequest(deps, req, params.certId, headers)),
    handler: async ({ params, body, req }) => ({
      body: await exportSdJwtVc(deps, {
        certId: params.certId as Bytes32,
        document: body.document,
        holderKey: body.holderKey,
        origin: originOf(req, deps.sdJwtIssuerOrigin),
      }),
    }),
  });

  defineRoute(r, env, {
    method: "get",
    path: "/.well-known/jwt-vc-issuer/issuers/:agency",
    auth: "public",
    tag: TAG,
    summary: "JWT VC Issuer Metadata of an agency: its issuer identifier and signing keys (JWKS)",
    description:
      "For iss = <gateway>/issuers/<agency>, as the SD-JWT VC specification places it: /.well-known/jwt-vc-issuer inserted between the " +
      "host and the path. Lists every signing key of the agency (current or retired) whose public key the gateway knows: the custodial " +
      "keys, and the keys agencies signed SD-JWT VCs with under external custody. 404 AGENCY_NOT_FOUND.",
    params: S.AgencyAddressParams,
    query: S.EmptyQuery,
    responses: {
      200: { description: "The metadata.", schema: S.JwtVcIssuerMetadata },
      404: { description: "AGENCY_NOT_FOUND.", schema: S.ErrorResponse },
    },
    handler: async ({ params, req }) => ({
      body: await issuerMetadata(deps, originOf(req, deps.sdJwtIssuerOrigin), params.agency.toLowerCase() as Address),
      headers: { "Cache-Control": "public, max-age=300" },
    }),
  });

  return r;
}
