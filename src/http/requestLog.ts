/**
 * Request ids and one log line per finished request, with nothing personal in it: id, method, path
 * without the query, status and milliseconds. No headers (API keys, holder signatures), no bodies.
 *
 * No child logger per request: pino-http made one, serialising its bindings each time, which cost a
 * tenth of a verification's CPU for lines that the default level never writes. Whatever logs about a
 * request passes `req: requestFields(req)`.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { RequestHandler } from "express";
import type { Level, Logger } from "pino";

declare module "http" {
  interface IncomingMessage {
    /** The request id: the client's X-Request-Id when it is a plain token, else a fresh UUID. */
    id: string;
    /** The gateway's logger; lines about this request carry `req: requestFields(req)`. */
    log: Logger;
  }
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

function levelFor(status: number, finished: boolean): Level {
  if (!finished) return "info"; // the client went away before the answer was sent
  return status >= 500 ? "error" : status >= 400 ? "info" : "debug";
}

/** What a log line says about its request: id, method, and the path without its query. */
export function requestFields(req: IncomingMessage): { id: string; method: string | undefined; path: string } {
  // Express's originalUrl: a router mounted at a path strips it from req.url while it runs.
  const url = (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? "";
  return { id: req.id, method: req.method, path: url.split("?")[0] };
}

export function requestLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const given = req.headers["x-request-id"];
    const id = typeof given === "string" && REQUEST_ID.test(given) ? given : randomUUID();
    req.id = id;
    res.setHeader("X-Request-Id", id);
    const start = performance.now();
    req.log = logger;
    // "close" follows "finish" on every response, and comes alone when the client hung up first.
    res.on("close", () => {
      const level = levelFor(res.statusCode, res.writableFinished);
      if (!logger.isLevelEnabled(level)) return;
      logger[level](
        {
          req: requestFields(req),
          res: { status: res.statusCode },
          responseTime: Math.round(performance.now() - start),
        },
        res.writableFinished ? "request completed" : "request aborted",
      );
    });
    next();
  };
}
