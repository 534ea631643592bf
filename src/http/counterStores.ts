/**
 * Adapts the store's SQL repository of counter sessions (src/store/gatewayStores.ts,
 * SqlCounterSessions: states open → presented → verified, or open → declined, conditional transitions)
 * to the domain's CounterSessionStore (OPEN → ANSWERING → ANSWERED, or OPEN → DECLINED). Typed
 * structurally so the HTTP layer does not depend on the store's module.
 */
import type { Address } from "../domain/ports";
import type { CounterResult, CounterSession, CounterSessionStore } from "../domain/counter";

type SqlState = "open" | "presented" | "verified" | "failed" | "expired" | "declined";

/** A counter session row as SqlCounterSessions reads and writes it. */
export interface SqlCounterSessionRow {
  id: string;
  verifier: Address;
  typesWanted: string[];
  purpose: string;
  nonce: string;
  expiresAt: number;
  state: SqlState;
  result?: unknown;
  createdAt: number;
}

export interface SqlCounterSessionsLike {
  create(s: SqlCounterSessionRow): Promise<void>;
  get(id: string): Promise<SqlCounterSessionRow | undefined>;
  getMany(ids: string[]): Promise<SqlCounterSessionRow[]>;
  transition(id: string, from: SqlState, to: SqlState, result?: unknown): Promise<boolean>;
}

const TO_DOMAIN: Record<SqlState, CounterSession["state"]> = {
  open: "OPEN",
  presented: "ANSWERING",
  verified: "ANSWERED",
  failed: "ANSWERED",
  expired: "ANSWERED",
  declined: "DECLINED",
};

function toDomain(r: SqlCounterSessionRow): CounterSession {
  // A declined row's result column holds { declinedAt }; an answered one's, the verdict.
  const declined = r.state === "declined" ? (r.result as { declinedAt: number } | undefined) : undefined;
  return {
    id: r.id,
    verifier: r.verifier,
    types: r.typesWanted,
    purpose: r.purpose,
    nonce: r.nonce,
    createdAt: r.createdAt,
    expiresAt: r.expiresAt,
    state: TO_DOMAIN[r.state],
    result: declined ? undefined : (r.result as CounterResult | undefined),
    declinedAt: declined?.declinedAt,
  };
}

export function sqlCounterSessionStore(sql: SqlCounterSessionsLike, now: () => number): CounterSessionStore {
  return {
    async insert(s) {
      await sql.create({ ...s, typesWanted: s.types, state: "open", result: undefined });
    },
    async get(id) {
      const r = await sql.get(id);
      return r && toDomain(r);
    },
    async getMany(ids) {
      return (await sql.getMany(ids)).map(toDomain);
    },
    async claim(id, at) {
      const r = await sql.get(id);
      if (!r || r.state !== "open" || Math.max(at, now()) >= r.expiresAt) return false;
      return sql.transition(id, "open", "presented");
    },
    async complete(id, result) {
      await sql.transition(id, "presented", "verified", result);
    },
    async release(id) {
      await sql.transition(id, "presented", "open");
    },
    async decline(id, at) {
      const r = await sql.get(id);
      if (!r || r.state !== "open" || Math.max(at, now()) >= r.expiresAt) return false;
      return sql.transition(id, "open", "declined", { declinedAt: at });
    },
  };
}
