/** /v1/authority: certificate types, agencies, accreditations, signing keys, verifiers, API principals. */
import express, { type Router } from "express";
import * as authority from "../../domain/authority";
import { notFound } from "../../domain/errors";
import type { Address, Hex } from "../../domain/ports";
import { createPrincipal } from "../../domain/principals";
import type { AppDeps } from "../deps";
import { defineRoute, type RouteEnv } from "../route";
import * as S from "../schemas";
import { z } from "zod";

const TAG = "authority";
const lower = (a: string) => a.toLowerCase() as Address;

export function authorityRouter(deps: AppDeps, env: RouteEnv): Router {
  const r = express.Router();

  defineRoute(r, env, {
    method: "get",
    path: "/v1/authority/types",
    auth: "authority",
    tag: TAG,
    summary: "List registered certificate types",
    query: S.EmptyQuery,
    responses: { 200: { description: "The types.", schema: z.object({ items: z.array(S.CertificateType) }) } },
    handler: async () => ({ body: { items: await deps.index.certificateTypes() } }),
  });

  defineRoute(r, env, {
    method: "post",
    path: "/v1/authority/types",
    auth: "authority",
    tag: TAG,
    summary: "Register a certificate type from the catalog",
    body: S.RegisterTypeBody,
    responses: {
      201: { description: "Registered on chain.", schema: S.CertificateType.extend(S.Receipt.shape) },
      409: { description: "Already registered.", schema: S.ErrorResponse },
    },
    handler: async ({ body }) => ({ status: 201, body: await authority.registerType(deps, body) }),
  });

  defineRoute(r, env, {
    method: "patch",
    path: "/v1/authority/types/:code",
    auth: "authority",
    tag: TAG,
    summary: "Update a type's name, maximum validity or schema hash",
    params: S.TypeCodeParams,
    body: S.UpdateTypeBody,
    responses: { 200: { description: "Updated.", schema: S.CertificateType.extend(S.Receipt.shape) } },
    handler: async ({ params, body }) => ({ body: await authority.updateType(deps, { code: params.code, ...body }) }),
  });

  defineRoute(r, env, {
    method: "post",
    path: "/v1/authority/types/:code/deactivate",
    auth: "authority",
    tag: TAG,
    summary: "Deactivate a type (no new issues; issued certificates stay)",
    params: S.TypeCodeParams,
    responses: { 200: { description: "Deactivated.", schema: S.CertificateType.extend(S.Receipt.shape) } },
    handler: async ({ params }) => ({ body: await authority.deactivateType(deps, params.code) }),
  });

  const agencyOut = async (a: { agency: Address; name: string; active: boolean; typeIds: number[] }) => {
    const types = await deps.index.certificateTypes();
    const byId = new Map(types.map((t) => [t.typeId, t.code]));
    return {
      agency: a.agency,
      name: a.name,
      active: a.active,
      types: a.typeIds.map((id) => byId.get(id) ?? String(id)),
    };
  };

  defineRoute(r, env, {
    method: "get",
    path: "/v1/authority/agencies",
    auth: "authority",
    tag: TAG,
    summary: "List agencies",
    query: S.EmptyQuery,
    responses: { 200: { description: "The agencies.", schema: z.object({ items: z.array(S.Agency) }) } },
    handler: async () => ({ body: { items: await Promise.all((await deps.index.agencies()).map(agencyOut)) } }),
  });

  defineRoute(r, env, {
    method: "post",
    path: "/v1/authority/agencies",
    auth: "authority",
    tag: TAG,
    summary: "Register an agency with a first signing key (custodial), optionally accredited and with an API key",
    body: S.RegisterAgencyBody,
    responses: { 201: { description: "Registered. apiKey is shown once.", schema: S.RegisterAgencyResponse } },
    handler: async ({ body }) => ({ status: 201, body: await authority.registerAgency(deps, body) }),
  });

  defineRoute(r, env, {
    method: "get",
    path: "/v1/authority/agencies/:agency",
    auth: "authority",
    tag: TAG,
    summary: "One agency with its signing keys",
    params: S.AgencyParams,
    responses: { 200: { description: "The agency.", schema: S.Agency.extend({ keys: z.array(S.SigningKey) }) } },
    handler: async ({ params }) => {
      const a = await deps.index.agency(lower(params.agency));
      if (!a) throw notFound("AGENCY_NOT_FOUND", `No agency is registered at ${params.agency}.`);
      return { body: { ...(await agencyOut(a)), keys: await deps.index.signingKeys(a.agency) } };
    },
  });

  defineRoute(r, env, {
    method: "post",
    path: "/v1/authority/agencies/:agency/accreditations",
    auth: "authority",
    tag: TAG,
    summary: "Accredit an agency for a certificate type",
    params: S.AgencyParams,
    body: S.AccreditBody,
    responses: { 201: { description: "Accredited.", schema: S.Receipt } },
    handler: async ({ params, body }) => ({
      status: 201,
      body: await authority.accredit(deps, lower(params.agency), body.type),
    }),
  });

  defineRoute(r, env, {
    method: "delete",
    path: "/v1/authority/agencies/:agency/accreditations/:code",
    auth: "authority",
    tag: TAG,
    summary: "Withdraw an accreditation (certificates issued before stay valid)",
    params: S.AccreditationParams,
    responses: { 200: { description: "Withdrawn.", schema: S.Receipt } },
    handler: async ({ params }) => ({
      body: await authority.withdrawAccreditation(deps, lower(params.agency), params.code),
    }),
  });

  defineRoute(r, env, {
    method: "post",
    path: "/v1/authority/agencies/:agency/keys",
    auth: "authority",
    tag: TAG,
    summary: "Add a signing key (a new custodial one, or one the agency holds) with a validity window",
    params: S.AgencyParams,
    body: S.AddKeyBody,
    responses: { 201: { description: "Added.", schema: S.SigningKey.extend(S.Receipt.shape) } },
    handler: async ({ params, body }) => ({
      status: 201,
      body: await authority.addSigningKey(deps, { agency: lower(params.agency), ...body }),
    }),
  });

  defineRoute(r, env, {
    method: "post",
    path: "/v1/authority/agencies/:agency/keys/rotate",
    auth: "authority",
    tag: TAG,
    summary: "Add a new key valid from now and retire the others now",
    params: S.AgencyParams,
    responses: {
      201: {
        description: "Rotated.",
        schema: z.object({
          key: S.Address,
          retired: z.array(S.Address),
          txHash: S.Bytes32,
          blockNumber: z.number().int(),
        }),
      },
    },
    handler: async ({ params }) => ({
      status: 201,
      body: await authority.rotateSigningKey(deps, lower(params.agency)),
    }),
  });

  defineRoute(r, env, {
    method: "post",
    path: "/v1/authority/agencies/:agency/keys/:key/retire",
    auth: "authority",
    tag: TAG,
    summary: "Retire a signing key at a time (now by default); what it issued before stays valid",
    description:
      "`at` (unix seconds) may be later than now (a planned rotation: the key signs until then) or earlier (a leaked key: " +
      "what it issued from `at` on stops verifying, what it issued before stays VALID). It can only move the key's end " +
      "earlier: an `at` at or after the current end is 409 INVALID_RETIREMENT.",
    params: S.KeyParams,
    body: S.RetireKeyBody,
    responses: {
      200: {
        description: "Retired.",
        schema: z.object({
          key: S.Address,
          retiredAt: z.number().int(),
          txHash: S.Bytes32,
          blockNumber: z.number().int(),
        }),
      },
    },
    handler: async ({ params, body }) => ({
      body: await authority.retireSigningKey(deps, {
        agency: lower(params.agency),
        key: lower(params.key),
        at: body.at,
      }),
    }),
  });

  defineRoute(r, env, {
    method: "get",
    path: "/v1/authority/verifiers",
    auth: "authority",
    tag: TAG,
    summary: "List verifiers",
    query: S.EmptyQuery,
    responses: { 200: { description: "The verifiers.", schema: z.object({ items: z.array(S.Verifier) }) } },
    handler: async () => ({ body: { items: await deps.index.verifiers() } }),
  });

  defineRoute(r, env, {
    method: "post",
    path: "/v1/authority/verifiers",
    auth: "authority",
    tag: TAG,
    summary: "Register a verifier (custodial key), optionally with an API key",
    body: S.RegisterVerifierBody,
    responses: {
      201: {
        description: "Registered. apiKey is shown once.",
        schema: z.object({ verifier: S.Address, name: z.string(), apiKey: z.string().optional(), txHash: S.Bytes32 }),
      },
    },
    handler: async ({ body }) => ({ status: 201, body: await authority.registerVerifier(deps, body) }),
  });

  defineRoute(r, env, {
    method: "get",
    path: "/v1/authority/principals",
    auth: "authority",
    tag: TAG,
    summary: "List API principals (never their keys)",
    query: S.EmptyQuery,
    responses: { 200: { description: "The principals.", schema: z.object({ items: z.array(S.PrincipalOut) }) } },
    handler: async () => ({ body: { items: await deps.principals.list() } }),
  });

  defineRoute(r, env, {
    method: "post",
    path: "/v1/authority/principals",
    auth: "authority",
    tag: TAG,
    summary: "Create an API principal bound to an on-chain identity; returns its key once",
    body: S.CreatePrincipalBody,
    responses: {
      201: { description: "Created.", schema: z.object({ principal: S.PrincipalOut, apiKey: z.string() }) },
    },
    handler: async ({ body }) => ({
      status: 201,
      body: await createPrincipal(deps, { ...body, address: lower(body.address) }),
    }),
  });

  defineRoute(r, env, {
    method: "get",
    path: "/v1/authority/transaction-parameters",
    auth: "authority",
    tag: TAG,
    summary: "What the authority needs to sign a registry transaction with its own key",
    description:
      "Chain id, registry address, the authority account's next nonce and fees, and the registry's ids of an agency and a key " +
      "(registry calls take ids). The authority signs offline (certledger keys rotate, ethers, a hardware wallet) and sends the " +
      "signed bytes to POST /v1/authority/transactions.",
    query: S.AuthorityTransactionParametersQuery,
    responses: {
      200: { description: "The parameters.", schema: S.AuthorityTransactionParameters },
      404: { description: "No such agency or key.", schema: S.ErrorResponse },
    },
    handler: async ({ principal, query }) => ({
      body: await deps.chain.authorityTransactionParameters({
        from: lower(principal!.address),
        agency: query.agency ? lower(query.agency) : undefined,
        key: query.key ? lower(query.key) : undefined,
      }),
    }),
  });

  defineRoute(r, env, {
    method: "post",
    path: "/v1/authority/transactions",
    auth: "authority",
    tag: TAG,
    summary: "Pass on a registry transaction the authority signed with its own key",
    description:
      "Under external key custody the gateway holds no authority key: the authority signs each registry call (registerType, registerAgency, " +
      "accredit, addKey, rotateKey, retireKey, pause, ...) as an ordinary transaction with its own key, or has its Safe execute it, and the " +
      "gateway sends the signed bytes unchanged and indexes the outcome. Only transactions to this chain's AuthorityRegistry are taken; the " +
      "registry itself refuses a signer that is not its admin (OwnableUnauthorizedAccount). With registerAgency, `agency` gives the agency's " +
      "name and the address principals use for it.",
    body: S.AuthorityTransactionBody,
    responses: {
      200: { description: "Mined and indexed.", schema: S.AuthorityTransactionResponse },
      400: { description: "Malformed, unsigned, for another chain or another contract.", schema: S.ErrorResponse },
      422: {
        description: "The registry refused it (details.error names the contract's error).",
        schema: S.ErrorResponse,
      },
    },
    handler: async ({ body }) => ({
      body: await deps.chain.relayAuthorityTransaction({
        rawTransaction: body.rawTransaction as Hex,
        agency: body.agency && { address: body.agency.address as Address, name: body.agency.name },
      }),
    }),
  });

  return r;
}
