/** /v1/public: status of a certId, integrity + status of a document (no consent, no fields disclosed), types, chain info. */
import express, { type Router } from "express";
import { z } from "zod";
import { notFound } from "../../domain/errors";
import type { Bytes32 } from "../../domain/ports";
import { dedupKeyOf } from "../../store/outbox";
import { STATUS_REASONS } from "../../domain/reasons";
import { certificateStatus, verifyDocument } from "../../domain/verification";
import {
  CONSENT_DOMAIN_NAME,
  CONSENT_DOMAIN_VERSION,
  LEDGER_DOMAIN_NAME,
  LEDGER_DOMAIN_VERSION,
} from "../../document/typedData";
import type { AppDeps } from "../deps";
import { defineRoute, type RouteEnv } from "../route";
import * as S from "../schemas";

const TAG = "public";

export function publicRouter(deps: AppDeps, env: RouteEnv): Router {
  const r = express.Router();

  defineRoute(r, env, {
    method: "get",
    path: "/v1/public/certificates/:certId",
    auth: "public",
    tag: TAG,
    summary: "Status of a certificate by certId (no personal data)",
    params: S.CertIdParams,
    query: S.EmptyQuery,
    responses: {
      200: { description: "The status.", schema: S.PublicStatus },
      404: { description: "Not issued.", schema: S.ErrorResponse },
    },
    handler: async ({ params }) => ({ body: await certificateStatus(deps, params.certId as Bytes32) }),
  });

  defineRoute(r, env, {
    method: "post",
    path: "/v1/public/verify",
    auth: "public",
    tag: TAG,
    summary: "Integrity and status of a document, without consent (discloses no fields)",
    body: S.PublicVerifyBody,
    responses: {
      200: { description: "The verdict (no consent rules).", schema: S.VerifyResult },
      422: { description: "Not a certledger document.", schema: S.ErrorResponse },
    },
    handler: async ({ body }) => ({ body: await verifyDocument(deps, body) }),
  });

  defineRoute(r, env, {
    method: "get",
    path: "/v1/public/writes/:writeId",
    auth: "public",
    tag: TAG,
    summary: "Follow a chain write answered 202 WRITE_PENDING while the chain node was away",
    description:
      "The writeId comes from the 202 answer (body and Location). The state is the write's on chain: done with its transaction, " +
      "or failed with the chain's reason. Shows no document or personal data. The full answer of the request (e.g. the issued " +
      "certificate) comes from sending the same request with the same Idempotency-Key.",
    params: S.WriteIdParams,
    query: S.EmptyQuery,
    responses: {
      200: { description: "The write's state.", schema: S.WriteStatus },
      404: { description: "WRITE_NOT_FOUND: no write with this id.", schema: S.ErrorResponse },
    },
    handler: async ({ params }) => {
      const row = await deps.outbox?.byKey(dedupKeyOf(params.writeId));
      if (!row) throw notFound("WRITE_NOT_FOUND", "No chain write has this id.");
      const failure = row.state === "failed" && row.result ? (JSON.parse(row.result) as { code?: string }) : undefined;
      return {
        body: {
          writeId: params.writeId,
          action: row.kind,
          state: row.state,
          ...(row.tx_hash && /^0x[0-9a-f]{64}$/i.test(row.tx_hash) ? { txHash: row.tx_hash } : {}),
          ...(row.block_number !== null ? { blockNumber: Number(row.block_number) } : {}),
          ...(row.state === "failed"
            ? { error: { code: failure?.code ?? "CHAIN_REJECTED", message: row.last_error ?? "The chain refused it." } }
            : {}),
          acceptedAt: Number(row.created_ms),
          updatedAt: Number(row.updated_ms),
        },
      };
    },
  });

  defineRoute(r, env, {
    method: "get",
    path: "/v1/public/types",
    auth: "public",
    tag: TAG,
    summary: "Certificate types: the catalog with their JSON Schemas and their on-chain registration",
    query: S.EmptyQuery,
    responses: { 200: { description: "The types.", schema: z.object({ items: z.array(S.PublicType) }) } },
    handler: async () => {
      const onChain = new Map((await deps.index.certificateTypes()).map((t) => [t.code, t]));
      const items = deps.catalog.entries().map((e) => {
        const t = onChain.get(e.code);
        return {
          code: e.code,
          name: t?.name ?? e.name,
          nameZh: e.nameZh,
          typeId: t?.typeId,
          active: t?.active ?? false,
          maxValiditySeconds: t?.maxValiditySeconds ?? e.maxValiditySeconds,
          schemaHash: t?.schemaHash,
          schema: e.schema,
        };
      });
      return { body: { items } };
    },
  });

  defineRoute(r, env, {
    method: "get",
    path: "/v1/public/info",
    auth: "public",
    tag: TAG,
    summary: "Chain id, contract addresses, the EIP-712 domains (grants, ledger writes) and the key custody",
    query: S.EmptyQuery,
    responses: { 200: { description: "The info.", schema: S.ChainInfo } },
    handler: async () => {
      const info = await deps.chain.info();
      return {
        body: {
          chainId: info.chainId,
          contracts: { registry: info.registry, ledger: info.ledger, consent: info.consent },
          eip712Domain: {
            name: CONSENT_DOMAIN_NAME,
            version: CONSENT_DOMAIN_VERSION,
            chainId: info.chainId,
            verifyingContract: info.consent,
          },
          ledgerEip712Domain: {
            name: LEDGER_DOMAIN_NAME,
            version: LEDGER_DOMAIN_VERSION,
            chainId: info.chainId,
            verifyingContract: info.ledger,
          },
          keyCustody: deps.custody ?? "custodial",
          statusReasons: Object.fromEntries(Object.entries(STATUS_REASONS).map(([k, v]) => [k, Object.keys(v)])),
        },
      };
    },
  });

  return r;
}
