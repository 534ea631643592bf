/**
 * Request ids and one log line per finished request, with nothing personal in it: id, method, path
 * without the query, status and milliseconds. No headers (API keys, holder signatures), no bodies.
 *
 * The request's child logger (req.log, carrying the id) is made only when something logs through it:
 * pino-http made one per request, serialising its bindings each time, which cost a tenth of a
 * verification's CPU for lines that the default level never writes.
 */
import { randomUUID } from "node:crypto";
import type { RequestHandler } from "express";
import type { Level, Logger } from "pino";

declare module "http" {
  interface IncomingMessage {
    /** The request id: the client's X-Request-Id when it is a plain token, else a fresh UUID. */
    id: string;
    /** A logger carrying the request's id, method and path. */
    log: Logger;
  }
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

function levelFor(status: number, finished: boolean): Level {
  if (!finished) return "info"; // the client went away before the answer was sent
  return status >= 500 ? "error" : status >= 400 ? "info" : "debug";
}

export function requestLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const given = req.headers["x-request-id"];
    const id = typeof given === "string" && REQUEST_ID.test(given) ? given : randomUUID();
    req.id = id;
    res.setHeader("X-Request-Id", id);
    const start = performance.now();
    const fields = () => ({ id, method: req.method, path: req.originalUrl.split("?")[0] });
    let child: Logger | undefined;
    Object.defineProperty(req, "log", {
      configurable: true,
      get: () => (child ??= logger.child({ req: fields() })),
    });
    // "close" follows "finish" on every response, and comes alone when the client hung up first.
    res.once("close", () => {
      const level = levelFor(res.statusCode, res.writableFinished);
      if (!logger.isLevelEnabled(level)) return;
      (child ?? logger)[level](
        {
          ...(child ? {} : { req: fields() }),
          res: { status: res.statusCode },
          responseTime: Math.round(performance.now() - start),
        },
        res.writableFinished ? "request completed" : "request aborted",
      );
    });
    next();
  };
}
