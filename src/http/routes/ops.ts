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
    summary: "Readiness: the chain node answers and the index has caught up with it",
    description:
      "503 CHAIN_UNREACHABLE (with the seconds since the node last answered) while an external chain's node cannot be reached: " +
      "take the replica out of writes' rotation; it still verifies from its index. 503 NOT_READY while the index catches up.",
    query: S.EmptyQuery,
    responses: {
      200: { description: "Ready.", schema: z.object({ status: z.literal("ready") }) },
      503: { description: "Not ready yet.", schema: S.ErrorResponse },
    },
    handler: async () => {
      const chain = deps.chainHealth?.();
      if (chain && !chain.reachable)
        return {
          status: 503,
          headers: { "Retry-After": "5" },
          body: {
            error: {
              code: "CHAIN_UNREACHABLE",
              message: `The chain node cannot be reached (${chain.lastError ?? "no answer"}): writes are answered pending, verification answers from the index.`,
              details: {
                lastSuccessAgeSeconds:
                  chain.lastSuccessMs === undefined ? null : Math.round((Date.now() - chain.lastSuccessMs) / 1000),
                downSeconds: Math.round((Date.now() - (chain.downSinceMs ?? Date.now())) / 1000),
              },
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
