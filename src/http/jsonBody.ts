/**
 * The JSON body reader of ordinary routes: the common request (identity encoding, application/json in
 * UTF-8, a Content-Length within the limit) is read here in one pass; everything else goes to
 * `fallback`, express.json with the same limit, so compressed bodies, other charsets, chunked bodies
 * and bodies over the limit are handled (and refused) exactly as before.
 *
 * Why: body-parser decodes through iconv-lite and a StringDecoder chunk by chunk, joins the pieces as
 * strings and calls back through an AsyncResource; on a verification that was ~10 KB of garbage and a
 * few percent of the event loop's time (docs/decisions/0022-a-lean-verify-request-path.md). Errors carry
 * body-parser's `type`, `status` and `expose`, so src/http/errors.ts maps them to the same codes.
 */
import type { IncomingMessage } from "node:http";
import type { RequestHandler } from "express";

/** application/json, optionally with charset=utf-8: what express.json reads as UTF-8 JSON. */
const PLAIN_JSON = /^application\/json[ \t]*(?:;[ \t]*charset="?utf-8"?[ \t]*)?$/i;

/** An error shaped as body-parser's (http-errors): src/http/errors.ts maps it by `type`. */
function bodyError(status: number, type: string, message: string, extra: Record<string, unknown> = {}): Error {
  const e = Object.assign(
    status === 400 && type === "entity.parse.failed" ? new SyntaxError(message) : new Error(message),
    {
      status,
      statusCode: status,
      expose: true,
      type,
      ...extra,
    },
  );
  return e;
}

/** body-parser's strict mode: a JSON body must be an object or an array (after JSON's whitespace). */
function firstNonWhitespace(text: string): string | undefined {
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c !== " " && c !== "\t" && c !== "\n" && c !== "\r") return c;
  }
  return undefined;
}

function parseStrict(text: string): unknown {
  // iconv-lite, under body-parser, drops a leading byte order mark.
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (body.length === 0) return {};
  const first = body[0] === "{" || body[0] === "[" ? body[0] : firstNonWhitespace(body);
  if (first !== "{" && first !== "[")
    throw bodyError(400, "entity.parse.failed", `Unexpected token in JSON: the body must be an object or an array`, {
      body,
    });
  try {
    return JSON.parse(body);
  } catch (e) {
    throw bodyError(400, "entity.parse.failed", (e as Error).message, { body });
  }
}

/** Whether this request is the common case read here; anything else goes to the fallback. */
function plain(req: IncomingMessage, limit: number): number | undefined {
  const h = req.headers;
  if (h["content-encoding"] !== undefined || h["transfer-encoding"] !== undefined) return undefined;
  const type = h["content-type"];
  if (type === undefined || !PLAIN_JSON.test(type)) return undefined;
  const lengthText = h["content-length"];
  if (lengthText === undefined || !/^[1-9][0-9]{0,9}$/.test(lengthText)) return undefined;
  const length = Number(lengthText);
  return length <= limit ? length : undefined;
}

export function jsonBody(limit: number, fallback: RequestHandler): RequestHandler {
  return (req, res, next) => {
    const length = plain(req, limit);
    // A body already read (or being read) by someone else is the fallback's case too.
    if (length === undefined || req.readableEnded || req.readableFlowing !== null) return fallback(req, res, next);
    req.body = undefined;
    const chunks: Buffer[] = [];
    let received = 0;
    let settled = false;
    const finish = (err?: Error) => {
      if (settled) return;
      settled = true;
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("aborted", onAborted);
      req.off("error", onError);
      req.off("close", onClose);
      if (err) {
        // Read off the rest of the request before answering, as body-parser does.
        req.resume();
        return next(err);
      }
      try {
        const bytes = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, received);
        req.body = parseStrict(bytes.toString("utf8"));
      } catch (e) {
        return next(e);
      }
      next();
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      chunks.push(chunk);
    };
    const onEnd = () =>
      finish(
        received === length
          ? undefined
          : bodyError(400, "request.size.invalid", "request size did not match content length", {
              expected: length,
              length,
              received,
            }),
      );
    const onAborted = () =>
      finish(bodyError(400, "request.aborted", "request aborted", { expected: length, length, received }));
    const onError = (e: Error) => finish(Object.assign(e, { status: 400, statusCode: 400, expose: true }));
    const onClose = () => {
      if (!req.complete) onAborted();
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("aborted", onAborted);
    req.on("error", onError);
    req.on("close", onClose);
  };
}
