/**
 * Opens the store: Kysely over better-sqlite3 (a file, the embedded default) or over PostgreSQL
 * (`pg` pool), then runs the migrations. Everything above this file is dialect-free.
 *
 *   const store = await openStore({ url: "sqlite:./data/certledger.sqlite" });
 *   const store = await openStore({ url: "postgres://user:pass@host/db" });
 */
import fs from "node:fs";
import path from "node:path";
import { Kysely, PostgresDialect, SqliteDialect } from "kysely";
import type { Database } from "./schema";
import { migrateToLatest, type DialectName } from "./migrations";
import { BACKSTOP_CHECKPOINT_PAGES, startWalCheckpointer, type WalCheckpointer } from "./walCheckpointer";

export interface StoreOptions {
  /** "sqlite:<file>" (":memory:" for tests), a bare file path, or "postgres://..." */
  url: string;
  /** PostgreSQL pool size (default 10). */
  poolSize?: number;
  /** Told when PostgreSQL closes an idle pooled connection (default: a JSON line on stderr). */
  onIdleConnectionError?: (e: Error) => void;
  /**
   * SQLite: fsync every commit (synchronous=FULL) instead of at WAL checkpoints (NORMAL). NORMAL (the
   * default) loses no commit when the process dies (SIGKILL, crash), only on power loss or an OS crash,
   * and is several times faster under many small commits. The embedded chain's journal is fsynced on
   * every block regardless, and the index is re-derived from it, so what power loss can cost is the
   * gateway-only state of the last moments (outbox/idempotency rows of work not yet acknowledged).
   */
  fsyncEveryCommit?: boolean;
  /**
   * SQLite file: WAL checkpoints run on a thread of their own (src/store/walCheckpointer.ts), not inside
   * the commits of the event loop. Default true.
   */
  backgroundCheckpoints?: boolean;
}

export interface Store {
  db: Kysely<Database>;
  dialect: DialectName;
  /**
   * SQLite only: copies the live database into `file` with SQLite's online backup API (pages copied in
   * steps between queries; writes made meanwhile are carried into the copy), never a file copy.
   */
  backupTo?(file: string): Promise<void>;
  close(): Promise<void>;
}

export function dialectOf(url: string): DialectName {
  return /^postgres(ql)?:\/\//.test(url) ? "postgres" : "sqlite";
}

export async function openStore(opts: StoreOptions): Promise<Store> {
  const dialect = dialectOf(opts.url);
  let db: Kysely<Database>;
  let backupTo: Store["backupTo"];
  let checkpointer: WalCheckpointer | undefined;
  if (dialect === "postgres") {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const pg = require("pg") as typeof import("pg");
    // int8 (bigint) and numeric come back as strings by default; every integer here fits a JS number.
    const types = {
      getTypeParser(oid: number, format?: "text" | "binary") {
        if (oid === 20) return (v: string) => Number(v);
        return pg.types.getTypeParser(oid, format as "text");
      },
    };
    const pool = new pg.Pool({ connectionString: opts.url, max: opts.poolSize ?? 10, types });
    // An idle connection the server closes (a restart, a failover, pg_terminate_backend) is reported
    // here; without a listener Node treats it as an uncaught error and the gateway exits. The pool
    // drops that connection and opens a new one for the next query, so it is only worth a warning.
    pool.on(
      "error",
      opts.onIdleConnectionError ??
        ((e) =>
          process.stderr.write(
            `${JSON.stringify({ level: "warn", msg: "PostgreSQL closed an idle connection", err: e.message })}\n`,
          )),
    );
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  } else {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const BetterSqlite3 = require("better-sqlite3") as typeof import("better-sqlite3");
    const file = opts.url.replace(/^sqlite:(\/\/)?/, "");
    if (file !== ":memory:") fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    const conn = new BetterSqlite3(file);
    // WAL: readers never wait for the writer. See `fsyncEveryCommit` for the synchronous level.
    conn.pragma("journal_mode = WAL");
    conn.pragma(
      `synchronous = ${opts.fsyncEveryCommit || process.env.CERTLEDGER_SQLITE_FSYNC === "1" ? "FULL" : "NORMAL"}`,
    );
    conn.pragma("busy_timeout = 5000");
    if (file !== ":memory:" && opts.backgroundCheckpoints !== false) {
      conn.pragma(`wal_autocheckpoint = ${BACKSTOP_CHECKPOINT_PAGES}`);
      checkpointer = startWalCheckpointer({ file: path.resolve(file) });
    }
    // Kysely prepares every query anew; the same few statements run for every request, so reuse them
    // (preparing costs as much as running a small insert). Long texts (multi-row inserts) are not kept.
    const statements = new Map<string, ReturnType<typeof conn.prepare>>();
    const database = {
      prepare(sql: string) {
        let st = statements.get(sql);
        if (!st) {
          st = conn.prepare(sql);
          if (sql.length <= 4096) {
            if (statements.size >= 1000) statements.delete(statements.keys().next().value as string);
            statements.set(sql, st);
          }
        }
        return st;
      },
      close: () => conn.close(),
    };
    db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
    if (file !== ":memory:") backupTo = async (to) => void (await conn.backup(to));
  }
  await migrateToLatest(db, dialect);
  return {
    db,
    dialect,
    backupTo,
    async close() {
      await checkpointer?.stop();
      await db.destroy();
    },
  };
}
