/**
 * /v1/holder: relay a signed grant, revoke one, read the audit trail. No API key: the relay routes
 * carry the holder's EIP-712 signature; the read routes a signed request (src/domain/holderAuth.ts).
 */
import express, { type Request, type Router } from "express";
import { readAuditTrail } from "../../domain/audit";
import { relayGrant, revokeGrant } from "../../domain/grants";
import { authenticateHolder } from "../../domain/holderAuth";
import type { Bytes32, Hex } from "../../domain/ports";
import { reasonName } from "../../domain/reasons";
import type { AppDeps } from "../deps";
import { defineRoute, type RouteEnv } from "../route";
import * as S from "../schemas";
import { z } from "zod";

const TAG = "holder";

/** Authenticates a request signed with a certificate's holder key (X-Holder-* headers). */
export function holderOfRequest(
  deps: Parameters<typeof authenticateHolder>[0] & { settings: { holderAuthSkewSeconds: number } },
  req: Request,
  certId: string,
  h: z.infer<typeof S.HolderAuthHeaders>,
) {
  return authenticateHolder(
    deps,
    {
      method: req.method,
      path: req.baseUrl + req.path,
      certId: certId.toLowerCase() as Bytes32,
      documentRoot: h["x-holder-document-root"].toLowerCase() as Bytes32,
      timestamp: Number(h["x-holder-timestamp"]),
      nonce: h["x-holder-nonce"],
      signature: h["x-holder-signature"] as Hex,
    },
    deps.settings.holderAuthSkewSeconds,
  );
}

export function holderRouter(deps: AppDeps, env: RouteEnv): Router {
  const r = express.Router();

  defineRoute(r, env, {
    method: "post",
    path: "/v1/holder/grants",
    auth: "holder",
    tag: TAG,
    summary: "Relay a grant signed by the holder key (EIP-712 Grant)",
    description:
      "The signer must be the certificate's holder: certId = keccak256(abi.encode(signer, documentRoot)). A batched certificate also sends " +
      "its batch root, validity and proof. A bad signature is 401 BAD_SIGNATURE; a spent nonce 409 REPLAYED; nothing reaches the chain.",
    body: S.RelayGrantBody,
    holderSigned: ({ body }) => [body.grant.certId],
    responses: {
      201: { description: "On chain.", schema: S.RelayGrantResponse },
      401: { description: "Not signed by the holder.", schema: S.ErrorResponse },
      409: { description: "Replayed (nonce spent) or already relayed.", schema: S.ErrorResponse },
    },
    handler: async ({ body }) => ({
      status: 201,
      body: await relayGrant(deps, {
        grant: {
          ...body.grant,
          certId: body.grant.certId.toLowerCase() as Bytes32,
          grantee: body.grant.grantee.toLowerCase() as Bytes32,
          purpose: body.grant.purpose.toLowerCase() as Bytes32,
        },
        signature: body.signature as Hex,
        documentRoot: body.documentRoot.toLowerCase() as Bytes32,
        batch: body.batch && { ...body.batch, root: body.batch.root as Bytes32, proof: body.batch.proof as Bytes32[] },
      }),
    }),
  });

  defineRoute(r, env, {
    method: "post",
    path: "/v1/holder/grants/:grantId/revoke",
    auth: "holder",
    tag: TAG,
    summary: "Relay the holder's signed revocation of a grant (EIP-712 RevokeGrant)",
    params: S.GrantIdParams,
    body: S.RevokeGrantBody,
    // The certificate is known only through the grant: its back-off is the grant's.
    holderSigned: ({ params }) => [params.grantId],
    responses: {
      200: {
        description: "Revoked on chain.",
        schema: z.object({ grantId: S.Bytes32, txHash: S.Bytes32, blockNumber: z.number().int() }),
      },
      404: { description: "No such grant.", schema: S.ErrorResponse },
    },
    handler: async ({ params, body }) => ({
      body: await revokeGrant(deps, {
        grantId: params.grantId.toLowerCase() as Bytes32,
        nonce: body.nonce,
        deadline: body.deadline,
        signature: body.signature as Hex,
        documentRoot: body.documentRoot.toLowerCase() as Bytes32,
      }),
    }),
  });

  defineRoute(r, env, {
    method: "get",
    path: "/v1/holder/certificates/:certId/audit",
    auth: "holder",
    tag: TAG,
    summary:
      "The checks made on a certificate, its grants, its delegations (with their delegates' grants and checks) and its status history (holder only)",
    description:
      "Sign, with the certificate's holder key, the EIP-191 (personal_sign) message of these six lines joined by \\n:\n\n" +
      "    certledger holder request\n    GET /v1/holder/certificates/{certId}/audit\n    certId: 0x… (lower case)\n" +
      "    documentRoot: 0x… (lower case)\n    timestamp: <unix seconds, within ±5 min>\n    nonce: <8-64 of [A-Za-z0-9_-], used once>\n\n" +
      "and send it with the X-Holder-* headers. The server recovers the signer and checks certId = keccak256(abi.encode(signer, documentRoot)); " +
      "no account or address is stored. A stale timestamp, another key or a reused nonce is 401.",
    params: S.CertIdParams,
    query: S.EmptyQuery,
    headers: S.HolderAuthHeaders,
    responses: {
      200: { description: "The trail, newest check first.", schema: S.AuditTrail },
      401: { description: "Missing, bad, stale or replayed holder signature.", schema: S.ErrorResponse },
    },
    // The signature is checked before anything else is read.
    holderSigned: ({ params }) => [params.certId],
    holderCredentials: async ({ req, params, headers }) =>
      void (await holderOfRequest(deps, req, params.certId, headers)),
    handler: async ({ params }) => {
      const t = await readAuditTrail(deps, params.certId as Bytes32);
      return {
        body: {
          ...t,
          history: t.history.map((h) => ({
            status: h.status,
            reason: reasonName(h.reason),
            at: h.at,
            supersededBy: h.supersededBy,
          })),
        },
      };
    },
  });

  return r;
}
