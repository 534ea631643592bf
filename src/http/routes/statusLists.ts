/** /v1/public: the agencies' Bitstring Status Lists, a certificate's entries in them, and the cross-check. */
import { createHash } from "node:crypto";
import express, { type Router } from "express";
import type { Address, Bytes32 } from "../../domain/ports";
import { checkStatusListsAgainstChain, publishStatusList, signedStatusListEntries } from "../../domain/statusLists";
import type { BitstringStatusListCredential } from "../../document/statusList";
import type { AppDeps } from "../deps";
import { defineRoute, type RouteEnv } from "../route";
import { originOf } from "./counter";
import * as S from "../schemas";

const TAG = "public";

/** Caches may keep a list but ask again each time: a status change shows from the block that made it. */
const CACHE_CONTROL = "public, no-cache";

/** Whether an If-None-Match header names `etag` (weak comparison, as for GET). */
function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  const strip = (t: string) => t.trim().replace(/^W\//, "");
  return ifNoneMatch.split(",").some((t) => t.trim() === "*" || strip(t) === strip(etag));
}

export function statusListRouter(deps: AppDeps, env: RouteEnv): Router {
  const r = express.Router();

  defineRoute(r, env, {
    method: "get",
    path: "/v1/public/status-lists/:agency/:purpose",
    auth: "public",
    tag: TAG,
    summary: "An agency's W3C Bitstring Status List (revocation or suspension), derived from the chain",
    description:
      "At least 131,072 entries; each certificate's index was drawn at random at issuance. Fetched whole, the list " +
      "does not tell the gateway which certificate is being checked. Custodial keys: application/vc+jwt signed " +
      "with the agency's current signing key (ES256K; the header's jwk is the key, its address is an agency key in " +
      "the registry on chain). External custody: the gateway holds no agency key and answers the credential " +
      "unsigned as application/vc, with X-Status-List-Secured: none. validUntil is an hour after validFrom (signed " +
      "again at half-life): a verifier holding the list later calls it stale. ETag / If-None-Match (304); " +
      "Cache-Control: public, no-cache.",
    params: S.StatusListParams,
    query: S.EmptyQuery,
    headers: S.StatusListHeaders,
    responses: {
      200: {
        description: "The list: a vc+jwt (signed) or the credential JSON (unsigned).",
        schema: S.StatusListJwt,
        contentTypes: ["application/vc+jwt"],
      },
      304: { description: "Not modified: the If-None-Match ETag is the list published now." },
      404: { description: "AGENCY_NOT_FOUND: no such agency on the ledger.", schema: S.ErrorResponse },
    },
    handler: async ({ params, headers, req }) => {
      const url = `${originOf(req)}/v1/public/status-lists/${params.agency.toLowerCase()}/${params.purpose}`;
      const list = await publishStatusList(deps, { agency: params.agency as Address, purpose: params.purpose, url });
      const common = {
        ETag: list.etag,
        "Cache-Control": CACHE_CONTROL,
        "X-Status-List-Secured": list.signer ? `vc+jwt ES256K ${list.signer}` : "none",
      };
      if (matches(headers["if-none-match"], list.etag)) return { status: 304, body: undefined, headers: common };
      return { body: undefined, headers: common, raw: { contentType: list.contentType, text: list.body } };
    },
  });

  defineRoute(r, env, {
    method: "get",
    path: "/v1/public/certificates/:certId/status-entries",
    auth: "public",
    tag: TAG,
    summary: "A certificate's entries in its agency's status lists (purpose, list URL, index)",
    description:
      "What the certificate's credentialStatus carries, with the agency's signature over them (proof, custodial " +
      "keys, once the certificate is on the ledger), made once and answered again as long as the entries and the " +
      "agency's key are the same. Asking names the certificate to the gateway: fetch the entries once (the " +
      "holder's wallet does, at pickup) and keep them with the document; a status check then downloads the whole " +
      "list and reads the bit offline. ETag / If-None-Match (304); Cache-Control: public, no-cache. Counted " +
      "against the client address's request allowance (429 RATE_LIMITED).",
    params: S.CertIdParams,
    query: S.EmptyQuery,
    headers: S.StatusListHeaders,
    responses: {
      200: { description: "The entries.", schema: S.StatusEntries },
      304: { description: "Not modified: the If-None-Match ETag is the answer now." },
      404: { description: "STATUS_ENTRY_NOT_FOUND: not issued through this gateway.", schema: S.ErrorResponse },
      429: { description: "RATE_LIMITED: too many requests from this client address.", schema: S.ErrorResponse },
    },
    handler: async ({ params, headers, req }) => {
      env.limits.publicClient(req.ip ?? req.socket.remoteAddress ?? "unknown");
      const body = {
        certId: params.certId.toLowerCase(),
        ...(await signedStatusListEntries(deps, { certId: params.certId as Bytes32, baseUrl: originOf(req) })),
      };
      const etag = `W/"${createHash("sha256").update(JSON.stringify(body)).digest("hex").slice(0, 32)}"`;
      const common = { ETag: etag, "Cache-Control": CACHE_CONTROL };
      if (matches(headers["if-none-match"], etag)) return { status: 304, body: undefined, headers: common };
      return { body, headers: common };
    },
  });

  defineRoute(r, env, {
    method: "post",
    path: "/v1/public/status-lists/check",
    auth: "public",
    tag: TAG,
    summary: "Cross-check downloaded status lists against the chain for one certificate",
    description:
      "Reads the certificate's bit in each list given (a vc+jwt, whose signer must be a signing key of the " +
      "certificate's agency on chain, or the credential JSON) and compares it with the certificate's status on " +
      "chain: agrees false names a list that disagrees with the chain. Names the certificate to the gateway.",
    body: S.StatusListCheckBody,
    responses: {
      200: { description: "The comparison.", schema: S.StatusListCheckResult },
      404: {
        description: "CERTIFICATE_NOT_FOUND or STATUS_ENTRY_NOT_FOUND.",
        schema: S.ErrorResponse,
      },
      422: {
        description:
          "STATUS_LIST_MALFORMED, STATUS_LIST_LENGTH_ERROR, STATUS_LIST_RANGE_ERROR, STATUS_LIST_BAD_SIGNATURE " +
          "(not signed by one of the agency's keys), STATUS_LIST_WRONG_LIST (not a list the certificate is in).",
        schema: S.ErrorResponse,
      },
    },
    handler: async ({ body, req }) => ({
      body: await checkStatusListsAgainstChain(deps, {
        certId: body.certId as Bytes32,
        lists: body.lists as (string | BitstringStatusListCredential)[],
        baseUrl: originOf(req),
      }),
    }),
  });

  return r;
}
