/**
 * The relayer's outbox: work the gateway accepted and must put on chain exactly once. A row is
 * written (durably) before anything is sent; its dedup_key makes a second acceptance of the same
 * work return the first row; on restart every row not yet `done`/`failed` is checked against the
 * chain and re-sent only when the chain does not already hold its effect.
 */
import type { Kysely, Selectable } from "kysely";
import type { GroupCommit } from "./groupCommit";
import type { Database, OutboxTable } from "./schema";

export type OutboxRow = Selectable<OutboxTable>;
export type OutboxState = "pending" | "sent" | "done" | "failed";

export class OutboxRepository {
  /** `writes`: concurrent acceptances share one commit (see GroupCommit). */
  constructor(
    private readonly db: Kysely<Database>,
    private readonly writes?: GroupCommit,
  ) {}

  /** Inserts the work unless its dedup key is known; returns the row and whether it is new. */
  accept(
    kind: string,
    dedupKey: string,
    sender: string,
    payload: unknown,
  ): Promise<{ row: OutboxRow; created: boolean }> {
    return this.writes
      ? this.writes.run((db) => this.acceptIn(db, kind, dedupKey, sender, payload))
      : this.acceptIn(this.db, kind, dedupKey, sender, payload);
  }

  private async acceptIn(
    db: Kysely<Database>,
    kind: string,
    dedupKey: string,
    sender: string,
    payload: unknown,
  ): Promise<{ row: OutboxRow; created: boolean }> {
    const now = Date.now();
    const inserted = await db
      .insertInto("outbox")
      .values({
        kind,
        dedup_key: dedupKey,
        sender,
        payload: JSON.stringify(payload),
        state: "pending",
        tx_hash: null,
        block_number: null,
        attempts: 0,
        last_error: null,
        result: null,
        created_ms: now,
        updated_ms: now,
      })
      .onConflict((oc) => oc.column("dedup_key").doNothing())
      .returningAll()
      .executeTakeFirst();
    if (inserted) return { row: inserted, created: true };
    const row = await db.selectFrom("outbox").selectAll().where("dedup_key", "=", dedupKey).executeTakeFirst();
    if (!row) throw new Error(`outbox: row ${dedupKey} vanished`);
    return { row, created: false };
  }

  byKey(dedupKey: string): Promise<OutboxRow | undefined> {
    return this.db.selectFrom("outbox").selectAll().where("dedup_key", "=", dedupKey).executeTakeFirst();
  }

  /** Work to finish, oldest first. */
  unfinished(): Promise<OutboxRow[]> {
    return this.db.selectFrom("outbox").selectAll().where("state", "in", ["pending", "sent"]).orderBy("id").execute();
  }

  async markSent(ids: number[], txHash: string): Promise<void> {
    if (ids.length === 0) return;
    await this.db
      .updateTable("outbox")
      .set((eb) => ({ state: "sent", tx_hash: txHash, attempts: eb("attempts", "+", 1), updated_ms: Date.now() }))
      .where("id", "in", ids)
      .execute();
  }

  async markDone(
    ids: number[],
    txHash: string | null,
    blockNumber: number | null,
    result?: (id: number) => unknown,
  ): Promise<void> {
    if (ids.length === 0) return;
    const now = Date.now();
    if (!result) {
      await this.db
        .updateTable("outbox")
        .set({ state: "done", tx_hash: txHash, block_number: blockNumber, last_error: null, updated_ms: now })
        .where("id", "in", ids)
        .execute();
      return;
    }
    await this.db.transaction().execute(async (trx) => {
      for (const id of ids) {
        const r = result(id);
        await trx
          .updateTable("outbox")
          .set({
            state: "done",
            tx_hash: txHash,
            block_number: blockNumber,
            last_error: null,
            result: r === undefined ? null : JSON.stringify(r),
            updated_ms: now,
          })
          .where("id", "=", id)
          .execute();
      }
    });
  }

  /** The same transaction, mined again in another block (a reorg): its result stays. */
  async moved(ids: number[], txHash: string, blockNumber: number): Promise<void> {
    if (ids.length === 0) return;
    await this.db
      .updateTable("outbox")
      .set({ tx_hash: txHash, block_number: blockNumber, updated_ms: Date.now() })
      .where("id", "in", ids)
      .execute();
  }

  async markFailed(ids: number[], error: string, result?: unknown): Promise<void> {
    if (ids.length === 0) return;
    await this.db
      .updateTable("outbox")
      .set({
        state: "failed",
        last_error: error.slice(0, 2000),
        result: result === undefined ? null : JSON.stringify(result),
        updated_ms: Date.now(),
      })
      .where("id", "in", ids)
      .execute();
  }

  /** Back to pending after a send that did not land (the next attempt re-checks the chain first). */
  async markRetry(ids: number[], error: string): Promise<void> {
    if (ids.length === 0) return;
    await this.db
      .updateTable("outbox")
      .set({ state: "pending", last_error: error.slice(0, 2000), updated_ms: Date.now() })
      .where("id", "in", ids)
      .execute();
  }

  /** Rows not settled yet (pending or sent), and when the oldest of them was accepted (ms). */
  async backlog(): Promise<{ rows: number; oldestCreatedMs: number | null }> {
    const r = await this.db
      .selectFrom("outbox")
      .select([(eb) => eb.fn.countAll<number>().as("n"), (eb) => eb.fn.min("created_ms").as("oldest")])
      .where("state", "in", ["pending", "sent"])
      .executeTakeFirstOrThrow();
    return { rows: Number(r.n), oldestCreatedMs: r.oldest === null ? null : Number(r.oldest) };
  }

  async counts(): Promise<Record<OutboxState, number>> {
    const rows = await this.db
      .selectFrom("outbox")
      .select(["state", (eb) => eb.fn.countAll<number>().as("n")])
      .groupBy("state")
      .execute();
    const out: Record<OutboxState, number> = { pending: 0, sent: 0, done: 0, failed: 0 };
    for (const r of rows) out[r.state as OutboxState] = Number(r.n);
    return out;
  }
}
