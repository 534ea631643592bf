/**
 * Batch jobs that outlive the process. Running jobs stay objects in memory (memoryBatchJobs: their
 * progress changes by the millisecond); every state change is written to `batch_jobs`, and a job's
 * documents go to `batch_documents` before its root is anchored, after which memory holds none of them.
 * So an agency can read its documents after a restart, from any replica, and the gateway's memory no
 * longer grows with the batches it issued.
 *
 * A job being built is owned: `owner` is the process's random id and `lease_until` is renewed while it
 * runs. Its input waits in `batch_inputs` until its documents are stored. If the owner stops, the job is
 * claimed (`claimStale`) by the restarted process or another replica and built again. Every write the
 * owner makes checks that it still owns the job, so a stalled owner cannot mix its documents with the
 * new owner's or anchor a second root.
 *
 * Documents hold personal data: they are deleted `retentionDays` after their batch was submitted
 * (the agency is expected to have handed them to the holders by then); the job's facts remain.
 */
import { randomUUID } from "node:crypto";
import { CompiledQuery, sql, type Kysely, type Transaction } from "kysely";
import type { Address, Bytes32, CertificateDocument, Hex } from "../domain/ports";
import {
  BATCH_LEASE_RENEW_MS,
  batchTakenOver,
  memoryBatchJobs,
  type BatchGuardian,
  type BatchInput,
  type BatchItemBytes,
  type BatchItemText,
  type BatchItemView,
  type BatchJob,
  type BatchJobs,
} from "../domain/issuance";
import type { DialectName } from "./migrations";
import type { Database } from "./schema";

export interface SqlBatchJobsOptions {
  dialect: DialectName;
  /** Unix seconds now. */
  now: () => number;
  /** Days a batch's documents are kept, default 30. */
  retentionDays?: number;
  /**
   * Seconds a running job's owner may go without renewing before another process takes it over, default
   * 60. The owner renews every quarter of it, so three renewals in a row can be late or lost first.
   */
  leaseSeconds?: number;
}

/** A running job's lease by default: four renewals of BATCH_LEASE_RENEW_MS. */
export const DEFAULT_BATCH_LEASE_SECONDS = (4 * BATCH_LEASE_RENEW_MS) / 1000;

/** Rows per INSERT: under SQLite's and PostgreSQL's bound-parameter limits (6 per row). */
const ROWS_PER_INSERT = 1_000;
/**
 * Rows per transaction: between transactions the event loop serves other requests. 1,000 documents
 * (~3 MB of JSON) take ~100 ms to serialise and write; 5,000 stalled every other request ~600 ms.
 */
const ROWS_PER_TRANSACTION = 1_000;

/** A document's JSON text, from the text or its UTF-8 bytes. */
const textOf = (document: string | Uint8Array): string =>
  typeof document === "string"
    ? document
    : Buffer.from(document.buffer, document.byteOffset, document.byteLength).toString("utf8");

/** Documents per INSERT on SQLite: a statement text short enough to stay prepared (src/store/open.ts). */
const SQLITE_ROWS_PER_STATEMENT = 100;
const insertDocumentsSqlOf = new Map<number, string>();
/** The SQLite INSERT of `n` batch_documents rows, skipping those already there. */
const insertDocumentsSql = (n: number): string => {
  let text = insertDocumentsSqlOf.get(n);
  if (!text) {
    text =
      `insert into "batch_documents" ("batch_id", "idx", "cert_id", "holder", "document", "proof") values ` +
      // A document given as UTF-8 bytes is bound as a blob and stored as the text it is (cast: the same
      // TEXT value binding its string stores; a string is cast to itself).
      Array.from({ length: n }, () => "(?, ?, ?, ?, cast(? as text), ?)").join(", ") +
      ` on conflict ("batch_id", "idx") do nothing`;
    insertDocumentsSqlOf.set(n, text);
  }
  return text;
};

const guardianRow = (batchId: string, g: BatchGuardian) => ({
  batch_id: batchId,
  idx: g.index,
  cert_id: g.certId,
  delegation_id: g.delegationId,
  outbox_key: g.outboxKey,
  relay: JSON.stringify({ issuerKey: g.issuerKey, delegation: g.delegation, batch: g.batch }),
});

const guardianOf = (r: Database["batch_guardians"]): BatchGuardian => {
  const relay = JSON.parse(r.relay) as Pick<BatchGuardian, "issuerKey" | "delegation" | "batch">;
  return {
    index: Number(r.idx),
    certId: r.cert_id as Bytes32,
    delegationId: r.delegation_id as Bytes32,
    outboxKey: r.outbox_key,
    ...relay,
  };
};

export function sqlBatchJobs(db: Kysely<Database>, opts: SqlBatchJobsOptions): BatchJobs {
  const live = memoryBatchJobs();
  const retention = (opts.retentionDays ?? 30) * 86_400;
  const lease = opts.leaseSeconds ?? DEFAULT_BATCH_LEASE_SECONDS;
  const owner = randomUUID();

  /** Extends the lease on a job this process owns in a state it runs; false when it no longer owns it. */
  const hold = async (q: Kysely<Database> | Transaction<Database>, batchId: string, states: string[]) => {
    const r = await q
      .updateTable("batch_jobs")
      .set({ lease_until: opts.now() + lease })
      .where("batch_id", "=", batchId)
      .where("owner", "=", owner)
      .where("state", "in", states)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  };

  const row = (job: BatchJob) => ({
    agency: job.agency,
    type: job.type,
    state: job.state,
    total: job.total,
    root: job.root ?? null,
    tx_hash: job.txHash ?? null,
    block_number: job.blockNumber ?? null,
    error: job.error ? JSON.stringify(job.error) : null,
    created_at: job.createdAt,
    finished_at: job.finishedAt ?? null,
    owner,
    lease_until: job.state === "building" || job.state === "anchoring" ? opts.now() + lease : null,
  });

  const fromRow = async (r: Database["batch_jobs"]): Promise<BatchJob> => {
    const job: BatchJob = {
      batchId: r.batch_id,
      agency: r.agency as Address,
      type: r.type,
      state: r.state as BatchJob["state"],
      total: Number(r.total),
      built: r.root ? Number(r.total) : 0,
      root: (r.root ?? undefined) as Bytes32 | undefined,
      txHash: (r.tx_hash ?? undefined) as Hex | undefined,
      blockNumber: r.block_number === null ? undefined : Number(r.block_number),
      createdAt: Number(r.created_at),
      finishedAt: r.finished_at === null ? undefined : Number(r.finished_at),
      error: r.error ? (JSON.parse(r.error) as BatchJob["error"]) : undefined,
      documentsStored: r.root !== null,
    };
    const leased = r.lease_until !== null && Number(r.lease_until) >= opts.now();
    const resumable =
      job.state === "building" &&
      !leased &&
      !!(await db.selectFrom("batch_inputs").select("batch_id").where("batch_id", "=", job.batchId).executeTakeFirst());
    if (job.state === "building" && !leased && !resumable) {
      // Its process stopped while building, and its input is gone: nothing was stored or anchored.
      job.state = "failed";
      job.built = 0;
      job.error = {
        code: "BATCH_INTERRUPTED",
        message: "The gateway stopped while building this batch; nothing was anchored. Submit it again.",
      };
    } else if (job.state === "anchoring" && job.root) {
      // Its process stopped while anchoring; the outbox lands the root once, so ask the index.
      const anchored = await db
        .selectFrom("batches")
        .select(["tx_hash", "block_number"])
        .where("root", "=", job.root)
        .executeTakeFirst();
      if (anchored) {
        job.txHash = (anchored.tx_hash ?? undefined) as Hex | undefined;
        job.blockNumber = Number(anchored.block_number);
        // Done once its guardian delegations have landed too (a restart relays those still missing).
        const waiting = await db
          .selectFrom("batch_guardians as g")
          .leftJoin("outbox as o", "o.dedup_key", "g.outbox_key")
          .select("g.idx")
          .where("g.batch_id", "=", job.batchId)
          .where((eb) => eb.or([eb("o.id", "is", null), eb("o.state", "in", ["pending", "sent"])]))
          .limit(1)
          .executeTakeFirst();
        if (!waiting) job.state = "done";
      }
    }
    if (job.documentsStored) {
      // One primary-key probe, not a count of a batch's (up to 100,000) rows on every read.
      const held = await db
        .selectFrom("batch_documents")
        .select("idx")
        .where("batch_id", "=", job.batchId)
        .limit(1)
        .executeTakeFirst();
      if (!held) {
        job.documentsStored = false;
        job.documentsReleased = true;
      }
    }
    return job;
  };

  /** The rows of a page of a job's stored documents, in item order. */
  const pageOf = (batchId: string, offset: number, limit: number) =>
    db
      .selectFrom("batch_documents")
      .where("batch_id", "=", batchId)
      .where("idx", ">=", offset)
      .where("idx", "<", offset + limit)
      .orderBy("idx");
  const itemOf = <T>(r: { cert_id: string; holder: string; document: T; proof: T }) => ({
    certId: r.cert_id as Bytes32,
    holder: r.holder as Address,
    document: r.document,
    proof: r.proof,
  });

  /** A page of a job's stored documents, the document and proof as the JSON text they are stored as. */
  const documentTexts = async (batchId: string, offset: number, limit: number): Promise<BatchItemText[]> =>
    (await pageOf(batchId, offset, limit).select(["cert_id", "holder", "document", "proof"]).execute()).map(itemOf);

  /** documentTexts as UTF-8 bytes: the stored text read as a blob, never decoded into a string. */
  const asBytes = (column: "document" | "proof") =>
    opts.dialect === "postgres"
      ? sql<Uint8Array>`convert_to(${sql.ref(column)}, 'UTF8')`.as(column)
      : sql<Uint8Array>`cast(${sql.ref(column)} as blob)`.as(column);
  const documentBytes = async (batchId: string, offset: number, limit: number): Promise<BatchItemBytes[]> =>
    (
      await pageOf(batchId, offset, limit)
        .select(["cert_id", "holder", asBytes("document"), asBytes("proof")])
        .execute()
    ).map(itemOf);

  return {
    put: (job) => live.put(job),
    get: (id) => live.get(id),
    trim: () => live.trim?.(),

    drop: (id) => live.drop?.(id),
    renewEveryMs: (lease * 1000) / 4,

    async begin(job, input) {
      await db.transaction().execute(async (trx) => {
        await trx
          .insertInto("batch_jobs")
          .values({ batch_id: job.batchId, ...row(job) })
          .execute();
        await trx
          .insertInto("batch_inputs")
          .values({ batch_id: job.batchId, body: JSON.stringify(input) })
          .execute();
      });
    },

    async persist(job) {
      const values = row(job);
      return db.transaction().execute(async (trx) => {
        const r = await trx
          .insertInto("batch_jobs")
          .values({ batch_id: job.batchId, ...values })
          .onConflict((oc) => oc.column("batch_id").doUpdateSet(values).where("batch_jobs.owner", "=", owner))
          .executeTakeFirst();
        if (Number(r.numInsertedOrUpdatedRows ?? 0) === 0) return false;
        // Past building, the input is no longer needed (and it holds personal data).
        if (job.state !== "building")
          await trx.deleteFrom("batch_inputs").where("batch_id", "=", job.batchId).execute();
        return true;
      });
    },

    async renew(job) {
      await hold(db, job.batchId, ["building", "anchoring"]);
    },

    async claimStale(o = {}) {
      const now = opts.now();
      let claim = db
        .updateTable("batch_jobs")
        .set({ owner, lease_until: now + lease })
        .where("state", "=", "building")
        .where("batch_id", "in", db.selectFrom("batch_inputs").select("batch_id"));
      if (!o.all) claim = claim.where((eb) => eb.or([eb("lease_until", "is", null), eb("lease_until", "<", now)]));
      const claimed = await claim.returningAll().execute();
      const out: { job: BatchJob; input: BatchInput }[] = [];
      for (const r of claimed) {
        // A job this process is still running (its build held the event loop past the lease) stays with that run.
        const running = live.get(r.batch_id);
        if (running && (running.state === "building" || running.state === "anchoring")) continue;
        const input = await db
          .selectFrom("batch_inputs")
          .select("body")
          .where("batch_id", "=", r.batch_id)
          .executeTakeFirst();
        if (!input) continue;
        out.push({ job: await fromRow(r), input: JSON.parse(input.body) as BatchInput });
      }
      return out;
    },

    async saveDocuments(job, items) {
      // Old batches' documents go first (personal data kept no longer than needed).
      const expired = db
        .selectFrom("batch_jobs")
        .select("batch_id")
        .where("created_at", "<", opts.now() - retention);
      await db.deleteFrom("batch_documents").where("batch_id", "in", expired).execute();

      for (let t = 0; t < items.length; t += ROWS_PER_TRANSACTION) {
        const end = Math.min(items.length, t + ROWS_PER_TRANSACTION);
        await db.transaction().execute(async (trx) => {
          // Each transaction first checks (and, in PostgreSQL, locks) this process's hold on the job.
          if (!(await hold(trx, job.batchId, ["building"]))) throw batchTakenOver(job.batchId);
          // A previous owner's documents (other salts, another root) go before any of ours are written.
          if (t === 0) await trx.deleteFrom("batch_documents").where("batch_id", "=", job.batchId).execute();
          if (opts.dialect === "sqlite") {
            // One statement text for every 100 rows, kept prepared (src/store/open.ts), its parameters
            // bound straight from the items: building and compiling a 1,000-row insert per transaction
            // (6,000 value nodes) was a third of storing a batch's documents, and its garbage.
            for (let i = t; i < end; i += SQLITE_ROWS_PER_STATEMENT) {
              const n = Math.min(SQLITE_ROWS_PER_STATEMENT, end - i);
              const params: unknown[] = new Array(6 * n);
              for (let k = 0; k < n; k++) {
                const it = items[i + k];
                params[6 * k] = job.batchId;
                params[6 * k + 1] = i + k;
                params[6 * k + 2] = it.certId;
                params[6 * k + 3] = it.holder;
                params[6 * k + 4] = it.document;
                params[6 * k + 5] = it.proof;
              }
              await trx.executeQuery(CompiledQuery.raw(insertDocumentsSql(n), params));
            }
            return;
          }
          for (let i = t; i < end; i += ROWS_PER_INSERT) {
            await trx
              .insertInto("batch_documents")
              .values(
                items.slice(i, Math.min(end, i + ROWS_PER_INSERT)).map((it, k) => ({
                  batch_id: job.batchId,
                  idx: i + k,
                  cert_id: it.certId,
                  holder: it.holder,
                  document: textOf(it.document),
                  proof: it.proof,
                })),
              )
              .onConflict((oc) => oc.columns(["batch_id", "idx"]).doNothing())
              .execute();
          }
        });
        await new Promise((r) => setImmediate(r));
      }
    },

    async load(batchId) {
      const r = await db.selectFrom("batch_jobs").selectAll().where("batch_id", "=", batchId).executeTakeFirst();
      return r ? fromRow(r) : undefined;
    },

    documentTexts,
    documentBytes,

    async saveGuardians(job, guardians) {
      await db.transaction().execute(async (trx) => {
        if (!(await hold(trx, job.batchId, ["building"]))) throw batchTakenOver(job.batchId);
        // A previous owner's guardians (for other certIds) go before ours are written.
        await trx.deleteFrom("batch_guardians").where("batch_id", "=", job.batchId).execute();
        for (let i = 0; i < guardians.length; i += ROWS_PER_INSERT) {
          await trx
            .insertInto("batch_guardians")
            .values(guardians.slice(i, i + ROWS_PER_INSERT).map((g) => guardianRow(job.batchId, g)))
            .execute();
        }
      });
    },

    async guardians(batchId, offset, limit) {
      const rows = await db
        .selectFrom("batch_guardians")
        .selectAll()
        .where("batch_id", "=", batchId)
        .where("idx", ">=", offset)
        .where("idx", "<", offset + limit)
        .orderBy("idx")
        .execute();
      return rows.map(guardianOf);
    },

    async claimGuardians(o = {}) {
      const now = opts.now();
      // Anchored jobs one of whose guardian delegations never reached the outbox: the process stopped
      // between the root landing and handing them over (rows already in the outbox are the relayer's).
      let claim = db
        .updateTable("batch_jobs")
        .set({ owner, lease_until: now + lease })
        .where("state", "=", "anchoring")
        .where("root", "in", db.selectFrom("batches").select("root"))
        .where((eb) =>
          eb.exists(
            eb
              .selectFrom("batch_guardians as g")
              .leftJoin("outbox as o", "o.dedup_key", "g.outbox_key")
              .select("g.idx")
              .whereRef("g.batch_id", "=", "batch_jobs.batch_id")
              .where("o.id", "is", null),
          ),
        );
      if (!o.all) claim = claim.where((eb) => eb.or([eb("lease_until", "is", null), eb("lease_until", "<", now)]));
      const claimed = await claim.returningAll().execute();
      const out: { job: BatchJob; guardians: BatchGuardian[] }[] = [];
      for (const r of claimed) {
        const running = live.get(r.batch_id);
        if (running && running.state === "anchoring") continue;
        const rows = await db
          .selectFrom("batch_guardians")
          .selectAll()
          .where("batch_id", "=", r.batch_id)
          .orderBy("idx")
          .execute();
        out.push({ job: await fromRow(r), guardians: rows.map(guardianOf) });
      }
      return out;
    },

    async documents(batchId, offset, limit): Promise<BatchItemView[]> {
      return (await documentTexts(batchId, offset, limit)).map((r) => ({
        certId: r.certId,
        holder: r.holder,
        document: JSON.parse(r.document) as CertificateDocument,
        proof: JSON.parse(r.proof) as Bytes32[],
      }));
    },
  };
}
