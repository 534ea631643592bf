/**
 * buildApp(deps): the Express app, without listening. Order: request id + log, metrics, ops routes, one
 * router per role, extra routers (pages, counter), 404, error middleware. Bodies are parsed by each
 * route after it authenticated the caller (1 MB; the batch route's limit is larger).
 */
import express, { type Express, type Request, type Router } from "express";
import { authenticatePrincipal } from "../domain/principals";
import { unauthorized } from "../domain/errors";
import type { Principal } from "../domain/ports";
import type { AppDeps } from "./deps";
import { errorMiddleware, notFoundHandler } from "./errors";
import { chainMetrics, httpMetrics } from "./metrics";
import { requestLog } from "./requestLog";
import { Idempotency } from "./idempotency";
import { Limits } from "./limits";
import { generateOpenApi, newRegistry } from "./openapi";
import type { RouteEnv } from "./route";
import { agencyRouter } from "./routes/agency";
import { authorityRouter } from "./routes/authority";
import { claimRouter } from "./routes/claims";
import { backupRouter, pickupRouter } from "./routes/delivery";
import { delegationRouter } from "./routes/delegations";
import { holderRouter } from "./routes/holder";
import { meRouter } from "./routes/me";
import { opsRouter } from "./routes/ops";
import { publicRouter } from "./routes/public";
import { statusListRouter } from "./routes/statusLists";
import { rpcRouter } from "./routes/rpc";
import { isSdJwtPath, sdJwtRouter } from "./routes/sdJwt";
import { verifierRouter } from "./routes/verifier";

/** Looks API keys up once a minute at most: the verify path must not hit the database per request. */
function principalCache(deps: AppDeps) {
  const cache = new Map<string, { p: Principal; until: number }>();
  return async (req: Request): Promise<Principal> => {
    const h = req.headers.authorization;
    if (!h) throw unauthorized("MISSING_CREDENTIALS", "Send an API key: Authorization: Bearer <key>.");
    const m = /^Bearer ([A-Za-z0-9_-]{8,200})$/.exec(h);
    if (!m) throw unauthorized("INVALID_CREDENTIALS", "The Authorization header must be: Bearer <API key>.");
    const now = Date.now();
    const hit = cache.get(m[1]);
    if (hit && hit.until > now) return hit.p;
    const p = await authenticatePrincipal(deps, m[1]);
    if (cache.size > 10_000) cache.clear();
    cache.set(m[1], { p, until: now + 60_000 });
    return p;
  };
}

export function buildApp(deps: AppDeps): Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);
  app.set("query parser", "simple");

  app.use(requestLog(deps.logger));

  const metrics = httpMetrics(deps.metrics);
  chainMetrics(metrics.registry, deps);
  app.use(metrics.middleware);

  // No body is read here: each route parses its own after authenticating the caller (src/http/route.ts).
  const registry = newRegistry();
  const env: RouteEnv = {
    registry,
    authenticate: principalCache(deps),
    json: express.json({ limit: deps.settings.bodyLimitBytes, strict: true }),
    idempotency: new Idempotency(deps.requests, () => deps.clock.now()),
    limits: new Limits(deps.settings.limits),
  };

  // Each role's router only sees its own prefix: Express otherwise walks every router's stack for
  // every request, which was most of a verification's cost. The hottest router goes first.
  const mount = (prefix: string, router: Router) =>
    app.use((req, res, next) => (req.path.startsWith(prefix) ? router(req, res, next) : next()));
  mount("/v1/verifier/", verifierRouter(deps, env));
  mount("/v1/public/", publicRouter(deps, env));
  // Before the agency and holder routers, whose own paths it shares a prefix with.
  const sdJwt = sdJwtRouter(deps, env);
  app.use((req, res, next) => (isSdJwtPath(req.path) ? sdJwt(req, res, next) : next()));
  mount("/v1/public/", statusListRouter(deps, env));
  mount("/v1/holder/", holderRouter(deps, env));
  mount("/v1/delegations", delegationRouter(deps, env));
  mount("/v1/agency/", agencyRouter(deps, env));
  mount("/v1/authority/", authorityRouter(deps, env));
  mount("/v1/me", meRouter(deps, env));
  mount("/v1/pickups/", pickupRouter(deps, env));
  mount("/v1/claims", claimRouter(deps, env));
  mount("/v1/backups/", backupRouter(deps, env));
  app.use(opsRouter(deps, env, metrics.registry));
  app.use(rpcRouter(deps, env));
  deps.registerOpenApi?.(registry);
  for (const r of deps.extraRouters ?? []) app.use(r(env));

  let openapi: object | undefined;
  app.get("/openapi.json", (_req, res) => {
    openapi ??= generateOpenApi(registry);
    res.json(openapi);
  });

  app.use(notFoundHandler);
  app.use(errorMiddleware);
  return app;
}
