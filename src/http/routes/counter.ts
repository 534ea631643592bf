/**
 * Counter and sharing routes (issue 6 items 1, 2 and 5). Thin: parse with zod, call one use case of
 * src/domain/counter.ts or src/domain/share.ts, map the result. Errors are DomainError and reach the
 * gateway's error middleware as { error: { code, message, details } }.
 *
 *   POST /v1/counter/requests                 verifier  open a presentation request → id, url, QR urls
 *   GET  /v1/counter/requests/:id             anyone    what the wallet shows (who asks for what, why)
 *   GET  /v1/counter/requests/:id/qr.svg|png  anyone    the QR code: only the short wallet URL (≤ 200 chars)
 *   POST /v1/counter/requests/:id/answer      anyone    the holder's (or a delegate's) grants + redacted documents
 *   POST /v1/counter/requests/:id/decline     anyone    the holder declines (idempotent)
 *   GET  /v1/counter/requests/:id/result      verifier  state and verdict (the counter page polls it)
 *   GET  /v1/counter/requests/:id/events      verifier  the same as server-sent events
 *   POST /v1/shares                           anyone    a holder- (or delegate-) signed grant + (encrypted) document
 *   GET  /v1/shares/:id                       anyone    a link's ciphertext and its grant's facts
 *   POST /v1/shares/:id/check                 anyone    the link key's RecordCheck + document → verdict, check on chain
 *   GET  /v1/verifier/shares/:id              verifier  a share made for this verifier
 *
 * NOTE for "http": mount with `app.use(counterRouter({ domain: deps, publicUrl }))` before the
 * error middleware; the zod schemas are exported for the OpenAPI document. Counter sessions and
 * shares are durable: counter sessions in the store's table, shares over the idempotency store and
 * replay guard (src/domain/share.ts).
 */
import type { OpenAPIRegistry } from "@asteasolutions/zod-to-openapi";
import express, { type Request, type Response, type Router } from "express";
import QRCode from "qrcode";
import { z } from "zod";
import {
  answerCounterRequest,
  counterRequestPhase,
  type CounterDeps,
  declineCounterRequest,
  type CounterSession,
  type CounterSessionStore,
  getCounterRequest,
  getCounterRequestForVerifier,
  openCounterRequest,
} from "../../domain/counter";
import { agencyNameZh } from "../../domain/catalog";
import { MemoryCounterSessionStore } from "../../domain/counterMemory";
import { DomainError } from "../../domain/errors";
import { relayGrant } from "../../domain/grants";
import { relayDelegateGrant } from "../../domain/delegations";
import { DelegationMessage } from "../schemas";
import type { Bytes32, DomainDeps, Hex } from "../../domain/ports";
import {
  checkShareLink,
  createShare,
  getShareForVerifier,
  getShareLink,
  type ShareDeps,
  type ShareStore,
  shareStoreOverPorts,
} from "../../domain/share";
import { sqlCounterSessionStore, type SqlCounterSessionsLike } from "../counterStores";
import { recordCheck, verifyDocument, verifyPresentation } from "../../domain/verification";
import { CONSENT_DOMAIN_NAME, CONSENT_DOMAIN_VERSION } from "../../document/typedData";
import { CounterWatcher } from "../counterEvents";
import { defineRoute, principalOf, type RouteEnv } from "../route";

// ---------------------------------------------------------------------------------------------
// Schemas
// ---------------------------------------------------------------------------------------------

const hex = (bytes: number) =>
  z.string().regex(new RegExp(`^0x[0-9a-fA-F]{${bytes * 2}}$`), `0x and ${bytes * 2} hex digits`);
const address = hex(20);
const bytes32 = hex(32);
const signature = hex(65);
const uint = z
  .number()
  .int()
  .min(0)
  .max(2 ** 48);

export const OpenCounterRequestBody = z.strictObject({
  types: z.array(z.string().min(1).max(64)).min(1).max(10),
  purpose: z.string().min(1).max(64),
  minutes: z.number().int().min(1).max(30).optional(),
});

export const GrantBody = z.strictObject({
  certId: bytes32,
  grantee: address,
  purpose: bytes32,
  validUntil: uint,
  maxUses: z
    .number()
    .int()
    .min(1)
    .max(2 ** 24 - 1),
  nonce: z.string().regex(/^\d{1,78}$/, "a uint256 in decimal"),
  deadline: uint,
});

export const AnswerCounterRequestBody = z.strictObject({
  presentations: z
    .array(
      z.strictObject({
        document: z.unknown(),
        grant: GrantBody,
        signature: signature.openapi({
          description: "The holder key's EIP-712 Grant signature, or the delegate's when delegation is sent.",
        }),
        delegation: DelegationMessage.optional().openapi({
          description:
            "A delegate presents for the holder: the holder's delegation terms, exactly as signed (the grant is relayed to grantByDelegateSig).",
        }),
      }),
    )
    .min(1)
    .max(10),
});

/** The decline carries nothing: holding the request id (the QR code) is what lets the wallet answer or decline. */

const BatchBody = z.strictObject({ root: bytes32, validFrom: uint, validUntil: uint, proof: z.array(bytes32).max(64) });

export const CreateShareBody = z.strictObject({
  mode: z.enum(["link", "verifier"]),
  purpose: z.string().min(1).max(64),
  grant: GrantBody,
  signature,
  documentRoot: bytes32,
  batch: BatchBody.optional(),
  /** link: base64url(iv ‖ AES-GCM ciphertext); verifier: omitted (the document is sent instead). */
  payload: z.string().max(400_000).optional(),
  document: z.unknown().optional(),
  /** A link that lasts until the holder revokes it (a printed certificate's QR code): a longer grant allowed. */
  untilRevoked: z.boolean().optional(),
  /** A delegate shares for the holder (an online delegation): the grant is the delegate's, these the holder's terms. */
  delegation: DelegationMessage.optional().openapi({
    description:
      "A delegate shares for the holder under an online delegation: signature is the delegate's, and these are the holder's delegation terms exactly as signed.",
  }),
});

export const CheckShareBody = z.strictObject({
  document: z.unknown(),
  /** EIP-712 RecordCheck(bytes32 grantId,uint32 use,uint64 deadline) signed with the link's key. */
  check: z.strictObject({ use: uint, deadline: uint, signature }),
});

// ---------------------------------------------------------------------------------------------
// Router
// ---------------------------------------------------------------------------------------------

export interface CounterRouterOptions {
  domain: DomainDeps;
  /** The app's route environment: the write routes are defined with defineRoute, like every other. */
  env: RouteEnv;
  /** The domain's store, or the store's SqlCounterSessions (adapted here). */
  sessions?: CounterSessionStore | SqlCounterSessionsLike;
  shares?: ShareStore;
  /** Origin the QR code's URL points at (e.g. https://certs.example.gov.cn); default: the request's own. */
  publicUrl?: string;
  /** Milliseconds between the reads of the one watcher serving every event stream. */
  eventsPollMs?: number;
}

/** The origin links point at: the configured public URL, else the request's own. */
export function originOf(req: Request, publicUrl?: string): string {
  if (publicUrl) return publicUrl.replace(/\/+$/, "");
  return `${req.protocol}://${req.get("host")}`;
}

/** The text inside the QR code: the wallet page with the request id, nothing else. */
export function walletRequestUrl(origin: string, id: string): string {
  return `${origin}/wallet?r=${id}`;
}

export function counterRouter(opts: CounterRouterOptions): Router {
  const { domain } = opts;
  const sessions: CounterSessionStore = !opts.sessions
    ? new MemoryCounterSessionStore()
    : "transition" in opts.sessions
      ? sqlCounterSessionStore(opts.sessions, () => domain.clock.now())
      : opts.sessions;
  const shares = opts.shares ?? shareStoreOverPorts(domain.idempotency);
  const router = express.Router();

  const counterDeps: CounterDeps = {
    clock: domain.clock,
    sessions,
    documents: {
      verifyIntegrity: (doc) => domain.documents.verifyIntegrity(doc),
    },
    signatures: domain.signatures,
    chain: {
      relayGrant: (req) => relayGrant(domain, req),
      relayDelegateGrant: (req) => relayDelegateGrant(domain, req),
    },
    typeExists: (code) => !!domain.catalog.get(code),
    async issuerOf(certId) {
      const c = await domain.index.certificate(certId);
      if (!c) return undefined;
      const name = (await domain.index.agency(c.agency))?.name ?? c.agency;
      return { agency: c.agency, name, nameZh: agencyNameZh(name) };
    },
    presentations: {
      async verifyAndRecord({ verifier, document, grantId, expectedTypeCode, outboxKey }) {
        const v = await verifyPresentation(domain, { verifier, document, grantId, expectedType: expectedTypeCode });
        if (v.verdict !== "VALID") return { verdict: v.verdict, reasons: v.reasons, presentedBy: v.presentedBy };
        const r = await recordCheck(domain, {
          verifier,
          document,
          grantId,
          expectedType: expectedTypeCode,
          idempotencyKey: outboxKey,
        });
        return { verdict: r.verdict, reasons: r.reasons, presentedBy: r.presentedBy };
      },
      async verifyWithoutGrant(document) {
        const v = await verifyDocument(domain, { document });
        return { verdict: v.verdict, reasons: v.reasons };
      },
    },
  };

  const shareDeps: ShareDeps = {
    clock: domain.clock,
    shares,
    signatures: domain.signatures,
    relayGrant: ({ delegation, ...req }) =>
      delegation
        ? relayDelegateGrant(domain, { grant: req.grant, delegation, signature: req.signature })
        : relayGrant(domain, req),
    usesOf: async (grantId) => (await domain.index.grant(grantId))?.uses,
    relayRecordCheck: (req) => domain.chain.relayRecordCheck(req),
    verify: async ({ verifier, document, grantId }) => {
      const v = await verifyPresentation(domain, { verifier, document, grantId });
      return { ...v, verdict: v.verdict, reasons: [...v.reasons] };
    },
    certIdOf: (doc) => {
      const i = domain.documents.verifyIntegrity(doc);
      return i.status === "OK" ? i.certId : undefined;
    },
  };

  async function typeInfo(code: string) {
    const entry = domain.catalog.get(code);
    return { code, name: entry?.name ?? code, nameZh: entry?.nameZh };
  }

  async function consentDomain() {
    const info = await domain.chain.info();
    return {
      name: CONSENT_DOMAIN_NAME,
      version: CONSENT_DOMAIN_VERSION,
      chainId: info.chainId,
      verifyingContract: info.consent,
    };
  }

  async function walletView(s: CounterSession, req: Request) {
    const v = await domain.index.verifier(s.verifier);
    return {
      id: s.id,
      url: walletRequestUrl(originOf(req, opts.publicUrl), s.id),
      verifier: { address: s.verifier, name: v?.name ?? s.verifier },
      types: await Promise.all(s.types.map(typeInfo)),
      purpose: s.purpose,
      nonce: s.nonce,
      createdAt: s.createdAt,
      expiresAt: s.expiresAt,
      state: counterRequestPhase(s, domain.clock.now()),
      domain: await consentDomain(),
    };
  }

  const { env } = opts;
  const TAG = "counter";

  defineRoute(router, env, {
    method: "post",
    path: "/v1/counter/requests",
    auth: "verifier",
    tag: TAG,
    summary: "Open a presentation request (verifier); returns its id, wallet URL and QR code URLs",
    body: OpenCounterRequestBody,
    responses: {
      201: { description: "Opened." },
      400: { description: "Unknown type, bad purpose or lifetime.", schema: ErrorBody },
      429: {
        description: "COUNTER_REQUESTS_LIMITED: this verifier's requests this minute are used up.",
        schema: ErrorBody,
      },
    },
    handler: async ({ principal, body, req }) => {
      env.limits.counterRequest(principal!.address.toLowerCase());
      const s = await openCounterRequest(counterDeps, { verifier: principal!.address, ...body });
      const view = await walletView(s, req);
      const base = `/v1/counter/requests/${s.id}`;
      return { status: 201, body: { ...view, qr: { svg: `${base}/qr.svg`, png: `${base}/qr.png` } } };
    },
  });

  router.get("/v1/counter/requests/:id", async (req, res) => {
    const s = await getCounterRequest(counterDeps, String(req.params.id));
    res.set("cache-control", "no-store").json(await walletView(s, req));
  });

  router.get("/v1/counter/requests/:id/qr.:format", async (req, res) => {
    const format = String(req.params.format);
    if (format !== "svg" && format !== "png")
      throw new DomainError("NOT_FOUND", "QR codes come as .svg or .png.", { status: 404 });
    const s = await getCounterRequest(counterDeps, String(req.params.id));
    const url = walletRequestUrl(originOf(req, opts.publicUrl), s.id);
    res.set("cache-control", "private, max-age=600");
    if (format === "svg")
      res.type("image/svg+xml").send(await QRCode.toString(url, { type: "svg", errorCorrectionLevel: "M", margin: 2 }));
    else
      res
        .type("image/png")
        .send(await QRCode.toBuffer(url, { type: "png", errorCorrectionLevel: "M", margin: 2, scale: 8 }));
  });

  // Every event stream of this process is fed by one watcher; answers and declines made here reach it at once.
  const watcher = new CounterWatcher(sessions, opts.eventsPollMs ?? 500);

  defineRoute(router, env, {
    method: "post",
    path: "/v1/counter/requests/:id/answer",
    auth: "public",
    tag: TAG,
    summary: "The holder's answer: one grant per certificate bound to the request's nonce, and the redacted documents",
    params: IdParams,
    body: AnswerCounterRequestBody,
    holderSigned: ({ body }) => body.presentations.map((p) => p.grant.certId),
    responses: {
      200: {
        description:
          "Relayed, verified, checks recorded; the verdict per certificate (with presentedBy when a delegate presented it: a refused delegation is its verdict, DELEGATION_REVOKED or DELEGATION_EXPIRED).",
      },
      404: { description: "COUNTER_REQUEST_NOT_FOUND.", schema: ErrorBody },
      409: {
        description: "COUNTER_REQUEST_ANSWERED, or COUNTER_REQUEST_DECLINED: the holder declined it.",
        schema: ErrorBody,
      },
      410: { description: "COUNTER_REQUEST_EXPIRED.", schema: ErrorBody },
      422: {
        description:
          "COUNTER_GRANT_MISMATCH, COUNTER_DOCUMENT_TAMPERED, COUNTER_BAD_SIGNATURE, COUNTER_TYPE_NOT_REQUESTED, COUNTER_TYPES_MISSING: nothing sent to the chain.",
        schema: ErrorBody,
      },
    },
    handler: async ({ params, body }) => {
      const result = await answerCounterRequest(counterDeps, {
        id: params.id,
        presentations: body.presentations.map((p) => ({
          document: p.document,
          grant: p.grant as never,
          signature: p.signature as Hex,
          delegation: p.delegation as never,
        })),
      });
      watcher.changed(params.id);
      // The holder learns the verdict per certificate; the disclosed fields are theirs already.
      return {
        body: {
          verdict: result.verdict,
          answeredAt: result.answeredAt,
          presentations: result.presentations.map((p) => ({
            certId: p.certId,
            typeCode: p.typeCode,
            grantId: p.grantId,
            verdict: p.verdict,
            reasons: p.reasons,
            ...(p.presentedBy ? { presentedBy: p.presentedBy } : {}),
          })),
        },
      };
    },
  });

  defineRoute(router, env, {
    method: "post",
    path: "/v1/counter/requests/:id/decline",
    auth: "public",
    tag: TAG,
    summary:
      "The holder declines the request (the wallet that scanned its QR code, as for the answer); the counter's result and event stream show DECLINED at once. Declining again answers the same.",
    params: IdParams,
    responses: {
      200: { description: "Declined (now or before)." },
      400: { description: "UNEXPECTED_BODY: a body with fields.", schema: ErrorBody },
      404: { description: "COUNTER_REQUEST_NOT_FOUND.", schema: ErrorBody },
      409: { description: "COUNTER_REQUEST_ANSWERED: already answered, or being answered.", schema: ErrorBody },
      410: { description: "COUNTER_REQUEST_EXPIRED.", schema: ErrorBody },
    },
    handler: async ({ params }) => {
      const s = await declineCounterRequest(counterDeps, params.id);
      watcher.changed(params.id);
      return { body: { id: s.id, state: s.state, declinedAt: s.declinedAt } };
    },
  });

  const verifierOf = async (req: Request) => (await principalOf(env, req, "verifier")).address;

  const resultView = (s: CounterSession) => ({
    id: s.id,
    state: counterRequestPhase(s, domain.clock.now()),
    expiresAt: s.expiresAt,
    declinedAt: s.declinedAt ?? null,
    result: s.result ?? null,
  });

  router.get("/v1/counter/requests/:id/result", async (req, res) => {
    const s = await getCounterRequestForVerifier(counterDeps, String(req.params.id), await verifierOf(req));
    res.set("cache-control", "no-store").json(resultView(s));
  });

  // Authenticated once, when it opens; then fed by the one watcher (a read per tick for all streams).
  router.get("/v1/counter/requests/:id/events", async (req: Request, res: Response) => {
    const verifier = await verifierOf(req);
    const first = await getCounterRequestForVerifier(counterDeps, String(req.params.id), verifier);
    const release = env.limits.openStream(verifier.toLowerCase());
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store", connection: "keep-alive" });
    let last = "";
    let stop = () => undefined as void;
    const end = () => {
      stop();
      release();
      res.end();
    };
    const send = (s: CounterSession) => {
      const view = resultView(s);
      const text = JSON.stringify(view);
      if (text !== last) res.write(`event: state\ndata: ${text}\n\n`);
      last = text;
      if (view.state === "ANSWERED" || view.state === "DECLINED" || view.state === "EXPIRED") end();
    };
    req.on("close", end);
    send(first);
    if (res.writableEnded) return;
    stop = watcher.watch(first.id, (s) => (s ? send(s) : end()));
  });

  // -------------------------------------------------------------------------------------------
  // Online sharing
  // -------------------------------------------------------------------------------------------

  defineRoute(router, env, {
    method: "post",
    path: "/v1/shares",
    auth: "public",
    tag: TAG,
    summary:
      "Share online: a holder-signed grant to a named verifier (with the document) or to a link key (with the document encrypted under it)",
    body: CreateShareBody,
    holderSigned: ({ body }) => [body.grant.certId],
    responses: {
      201: { description: "Relayed and stored." },
      400: { description: "Bad purpose, uses, lifetime or payload.", schema: ErrorBody },
      401: { description: "BAD_SIGNATURE.", schema: ErrorBody },
    },
    handler: async ({ body, req }) => {
      const payload = body.mode === "verifier" ? JSON.stringify(body.document ?? null) : (body.payload ?? "");
      const share = await createShare(shareDeps, {
        mode: body.mode,
        purpose: body.purpose,
        payload,
        document: body.document,
        untilRevoked: body.untilRevoked,
        signed: {
          grant: body.grant as never,
          signature: body.signature as Hex,
          documentRoot: body.documentRoot as Bytes32,
          batch: body.batch as never,
          delegation: body.delegation as never,
        },
      });
      return {
        status: 201,
        body: {
          id: share.id,
          mode: share.mode,
          grantId: share.grantId,
          validUntil: share.validUntil,
          maxUses: share.maxUses,
          // The link's key is added by the wallet after '#': the gateway never sees it.
          url: share.mode === "link" ? `${originOf(req, opts.publicUrl)}/verify?s=${share.id}` : undefined,
        },
      };
    },
  });

  router.get("/v1/shares/:id", async (req, res) => {
    const s = await getShareLink(shareDeps, String(req.params.id));
    // `uses`: the grant's checks so far on chain; the page signs its check for use uses + 1.
    const uses = (await domain.index.grant(s.grantId))?.uses ?? 0;
    res.set("cache-control", "no-store").json({ ...s, uses, domain: await consentDomain() });
  });

  defineRoute(router, env, {
    method: "post",
    path: "/v1/shares/:id/check",
    auth: "public",
    tag: TAG,
    summary:
      "Check under a share link: the decrypted document and an EIP-712 RecordCheck signed by the link's key, relayed on chain (uses one use)",
    params: IdParams,
    body: CheckShareBody,
    responses: {
      200: {
        description: "The verdict (GRANT_REVOKED, GRANT_USED_UP... when not VALID) and where the check was recorded.",
      },
      400: {
        description: "SHARE_BAD_PROOF: the check names a use that is not the grant's next one.",
        schema: ErrorBody,
      },
      401: { description: "SHARE_BAD_PROOF or SHARE_STALE_PROOF.", schema: ErrorBody },
      409: {
        description: "REPLAYED (the use is already taken) or CHECK_USE_TAKEN (another check took it first).",
        schema: ErrorBody,
      },
    },
    handler: async ({ params, body }) => ({
      body: await checkShareLink(shareDeps, {
        id: params.id,
        document: body.document,
        check: { use: body.check.use, deadline: body.check.deadline, signature: body.check.signature as Hex },
      }),
    }),
  });

  router.get("/v1/verifier/shares/:id", async (req, res) => {
    const verifier = await verifierOf(req);
    const s = await getShareForVerifier(shareDeps, String(req.params.id), verifier);
    res.set("cache-control", "no-store").json({ ...s, payload: undefined, document: JSON.parse(s.payload) });
  });

  return router;
}

// ---------------------------------------------------------------------------------------------
// OpenAPI: the same schemas, for /openapi.json (buildApp's registerOpenApi hook)
// ---------------------------------------------------------------------------------------------

const ErrorBody = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
});
const IdParams = z.object({ id: z.string().regex(/^[A-Za-z0-9_-]{22}$/) });
const json = (schema: z.ZodType, description: string) => ({ description, content: { "application/json": { schema } } });
const err = (description: string) => json(ErrorBody, description);

/** Registers the counter and share routes not defined with defineRoute (they answer images, streams, or predate it). */
export function registerCounterOpenApi(registry: OpenAPIRegistry): void {
  const tag = "counter";
  const bearerAuth = [{ bearer: [] }];
  registry.registerPath({
    method: "get",
    path: "/v1/counter/requests/{id}",
    tags: [tag],
    summary: "What the wallet shows: verifier, types, purpose, nonce, expiry, state, EIP-712 domain",
    request: { params: IdParams },
    responses: { 200: { description: "The request." }, 404: err("COUNTER_REQUEST_NOT_FOUND.") },
  });
  for (const format of ["svg", "png"] as const)
    registry.registerPath({
      method: "get",
      path: `/v1/counter/requests/{id}/qr.${format}`,
      tags: [tag],
      summary: `The request's QR code as ${format.toUpperCase()}: only <origin>/wallet?r=<id> (under 200 characters)`,
      request: { params: IdParams },
      responses: { 200: { description: "The image." }, 404: err("COUNTER_REQUEST_NOT_FOUND.") },
    });
  for (const [suffix, summary] of [
    [
      "result",
      "State (OPEN, ANSWERING, ANSWERED, DECLINED, EXPIRED) and verdict with the disclosed fields, the issuing agency and the validity of each certificate (verifier; the counter page polls it)",
    ],
    ["events", "The same as server-sent events, until answered, declined or expired"],
  ] as const)
    registry.registerPath({
      method: "get",
      path: `/v1/counter/requests/{id}/${suffix}`,
      tags: [tag],
      summary,
      security: bearerAuth,
      request: { params: IdParams },
      responses: { 200: { description: "The state." }, 401: err("No key."), 404: err("Not this verifier's request.") },
    });
  registry.registerPath({
    method: "get",
    path: "/v1/shares/{id}",
    tags: [tag],
    summary: "A share link's ciphertext and its grant's public facts",
    request: { params: IdParams },
    responses: { 200: { description: "The share." }, 404: err("SHARE_NOT_FOUND.") },
  });
  registry.registerPath({
    method: "get",
    path: "/v1/verifier/shares/{id}",
    tags: [tag],
    summary: "A share made for this verifier: the document and the grant id to verify it under",
    security: bearerAuth,
    request: { params: IdParams },
    responses: { 200: { description: "The share." }, 404: err("SHARE_NOT_FOUND.") },
  });
}
