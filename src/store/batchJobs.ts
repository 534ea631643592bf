/**
 * Batch jobs that outlive the process. Running jobs stay objects in memory (memoryBatchJobs: their
 * progress changes by the millisecond); every state change is written to `batch_jobs`, and a job's
 * documents go to `batch_documents` before its root is anchored, after which memory holds none of them.
 * So an agency can read its documents after a restart, from any replica, and the gateway's memory no
 * longer grows with the batches it issued.
 *
 * Documents hold personal data: they are deleted `retentionDays` after their batch was submitted
 * (the agency is expected to have handed them to the holders by then); the job's facts remain.
 */
import type { Kysely } from "kysely";
import type { Address, Bytes32, CertificateDocument, Hex } from "../domain/ports";
import { memoryBatchJobs, type BatchItemView, type BatchJob, type BatchJobs } from "../domain/issuance";
import type { DialectName } from "./migrations";
import type { Database } from "./schema";

export interface SqlBatchJobsOptions {
  dialect: DialectName;
  /** Unix seconds now. */
  now: () => number;
  /** Days a batch's documents are kept, default 30. */
  retentionDays?: number;
}

/** Rows per INSERT: under SQLite's and PostgreSQL's bound-parameter limits (6 per row). */
const ROWS_PER_INSERT = 1_000;
/** Rows per transaction: between transactions the event loop serves other requests. */
const ROWS_PER_TRANSACTION = 5_000;

export function sqlBatchJobs(db: Kysely<Database>, opts: SqlBatchJobsOptions): BatchJobs {
  const live = memoryBatchJobs();
  const retention = (opts.retentionDays ?? 30) * 86_400;

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
    if (job.state === "building") {
      // Its process stopped while building: nothing was stored or anchored.
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
        job.state = "done";
        job.txHash = (anchored.tx_hash ?? undefined) as Hex | undefined;
        job.blockNumber = Number(anchored.block_number);
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

  return {
    put: (job) => live.put(job),
    get: (id) => live.get(id),
    trim: () => live.trim?.(),

    async persist(job) {
      const row = {
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
      };
      await db
        .insertInto("batch_jobs")
        .values({ batch_id: job.batchId, ...row })
        .onConflict((oc) => oc.column("batch_id").doUpdateSet(row))
        .execute();
    },

    async saveDocuments(job, items) {
      // Old batches' documents go first (personal data kept no longer than needed).
      const expired = db
        .selectFrom("batch_jobs")
        .select("batch_id")
        .where("created_at", "<", opts.now() - retention);
      await db.deleteFrom("batch_documents").where("batch_id", "in", expired).execute();

      const rows = items.map((it, idx) => ({
        batch_id: job.batchId,
        idx,
        cert_id: it.certId,
        holder: it.holder,
        document: JSON.stringify(it.document),
        proof: JSON.stringify(it.proof),
      }));
      for (let t = 0; t < rows.length; t += ROWS_PER_TRANSACTION) {
        const part = rows.slice(t, t + ROWS_PER_TRANSACTION);
        await db.transaction().execute(async (trx) => {
          for (let i = 0; i < part.length; i += ROWS_PER_INSERT) {
            await trx
              .insertInto("batch_documents")
              .values(part.slice(i, i + ROWS_PER_INSERT))
              .onConflict((oc) => oc.columns(["batch_id", "idx"]).doNothing())
              .execute();
          }
        });
        if (opts.dialect === "sqlite") await new Promise((r) => setImmediate(r));
      }
    },

    async load(batchId) {
      const r = await db.selectFrom("batch_jobs").selectAll().where("batch_id", "=", batchId).executeTakeFirst();
      return r ? fromRow(r) : undefined;
    },

    async documents(batchId, offset, limit): Promise<BatchItemView[]> {
      const rows = await db
        .selectFrom("batch_documents")
        .select(["cert_id", "holder", "document", "proof"])
        .where("batch_id", "=", batchId)
        .where("idx", ">=", offset)
        .where("idx", "<", offset + limit)
        .orderBy("idx")
        .execute();
      return rows.map((r) => ({
        certId: r.cert_id as Bytes32,
        holder: r.holder as Address,
        document: JSON.parse(r.document) as CertificateDocument,
        proof: JSON.parse(r.proof) as Bytes32[],
      }));
    },
  };
}
