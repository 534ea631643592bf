/**
 * One definition per route: the same object mounts the Express handler (authentication, then zod
 * validation of params, query, headers and body, then the handler) and registers the OpenAPI path.
 * Routes stay thin: parse, call one use case, map the result.
 */
import type { OpenAPIRegistry, RouteConfig } from "@asteasolutions/zod-to-openapi";
import type { NextFunction, Request, RequestHandler, Response, Router } from "express";
import { z } from "zod";
import { DomainError } from "../domain/errors";
import type { Principal, PrincipalRole } from "../domain/ports";
import type { Idempotency } from "./idempotency";
import { HOLDER_SIGNATURE_FAILURES, type Limits } from "./limits";
import { ErrorResponse, OptionalIdempotencyHeaders, WritePending } from "./schemas";

export type Auth = "public" | "holder" | PrincipalRole;

type Schema = z.ZodType;
type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface RouteContext<P, Q, H, B> {
  params: P;
  query: Q;
  headers: H;
  body: B;
  principal: Principal | undefined;
  /**
   * On a write sent with an Idempotency-Key: a token stable across every run of the same request under
   * that key (src/http/idempotency.ts). Key the work's exactly-once records (outbox rows, drafts) by it.
   */
  idempotencyKey: string | undefined;
  req: Request;
  res: Response;
}

export interface RouteResult {
  status?: number;
  body: unknown;
  headers?: Record<string, string>;
  /**
   * Sent instead of `body` to this request only: what must be shown once and never stored (claim codes).
   * `body` is what the Idempotency-Key keeps and a replay answers.
   */
  onceBody?: unknown;
  /** Sent as it is instead of JSON (e.g. an application/vc+jwt status list). */
  raw?: { contentType: string; text: string };
  /**
   * Reads only: the answer's JSON text (or its UTF-8 bytes), already serialised, sent instead of `body` (a
   * page of stored documents goes out as the text it is stored as). It must be what `body` would serialise to.
   */
  json?: string | Uint8Array;
}

export interface RouteDefinition<
  P extends Schema | undefined,
  Q extends Schema | undefined,
  H extends Schema | undefined,
  B extends Schema | undefined,
> {
  method: "get" | "post" | "put" | "patch" | "delete";
  /** Express syntax: /v1/agency/certificates/:certId */
  path: string;
  auth: Auth;
  summary: string;
  description?: string;
  tag: string;
  params?: P;
  query?: Q;
  headers?: H;
  body?: B;
  /**
   * Holder routes whose credentials travel in headers (X-Holder-*): checks them before the body is read,
   * like an API key. (Holder routes whose signature is the body itself can only check it after.)
   */
  holderCredentials?: (ctx: { req: Request; params: Out<P>; headers: Out<H> }) => Promise<void>;
  /**
   * Routes that take a holder's signature: the certificates (or grants) it is for. Requests for them, or
   * from an address, that keep carrying signatures not the holder's are refused for a while (429).
   */
  holderSigned?: (ctx: { params: Out<P>; body: Out<B> }) => string[];
  /** Middleware run after authentication, instead of the ordinary JSON body parser (e.g. a larger one). */
  before?: RequestHandler[];
  responses: Record<number, { description: string; schema?: z.ZodType; contentTypes?: string[] }>;
  handler: (ctx: RouteContext<Out<P>, Out<Q>, Out<H>, Out<B>>) => Promise<RouteResult> | RouteResult;
}

export interface RouteEnv {
  registry: OpenAPIRegistry;
  /** Resolves the principal from a Bearer key; throws 401. */
  authenticate: (req: Request) => Promise<Principal>;
  /** The JSON body parser of ordinary routes; it runs after authentication. */
  json: RequestHandler;
  /** Binds Idempotency-Keys to their requests on every write route. */
  idempotency: Idempotency;
  limits: Limits;
}

/** Runs `fn` under the holder-signature back-off of `address` and `certIds`, counting a forged signature. */
export async function underHolderBackoff<T>(
  env: RouteEnv,
  req: Request,
  certIds: string[],
  fn: () => Promise<T>,
): Promise<T> {
  const address = req.ip ?? req.socket.remoteAddress ?? "unknown";
  env.limits.holderAllowed(address, certIds);
  try {
    return await fn();
  } catch (e) {
    if (e instanceof DomainError && HOLDER_SIGNATURE_FAILURES.has(e.code)) env.limits.holderFailed(address, certIds);
    throw e;
  }
}

/** The principal of the request's API key, of `role`, within its key's request rate (401, 403, 429). */
export async function principalOf(env: RouteEnv, req: Request, role: PrincipalRole): Promise<Principal> {
  const principal = await env.authenticate(req);
  if (principal.role !== role)
    throw new DomainError(
      "WRONG_ROLE",
      `This route is for ${role} principals; the key belongs to a ${principal.role}.`,
      {
        status: 403,
      },
    );
  env.limits.apiKey(principal.id);
  return principal;
}

const isWrite = (method: RouteDefinition<undefined, undefined, undefined, undefined>["method"]) => method !== "get";

/**
 * Writes the JSON answer directly. Express's res.json (send, its freshness and ETag checks, header
 * lookups) was a tenth of a verification's event-loop time; nothing here uses what it adds.
 */
function answer(res: Response, status: number, body: unknown, json?: string | Uint8Array): void {
  res.statusCode = status;
  if (status === 204 || status === 304) {
    res.end();
    return;
  }
  // As bytes: a string answer is measured once for Content-Length, then prepended with the headers
  // (one more copy of the whole answer) and encoded again on write.
  const bytes = typeof json === "object" ? json : Buffer.from(json ?? JSON.stringify(body) ?? "");
  res.setHeader("Content-Type", "application/json; charset=utf-8");
  res.setHeader("Content-Length", bytes.length);
  res.end(bytes);
}

function validation(where: string, error: z.ZodError): DomainError {
  const issues = error.issues
    .slice(0, 20)
    .map((i) => ({ path: i.path.map(String).join("."), code: i.code, message: i.message }));
  const first = issues[0];
  const code = error.issues.some((i) => i.code === "unrecognized_keys") ? "UNKNOWN_FIELD" : "VALIDATION_FAILED";
  return new DomainError(code, `Invalid ${where}${first ? ` at "${first.path || "(root)"}": ${first.message}` : ""}.`, {
    status: 400,
    details: { in: where, issues },
  });
}

function parse<S extends Schema | undefined>(schema: S, value: unknown, where: string): Out<S> {
  if (!schema) return undefined as Out<S>;
  const r = schema.safeParse(value);
  if (!r.success) throw validation(where, r.error);
  return r.data as Out<S>;
}

/** A holder route without valid signature headers is unauthenticated (401), not merely malformed. */
function parseHeaders(def: { auth: Auth; headers?: Schema }, req: Request): unknown {
  if (!def.headers) return undefined;
  const r = def.headers.safeParse(req.headers);
  if (r.success) return r.data;
  if (def.auth === "holder")
    throw new DomainError(
      "MISSING_HOLDER_SIGNATURE",
      "Sign the request with the certificate's holder key: X-Holder-Document-Root, X-Holder-Timestamp, X-Holder-Nonce, X-Holder-Signature.",
      {
        status: 401,
        details: { issues: r.error.issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message })) },
      },
    );
  throw validation("headers", r.error);
}

const NO_QUERY = z.strictObject({});

function idempotencyKeyOf(req: Request): string | undefined {
  const v = req.headers["idempotency-key"];
  return Array.isArray(v) ? v.join(",") : v;
}

const JSON_TYPE = /^application\/([a-z0-9.+-]*\+)?json\b/i;

const ROLE_TEXT: Record<Auth, string> = {
  public: "No credentials.",
  holder: "Holder signature headers (X-Holder-*): EIP-191 over holderAuthMessage() by the certificate's holder key.",
  authority: "Bearer API key of an authority principal.",
  agency: "Bearer API key of an agency principal.",
  verifier: "Bearer API key of a verifier principal.",
};

export function defineRoute<
  P extends Schema | undefined = undefined,
  Q extends Schema | undefined = undefined,
  H extends Schema | undefined = undefined,
  B extends Schema | undefined = undefined,
>(router: Router, env: RouteEnv, def: RouteDefinition<P, Q, H, B>): void {
  // Authentication runs before the body parser, so nobody has a body read before their credentials are checked.
  const authenticate = async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    try {
      if (def.auth !== "public" && def.auth !== "holder") res.locals.principal = await principalOf(env, req, def.auth);
      const check = def.holderCredentials;
      if (check) {
        const params = parse(def.params, req.params, "path parameters") as Out<P>;
        const certIds = def.holderSigned?.({ params, body: undefined as Out<B> }) ?? [];
        await underHolderBackoff(env, req, certIds, () =>
          check({ req, params, headers: parseHeaders(def, req) as Out<H> }),
        );
      }
      next();
    } catch (e) {
      next(e);
    }
  };
  const handler = async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    try {
      const principal = res.locals.principal as Principal | undefined;
      if (def.body) {
        const len = req.headers["content-length"];
        const hasBody = (len !== undefined && len !== "0") || req.headers["transfer-encoding"] !== undefined;
        if (hasBody && !JSON_TYPE.test(req.headers["content-type"] ?? ""))
          throw new DomainError("UNSUPPORTED_MEDIA_TYPE", "Send the body as application/json.", { status: 415 });
        if (req.body === undefined)
          throw new DomainError("BODY_REQUIRED", "This route needs a JSON body.", { status: 400 });
      } else if (req.body !== undefined && Object.keys(req.body as object).length > 0) {
        throw new DomainError("UNEXPECTED_BODY", "This route takes no body.", { status: 400 });
      }
      const ctx: RouteContext<Out<P>, Out<Q>, Out<H>, Out<B>> = {
        params: parse(def.params, req.params, "path parameters") as Out<P>,
        // A route without a query schema takes no query parameters at all.
        query: parse(def.query ?? NO_QUERY, req.query ?? {}, "query") as Out<Q>,
        headers: parseHeaders(def, req) as Out<H>,
        body: parse(def.body, req.body, "body") as Out<B>,
        principal,
        idempotencyKey: undefined,
        req,
        res,
      };
      const signed = def.holderSigned && !def.holderCredentials ? def.holderSigned : undefined;
      let once: { body: unknown } | undefined;
      let json: string | Uint8Array | undefined;
      const work = async (token: string | undefined) => {
        const run = () => def.handler({ ...ctx, idempotencyKey: token });
        const out = await (signed ? underHolderBackoff(env, req, signed(ctx), async () => run()) : run());
        if (out.onceBody !== undefined) once = { body: out.onceBody };
        if (!isWrite(def.method)) json = out.json;
        return { status: out.status ?? 200, body: out.body, headers: out.headers, raw: out.raw };
      };
      const { answer: out, replayed } = isWrite(def.method)
        ? await env.idempotency.run(
            {
              principal,
              route: routeName,
              key: idempotencyKeyOf(req),
              params: req.params,
              query: req.query as Record<string, unknown>,
              body: req.body,
            },
            work,
          )
        : { answer: await work(undefined), replayed: false };
      if (out.headers) for (const [k, v] of Object.entries(out.headers)) res.setHeader(k, v);
      const raw = "raw" in out ? (out.raw as RouteResult["raw"]) : undefined;
      if (raw && out.status !== 304) {
        res.statusCode = out.status;
        res.setHeader("Content-Type", raw.contentType);
        res.setHeader("Content-Length", Buffer.byteLength(raw.text));
        res.end(raw.text);
      } else answer(res, out.status, !replayed && once ? once.body : out.body, json);
    } catch (e) {
      next(e);
    }
  };
  const routeName = `${def.method.toUpperCase()} ${def.path}`;
  router[def.method](def.path, authenticate, ...(def.before ?? [env.json]), handler);
  register(env.registry, def);
}

function register(
  registry: OpenAPIRegistry,
  def: RouteDefinition<Schema | undefined, Schema | undefined, Schema | undefined, Schema | undefined>,
) {
  const responses: RouteConfig["responses"] = {};
  for (const [status, r] of Object.entries(def.responses))
    responses[status] = r.schema
      ? {
          description: r.description,
          content: Object.fromEntries((r.contentTypes ?? ["application/json"]).map((t) => [t, { schema: r.schema! }])),
        }
      : { description: r.description };
  const errs: Record<number, string> = {
    400: "Malformed JSON, wrong types or unknown fields.",
    413: "Body too large.",
  };
  if (def.auth !== "public" || def.holderSigned)
    errs[429] =
      "Over a limit (requests per API key, counter requests or event streams per verifier, or the back-off after signatures that were not the holder's); wait Retry-After seconds.";
  if (isWrite(def.method))
    errs[409] =
      "IDEMPOTENCY_KEY_REUSED: the Idempotency-Key was first used for another request (route, path or body); nothing was done.";
  if (def.auth !== "public") {
    errs[401] = "Missing, unknown or invalid credentials (or a bad, stale or replayed holder signature).";
    errs[403] = "The principal's role or identity may not do this.";
  }
  for (const [s, d] of Object.entries(errs))
    if (!responses[s]) responses[s] = { description: d, content: { "application/json": { schema: ErrorResponse } } };
  // Any write may find the chain node away (README.md#when-the-chain-node-is-away).
  if (isWrite(def.method)) {
    const pending =
      "WRITE_PENDING: accepted into the outbox while the chain node cannot be reached; it lands once the node is back. Follow it at Location (GET /v1/public/writes/{writeId}) or by sending the same request with the same Idempotency-Key.";
    const refused =
      "CHAIN_UNREACHABLE: the chain node cannot be reached and this request needed it before anything could be accepted; nothing was done. Retry after Retry-After seconds.";
    // (A route that answers 202 itself, a batch, runs its chain write in the background and never pends.)
    if (!responses[202])
      responses[202] = { description: pending, content: { "application/json": { schema: WritePending } } };
    if (!responses[503])
      responses[503] = { description: refused, content: { "application/json": { schema: ErrorResponse } } };
  }
  const security = def.auth === "public" || def.auth === "holder" ? [] : [{ bearer: [] }];
  registry.registerPath({
    method: def.method,
    path: def.path.replace(/:([A-Za-z0-9_]+)/g, "{$1}"),
    summary: def.summary,
    description: [def.description, `Auth: ${ROLE_TEXT[def.auth]}`].filter(Boolean).join("\n\n"),
    tags: [def.tag],
    security,
    request: {
      params: def.params as never,
      query: def.query as never,
      // Every write takes an Idempotency-Key; a route whose handler does not read headers still gets it bound.
      headers: (def.headers ?? (isWrite(def.method) ? OptionalIdempotencyHeaders : undefined)) as never,
      body: def.body ? { content: { "application/json": { schema: def.body } }, required: true } : undefined,
    },
    responses,
  });
}
