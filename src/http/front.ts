/**
 * The routers of the people-facing part of the gateway, for buildApp's `extraRouters`: the four
 * pages and the counter/sharing API.
 *
 *   buildApp({ ...deps, extraRouters: frontRouters(deps, { publicUrl, counterSessions }) })
 */
import type { Router } from "express";
import type { DomainDeps } from "../domain/ports";
import type { ShareStore } from "../domain/share";
import type { SqlCounterSessionsLike } from "./counterStores";
import type { RouteEnv } from "./route";
import { counterRouter } from "./routes/counter";
import { webRouter } from "./web";

export interface FrontOptions {
  /** Origin written into QR codes and share links; default: the request's own. */
  publicUrl?: string;
  /** The store's counter sessions (durable); in memory when absent. */
  counterSessions?: SqlCounterSessionsLike;
  shares?: ShareStore;
  /** Milliseconds between the reads of the watcher serving the counter's event streams. */
  eventsPollMs?: number;
}

export function frontRouters(domain: DomainDeps, opts: FrontOptions = {}): ((env: RouteEnv) => Router)[] {
  return [
    () => webRouter(),
    (env) =>
      counterRouter({
        domain,
        env,
        publicUrl: opts.publicUrl,
        sessions: opts.counterSessions,
        shares: opts.shares,
        eventsPollMs: opts.eventsPollMs,
      }),
  ];
}

/** For buildApp's `registerOpenApi`: the counter and share routes in /openapi.json. */
export { registerCounterOpenApi as registerFrontOpenApi } from "./routes/counter";
