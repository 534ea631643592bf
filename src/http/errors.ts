/**
 * Turns anything thrown in a request into `{ error: { code, message, details } }`. A DomainError
 * keeps its status; body-parser failures are the client's (400/413/415); anything else is a bug and
 * answers 500 INTERNAL without its text (the log has it, under the request id).
 */
import type { ErrorRequestHandler, RequestHandler } from "express";
import { isTransportError } from "../chain/submitter";
import { DomainError, isWritePending } from "../domain/errors";
import { requestFields } from "./requestLog";

export { DomainError } from "../domain/errors";

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

interface BodyParserError {
  type?: string;
  status?: number;
  limit?: number;
  expose?: boolean;
}

/** Maps body-parser and other Express errors to DomainError. */
export function toDomainError(err: unknown): DomainError {
  if (err instanceof DomainError) return err;
  const e = err as BodyParserError & { message?: string };
  switch (e?.type) {
    case "entity.parse.failed":
      return new DomainError("MALFORMED_JSON", "The request body is not valid JSON.", { status: 400, cause: err });
    case "entity.too.large":
      return new DomainError("PAYLOAD_TOO_LARGE", `The request body is larger than the limit of ${e.limit} bytes.`, {
        status: 413,
        details: { limitBytes: e.limit },
        cause: err,
      });
    case "encoding.unsupported":
    case "charset.unsupported":
      return new DomainError("UNSUPPORTED_ENCODING", "Send the body as UTF-8 JSON.", { status: 415, cause: err });
    case "request.aborted":
      return new DomainError("REQUEST_ABORTED", "The client closed the request before its body arrived.", {
        status: 400,
        cause: err,
      });
    case "request.size.invalid":
      return new DomainError("BAD_CONTENT_LENGTH", "The body's length does not match Content-Length.", {
        status: 400,
        cause: err,
      });
  }
  // A chain read a write needed first (a nonce, a balance) did not reach the node: nothing was accepted.
  if (isTransportError(err))
    return new DomainError(
      "CHAIN_UNREACHABLE",
      "The chain node cannot be reached, and this request needs it before it can be accepted; nothing was done. Try again after Retry-After seconds.",
      { status: 503, retryable: true, cause: err },
    );
  if (typeof e?.status === "number" && e.status >= 400 && e.status < 500 && e.expose)
    return new DomainError("BAD_REQUEST", e.message ?? "Bad request.", { status: e.status, cause: err });
  return new DomainError("INTERNAL", "The gateway failed; try again, and report the request id if it persists.", {
    status: 500,
    retryable: true,
    cause: err,
  });
}

export function errorBody(e: DomainError): ErrorBody {
  return { error: { code: e.code, message: e.message, ...(e.details === undefined ? {} : { details: e.details }) } };
}

/** Seconds a client waits before asking again about a pending write, or retrying while the node is away. */
export const CHAIN_RETRY_AFTER_SECONDS = 5;

export const errorMiddleware: ErrorRequestHandler = (err, req, res, _next) => {
  const e = toDomainError(err);
  if (isWritePending(e) && !res.headersSent) {
    const writeId = (e.details as { writeId: string }).writeId;
    const poll = `/v1/public/writes/${writeId}`;
    const key = req.headers["idempotency-key"];
    req.log?.warn({ req: requestFields(req), code: e.code, writeId }, "write pending: chain node unreachable");
    res.setHeader("Location", poll);
    res.setHeader("Retry-After", String(CHAIN_RETRY_AFTER_SECONDS));
    res.status(202).json({
      state: "pending",
      writeId,
      poll,
      ...(typeof key === "string" ? { idempotencyKey: key } : {}),
      message: e.message,
    });
    return;
  }
  if (e.status >= 500) req.log?.error({ req: requestFields(req), err: e.cause ?? e, code: e.code }, "request failed");
  else req.log?.debug({ req: requestFields(req), code: e.code }, "request refused");
  if (res.headersSent) {
    res.end();
    return;
  }
  if (e.retryable && e.status === 503)
    res.setHeader("Retry-After", e.code === "CHAIN_UNREACHABLE" ? String(CHAIN_RETRY_AFTER_SECONDS) : "1");
  if (e.status === 429) {
    const seconds = (e.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds;
    res.setHeader("Retry-After", String(seconds ?? 1));
  }
  // The client may still be sending a body we refused unread (too large, or bad credentials): answer and
  // close the socket rather than read the rest of it.
  if (e.status === 413 || !req.complete) res.setHeader("Connection", "close");
  res.status(e.status).json(errorBody(e));
};

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new DomainError("ROUTE_NOT_FOUND", `No route ${req.method} ${req.path}; see /openapi.json.`, { status: 404 }));
};
