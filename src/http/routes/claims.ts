/**
 * /v1/claims: the citizen's side of issuance to a claim reference (src/domain/claims.ts). Public routes:
 * the claim code and the identity fields are the credentials. Wrong codes count against the offer (five
 * lock it, in the store) and against the client's address (a back-off, src/http/limits.ts).
 */
import express, { type Request, type Router } from "express";
import { CLAIM_ERRORS, claimCertificate, claimOfferInfo, type ClaimDeps } from "../../domain/claims";
import { DomainError } from "../../domain/errors";
import type { Address } from "../../domain/ports";
import type { AppDeps } from "../deps";
import { defineRoute, type RouteEnv } from "../route";
import * as S from "../schemas";

export function claimDeps(deps: AppDeps): ClaimDeps {
  return { ...deps, claimOfferSeconds: deps.settings.claimOfferSeconds };
}

/** Answers that mean a guess: they count towards the client's back-off. */
const GUESSES = new Set<string>([CLAIM_ERRORS.INVALID, CLAIM_ERRORS.NOT_FOUND, CLAIM_ERRORS.LOCKED]);

export function claimRouter(deps: AppDeps, env: RouteEnv): Router {
  const r = express.Router();
  const claims = claimDeps(deps);
  const clientOf = (req: Request) => req.ip ?? req.socket.remoteAddress ?? "unknown";

  defineRoute(r, env, {
    method: "get",
    path: "/v1/claims/:offerId",
    auth: "public",
    tag: "holder",
    summary: "What a claim code offers: the type, the issuing agency, the identity fields to give, the expiry",
    description:
      "The offer id is the first three groups of the claim code; this reveals no personal data and does not need the secret part.",
    params: S.ClaimParams,
    query: S.EmptyQuery,
    responses: {
      200: { description: "The offer.", schema: S.ClaimInfo },
      404: { description: "CLAIM_NOT_FOUND.", schema: S.ErrorResponse },
    },
    handler: async ({ params, req }) => {
      env.limits.claimAllowed(clientOf(req));
      try {
        return { body: await claimOfferInfo(claims, params.offerId) };
      } catch (e) {
        if (e instanceof DomainError && e.code === CLAIM_ERRORS.NOT_FOUND) env.limits.claimFailed(clientOf(req));
        throw e;
      }
    },
  });

  defineRoute(r, env, {
    method: "post",
    path: "/v1/claims",
    auth: "public",
    tag: "holder",
    summary: "Claim a certificate: the claim code and the identity fields, for a fresh holder key of the wallet",
    description:
      "On success the document is built for `holder` and its certId issued on chain; the answer carries the document (the gateway " +
      "keeps no copy). A wrong code or wrong identity fields answer CLAIM_CODE_INVALID with the attempts left (which of the two was " +
      "wrong is not said); the fifth locks the offer (CLAIM_LOCKED). The same claim sent again before the certificate is on chain " +
      "finishes it; after, CLAIM_ALREADY_CLAIMED.",
    body: S.ClaimBody,
    responses: {
      201: { description: "Claimed and issued.", schema: S.ClaimedCertificate },
      400: {
        description:
          "CLAIM_CODE_MALFORMED, CLAIM_REFERENCE_FIELDS (not the offer's identity fields), CLAIM_HOLDER_INVALID.",
        schema: S.ErrorResponse,
      },
      403: {
        description: "CLAIM_CODE_INVALID: wrong code or identity fields; details.attemptsLeft.",
        schema: S.ErrorResponse,
      },
      404: { description: "CLAIM_NOT_FOUND.", schema: S.ErrorResponse },
      409: {
        description: "CLAIM_ALREADY_CLAIMED, CLAIM_NEEDS_CUSTODIAL_KEYS, or IDEMPOTENCY_KEY_REUSED.",
        schema: S.ErrorResponse,
      },
      410: { description: "CLAIM_EXPIRED: the offer's personal data is deleted.", schema: S.ErrorResponse },
      423: { description: "CLAIM_LOCKED: five wrong attempts.", schema: S.ErrorResponse },
      429: { description: "CLAIM_ATTEMPTS_LIMITED: too many wrong codes from this address.", schema: S.ErrorResponse },
    },
    handler: async ({ body, req }) => {
      const client = clientOf(req);
      env.limits.claimAllowed(client);
      try {
        const { document, ...out } = await claimCertificate(claims, {
          code: body.code,
          reference: body.reference,
          holder: body.holder as Address,
        });
        return { status: 201, body: out, onceBody: { ...out, document } };
      } catch (e) {
        if (e instanceof DomainError && GUESSES.has(e.code)) env.limits.claimFailed(client);
        throw e;
      }
    },
  });
  return r;
}
