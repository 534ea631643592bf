/**
 * The store's migrations, in code (no files to find at run time), the same for SQLite and
 * PostgreSQL. The only dialect difference is how an auto-increment key is spelled.
 */
import { Kysely, Migrator, type Migration, type MigrationProvider } from "kysely";

export type DialectName = "sqlite" | "postgres";

function migrations(dialect: DialectName): Record<string, Migration> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  type Db = Kysely<any>;
  const serialId = (db: Db, table: string) =>
    dialect === "postgres"
      ? db.schema.createTable(table).addColumn("id", "bigserial", (c) => c.primaryKey())
      : db.schema.createTable(table).addColumn("id", "integer", (c) => c.primaryKey().autoIncrement());
  const hex = "text";
  const int = "bigint";

  return {
    "0001_initial": {
      async up(db: Db) {
        await serialId(db, "outbox")
          .addColumn("kind", "text", (c) => c.notNull())
          .addColumn("dedup_key", "text", (c) => c.notNull().unique())
          .addColumn("sender", hex, (c) => c.notNull())
          .addColumn("payload", "text", (c) => c.notNull())
          .addColumn("state", "text", (c) => c.notNull())
          .addColumn("tx_hash", hex)
          .addColumn("block_number", int)
          .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
          .addColumn("last_error", "text")
          .addColumn("result", "text")
          .addColumn("created_ms", int, (c) => c.notNull())
          .addColumn("updated_ms", int, (c) => c.notNull())
          .execute();
        await db.schema.createIndex("outbox_state").on("outbox").columns(["state", "id"]).execute();

        await db.schema
          .createTable("custodial_keys")
          .addColumn("address", hex, (c) => c.primaryKey())
          .addColumn("label", "text", (c) => c.notNull().unique())
          .addColumn("created_ms", int, (c) => c.notNull())
          .execute();

        await db.schema
          .createTable("chain_cursor")
          .addColumn("name", "text", (c) => c.primaryKey())
          .addColumn("block_number", int, (c) => c.notNull())
          .addColumn("block_hash", hex, (c) => c.notNull())
          .addColumn("updated_ms", int, (c) => c.notNull())
          .execute();
        await db.schema
          .createTable("indexed_blocks")
          .addColumn("block_number", int, (c) => c.primaryKey())
          .addColumn("block_hash", hex, (c) => c.notNull())
          .addColumn("parent_hash", hex, (c) => c.notNull())
          .addColumn("timestamp", int, (c) => c.notNull())
          .execute();
        await serialId(db, "index_undo")
          .addColumn("block_number", int, (c) => c.notNull())
          .addColumn("tbl", "text", (c) => c.notNull())
          .addColumn("pk", "text", (c) => c.notNull())
          .addColumn("before", "text")
          .execute();
        await db.schema.createIndex("index_undo_block").on("index_undo").column("block_number").execute();

        await db.schema
          .createTable("cert_types")
          .addColumn("type_id", "integer", (c) => c.primaryKey())
          .addColumn("name", "text", (c) => c.notNull())
          .addColumn("schema_hash", hex, (c) => c.notNull())
          .addColumn("max_validity", int, (c) => c.notNull())
          .addColumn("active", "integer", (c) => c.notNull())
          .addColumn("block_number", int, (c) => c.notNull())
          .execute();
        await db.schema
          .createTable("type_labels")
          .addColumn("code", "text", (c) => c.primaryKey())
          .addColumn("name", "text", (c) => c.notNull())
          .execute();
        await db.schema
          .createTable("agencies")
          .addColumn("agency_id", "integer", (c) => c.primaryKey())
          .addColumn("name_hash", hex, (c) => c.notNull())
          .addColumn("active", "integer", (c) => c.notNull())
          .addColumn("block_number", int, (c) => c.notNull())
          .execute();
        await db.schema
          .createTable("agency_accounts")
          .addColumn("address", hex, (c) => c.primaryKey())
          .addColumn("name", "text", (c) => c.notNull())
          .addColumn("name_hash", hex, (c) => c.notNull().unique())
          .execute();
        await db.schema
          .createTable("accreditations")
          .addColumn("agency_id", "integer", (c) => c.notNull())
          .addColumn("type_id", "integer", (c) => c.notNull())
          .addColumn("from_at", int, (c) => c.notNull())
          .addColumn("until_at", int, (c) => c.notNull())
          .addColumn("block_number", int, (c) => c.notNull())
          .addPrimaryKeyConstraint("accreditations_pk", ["agency_id", "type_id"])
          .execute();
        await db.schema
          .createTable("signing_keys")
          .addColumn("key_id", "integer", (c) => c.primaryKey())
          .addColumn("key", hex, (c) => c.notNull().unique())
          .addColumn("agency_id", "integer", (c) => c.notNull())
          .addColumn("valid_from", int, (c) => c.notNull())
          .addColumn("valid_until", int, (c) => c.notNull())
          .addColumn("block_number", int, (c) => c.notNull())
          .execute();
        await db.schema
          .createTable("verifiers")
          .addColumn("verifier", hex, (c) => c.primaryKey())
          .addColumn("name", "text", (c) => c.notNull())
          .addColumn("active", "integer", (c) => c.notNull())
          .addColumn("created_at", int, (c) => c.notNull())
          .execute();

        await db.schema
          .createTable("certificates")
          .addColumn("batch_root", hex, (c) => c.notNull())
          .addColumn("cert_id", hex, (c) => c.notNull())
          .addColumn("type_id", "integer", (c) => c.notNull())
          .addColumn("key_id", "integer", (c) => c.notNull())
          .addColumn("issuer_key", hex, (c) => c.notNull())
          .addColumn("agency_id", "integer", (c) => c.notNull())
          .addColumn("issued_at", int, (c) => c.notNull())
          .addColumn("valid_from", int, (c) => c.notNull())
          .addColumn("valid_until", int, (c) => c.notNull())
          .addColumn("status", "text", (c) => c.notNull())
          .addColumn("superseded_by", hex)
          .addColumn("tx_hash", hex)
          .addColumn("block_number", int, (c) => c.notNull())
          .addPrimaryKeyConstraint("certificates_pk", ["batch_root", "cert_id"])
          .execute();
        await db.schema.createIndex("certificates_cert").on("certificates").column("cert_id").execute();
        await db.schema
          .createIndex("certificates_agency")
          .on("certificates")
          .columns(["agency_id", "issued_at"])
          .execute();
        await db.schema
          .createTable("batches")
          .addColumn("root", hex, (c) => c.primaryKey())
          .addColumn("type_id", "integer", (c) => c.notNull())
          .addColumn("key_id", "integer", (c) => c.notNull())
          .addColumn("issuer_key", hex, (c) => c.notNull())
          .addColumn("agency_id", "integer", (c) => c.notNull())
          .addColumn("issued_at", int, (c) => c.notNull())
          .addColumn("count", int, (c) => c.notNull())
          .addColumn("tx_hash", hex)
          .addColumn("block_number", int, (c) => c.notNull())
          .execute();
        await db.schema
          .createTable("batch_members")
          .addColumn("root", hex, (c) => c.notNull())
          .addColumn("cert_id", hex, (c) => c.notNull())
          .addColumn("valid_from", int, (c) => c.notNull())
          .addColumn("valid_until", int, (c) => c.notNull())
          .addPrimaryKeyConstraint("batch_members_pk", ["root", "cert_id"])
          .execute();
        await db.schema.createIndex("batch_members_cert").on("batch_members").column("cert_id").execute();
        await serialId(db, "status_history")
          .addColumn("batch_root", hex, (c) => c.notNull())
          .addColumn("cert_id", hex, (c) => c.notNull())
          .addColumn("status", "text", (c) => c.notNull())
          .addColumn("reason", "integer", (c) => c.notNull())
          .addColumn("superseded_by", hex)
          .addColumn("key_id", "integer", (c) => c.notNull())
          .addColumn("at", int, (c) => c.notNull())
          .addColumn("tx_hash", hex, (c) => c.notNull())
          .addColumn("log_index", "integer", (c) => c.notNull())
          .addColumn("block_number", int, (c) => c.notNull())
          .addUniqueConstraint("status_history_event", ["tx_hash", "log_index"])
          .execute();
        await db.schema.createIndex("status_history_cert").on("status_history").column("cert_id").execute();
        await db.schema.createIndex("status_history_block").on("status_history").column("block_number").execute();

        await db.schema
          .createTable("grants")
          .addColumn("grant_id", hex, (c) => c.primaryKey())
          .addColumn("cert_id", hex, (c) => c.notNull())
          .addColumn("grantee", hex, (c) => c.notNull())
          .addColumn("purpose", hex, (c) => c.notNull())
          .addColumn("valid_until", int, (c) => c.notNull())
          .addColumn("max_uses", int, (c) => c.notNull())
          .addColumn("uses", int, (c) => c.notNull())
          .addColumn("revoked", "integer", (c) => c.notNull())
          .addColumn("created_at", int, (c) => c.notNull())
          .addColumn("tx_hash", hex)
          .addColumn("block_number", int, (c) => c.notNull())
          .execute();
        await db.schema.createIndex("grants_cert").on("grants").column("cert_id").execute();
        await serialId(db, "checks")
          .addColumn("grant_id", hex, (c) => c.notNull())
          .addColumn("cert_id", hex, (c) => c.notNull())
          .addColumn("verifier", hex, (c) => c.notNull())
          .addColumn("purpose", hex, (c) => c.notNull())
          .addColumn("use_no", "integer", (c) => c.notNull())
          .addColumn("at", int, (c) => c.notNull())
          .addColumn("tx_hash", hex, (c) => c.notNull())
          .addColumn("log_index", "integer", (c) => c.notNull())
          .addColumn("block_number", int, (c) => c.notNull())
          .addUniqueConstraint("checks_event", ["tx_hash", "log_index"])
          .execute();
        await db.schema.createIndex("checks_cert").on("checks").column("cert_id").execute();
        await db.schema.createIndex("checks_block").on("checks").column("block_number").execute();

        await db.schema
          .createTable("principals")
          .addColumn("id", "text", (c) => c.primaryKey())
          .addColumn("key_hash", "text", (c) => c.notNull().unique())
          .addColumn("role", "text", (c) => c.notNull())
          .addColumn("address", hex, (c) => c.notNull())
          .addColumn("label", "text", (c) => c.notNull())
          .addColumn("created_at", int, (c) => c.notNull())
          .addColumn("disabled", "integer", (c) => c.notNull())
          .execute();
        await db.schema
          .createTable("idempotency_keys")
          .addColumn("key", "text", (c) => c.primaryKey())
          .addColumn("request_hash", "text", (c) => c.notNull())
          .addColumn("result", "text", (c) => c.notNull())
          .addColumn("done", "integer", (c) => c.notNull())
          .addColumn("created_at", int, (c) => c.notNull())
          .execute();
        await db.schema
          .createTable("replay_guard")
          .addColumn("key", "text", (c) => c.primaryKey())
          .addColumn("expires_at", int, (c) => c.notNull())
          .execute();
        await db.schema
          .createTable("counter_sessions")
          .addColumn("id", "text", (c) => c.primaryKey())
          .addColumn("verifier", hex, (c) => c.notNull())
          .addColumn("types_wanted", "text", (c) => c.notNull())
          .addColumn("purpose", "text", (c) => c.notNull())
          .addColumn("nonce", "text", (c) => c.notNull())
          .addColumn("expires_at", int, (c) => c.notNull())
          .addColumn("state", "text", (c) => c.notNull())
          .addColumn("result", "text")
          .addColumn("created_at", int, (c) => c.notNull())
          .execute();
        await db.schema
          .createTable("documents")
          .addColumn("cert_id", hex, (c) => c.primaryKey())
          .addColumn("agency", hex, (c) => c.notNull())
          .addColumn("document", "text", (c) => c.notNull())
          .addColumn("created_at", int, (c) => c.notNull())
          .execute();
      },
    },
    "0002_batch_jobs": {
      async up(db: Db) {
        // Batch jobs and their documents outlive the process: the documents (with their salts) exist
        // nowhere else, and a root anchored without them would be certificates nobody can present.
        // 0001's per-certificate `documents` table was never written: batch documents live here instead.
        await db.schema.dropTable("documents").ifExists().execute();
        await db.schema
          .createTable("batch_jobs")
          .addColumn("batch_id", "text", (c) => c.primaryKey())
          .addColumn("agency", hex, (c) => c.notNull())
          .addColumn("type", "text", (c) => c.notNull())
          .addColumn("state", "text", (c) => c.notNull())
          .addColumn("total", "integer", (c) => c.notNull())
          .addColumn("root", hex)
          .addColumn("tx_hash", hex)
          .addColumn("block_number", int)
          .addColumn("error", "text")
          .addColumn("created_at", int, (c) => c.notNull())
          .addColumn("finished_at", int)
          .execute();
        await db.schema.createIndex("batch_jobs_created").on("batch_jobs").column("created_at").execute();
        await db.schema
          .createTable("batch_documents")
          .addColumn("batch_id", "text", (c) => c.notNull())
          .addColumn("idx", "integer", (c) => c.notNull())
          .addColumn("cert_id", hex, (c) => c.notNull())
          .addColumn("holder", hex, (c) => c.notNull())
          .addColumn("document", "text", (c) => c.notNull())
          .addColumn("proof", "text", (c) => c.notNull())
          .addPrimaryKeyConstraint("batch_documents_pk", ["batch_id", "idx"])
          .execute();
      },
    },
    "0003_batch_resume": {
      async up(db: Db) {
        // A batch accepted (202) must land even if its gateway stops while building it: the request is
        // kept until the documents are stored, and the process building a job holds a lease on it, so
        // that after a crash this or another replica takes the job over and builds it again.
        await db.schema.alterTable("batch_jobs").addColumn("owner", "text").execute();
        await db.schema.alterTable("batch_jobs").addColumn("lease_until", int).execute();
        await db.schema
          .createTable("batch_inputs")
          .addColumn("batch_id", "text", (c) => c.primaryKey())
          .addColumn("body", "text", (c) => c.notNull())
          .execute();
      },
    },
    "0004_idempotent_requests": {
      async up(db: Db) {
        // An Idempotency-Key is bound to its principal, route and request, with the first answer: the
        // same key with another request is refused instead of being answered with the first one's outcome.
        await db.schema
          .createTable("idempotent_requests")
          .addColumn("key", "text", (c) => c.primaryKey())
          .addColumn("route", "text", (c) => c.notNull())
          .addColumn("request_hash", "text", (c) => c.notNull())
          .addColumn("token", "text", (c) => c.notNull())
          .addColumn("status", "integer")
          .addColumn("answer", "text")
          .addColumn("created_at", int, (c) => c.notNull())
          .execute();
        // The retention sweep deletes by age (idempotency records) and by expiry (counter sessions).
        await db.schema
          .createIndex("idempotent_requests_created")
          .on("idempotent_requests")
          .column("created_at")
          .execute();
        await db.schema.createIndex("idempotency_keys_created").on("idempotency_keys").column("created_at").execute();
        await db.schema.createIndex("counter_sessions_expires").on("counter_sessions").column("expires_at").execute();
      },
    },
    "0005_pickups_backups": {
      async up(db: Db) {
        // Documents waiting for their holder's wallet, sealed under a key the gateway does not keep
        // (src/domain/pickup.ts); the ciphertext is dropped on pickup and the row deleted at expiry.
        await db.schema
          .createTable("pickups")
          .addColumn("id", "text", (c) => c.primaryKey())
          .addColumn("agency", hex, (c) => c.notNull())
          .addColumn("cert_id", hex, (c) => c.notNull().unique())
          .addColumn("sealed", "text")
          .addColumn("confirm_hash", "text", (c) => c.notNull())
          .addColumn("state", "text", (c) => c.notNull())
          .addColumn("created_at", int, (c) => c.notNull())
          .addColumn("expires_at", int, (c) => c.notNull())
          .addColumn("picked_up_at", int)
          .execute();
        await db.schema.createIndex("pickups_expires").on("pickups").column("expires_at").execute();
        // Wallets' encrypted backups (src/domain/backup.ts): an opaque blob under an opaque id.
        await db.schema
          .createTable("backups")
          .addColumn("id", "text", (c) => c.primaryKey())
          .addColumn("version", "integer", (c) => c.notNull())
          .addColumn("blob", "text", (c) => c.notNull())
          .addColumn("updated_at", int, (c) => c.notNull())
          .execute();
        await db.schema.createIndex("backups_updated").on("backups").column("updated_at").execute();
      },
    },
    "0006_chain_identity": {
      async up(db: Db) {
        // Which chain the index and the outbox belong to: a node that comes back empty or as another
        // network is refused instead of rewinding the index to nothing (src/chain/chainIdentity.ts).
        await db.schema
          .createTable("chain_identity")
          .addColumn("name", "text", (c) => c.primaryKey())
          .addColumn("chain_id", int, (c) => c.notNull())
          .addColumn("genesis_hash", hex, (c) => c.notNull())
          .addColumn("registry", hex, (c) => c.notNull())
          .addColumn("ledger", hex, (c) => c.notNull())
          .addColumn("consent", hex, (c) => c.notNull())
          .addColumn("deploy_block", int, (c) => c.notNull())
          .addColumn("deploy_block_hash", hex, (c) => c.notNull())
          .addColumn("recorded_ms", int, (c) => c.notNull())
          .execute();
      },
    },
    "0007_claim_offers": {
      async up(db: Db) {
        // Certificates offered to a claim reference instead of a holder (src/domain/claims.ts): the code
        // and the identity fields only as keyed hashes; the draft is dropped on claim and at expiry.
        await db.schema
          .createTable("claim_offers")
          .addColumn("id", "text", (c) => c.primaryKey())
          .addColumn("agency", hex, (c) => c.notNull())
          .addColumn("type", "text", (c) => c.notNull())
          .addColumn("origin", "text", (c) => c.notNull())
          .addColumn("item_index", "integer", (c) => c.notNull())
          .addColumn("code_hash", "text")
          .addColumn("reference_hash", "text")
          .addColumn("reference_fields", "text", (c) => c.notNull())
          .addColumn("draft", "text")
          .addColumn("state", "text", (c) => c.notNull())
          .addColumn("failures", "integer", (c) => c.notNull().defaultTo(0))
          .addColumn("created_at", int, (c) => c.notNull())
          .addColumn("expires_at", int, (c) => c.notNull())
          .addColumn("claimed_at", int)
          .addColumn("holder", hex)
          .addColumn("cert_id", hex)
          .execute();
        await db.schema.createIndex("claim_offers_expires").on("claim_offers").column("expires_at").execute();
        await db.schema
          .createIndex("claim_offers_origin")
          .on("claim_offers")
          .columns(["agency", "origin", "item_index"])
          .execute();
      },
    },
    "0008_issuer_keys": {
      async up(db: Db) {
        // Public keys of agency signing keys that signed an SD-JWT VC outside the gateway (external
        // custody): the chain knows only their addresses, and the JWT VC Issuer Metadata publishes the
        // keys themselves (src/domain/sdJwtExport.ts).
        await db.schema
          .createTable("issuer_keys")
          .addColumn("address", hex, (c) => c.primaryKey())
          .addColumn("agency", hex, (c) => c.notNull())
          .addColumn("jwk", "text", (c) => c.notNull())
          .addColumn("recorded_ms", int, (c) => c.notNull())
          .execute();
        await db.schema.createIndex("issuer_keys_agency").on("issuer_keys").column("agency").execute();
      },
    },
    "0009_status_list_entries": {
      async up(db: Db) {
        // Each certificate's place in its agency's Bitstring Status Lists (src/store/statusLists.ts): a
        // random index per purpose, drawn at issuance, unique within the agency's list.
        await db.schema
          .createTable("status_list_entries")
          .addColumn("cert_id", hex, (c) => c.notNull())
          .addColumn("purpose", "text", (c) => c.notNull())
          .addColumn("agency", hex, (c) => c.notNull())
          .addColumn("list_index", int, (c) => c.notNull())
          .addColumn("batch_root", hex, (c) => c.notNull())
          .addColumn("created_at", int, (c) => c.notNull())
          .addPrimaryKeyConstraint("status_list_entries_pk", ["cert_id", "purpose"])
          .execute();
        await db.schema
          .createIndex("status_list_entries_slot")
          .on("status_list_entries")
          .columns(["agency", "purpose", "list_index"])
          .unique()
          .execute();
      },
    },
    "0010_delegations": {
      async up(db: Db) {
        // The indexer's projection of DelegationCreated / DelegationRevoked, and which delegation a
        // delegate's grant was made under (GrantCreatedByDelegate): the verdict's "presented by a
        // delegate" and the holder's trail read them (docs/decisions/0018-delegation-on-chain.md).
        await db.schema
          .createTable("delegations")
          .addColumn("delegation_id", hex, (c) => c.primaryKey())
          .addColumn("cert_id", hex, (c) => c.notNull())
          .addColumn("delegate", hex, (c) => c.notNull())
          .addColumn("purpose", hex, (c) => c.notNull())
          .addColumn("verifier", hex, (c) => c.notNull())
          .addColumn("online", "integer", (c) => c.notNull())
          .addColumn("valid_until", int, (c) => c.notNull())
          .addColumn("revoked", "integer", (c) => c.notNull())
          .addColumn("revoked_at", int)
          .addColumn("created_at", int, (c) => c.notNull())
          .addColumn("tx_hash", hex)
          .addColumn("block_number", int, (c) => c.notNull())
          .execute();
        await db.schema.createIndex("delegations_cert").on("delegations").column("cert_id").execute();
        await db.schema.createIndex("delegations_block").on("delegations").column("block_number").execute();
        await db.schema.alterTable("grants").addColumn("delegation_id", hex).execute();
      },
    },
    "0011_delegations_named_by_issuer": {
      async up(db: Db) {
        // DelegationNamedByIssuer: the issuing agency's key that named a guardian delegate at issuance;
        // null for a delegation the holder signed. The trail resolves the key to its agency.
        await db.schema.alterTable("delegations").addColumn("named_by_key_id", "integer").execute();
      },
    },
    "0012_batch_guardians": {
      async up(db: Db) {
        // The guardian delegations batch items name: stored before the root is anchored, relayed after it
        // lands (src/store/batchJobs.ts), so a restart in between relays them then, once.
        await db.schema
          .createTable("batch_guardians")
          .addColumn("batch_id", "text", (c) => c.notNull())
          .addColumn("idx", "integer", (c) => c.notNull())
          .addColumn("cert_id", hex, (c) => c.notNull())
          .addColumn("delegation_id", hex, (c) => c.notNull())
          .addColumn("outbox_key", "text", (c) => c.notNull())
          .addColumn("relay", "text", (c) => c.notNull())
          .addPrimaryKeyConstraint("batch_guardians_pk", ["batch_id", "idx"])
          .execute();
      },
    },
  };
}

class InCodeMigrations implements MigrationProvider {
  constructor(private readonly dialect: DialectName) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    return migrations(this.dialect);
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function migrateToLatest(db: Kysely<any>, dialect: DialectName): Promise<void> {
  const migrator = new Migrator({ db, provider: new InCodeMigrations(dialect) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === "Error")?.migrationName ?? "?";
    throw new Error(`store migration ${failed} failed: ${(error as Error).message ?? String(error)}`, { cause: error });
  }
}
