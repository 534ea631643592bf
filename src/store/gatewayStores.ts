/**
 * The gateway's own state behind the domain's ports: API principals (key hashes only), idempotency
 * keys, the replay guard of signed requests, counter sessions and the agency's stored documents.
 */
import type { Kysely, Selectable } from "kysely";
import type {
  Address,
  IdempotencyRecord,
  IdempotencyStore,
  IdempotentRequestRecord,
  IdempotentRequestStore,
  Principal,
  PrincipalRole,
  PrincipalStore,
  ReplayGuard,
  StoredAnswer,
} from "../domain/ports";
import type { GroupCommit } from "./groupCommit";
import type { CounterSessionsTable, Database, PrincipalsTable } from "./schema";

function toPrincipal(r: Omit<PrincipalsTable, "key_hash">): Principal {
  return {
    id: r.id,
    role: r.role as PrincipalRole,
    address: r.address as Address,
    label: r.label,
    createdAt: Number(r.created_at),
    disabled: r.disabled === 1,
  };
}

export class SqlPrincipalStore implements PrincipalStore {
  constructor(private readonly db: Kysely<Database>) {}

  async create(p: Principal & { keyHash: string }): Promise<void> {
    await this.db
      .insertInto("principals")
      .values({
        id: p.id,
        key_hash: p.keyHash,
        role: p.role,
        address: p.address.toLowerCase(),
        label: p.label,
        created_at: p.createdAt,
        disabled: p.disabled ? 1 : 0,
      })
      .execute();
  }

  async findByKeyHash(keyHash: string): Promise<Principal | undefined> {
    const r = await this.db
      .selectFrom("principals")
      .select(["id", "role", "address", "label", "created_at", "disabled"])
      .where("key_hash", "=", keyHash)
      .executeTakeFirst();
    return r ? toPrincipal(r) : undefined;
  }

  async list(): Promise<Principal[]> {
    const rows = await this.db
      .selectFrom("principals")
      .select(["id", "role", "address", "label", "created_at", "disabled"])
      .orderBy("created_at")
      .orderBy("id")
      .execute();
    return rows.map(toPrincipal);
  }

  async count(): Promise<number> {
    const r = await this.db
      .selectFrom("principals")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async setDisabled(id: string, disabled: boolean): Promise<void> {
    await this.db
      .updateTable("principals")
      .set({ disabled: disabled ? 1 : 0 })
      .where("id", "=", id)
      .execute();
  }
}

export class SqlIdempotencyStore implements IdempotencyStore {
  /** `writes`: concurrent claims share one commit (see GroupCommit). */
  constructor(
    private readonly db: Kysely<Database>,
    private readonly writes?: GroupCommit,
  ) {}

  claim(key: string, record: IdempotencyRecord): Promise<IdempotencyRecord | undefined> {
    return this.writes ? this.writes.run((db) => this.claimIn(db, key, record)) : this.claimIn(this.db, key, record);
  }

  private async claimIn(
    db: Kysely<Database>,
    key: string,
    record: IdempotencyRecord,
  ): Promise<IdempotencyRecord | undefined> {
    const inserted = await db
      .insertInto("idempotency_keys")
      .values({
        key,
        request_hash: record.requestHash,
        result: JSON.stringify(record.result ?? null),
        done: record.done ? 1 : 0,
        created_at: record.createdAt,
      })
      .onConflict((oc) => oc.column("key").doNothing())
      .returning("key")
      .executeTakeFirst();
    if (inserted) return undefined;
    const r = await db.selectFrom("idempotency_keys").selectAll().where("key", "=", key).executeTakeFirstOrThrow();
    return {
      requestHash: r.request_hash,
      result: JSON.parse(r.result),
      done: r.done === 1,
      createdAt: Number(r.created_at),
    };
  }

  async get(key: string): Promise<IdempotencyRecord | undefined> {
    const r = await this.db.selectFrom("idempotency_keys").selectAll().where("key", "=", key).executeTakeFirst();
    return r
      ? {
          requestHash: r.request_hash,
          result: JSON.parse(r.result),
          done: r.done === 1,
          createdAt: Number(r.created_at),
        }
      : undefined;
  }

  async markDone(key: string): Promise<void> {
    await this.db.updateTable("idempotency_keys").set({ done: 1 }).where("key", "=", key).execute();
  }
}

export class SqlIdempotentRequests implements IdempotentRequestStore {
  /** `writes`: concurrent writes share one commit (see GroupCommit). */
  constructor(
    private readonly db: Kysely<Database>,
    private readonly writes?: GroupCommit,
  ) {}

  private write<T>(fn: (db: Kysely<Database>) => Promise<T>): Promise<T> {
    return this.writes ? this.writes.run(fn) : fn(this.db);
  }

  begin(key: string, record: IdempotentRequestRecord): Promise<IdempotentRequestRecord | undefined> {
    return this.write(async (db) => {
      const inserted = await db
        .insertInto("idempotent_requests")
        .values({
          key,
          route: record.route,
          request_hash: record.requestHash,
          token: record.token,
          status: null,
          answer: null,
          created_at: record.createdAt,
        })
        .onConflict((oc) => oc.column("key").doNothing())
        .returning("key")
        .executeTakeFirst();
      if (inserted) return undefined;
      const r = await db.selectFrom("idempotent_requests").selectAll().where("key", "=", key).executeTakeFirst();
      // Swept between the insert and the read (a record past its window): the client's retry starts afresh.
      if (!r) throw new Error(`idempotent request ${key} vanished`);
      const answer = r.answer === null ? undefined : (JSON.parse(r.answer) as Omit<StoredAnswer, "status">);
      return {
        route: r.route,
        requestHash: r.request_hash,
        token: r.token,
        createdAt: Number(r.created_at),
        answer: answer && r.status !== null ? { status: Number(r.status), ...answer } : undefined,
      };
    });
  }

  async complete(key: string, answer: StoredAnswer): Promise<void> {
    await this.write((db) =>
      db
        .updateTable("idempotent_requests")
        .set({ status: answer.status, answer: JSON.stringify({ body: answer.body, headers: answer.headers }) })
        .where("key", "=", key)
        .execute(),
    );
  }

  async release(key: string): Promise<void> {
    await this.write((db) =>
      db.deleteFrom("idempotent_requests").where("key", "=", key).where("status", "is", null).execute(),
    );
  }
}

export class SqlReplayGuard implements ReplayGuard {
  private lastPurge = 0;
  constructor(
    private readonly db: Kysely<Database>,
    private readonly nowSeconds: () => number = () => Math.floor(Date.now() / 1000),
  ) {}

  async claim(key: string, expiresAt: number): Promise<boolean> {
    const now = this.nowSeconds();
    if (now - this.lastPurge > 60) {
      this.lastPurge = now;
      await this.db.deleteFrom("replay_guard").where("expires_at", "<", now).execute();
    }
    const inserted = await this.db
      .insertInto("replay_guard")
      .values({ key, expires_at: expiresAt })
      .onConflict((oc) => oc.column("key").doNothing())
      .returning("key")
      .executeTakeFirst();
    if (inserted) return true;
    // A key whose window passed may be used again (its signature's deadline already refuses it).
    const updated = await this.db
      .updateTable("replay_guard")
      .set({ expires_at: expiresAt })
      .where("key", "=", key)
      .where("expires_at", "<", now)
      .executeTakeFirst();
    return Number(updated.numUpdatedRows) > 0;
  }
}

export interface CounterSession {
  id: string;
  verifier: Address;
  typesWanted: string[];
  purpose: string;
  nonce: string;
  expiresAt: number;
  state: "open" | "presented" | "verified" | "failed" | "expired" | "declined";
  result?: unknown;
  createdAt: number;
}

function toCounterSession(r: Selectable<CounterSessionsTable>): CounterSession {
  return {
    id: r.id,
    verifier: r.verifier as Address,
    typesWanted: JSON.parse(r.types_wanted),
    purpose: r.purpose,
    nonce: r.nonce,
    expiresAt: Number(r.expires_at),
    state: r.state as CounterSession["state"],
    result: r.result === null ? undefined : JSON.parse(r.result),
    createdAt: Number(r.created_at),
  };
}

export class SqlCounterSessions {
  constructor(private readonly db: Kysely<Database>) {}

  async create(s: CounterSession): Promise<void> {
    await this.db
      .insertInto("counter_sessions")
      .values({
        id: s.id,
        verifier: s.verifier.toLowerCase(),
        types_wanted: JSON.stringify(s.typesWanted),
        purpose: s.purpose,
        nonce: s.nonce,
        expires_at: s.expiresAt,
        state: s.state,
        result: s.result === undefined ? null : JSON.stringify(s.result),
        created_at: s.createdAt,
      })
      .execute();
  }

  async get(id: string): Promise<CounterSession | undefined> {
    const r = await this.db.selectFrom("counter_sessions").selectAll().where("id", "=", id).executeTakeFirst();
    return r && toCounterSession(r);
  }

  async getMany(ids: string[]): Promise<CounterSession[]> {
    if (ids.length === 0) return [];
    const rows = await this.db.selectFrom("counter_sessions").selectAll().where("id", "in", ids).execute();
    return rows.map(toCounterSession);
  }

  /** Moves a session from `from` to `to` atomically; false when it was not in `from` (raced or used). */
  async transition(
    id: string,
    from: CounterSession["state"],
    to: CounterSession["state"],
    result?: unknown,
  ): Promise<boolean> {
    const r = await this.db
      .updateTable("counter_sessions")
      .set({ state: to, ...(result === undefined ? {} : { result: JSON.stringify(result) }) })
      .where("id", "=", id)
      .where("state", "=", from)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }
}
