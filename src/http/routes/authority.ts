/** /v1/authority: certificate types, agencies, accreditations, signing keys, verifiers, API principals. */
import express, { type Router } from "express";
import * as authority from "../../domain/authority";
import { notFound } from "../../domain/errors";
import type { Address } from "../../domain/ports";
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
    summary: "Add a signing key (custodial) with a validity window",
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

  return r;
}
