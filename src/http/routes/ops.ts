/**
 * /healthz (the process answers), /readyz (chain and index caught up), /metrics (Prometheus), and the
 * operator's POST /v1/ops/backup (an authority key; the archive comes back as the response body).
 */
import express, { type Router } from "express";
import type { Registry } from "prom-client";
import { z } from "zod";
import { DomainError } from "../../domain/errors";
import type { AppDeps } from "../deps";
import { defineRoute, principalOf, type RouteEnv } from "../route";
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
  const takeBackup = deps.dataBackup;
  if (takeBackup) {
    r.post("/v1/ops/backup", async (req, res, next) => {
      try {
        const principal = await principalOf(env, req, "authority");
        // The body is read (and refused) like any route's that takes none: a request is all or nothing.
        await new Promise<void>((resolve, reject) => env.json(req, res, (e?: unknown) => (e ? reject(e) : resolve())));
        const len = req.headers["content-length"];
        if ((len !== undefined && len !== "0") || req.headers["transfer-encoding"] !== undefined)
          throw new DomainError("UNEXPECTED_BODY", "This route takes no body.", { status: 400 });
        if (Object.keys(req.query ?? {}).length > 0)
          throw new DomainError("UNKNOWN_FIELD", "This route takes no query parameters.", { status: 400 });
        const taken = await takeBackup();
        // A client gone while the copies were taken gets nothing; the next backup must not find this one running.
        if (res.destroyed) {
          await taken.discard();
          return;
        }
        deps.logger.info({ principal: principal.id, manifest: taken.manifest }, "data backup taken");
        res.status(200);
        res.setHeader("Content-Type", "application/x-tar");
        res.setHeader("Content-Disposition", `attachment; filename="certledger-backup.tar"`);
        res.on("close", () => void taken.discard());
        const tar = taken.archive();
        // Headers are out: a failure now can only cut the body short (the CLI then finds it incomplete).
        tar.on("error", (e) => {
          deps.logger.error({ err: e }, "data backup could not be sent");
          res.destroy(e as Error);
        });
        tar.pipe(res);
      } catch (e) {
        next(e);
      }
    });
    env.registry.registerPath({
      method: "post",
      path: "/v1/ops/backup",
      tags: ["ops"],
      summary: "Take a consistent backup of the running gateway",
      description:
        "Copies the SQLite store (SQLite's online backup), the embedded chain (between two blocks), the keystore and the settings files while the gateway keeps serving, and answers with one tar archive: manifest.json (versions, block numbers, each file's size and SHA-256) then data/<file>. `certledger backup` calls it; `certledger restore` unpacks it.\n\nAuth: Bearer API key of an authority principal.",
      security: [{ bearer: [] }],
      responses: {
        200: {
          description: "The archive.",
          content: { "application/x-tar": { schema: z.string().openapi({ format: "binary" }) } },
        },
        401: {
          description: "Missing or invalid credentials.",
          content: { "application/json": { schema: S.ErrorResponse } },
        },
        400: {
          description: "UNEXPECTED_BODY or UNKNOWN_FIELD: the route takes no body and no query parameters.",
          content: { "application/json": { schema: S.ErrorResponse } },
        },
        403: { description: "Not an authority key.", content: { "application/json": { schema: S.ErrorResponse } } },
        409: {
          description:
            "BACKUP_IN_PROGRESS (one at a time; retry later) or BACKUP_NOT_SQLITE (a PostgreSQL store is backed up with its own tools).",
          content: { "application/json": { schema: S.ErrorResponse } },
        },
        429: {
          description: "Over the API key's request rate.",
          content: { "application/json": { schema: S.ErrorResponse } },
        },
      },
    });
  }
  return r;
}
