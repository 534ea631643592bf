/**
 * Group commit for the small writes every request makes (idempotency claim, outbox row): the writes
 * asked for in one turn of the event loop run in ONE transaction, and each caller resolves only after
 * that transaction committed. Under 50 concurrent issues this turns ~100 commits per block of requests
 * into a handful; each SQLite commit costs about as much as the insert itself (WAL page writes).
 *
 *   const writes = new GroupCommit(db, store.dialect === "sqlite");
 *   const row = await writes.run((trx) => trx.insertInto(...).execute());
 *
 * A job that throws fails alone (SQLite undoes just that statement; the others still commit); if the
 * commit itself fails, every job of the group is rejected, so nothing is acknowledged that is not
 * durable. Disabled (each job runs on its own), it is a plain pass-through: PostgreSQL keeps its pool.
 */
import type { Kysely } from "kysely";
import type { Database } from "./schema";

type Job = {
  fn: (db: Kysely<Database>) => Promise<unknown>;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
};

export class GroupCommit {
  private queue: Job[] = [];
  private scheduled = false;
  readonly stats = { groups: 0, jobs: 0 };

  constructor(
    private readonly db: Kysely<Database>,
    private readonly enabled = true,
  ) {}

  run<T>(fn: (db: Kysely<Database>) => Promise<T>): Promise<T> {
    if (!this.enabled) return fn(this.db);
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    const jobs = this.queue;
    this.queue = [];
    this.scheduled = false;
    this.stats.groups++;
    this.stats.jobs += jobs.length;
    if (jobs.length === 1) {
      const j = jobs[0];
      j.fn(this.db).then(j.resolve, j.reject);
      return;
    }
    const results: ({ ok: true; v: unknown } | { ok: false; e: unknown })[] = [];
    try {
      await this.db.transaction().execute(async (trx) => {
        for (const j of jobs) {
          try {
            results.push({ ok: true, v: await j.fn(trx) });
          } catch (e) {
            results.push({ ok: false, e });
          }
        }
      });
    } catch (e) {
      for (const j of jobs) j.reject(e);
      return;
    }
    jobs.forEach((j, i) => {
      const r = results[i];
      if (r.ok) j.resolve(r.v);
      else j.reject(r.e);
    });
  }
}
