/** /healthz (the process answers), /readyz (chain and index caught up), /metrics (Prometheus). */
import express, { type Router } from "express";
import type { Registry } from "prom-client";
import { z } from "zod";
import type { AppDeps } from "../deps";
import { defineRoute, type RouteEnv } from "../route";
import * as S from "../schemas";

export function opsRouter(deps: AppDeps, env: RouteEnv, metrics: Registry): Router {
  const r = express.Router();
  defineRoute(r, env, {
    method: "get",
    path: "/healthz",
    auth: "public",
    tag: "ops",
    summary: "Liveness",
    query: S.EmptyQuery,
    responses: { 200: { description: "Alive.", schema: z.object({ status: z.literal("ok") }) } },
    handler: () => ({ body: { status: "ok" } }),
  });
  defineRoute(r, env, {
    method: "get",
    path: "/readyz",
    auth: "public",
    tag: "ops",
    summary: "Readiness: the index has caught up with the chain",
    query: S.EmptyQuery,
    responses: {
      200: { description: "Ready.", schema: z.object({ status: z.literal("ready") }) },
      503: {
        description:
          "Not ready yet (NOT_READY), or the node is not this gateway's chain (CHAIN_MISMATCH, with the cause).",
        schema: S.ErrorResponse,
      },
    },
    handler: async () => {
      const mismatch = deps.chainMismatch?.();
      if (mismatch)
        return {
          status: 503,
          body: {
            error: {
              code: "CHAIN_MISMATCH",
              message: `The chain node is not the chain this gateway's store belongs to (${mismatch.cause}): ${mismatch.message}.`,
              details: { cause: mismatch.cause },
            },
          },
        };
      const ok = (await deps.index.ready()) && (deps.ready ? await deps.ready() : true);
      if (!ok)
        return {
          status: 503,
          headers: { "Retry-After": "1" },
          body: { error: { code: "NOT_READY", message: "The index is catching up with the chain." } },
        };
      return { body: { status: "ready" } };
    },
  });
  r.get("/metrics", async (_req, res, next) => {
    try {
      res.setHeader("Content-Type", metrics.contentType);
      res.send(await metrics.metrics());
    } catch (e) {
      next(e);
    }
  });
  env.registry.registerPath({
    method: "get",
    path: "/metrics",
    tags: ["ops"],
    summary: "Prometheus metrics",
    responses: { 200: { description: "Text exposition format.", content: { "text/plain": { schema: z.string() } } } },
  });
  return r;
}
