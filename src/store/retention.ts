/**
 * Retention: what the gateway no longer needs is deleted by a periodic sweep (src/wiring/gateway.ts runs
 * it), so the store does not grow for ever:
 * - Idempotency-Key bindings and their first answers (`idempotent_requests`), and the drafts kept under
 *   them (`idempotency_keys`, issue and batch), once past the idempotency window: the same key is then a
 *   new request (its work is keyed by a new token, so no old outbox row answers for it);
 * - counter requests some time after they expired;
 * - shares (kept in `idempotency_keys` under `share:<id>`, with their encrypted documents) some time
 *   after they expired, and used-up shares at once (their uses are counted on chain, read from the
 *   indexer's `grants` projection).
 * - pickups (`pickups`: sealed documents waiting for, or picked up by, their holder's wallet) at the
 *   end of their retention, and wallet backups (`backups`) not written for their retention period;
 * - claim offers (`claim_offers`): an unclaimed one loses its fields and hashes when it expires, and its
 *   tombstone (what the agency's manifest shows) goes some time later, as does a claimed one's.
 * Nothing inside its window or still usable is touched.
 */
import type { Kysely } from "kysely";
import type { ShareRecord } from "../domain/share";
import { SqlClaimOfferStore } from "./claimOffers";
import { SqlBackupStore, SqlPickupStore } from "./holderStores";
import type { Database } from "./schema";

export interface RetentionSettings {
  /** Seconds an Idempotency-Key's binding, answer and drafts are kept. */
  idempotencySeconds: number;
  /** Seconds a counter request is kept after it expired. */
  counterSessionSeconds: number;
  /** Seconds a share is kept after it expired (a used-up share goes at the next sweep). */
  shareSeconds: number;
  /** Seconds a wallet backup is kept after its last write (a pickup carries its own expiry). */
  backupSeconds: number;
  /** Seconds an expired or claimed offer's tombstone is kept after the offer's expiry (default 30 days). */
  claimTombstoneSeconds?: number;
}

export interface RetentionSweep {
  idempotentRequests: number;
  drafts: number;
  counterSessions: number;
  shares: number;
  pickups: number;
  backups: number;
  /** Unclaimed offers that expired and lost their personal data. */
  claimOffers: number;
}

const SHARE_PREFIX = "share:";

/** Deletes what is past retention at `now` (unix seconds); returns how many rows of each kind went. */
export async function sweepRetention(db: Kysely<Database>, s: RetentionSettings, now: number): Promise<RetentionSweep> {
  const idemBefore = now - s.idempotencySeconds;
  const requests = await db.deleteFrom("idempotent_requests").where("created_at", "<", idemBefore).executeTakeFirst();
  const drafts = await db
    .deleteFrom("idempotency_keys")
    .where("created_at", "<", idemBefore)
    .where("key", "not like", `${SHARE_PREFIX}%`)
    .executeTakeFirst();
  const sessions = await db
    .deleteFrom("counter_sessions")
    .where("expires_at", "<", now - s.counterSessionSeconds)
    .executeTakeFirst();
  return {
    idempotentRequests: Number(requests.numDeletedRows),
    drafts: Number(drafts.numDeletedRows),
    counterSessions: Number(sessions.numDeletedRows),
    shares: await sweepShares(db, s, now),
    pickups: await new SqlPickupStore(db).purge(now),
    backups: await new SqlBackupStore(db).purge(now - s.backupSeconds),
    claimOffers: await new SqlClaimOfferStore(db).expire(now, now - (s.claimTombstoneSeconds ?? 30 * 86_400)),
  };
}

/** A page of share records at a time: each is read to learn its expiry and its number of uses. */
const SHARE_PAGE = 500;

async function sweepShares(db: Kysely<Database>, s: RetentionSettings, now: number): Promise<number> {
  let deleted = 0;
  let after = SHARE_PREFIX;
  for (;;) {
    const rows = await db
      .selectFrom("idempotency_keys")
      .select(["key", "result"])
      .where("key", "like", `${SHARE_PREFIX}%`)
      .where("key", ">", after)
      .orderBy("key")
      .limit(SHARE_PAGE)
      .execute();
    if (rows.length === 0) return deleted;
    after = rows[rows.length - 1].key;
    for (const row of rows) {
      const share = JSON.parse(row.result) as ShareRecord;
      const expired = share.validUntil + s.shareSeconds < now;
      // Checks under a link are recorded on chain (src/domain/share.ts): the grant's uses say what is left.
      const usedUp =
        !expired &&
        (await db
          .selectFrom("grants")
          .select("grant_id")
          .where("grant_id", "=", share.grantId)
          .whereRef("uses", ">=", "max_uses")
          .executeTakeFirst()) !== undefined;
      if (!expired && !usedUp) continue;
      await db.deleteFrom("idempotency_keys").where("key", "=", row.key).execute();
      deleted++;
    }
  }
}
