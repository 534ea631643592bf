/**
 * Claim offers (src/domain/claims.ts) on SQLite and PostgreSQL. Every state change is one conditional
 * UPDATE, so two replicas (or two requests) racing on one offer cannot both claim it or miscount its
 * wrong attempts.
 */
import { sql, type Kysely } from "kysely";
import type { Address, Bytes32, ClaimOfferRecord, ClaimOfferStore } from "../domain/ports";
import type { ClaimOffersTable, Database } from "./schema";

function toOffer(r: ClaimOffersTable): ClaimOfferRecord {
  return {
    id: r.id,
    agency: r.agency as Address,
    type: r.type,
    origin: r.origin,
    itemIndex: Number(r.item_index),
    codeHash: r.code_hash,
    referenceHash: r.reference_hash,
    referenceFields: JSON.parse(r.reference_fields) as string[],
    draft: r.draft,
    state: r.state as ClaimOfferRecord["state"],
    failures: Number(r.failures),
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
    claimedAt: r.claimed_at === null ? undefined : Number(r.claimed_at),
    holder: (r.holder ?? undefined) as Address | undefined,
    certId: (r.cert_id ?? undefined) as Bytes32 | undefined,
  };
}

/** Rows per INSERT: PostgreSQL allows 65,535 parameters a statement, SQLite 32,766; 17 columns a row. */
const INSERT_ROWS = 1_000;

export class SqlClaimOfferStore implements ClaimOfferStore {
  constructor(private readonly db: Kysely<Database>) {}

  async create(offers: ClaimOfferRecord[]): Promise<boolean> {
    const rows: ClaimOffersTable[] = offers.map((o) => ({
      id: o.id,
      agency: o.agency.toLowerCase(),
      type: o.type,
      origin: o.origin,
      item_index: o.itemIndex,
      code_hash: o.codeHash,
      reference_hash: o.referenceHash,
      reference_fields: JSON.stringify(o.referenceFields),
      draft: o.draft,
      state: o.state,
      failures: o.failures,
      created_at: o.createdAt,
      expires_at: o.expiresAt,
      claimed_at: o.claimedAt ?? null,
      holder: o.holder ?? null,
      cert_id: o.certId ?? null,
    }));
    try {
      await this.db.transaction().execute(async (tx) => {
        for (let i = 0; i < rows.length; i += INSERT_ROWS)
          await tx
            .insertInto("claim_offers")
            .values(rows.slice(i, i + INSERT_ROWS))
            .execute();
      });
      return true;
    } catch (e) {
      // A taken id (random ids collide rarely): nothing was written; the caller draws new ids.
      if (/unique|duplicate/i.test(String((e as Error).message))) return false;
      throw e;
    }
  }

  async get(id: string): Promise<ClaimOfferRecord | undefined> {
    const r = await this.db.selectFrom("claim_offers").selectAll().where("id", "=", id).executeTakeFirst();
    return r ? toOffer(r) : undefined;
  }

  async byOrigin(agency: Address, origin: string): Promise<ClaimOfferRecord[]> {
    const rows = await this.db
      .selectFrom("claim_offers")
      .selectAll()
      .where("agency", "=", agency.toLowerCase())
      .where("origin", "=", origin)
      .orderBy("item_index")
      .execute();
    return rows.map(toOffer);
  }

  async fail(id: string, lockAt: number): Promise<{ failures: number; state: ClaimOfferRecord["state"] } | undefined> {
    await this.db
      .updateTable("claim_offers")
      .set({
        failures: sql<number>`failures + 1`,
        state: sql<string>`case when failures + 1 >= ${lockAt} then 'locked' else state end`,
      })
      .where("id", "=", id)
      .where("state", "=", "open")
      .execute();
    const r = await this.db
      .selectFrom("claim_offers")
      .select(["failures", "state"])
      .where("id", "=", id)
      .executeTakeFirst();
    return r ? { failures: Number(r.failures), state: r.state as ClaimOfferRecord["state"] } : undefined;
  }

  async markClaimed(id: string, p: { holder: Address; certId: Bytes32; at: number; draft: string }): Promise<boolean> {
    const r = await this.db
      .updateTable("claim_offers")
      .set({
        state: "claimed",
        holder: p.holder.toLowerCase(),
        cert_id: p.certId.toLowerCase(),
        claimed_at: p.at,
        draft: p.draft,
      })
      .where("id", "=", id)
      .where("state", "=", "open")
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async finish(id: string): Promise<void> {
    await this.db
      .updateTable("claim_offers")
      .set({ draft: null, code_hash: null, reference_hash: null })
      .where("id", "=", id)
      .where("state", "=", "claimed")
      .execute();
  }

  async expire(now: number, purgeBefore: number): Promise<number> {
    // A claimed offer whose certificate is not on chain yet keeps its draft: the claimant's retry finishes it.
    const r = await this.db
      .updateTable("claim_offers")
      .set({ state: "expired", draft: null, code_hash: null, reference_hash: null })
      .where("expires_at", "<=", now)
      .where("state", "in", ["open", "locked"])
      .executeTakeFirst();
    await this.db
      .deleteFrom("claim_offers")
      .where("expires_at", "<", purgeBefore)
      .where("state", "in", ["expired", "claimed"])
      .where("draft", "is", null)
      .execute();
    return Number(r.numUpdatedRows);
  }
}
