/**
 * What the gateway keeps for holders and cannot read: pickups (documents sealed for their holder's
 * wallet) and wallet backups. Both behind the domain's ports, the same on SQLite and PostgreSQL.
 */
import type { Kysely } from "kysely";
import type { Address, BackupRecord, BackupStore, Bytes32, PickupRecord, PickupStore } from "../domain/ports";
import type { Database, PickupsTable } from "./schema";

function toPickup(r: PickupsTable): PickupRecord {
  return {
    id: r.id,
    agency: r.agency as Address,
    certId: r.cert_id as Bytes32,
    sealed: r.sealed,
    confirmHash: r.confirm_hash,
    state: r.state as PickupRecord["state"],
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
    pickedUpAt: r.picked_up_at === null ? undefined : Number(r.picked_up_at),
  };
}

export class SqlPickupStore implements PickupStore {
  constructor(private readonly db: Kysely<Database>) {}

  async create(p: PickupRecord): Promise<PickupRecord> {
    // Two issues racing on one certificate (an Idempotency-Key retried at once) keep the first pickup.
    await this.db
      .insertInto("pickups")
      .values({
        id: p.id,
        agency: p.agency.toLowerCase(),
        cert_id: p.certId.toLowerCase(),
        sealed: p.sealed,
        confirm_hash: p.confirmHash,
        state: p.state,
        created_at: p.createdAt,
        expires_at: p.expiresAt,
        picked_up_at: p.pickedUpAt ?? null,
      })
      .onConflict((oc) => oc.column("cert_id").doNothing())
      .execute();
    return (await this.byCert(p.certId))!;
  }

  async get(id: string): Promise<PickupRecord | undefined> {
    const r = await this.db.selectFrom("pickups").selectAll().where("id", "=", id).executeTakeFirst();
    return r ? toPickup(r) : undefined;
  }

  async byCert(certId: Bytes32): Promise<PickupRecord | undefined> {
    const r = await this.db
      .selectFrom("pickups")
      .selectAll()
      .where("cert_id", "=", certId.toLowerCase())
      .executeTakeFirst();
    return r ? toPickup(r) : undefined;
  }

  async markPickedUp(id: string, at: number): Promise<boolean> {
    const r = await this.db
      .updateTable("pickups")
      .set({ state: "picked_up", sealed: null, picked_up_at: at })
      .where("id", "=", id)
      .where("state", "=", "waiting")
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async purge(now: number): Promise<number> {
    const r = await this.db.deleteFrom("pickups").where("expires_at", "<=", now).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}

export class SqlBackupStore implements BackupStore {
  constructor(private readonly db: Kysely<Database>) {}

  async get(id: string): Promise<BackupRecord | undefined> {
    const r = await this.db.selectFrom("backups").selectAll().where("id", "=", id).executeTakeFirst();
    return r ? { id: r.id, version: Number(r.version), blob: r.blob, updatedAt: Number(r.updated_at) } : undefined;
  }

  async put(b: BackupRecord): Promise<boolean> {
    const row = { id: b.id, version: b.version, blob: b.blob, updated_at: b.updatedAt };
    if (b.version === 1) {
      const r = await this.db
        .insertInto("backups")
        .values(row)
        .onConflict((oc) => oc.column("id").doNothing())
        .executeTakeFirst();
      return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
    }
    // Compare-and-set on the version: of two writers of version n+1, one wins.
    const r = await this.db
      .updateTable("backups")
      .set({ version: b.version, blob: b.blob, updated_at: b.updatedAt })
      .where("id", "=", b.id)
      .where("version", "=", b.version - 1)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async purge(before: number): Promise<number> {
    const r = await this.db.deleteFrom("backups").where("updated_at", "<", before).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
