/** /v1/agency: issue (one, idempotent; or a Merkle batch), change status, list and read own certificates. */
import express, { type Request, type Router } from "express";
import { z } from "zod";
import { getCertificateType } from "../../domain/catalog";
import { DomainError, notFound } from "../../domain/errors";
import {
  agencyClaimOffers,
  checkClaimItems,
  claimLink,
  createClaimOffers,
  newClaimOrigin,
  type ClaimItem,
  type ClaimOfferView,
} from "../../domain/claims";
import {
  guardianNeedsHolder,
  issueCertificate,
  prepareType,
  requireGuardian,
  startBatch,
  validateFields,
  validity,
  type BatchGuardian,
  type BatchItemBytes,
  type BatchItemGuardian,
  type BatchItemText,
  type BatchItemView,
  type BatchJob,
  type GuardianTerms,
  type IssueItem,
} from "../../domain/issuance";
import { agencyPickup, createPickup, pickupLink, type PickupTicket } from "../../domain/pickup";
import type { Address, Bytes32, CertificateView, Hex, StatusAction } from "../../domain/ports";
import {
  anchorSignedBatch,
  changeStatusSigned,
  issueManySigned,
  issueSignedCertificate,
  statusNonce,
} from "../../domain/signedWrites";
import { changeStatus, ownCertificate } from "../../domain/status";
import { certificateStatus } from "../../domain/verification";
import { batchItemOf, IntakeError, readBatchFile } from "../../intake";
import type { AppDeps } from "../deps";
import { defineRoute, type RouteEnv } from "../route";
import * as S from "../schemas";
import { originOf } from "./counter";
import { claimDeps } from "./claims";
import { delegationTerms } from "./delegations";
import { pickupDeps } from "./delivery";

const TAG = "agency";
/** The fixed pieces of a page of stored documents written as bytes. */
const PROOF_KEY = Buffer.from(`,"proof":`);
const OBJECT_END = Buffer.from("}");
const ITEMS_END = Buffer.from("]}");

/** A batch item's guardian as its documents page shows it. */
const guardianOut = (g: BatchGuardian): BatchItemGuardian => ({
  delegationId: g.delegationId,
  delegation: g.delegation,
});

/** A request's guardian in the domain's terms. */
const guardianOf = (g: z.infer<typeof S.GuardianBody> | undefined): GuardianTerms | undefined =>
  g && {
    delegate: g.delegate as Address,
    validUntil: g.validUntil,
    online: g.online,
    purpose: g.purpose as Bytes32 | undefined,
    verifier: g.verifier as Address | undefined,
  };
/** Largest signed IssueMany: one transaction under the EIP-7825 gas cap (~25,000 gas a certificate). */
const ISSUE_MANY_MAX = 200;

/** Batch items take a claim reference where the gateway's IssueItem has one; until then such rows are reported. */
const CLAIMS_ACCEPTED = "claim" in S.IssueItem.shape;

async function previewBatchFile(body: z.infer<typeof S.BatchPreviewBody>, now: number) {
  const type = getCertificateType(body.type);
  if (!type) throw notFound("UNKNOWN_CERTIFICATE_TYPE", `No certificate type ${body.type} in the catalog.`);
  let read: Awaited<ReturnType<typeof readBatchFile>>;
  try {
    read = await readBatchFile(Buffer.from(body.content, "base64"), type, {
      fileName: body.fileName,
      encoding: body.encoding,
      sheet: body.sheet,
      now,
    });
  } catch (e) {
    if (e instanceof IntakeError) throw new DomainError(e.code, e.message, { status: 422, details: e.details });
    throw e;
  }
  const problems = [...read.problems];
  const items = [];
  for (const row of read.rows) {
    const m = batchItemOf(row, CLAIMS_ACCEPTED);
    if (m.problem) problems.push(m.problem);
    else items.push({ row: row.row, ...m.item });
  }
  problems.sort((a, b) => a.row - b.row);
  return {
    type: type.code,
    format: read.table.format,
    encoding: read.table.encoding,
    sheet: read.table.sheet,
    rows: read.total,
    items,
    problems,
  };
}

export function jobOut(j: BatchJob) {
  return {
    batchId: j.batchId,
    type: j.type,
    state: j.state,
    total: j.total,
    built: j.built,
    root: j.root,
    txHash: j.txHash,
    blockNumber: j.blockNumber,
    createdAt: j.createdAt,
    finishedAt: j.finishedAt,
    error: j.error,
  };
}

export function agencyRouter(deps: AppDeps, env: RouteEnv): Router {
  const r = express.Router();
  const me = (p: { address: string } | undefined) => p!.address.toLowerCase() as Address;

  const pickups = pickupDeps(deps);
  const claims = claimDeps(deps);
  // The pickup key is derived from the caller's API key (src/domain/pickup.ts); authentication already
  // checked the header's shape.
  const apiKeyOf = (req: Request) => /^Bearer (\S+)$/.exec(req.headers.authorization ?? "")![1];
  const ticketOut = (req: Request, t: PickupTicket) => ({
    id: t.id,
    state: t.state,
    expiresAt: t.expiresAt,
    url: t.key ? pickupLink(originOf(req), t.id, t.key) : undefined,
  });

  const typeCodes = async () => new Map((await deps.index.certificateTypes()).map((t) => [t.typeId, t.code]));
  const recordOut = (c: CertificateView, codes: Map<number, string>) => ({ ...c, type: codes.get(c.typeId) });

  defineRoute(r, env, {
    method: "post",
    path: "/v1/agency/certificates",
    auth: "agency",
    tag: TAG,
    summary: "Issue one certificate",
    description:
      "Validates the fields against the type's schema (check digits included), builds the document, and records its certId on chain. " +
      "The same Idempotency-Key with the same body returns the same certificate (200, Idempotent-Replayed: true); with another request, 409 IDEMPOTENCY_KEY_REUSED. " +
      "With `guardian` (a minor's certificate), the agency's key also names the guardian delegate on chain right after the issue (`guardian` in the answer).",
    headers: S.IdempotencyHeaders,
    body: S.IssueBody,
    responses: {
      201: {
        description:
          "Issued; the holder's wallet picks the document up from `pickup.url` (or take `document`). " +
          "For a `claim` item: the unclaimed offer, with its one-time claim code (ClaimOfferIssued).",
        schema: z.union([S.IssuedCertificate, S.ClaimOfferIssued]),
      },
      200: { description: "A replay of an earlier request with the same key.", schema: S.IssuedCertificate },
      403: { description: "Not accredited for the type.", schema: S.ErrorResponse },
      409: {
        description: "IDEMPOTENCY_KEY_REUSED: the key was first used for another request.",
        schema: S.ErrorResponse,
      },
      422: { description: "Fields invalid for the type.", schema: S.ErrorResponse },
    },
    handler: async ({ principal, idempotencyKey, body, req }) => {
      if (body.claim && body.guardian) throw guardianNeedsHolder();
      if (body.claim) {
        // The Idempotency-Key's token names the offer's origin: a retried request finds its offer again.
        const origin = idempotencyKey!;
        const [offer] = await createClaimOffers(claims, {
          agency: me(principal),
          type: body.type,
          origin,
          items: [{ item: { ...body, claim: body.claim }, index: 0 }],
        });
        const { claimCode: _code, ...plain } = offer;
        const out = { batchId: origin, type: body.type };
        return { status: 201, body: { ...out, offer: plain }, onceBody: { ...out, offer: withLink(req, offer) } };
      }
      const out = await issueCertificate(deps, {
        agency: me(principal),
        type: body.type,
        holder: body.holder as Address,
        fields: body.fields,
        validFrom: body.validFrom,
        validUntil: body.validUntil,
        // The header is required on this route, so the binding's token is always there.
        idempotencyKey: idempotencyKey!,
        guardian: guardianOf(body.guardian),
      });
      // Stored before the answer: should it fail, the request fails (5xx) and keeps its Idempotency-Key
      // binding without an answer, so the retry finishes the same certificate and stores its pickup.
      const pickup = ticketOut(
        req,
        await createPickup(pickups, {
          agency: me(principal),
          apiKey: apiKeyOf(req),
          certId: out.certificate.certId,
          document: out.certificate.document,
        }),
      );
      return {
        status: out.replayed ? 200 : 201,
        headers: out.replayed ? { "Idempotent-Replayed": "true" } : undefined,
        body: { ...out.certificate, pickup },
      };
    },
  });

  // A batch may be far larger than other bodies; like theirs, it is read only after authentication.
  const batchParser = express.json({ limit: deps.settings.batchBodyLimitBytes, strict: true });

  defineRoute(r, env, {
    method: "post",
    path: "/v1/agency/batches",
    auth: "agency",
    tag: TAG,
    summary: "Issue a batch anchored as one Merkle root",
    description:
      "Every item is validated first (a bad row refuses the batch, naming its index). The batch is then built and anchored in the background: " +
      "poll GET /v1/agency/batches/{batchId}, then read the documents with their proofs. With ?wait=true the answer comes when it is anchored. " +
      "An optional Idempotency-Key makes a retried POST return the same batch (anchored once); with another body, 409. " +
      "An item with `guardian` (a minor's certificate, custodial keys) also gets the guardian's delegation, signed with the batch's " +
      "issuing key and relayed to delegateInBatchByIssuerSig once the root has landed (the batch is done once they have landed too); " +
      "each item's delegationId is in its documents. A claim item with `guardian` is 400 GUARDIAN_NEEDS_HOLDER.",
    before: [batchParser],
    headers: S.OptionalIdempotencyHeaders,
    query: S.BatchQuery,
    body: S.BatchBody,
    responses: {
      202: { description: "Accepted; building and anchoring.", schema: S.BatchJob },
      201: { description: "Anchored (wait=true).", schema: S.BatchJob },
      422: { description: "An item is invalid.", schema: S.ErrorResponse },
    },
    handler: async ({ principal, query, body, idempotencyKey, req }) => {
      if (body.items.length > deps.settings.maxBatchSize)
        throw new DomainError(
          "BATCH_TOO_LARGE",
          `A batch may hold at most ${deps.settings.maxBatchSize} certificates.`,
          { status: 413 },
        );
      const claimItems: { item: ClaimItem; index: number }[] = [];
      const holderItems: { item: IssueItem; index: number }[] = [];
      body.items.forEach(({ guardian, ...i }, index) => {
        if (i.claim && guardian) throw guardianNeedsHolder(index);
        if (i.claim) claimItems.push({ item: { ...i, claim: i.claim }, index });
        else
          holderItems.push({
            item: { ...i, holder: i.holder as Address, ...(guardian ? { guardian: guardianOf(guardian) } : {}) },
            index,
          });
      });
      if (claimItems.length > 0)
        return claimBatch(principal, query, body.type, claimItems, holderItems, idempotencyKey, req);
      const { job, done } = await startBatch(deps, deps.batchJobs, {
        agency: me(principal),
        type: body.type,
        items: holderItems.map((h) => h.item),
        idempotencyKey,
      });
      done.then((j) => {
        if (j.state === "failed") deps.logger.error({ err: j.cause, batchId: j.batchId }, "batch failed");
      });
      if (query.wait === "true") {
        const j = await done;
        if (j.state === "failed")
          throw new DomainError(j.error!.code, j.error!.message, { status: 502, retryable: true, details: jobOut(j) });
        return { status: 201, body: jobOut(j) };
      }
      return { status: 202, headers: { Location: `/v1/agency/batches/${job.batchId}` }, body: jobOut(job) };
    },
  });

  defineRoute(r, env, {
    method: "post",
    path: "/v1/agency/batches/preview",
    auth: "agency",
    tag: TAG,
    summary: "Check an agency's batch file (CSV or xlsx) without issuing anything",
    description:
      "Reads the file (CSV in UTF-8 or GB18030/GBK, detected or named; or the first or named sheet of an .xlsx), maps its header cells to the type's fields " +
      "(field paths, or the Chinese or English titles of the type's JSON Schema; holder/持有人, validFrom, validUntil, claim.<field>; " +
      "for a minor's guardian guardian/监护人, guardian.validUntil/监护截止, guardian.online, guardian.verifier, guardian.purpose, each row's `guardian` then), and checks every row " +
      "against the schema, check digits included, and a guardian's terms as POST /v1/agency/batches does. Answers the valid rows as batch items and every problem (row, column, code, message); nothing is issued or stored. " +
      "A header cell that names nothing is refused (422 UNKNOWN_COLUMNS, naming them).",
    before: [batchParser],
    body: S.BatchPreviewBody,
    responses: {
      200: { description: "The rows as batch items, and every problem.", schema: S.BatchPreview },
      422: {
        description:
          "The file cannot be read as a whole (BAD_CSV, BAD_ENCODING, BAD_XLSX, SHEET_NOT_FOUND, UNKNOWN_COLUMNS, ...).",
        schema: S.ErrorResponse,
      },
    },
    handler: async ({ body }) => ({ body: await previewBatchFile(body, deps.clock.now()) }),
  });

  const withLink = (req: Request, o: ClaimOfferView) =>
    o.claimCode ? { ...o, claimLink: claimLink(originOf(req), o.claimCode) } : o;

  /**
   * A batch with claim items: every item is checked first (indexes as sent), the holder items go to a
   * batch job as usual, and the claim items become offers under the job's batchId (or, with no holder
   * items, under the Idempotency-Key's token or a fresh id: such a batch is done at once).
   */
  const claimBatch = async (
    principal: { address: string } | undefined,
    query: { wait?: "true" | "false" },
    type: string,
    claimItems: { item: ClaimItem; index: number }[],
    holderItems: { item: IssueItem; index: number }[],
    idempotencyKey: string | undefined,
    req: Request,
  ) => {
    const agency = me(principal);
    await checkClaimItems(deps, { agency, type, items: claimItems });
    let out: ReturnType<typeof jobOut>;
    let status = 201;
    let headers: Record<string, string> | undefined;
    if (holderItems.length > 0) {
      const t = await prepareType(deps, agency, type);
      const now = deps.clock.now();
      // Checked here too so that a bad row is named by its index in the request, not in the holder items.
      for (const { item, index } of holderItems) {
        validateFields(deps, type, item.fields, index);
        validity(t, item, now, index);
        if (item.guardian) requireGuardian(item.guardian, item.holder, now, index);
      }
      const { job, done } = await startBatch(deps, deps.batchJobs, {
        agency,
        type,
        items: holderItems.map((h) => h.item),
        idempotencyKey,
      });
      const j = query.wait === "true" ? await done : job;
      if (j.state === "failed")
        throw new DomainError(j.error!.code, j.error!.message, { status: 502, retryable: true, details: jobOut(j) });
      out = jobOut(j);
      if (query.wait !== "true") {
        status = 202;
        headers = { Location: `/v1/agency/batches/${job.batchId}` };
      }
    } else {
      const now = deps.clock.now();
      const batchId = idempotencyKey ?? newClaimOrigin();
      out = {
        ...jobOut({ batchId, agency, type, state: "done", total: 0, built: 0, createdAt: now }),
        finishedAt: now,
      };
    }
    const offers = await createClaimOffers(claims, { agency, type, origin: out.batchId, items: claimItems });
    const plain = offers.map(({ claimCode: _code, ...o }) => o);
    return {
      status,
      headers,
      body: { ...out, claims: plain },
      onceBody: { ...out, claims: offers.map((o) => withLink(req, o)) },
    };
  };

  defineRoute(r, env, {
    method: "get",
    path: "/v1/agency/claims",
    auth: "agency",
    tag: TAG,
    summary: "The claim offers of a batch: which were claimed (with their certIds), which wait, expired or locked",
    description:
      "The agency's manifest of claims. Claim codes are never shown again (they are stored as keyed hashes).",
    query: S.ClaimOffersQuery,
    responses: { 200: { description: "The offers, in item order.", schema: S.ClaimOffers } },
    handler: async ({ principal, query }) => ({
      body: { batchId: query.batch, items: await agencyClaimOffers(claims, me(principal), query.batch) },
    }),
  });

  const ownJob = async (batchId: string, agency: Address) => {
    const held = deps.batchJobs.get(batchId);
    let j = held;
    // The process running a job stores it as done before it shows it done: a client that saw "done" on
    // another replica may ask this one in between, and gets the stored job rather than "anchoring".
    if (!held || held.state === "anchoring") {
      const stored = await deps.batchJobs.load?.(batchId);
      if (!held || stored?.state === "done") j = stored ?? held;
    }
    // Another agency's batch is reported as absent: its existence is not theirs to know.
    if (!j || j.agency !== agency)
      throw notFound("BATCH_NOT_FOUND", `No batch ${batchId} of this agency is known to this gateway.`);
    return j;
  };

  defineRoute(r, env, {
    method: "get",
    path: "/v1/agency/batches/:batchId",
    auth: "agency",
    tag: TAG,
    summary: "Progress of a batch",
    params: S.BatchParams,
    query: S.EmptyQuery,
    responses: {
      200: { description: "The job.", schema: S.BatchJob },
      404: { description: "Unknown batch.", schema: S.ErrorResponse },
    },
    handler: async ({ principal, params }) => ({ body: jobOut(await ownJob(params.batchId, me(principal))) }),
  });

  defineRoute(r, env, {
    method: "get",
    path: "/v1/agency/batches/:batchId/documents",
    auth: "agency",
    tag: TAG,
    summary: "The documents of an anchored batch, each with its Merkle proof, a page at a time",
    params: S.BatchParams,
    query: S.BatchDocumentsQuery,
    responses: {
      200: { description: "A page of documents.", schema: S.BatchDocuments },
      409: { description: "Not anchored yet.", schema: S.ErrorResponse },
      410: {
        description: "Documents no longer held (past their retention, or released from memory).",
        schema: S.ErrorResponse,
      },
    },
    handler: async ({ principal, params, query }) => {
      const {
        job: j,
        items,
        texts,
        bytes,
      } = await batchPage(params.batchId, me(principal), query.offset, query.limit, true);
      const head = { batchId: j.batchId, root: j.root, total: j.total, offset: query.offset };
      // A stored batch's guardian delegations are stored apart from its documents (a job held in memory
      // has them in its items).
      const named = new Map<number, BatchItemGuardian>();
      if (!j.items)
        for (const g of (await deps.batchJobs.guardians?.(j.batchId, query.offset, query.limit)) ?? [])
          named.set(g.index, guardianOut(g));
      const guardianAt = (k: number) => {
        const g = named.get(query.offset + k);
        return g ? `,"guardian":${JSON.stringify(g)}` : "";
      };
      if (bytes) {
        // As the bytes they are stored as: no string of the page's documents is made at all.
        const parts: Uint8Array[] = [Buffer.from(`${JSON.stringify(head).slice(0, -1)},"items":[`)];
        bytes.forEach((b, k) => {
          parts.push(
            Buffer.from(
              `${k > 0 ? "," : ""}{"certId":${JSON.stringify(b.certId)},"holder":${JSON.stringify(b.holder)},"document":`,
            ),
            b.document,
            PROOF_KEY,
            b.proof,
            named.size > 0 ? Buffer.from(`${guardianAt(k)}}`) : OBJECT_END,
          );
        });
        parts.push(ITEMS_END);
        return { body: undefined, json: Buffer.concat(parts) };
      }
      if (!texts)
        return {
          body: {
            ...head,
            items: items.map((it, k) => {
              const g = named.get(query.offset + k);
              return g ? { ...it, guardian: g } : it;
            }),
          },
        };
      // Stored documents go out as the JSON text they are stored as: the same answer without parsing and
      // serialising again the page's documents (a mass issue downloads 100,000 of them).
      const json = `${JSON.stringify(head).slice(0, -1)},"items":[${texts
        .map(
          (t, k) =>
            `{"certId":${JSON.stringify(t.certId)},"holder":${JSON.stringify(t.holder)},"document":${t.document},"proof":${t.proof}${guardianAt(k)}}`,
        )
        .join(",")}]}`;
      return { body: undefined, json };
    },
  });

  defineRoute(r, env, {
    method: "post",
    path: "/v1/agency/batches/:batchId/pickups",
    auth: "agency",
    tag: TAG,
    summary: "Pickups for the certificates of an anchored batch, a page at a time",
    description:
      "Each certificate of the page gets its pickup (sealed under a key derived from the calling API key) unless it has one; " +
      "asking again returns the same pickups with the same links, so a retry changes nothing.",
    params: S.BatchParams,
    query: S.BatchPickupsQuery,
    responses: {
      200: { description: "A page of pickups.", schema: S.BatchPickups },
      409: { description: "Not anchored yet, or made with another API key.", schema: S.ErrorResponse },
      410: { description: "Documents no longer held.", schema: S.ErrorResponse },
    },
    handler: async ({ principal, params, query, req }) => {
      const { job, items } = await batchPage(params.batchId, me(principal), query.offset, query.limit);
      const out = [];
      for (const [i, item] of items.entries()) {
        const t = await createPickup(pickups, {
          agency: me(principal),
          apiKey: apiKeyOf(req),
          certId: item.certId,
          document: item.document,
        });
        out.push({ index: query.offset + i, certId: item.certId, holder: item.holder, pickup: ticketOut(req, t) });
      }
      return { body: { batchId: job.batchId, total: job.total, offset: query.offset, items: out } };
    },
  });

  async function batchPage(
    batchId: string,
    agency: Address,
    offset: number,
    limit: number,
    asText = false,
  ): Promise<{ job: BatchJob; items: BatchItemView[]; texts?: BatchItemText[]; bytes?: BatchItemBytes[] }> {
    const j = await ownJob(batchId, agency);
    if (j.documentsReleased)
      throw new DomainError(
        "BATCH_DOCUMENTS_RELEASED",
        "This batch's documents are no longer held (released from memory, or past their retention); download documents soon after a batch is done.",
        {
          status: 410,
        },
      );
    const stored = j.documentsStored && deps.batchJobs.documents;
    if (j.state !== "done" || !j.root || (!j.items && !stored))
      throw new DomainError("BATCH_NOT_READY", `The batch is ${j.state}; its documents are ready once it is done.`, {
        status: 409,
        retryable: j.state !== "failed",
      });
    if (j.items) return { job: j, items: j.items.slice(offset, offset + limit) };
    if (asText && deps.batchJobs.documentBytes)
      return { job: j, items: [], bytes: await deps.batchJobs.documentBytes(j.batchId, offset, limit) };
    if (asText && deps.batchJobs.documentTexts)
      return { job: j, items: [], texts: await deps.batchJobs.documentTexts(j.batchId, offset, limit) };
    return { job: j, items: await deps.batchJobs.documents!(j.batchId, offset, limit) };
  }

  defineRoute(r, env, {
    method: "get",
    path: "/v1/agency/certificates",
    auth: "agency",
    tag: TAG,
    summary: "List this agency's certificates, newest first",
    query: S.ListCertificatesQuery,
    responses: { 200: { description: "A page.", schema: S.CertificateList } },
    handler: async ({ principal, query }) => {
      let typeId: number | undefined;
      if (query.type) {
        const t = await deps.index.certificateTypeByCode(query.type);
        if (!t) return { body: { items: [] } };
        typeId = t.typeId;
      }
      const page = await deps.index.certificatesByAgency(me(principal), {
        typeId,
        status: query.status,
        limit: query.limit,
        cursor: query.cursor,
      });
      const codes = await typeCodes();
      return { body: { items: page.items.map((c) => recordOut(c, codes)), next: page.next } };
    },
  });

  defineRoute(r, env, {
    method: "get",
    path: "/v1/agency/certificates/:certId",
    auth: "agency",
    tag: TAG,
    summary: "One of this agency's certificates with its status history",
    params: S.CertIdParams,
    query: S.EmptyQuery,
    responses: {
      200: {
        description: "The record.",
        schema: S.CertificateRecord.extend({ history: z.array(S.StatusHistoryEntry) }),
      },
    },
    handler: async ({ principal, params }) => {
      const c = await ownCertificate(deps, me(principal), params.certId as Bytes32);
      const st = await certificateStatus(deps, c.certId);
      return { body: { ...recordOut(c, await typeCodes()), history: st.history } };
    },
  });

  defineRoute(r, env, {
    method: "get",
    path: "/v1/agency/certificates/:certId/pickup",
    auth: "agency",
    tag: TAG,
    summary: "The certificate's pickup link again, while it waits for the holder's wallet",
    description:
      "Recomputes the link from the calling API key (the gateway keeps no pickup key): call it with the key that issued.",
    params: S.CertIdParams,
    query: S.EmptyQuery,
    responses: {
      200: { description: "The pickup, with its link.", schema: S.PickupTicket },
      404: { description: "No pickup for this certificate (none made, or deleted).", schema: S.ErrorResponse },
      409: { description: "Made with another API key of this agency.", schema: S.ErrorResponse },
      410: { description: "Already picked up, or expired.", schema: S.ErrorResponse },
    },
    handler: async ({ principal, params, req }) => ({
      body: ticketOut(
        req,
        await agencyPickup(pickups, {
          agency: me(principal),
          apiKey: apiKeyOf(req),
          certId: params.certId as Bytes32,
        }),
      ),
    }),
  });

  const statusRoute = (action: StatusAction, body: z.ZodObject, summary: string) =>
    defineRoute(r, env, {
      method: "post",
      path: `/v1/agency/certificates/:certId/${action}`,
      auth: "agency",
      tag: TAG,
      summary,
      params: S.CertIdParams,
      headers: S.OptionalIdempotencyHeaders,
      body,
      responses: {
        200: { description: "Changed on chain.", schema: S.StatusChangeResponse },
        403: { description: "Another agency's certificate.", schema: S.ErrorResponse },
        404: { description: "No such certificate.", schema: S.ErrorResponse },
        409: {
          description:
            "Not allowed from the current status, or IDEMPOTENCY_KEY_REUSED (the key was first used for another request).",
          schema: S.ErrorResponse,
        },
      },
      handler: async ({ principal, params, idempotencyKey, body: b }) => {
        const parsed = b as { reason: string; replacement?: string; batchProof?: string[] };
        return {
          body: await changeStatus(deps, {
            agency: me(principal),
            certId: params.certId as Bytes32,
            action,
            reason: parsed.reason,
            replacement: parsed.replacement as Bytes32 | undefined,
            batchProof: parsed.batchProof as Bytes32[] | undefined,
            idempotencyKey,
          }),
        };
      },
    });
  statusRoute("revoke", S.RevokeBody, "Revoke (final)");
  statusRoute("suspend", S.SuspendBody, "Suspend");
  statusRoute("reinstate", S.ReinstateBody, "Reinstate a suspended certificate");
  statusRoute("supersede", S.SupersedeBody, "Supersede by a replacement issued by the same agency");

  // ---- signed by the agency (external custody, or any agency system that keeps its own key)

  const signedErrors = {
    403: { description: "The signer is not a current key of this agency, or not accredited.", schema: S.ErrorResponse },
    409: { description: "Already on chain, or a stale status nonce.", schema: S.ErrorResponse },
    422: {
      description: "Bad signature, expired deadline, document invalid or fields invalid for the type.",
      schema: S.ErrorResponse,
    },
  };

  defineRoute(r, env, {
    method: "post",
    path: "/v1/agency/certificates/signed",
    auth: "agency",
    tag: TAG,
    summary: "Issue one certificate the agency built and signed",
    description:
      "The agency builds the document with the document library and signs the ledger's EIP-712 Issue(certId, typeId, validFrom, validUntil, deadline) " +
      "with the document's issuer key. The gateway checks the document's integrity, its fields against the type's schema, the validity, " +
      "that the issuer key is a current key of this agency accredited for the type and that the signature is that key's, then relays issueBySig. " +
      "Sending the same document again answers with the same transaction. " +
      "With `guardian` (a minor's certificate), the guardian's EIP-712 Delegation (ConsentRegistry domain) signed by the same issuer key: " +
      "checked before anything is issued (422 GUARDIAN_WRONG_CERTIFICATE, GUARDIAN_SIGNATURE_INVALID or SIGNATURE_EXPIRED; " +
      "400 INVALID_DELEGATION or DELEGATION_EXPIRED for its terms), then relayed to delegateByIssuerSig once the issue has landed (`guardian` in the answer).",
    body: S.SignedIssueBody,
    responses: { 201: { description: "Issued.", schema: S.SignedIssueResponse }, ...signedErrors },
    handler: async ({ principal, body }) => ({
      status: 201,
      body: await issueSignedCertificate(deps, {
        agency: me(principal),
        document: body.document,
        deadline: body.deadline,
        signature: body.signature as Hex,
        guardian: body.guardian && {
          delegation: delegationTerms(body.guardian.delegation),
          signature: body.guardian.signature as Hex,
        },
      }),
    }),
  });

  defineRoute(r, env, {
    method: "post",
    path: "/v1/agency/certificates/signed-group",
    auth: "agency",
    tag: TAG,
    summary: "Issue several certificates in one transaction under one IssueMany signature",
    description:
      "All documents are single (not batched), of one type and one issuer key; the signature is over IssueMany(requests, deadline) with the " +
      "requests (certId, typeId, validFrom, validUntil) in the order of `documents`. All or nothing.",
    body: S.SignedIssueManyBody,
    responses: { 201: { description: "Issued.", schema: S.SignedIssueManyResponse }, ...signedErrors },
    handler: async ({ principal, body }) => ({
      status: 201,
      body: await issueManySigned(deps, {
        agency: me(principal),
        documents: body.documents,
        deadline: body.deadline,
        signature: body.signature as Hex,
        max: ISSUE_MANY_MAX,
      }),
    }),
  });

  defineRoute(r, env, {
    method: "post",
    path: "/v1/agency/batches/signed",
    auth: "agency",
    tag: TAG,
    summary: "Anchor a Merkle batch the agency built and signed",
    description:
      "Every document of the batch, each carrying its proof to `root`, and the AnchorBatch(root, typeId, count, deadline) signature by their issuer key. " +
      "The gateway checks every document, rebuilds the root from their leaves, stores the members and relays anchorBatchBySig.",
    before: [batchParser],
    body: S.SignedBatchBody,
    responses: { 201: { description: "Anchored.", schema: S.SignedBatchResponse }, ...signedErrors },
    handler: async ({ principal, body }) => ({
      status: 201,
      body: await anchorSignedBatch(deps, {
        agency: me(principal),
        root: body.root as Bytes32,
        documents: body.documents,
        deadline: body.deadline,
        signature: body.signature as Hex,
        max: deps.settings.maxBatchSize,
      }),
    }),
  });

  defineRoute(r, env, {
    method: "get",
    path: "/v1/agency/certificates/:certId/status-nonce",
    auth: "agency",
    tag: TAG,
    summary: "What a signed StatusChange for this certificate must carry (batchRoot, nonce)",
    params: S.CertIdParams,
    query: S.EmptyQuery,
    responses: {
      200: { description: "The certificate's status nonce.", schema: S.StatusNonce },
      403: { description: "Another agency's certificate.", schema: S.ErrorResponse },
      404: { description: "No such certificate.", schema: S.ErrorResponse },
    },
    handler: async ({ principal, params }) => ({
      body: await statusNonce(deps, { agency: me(principal), certId: params.certId as Bytes32 }),
    }),
  });

  const signedStatusRoute = (action: StatusAction, body: z.ZodObject) =>
    defineRoute(r, env, {
      method: "post",
      path: `/v1/agency/certificates/:certId/${action}/signed`,
      auth: "agency",
      tag: TAG,
      summary: `${action[0].toUpperCase()}${action.slice(1)} under the agency's StatusChange signature`,
      description:
        "The agency signs StatusChange(certId, batchRoot, status, reason, replacementCertId, replacementBatchRoot, nonce, deadline) with any current key " +
        "of the issuing agency, the nonce read from GET /v1/agency/certificates/{certId}/status-nonce; the gateway checks and relays the by-signature call.",
      params: S.CertIdParams,
      body,
      responses: {
        200: { description: "Changed on chain.", schema: S.StatusChangeResponse },
        404: { description: "No such certificate.", schema: S.ErrorResponse },
        ...signedErrors,
      },
      handler: async ({ principal, params, body: b }) => {
        const parsed = b as z.infer<typeof S.SignedSupersedeBody>;
        return {
          body: await changeStatusSigned(deps, {
            agency: me(principal),
            certId: params.certId as Bytes32,
            action,
            reason: parsed.reason,
            replacement: parsed.replacement as Bytes32 | undefined,
            batchProof: parsed.batchProof as Bytes32[] | undefined,
            signer: parsed.signer as Address,
            nonce: parsed.nonce,
            deadline: parsed.deadline,
            signature: parsed.signature as Hex,
          }),
        };
      },
    });
  signedStatusRoute("revoke", S.SignedRevokeBody);
  signedStatusRoute("suspend", S.SignedSuspendBody);
  signedStatusRoute("reinstate", S.SignedReinstateBody);
  signedStatusRoute("supersede", S.SignedSupersedeBody);

  return r;
}
