/**
 * /v1/delegations: relay the holder's signed delegation of one certificate to another wallet, its
 * revocation, and the grants the delegate signs under it. No API key: each body carries the EIP-712
 * signature that is its authority (the holder's key, or the delegate's for its grants).
 */
import express, { type Router } from "express";
import { relayDelegateGrant, relayDelegation, revokeDelegation } from "../../domain/delegations";
import type { Address, Bytes32, DelegationTerms, Hex } from "../../domain/ports";
import type { AppDeps } from "../deps";
import { defineRoute, type RouteEnv } from "../route";
import * as S from "../schemas";
import type { z } from "zod";

const TAG = "holder";

/** A Delegation as sent, in the domain's terms: addresses and hashes in lower case. */
export function delegationTerms(d: z.infer<typeof S.DelegationMessage>): DelegationTerms {
  return {
    ...d,
    certId: d.certId.toLowerCase() as Bytes32,
    delegate: d.delegate.toLowerCase() as Address,
    purpose: d.purpose.toLowerCase() as Bytes32,
    verifier: d.verifier.toLowerCase() as Address,
  };
}

export function delegationRouter(deps: AppDeps, env: RouteEnv): Router {
  const r = express.Router();

  defineRoute(r, env, {
    method: "post",
    path: "/v1/delegations",
    auth: "holder",
    tag: TAG,
    summary: "Relay a delegation signed by the holder key (EIP-712 Delegation)",
    description:
      "The holder lets another wallet (the delegate) sign grants for one certificate: until validUntil, for one purpose or any, to one " +
      "verifier or any, online or at a counter only. The signer must be the certificate's holder (certId = keccak256(abi.encode(signer, " +
      "documentRoot))), so a delegate cannot delegate further. A batched certificate also sends its batch root, validity and proof. " +
      "A bad signature is 401 BAD_SIGNATURE, a delegation already relayed 409 REPLAYED; nothing reaches the chain.",
    body: S.RelayDelegationBody,
    holderSigned: ({ body }) => [body.delegation.certId],
    responses: {
      201: { description: "On chain.", schema: S.RelayDelegationResponse },
      401: { description: "Not signed by the holder.", schema: S.ErrorResponse },
      404: { description: "No such certificate.", schema: S.ErrorResponse },
      409: { description: "Already relayed (REPLAYED).", schema: S.ErrorResponse },
    },
    handler: async ({ body }) => ({
      status: 201,
      body: await relayDelegation(deps, {
        delegation: delegationTerms(body.delegation),
        signature: body.signature as Hex,
        documentRoot: body.documentRoot.toLowerCase() as Bytes32,
        batch: body.batch && { ...body.batch, root: body.batch.root as Bytes32, proof: body.batch.proof as Bytes32[] },
      }),
    }),
  });

  defineRoute(r, env, {
    method: "post",
    path: "/v1/delegations/:delegationId/revoke",
    auth: "holder",
    tag: TAG,
    summary: "Relay the holder's signed revocation of a delegation (EIP-712 RevokeDelegation)",
    description:
      "After it the delegate makes no grant (409 DELEGATION_REVOKED) and no check is recorded under the grants it made.",
    params: S.DelegationIdParams,
    body: S.RevokeDelegationBody,
    holderSigned: ({ params }) => [params.delegationId],
    responses: {
      200: { description: "Revoked on chain.", schema: S.RevokeDelegationResponse },
      401: { description: "Not signed by the holder.", schema: S.ErrorResponse },
      404: { description: "No such delegation (DELEGATION_NOT_FOUND).", schema: S.ErrorResponse },
      409: { description: "Already revoked (DELEGATION_REVOKED).", schema: S.ErrorResponse },
    },
    handler: async ({ params, body }) => ({
      body: await revokeDelegation(deps, {
        delegationId: params.delegationId.toLowerCase() as Bytes32,
        nonce: body.nonce,
        deadline: body.deadline,
        signature: body.signature as Hex,
        documentRoot: body.documentRoot.toLowerCase() as Bytes32,
      }),
    }),
  });

  defineRoute(r, env, {
    method: "post",
    path: "/v1/delegations/:delegationId/grants",
    auth: "holder",
    tag: TAG,
    summary: "Relay a grant signed by the delegate under the delegation (EIP-712 Grant, grantByDelegateSig)",
    description:
      "The delegate signs an ordinary Grant with its own key; the body carries the delegation's terms as the holder signed them (their " +
      "digest must be delegationId, else 400 DELEGATION_MISMATCH). Accepted only while the delegation holds: 404 DELEGATION_NOT_FOUND, " +
      "409 DELEGATION_REVOKED, 409 DELEGATION_EXPIRED, 403 DELEGATION_OUT_OF_SCOPE (purpose, verifier, counter-only, another " +
      "certificate, or a grant outliving the delegation), 401 BAD_SIGNATURE (not the delegate's key), 409 REPLAYED. The grant is " +
      "checked by its verifier as any grant, and the chain marks it as made by the delegate.",
    params: S.DelegationIdParams,
    body: S.RelayDelegateGrantBody,
    holderSigned: ({ body }) => [body.grant.certId],
    responses: {
      201: { description: "On chain.", schema: S.RelayDelegateGrantResponse },
      401: { description: "Not signed by the delegate.", schema: S.ErrorResponse },
      403: { description: "Outside the delegation's scope.", schema: S.ErrorResponse },
      404: { description: "No such delegation.", schema: S.ErrorResponse },
      409: { description: "Delegation revoked or expired, or the grant replayed.", schema: S.ErrorResponse },
    },
    handler: async ({ params, body }) => ({
      status: 201,
      body: await relayDelegateGrant(deps, {
        delegationId: params.delegationId.toLowerCase() as Bytes32,
        grant: {
          ...body.grant,
          certId: body.grant.certId.toLowerCase() as Bytes32,
          grantee: body.grant.grantee.toLowerCase() as Address,
          purpose: body.grant.purpose.toLowerCase() as Bytes32,
        },
        delegation: delegationTerms(body.delegation),
        signature: body.signature as Hex,
      }),
    }),
  });

  return r;
}
