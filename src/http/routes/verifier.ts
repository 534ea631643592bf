/** /v1/verifier: verify a presentation under the holder's grant, and record the check on chain. */
import express, { type Router } from "express";
import type { Address, Bytes32, Hex } from "../../domain/ports";
import { recordCheck, verifyPresentation, type PresentationParameters } from "../../domain/verification";
import type { AppDeps } from "../deps";
import { defineRoute, type RouteEnv } from "../route";
import * as S from "../schemas";
import type { z } from "zod";

const TAG = "verifier";

function presentation(verifier: string, body: z.infer<typeof S.VerifyBody>): PresentationParameters {
  return {
    verifier: verifier.toLowerCase() as Address,
    document: body.document,
    grantId: body.grantId as Bytes32 | undefined,
    signedGrant: body.grant && {
      grant: {
        ...body.grant.grant,
        certId: body.grant.grant.certId.toLowerCase() as Bytes32,
        grantee: body.grant.grant.grantee.toLowerCase() as Address,
        purpose: body.grant.grant.purpose.toLowerCase() as Bytes32,
      },
      signature: body.grant.signature as Hex,
    },
    expectedType: body.expectedType,
  };
}

export function verifierRouter(deps: AppDeps, env: RouteEnv): Router {
  const r = express.Router();

  defineRoute(r, env, {
    method: "post",
    path: "/v1/verifier/verify",
    auth: "verifier",
    tag: TAG,
    summary: "Is this certificate good, now, for me?",
    description:
      "Send the (possibly redacted) document and either a grantId (no signature recovery: the fast path) or the holder's signed grant " +
      "(relayed first). The answer is VALID, or INVALID with every reason. A bad or replayed grant signature is an error (401/409), not a verdict.",
    body: S.VerifyBody,
    responses: {
      200: { description: "The verdict, with the disclosed fields when VALID.", schema: S.VerifyResult },
      401: { description: "Bad grant signature (BAD_SIGNATURE) or credentials.", schema: S.ErrorResponse },
      409: { description: "Replayed grant (REPLAYED).", schema: S.ErrorResponse },
      422: { description: "Not a certledger document.", schema: S.ErrorResponse },
    },
    handler: async ({ principal, body }) => ({
      body: await verifyPresentation(deps, presentation(principal!.address, body)),
    }),
  });

  defineRoute(r, env, {
    method: "post",
    path: "/v1/verifier/checks",
    auth: "verifier",
    tag: TAG,
    summary: "Verify and record the check on chain (uses one grant use; the holder sees it in the audit trail)",
    headers: S.OptionalIdempotencyHeaders,
    body: S.VerifyBody,
    responses: {
      201: { description: "VALID and recorded.", schema: S.RecordCheckResult },
      403: { description: "WRONG_VERIFIER: the grant is to another verifier.", schema: S.ErrorResponse },
      422: { description: "Not VALID: the code is the first reason; details has all.", schema: S.ErrorResponse },
    },
    handler: async ({ principal, body, idempotencyKey }) => ({
      status: 201,
      body: await recordCheck(deps, {
        ...presentation(principal!.address, body),
        idempotencyKey,
      }),
    }),
  });

  return r;
}
