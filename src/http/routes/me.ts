/**
 * GET /v1/me: who an API key is, for any principal. The pages sign in with it (a wrong key is told at
 * once, not at the first real request) and show whom they act for: an agency's name and the types it
 * is accredited for now, a verifier's name. Mounted by hand rather than with defineRoute, whose `auth`
 * names one role: this route serves every role's key.
 */
import express, { type NextFunction, type Request, type Response, type Router } from "express";
import { z } from "zod";
import { agencyNameZh } from "../../domain/catalog";
import { DomainError } from "../../domain/errors";
import type { DomainDeps, Principal } from "../../domain/ports";
import type { RouteEnv } from "../route";
import * as S from "../schemas";

export const MeResponse = z
  .object({
    role: z.enum(["authority", "agency", "verifier"]),
    /** The on-chain identity the key acts for. */
    address: S.Address,
    /** The label given when the key was created. */
    label: z.string(),
    agency: z
      .object({
        name: z.string(),
        nameZh: z.string().optional(),
        active: z.boolean(),
        types: z.array(S.TypeCode).describe("Type codes the agency is accredited for now (active types only)"),
      })
      .optional(),
    verifier: z.object({ name: z.string(), active: z.boolean() }).optional(),
  })
  .openapi("Me");

export type MeResponse = z.infer<typeof MeResponse>;

export async function describePrincipal(deps: Pick<DomainDeps, "index">, principal: Principal): Promise<MeResponse> {
  const me: MeResponse = { role: principal.role, address: principal.address, label: principal.label };
  if (principal.role === "agency") {
    const a = await deps.index.agency(principal.address);
    const accredited = new Set(a?.typeIds ?? []);
    const types = (await deps.index.certificateTypes())
      .filter((t) => t.active && accredited.has(t.typeId))
      .sort((x, y) => x.typeId - y.typeId)
      .map((t) => t.code);
    const name = a?.name ?? principal.label;
    me.agency = { name, nameZh: agencyNameZh(name), active: a?.active ?? false, types };
  }
  if (principal.role === "verifier") {
    const v = await deps.index.verifier(principal.address);
    me.verifier = { name: v?.name ?? principal.label, active: v?.active ?? false };
  }
  return me;
}

export function meRouter(deps: Pick<DomainDeps, "index">, env: RouteEnv): Router {
  const r = express.Router();
  const authenticate = async (req: Request, res: Response, next: NextFunction) => {
    try {
      res.locals.principal = await env.authenticate(req);
      next();
    } catch (e) {
      next(e);
    }
  };
  // As every route: credentials first, then the bounded body parser, so a body is refused, never ignored.
  r.get("/v1/me", authenticate, env.json, async (req, res, next) => {
    try {
      if (req.body !== undefined && Object.keys(req.body as object).length > 0)
        throw new DomainError("UNEXPECTED_BODY", "This route takes no body.", { status: 400 });
      if (!S.EmptyQuery.safeParse(req.query ?? {}).success)
        throw new DomainError("VALIDATION_FAILED", "GET /v1/me takes no query parameters.", { status: 400 });
      res.setHeader("Cache-Control", "no-store");
      res.json(await describePrincipal(deps, res.locals.principal as Principal));
    } catch (e) {
      next(e);
    }
  });
  env.registry.registerPath({
    method: "get",
    path: "/v1/me",
    tags: ["principals"],
    summary: "Who this API key is: role, address, and the agency (name, accredited types) or verifier it acts for",
    description:
      "Any principal's key (authority, agency or verifier). A cheap check of a key: 401 INVALID_CREDENTIALS for an unknown or disabled one.\n\nAuth: Bearer API key of any principal.",
    security: [{ bearer: [] }],
    responses: {
      200: { description: "The principal.", content: { "application/json": { schema: MeResponse } } },
      401: {
        description: "MISSING_CREDENTIALS or INVALID_CREDENTIALS.",
        content: { "application/json": { schema: S.ErrorResponse } },
      },
    },
  });
  return r;
}
