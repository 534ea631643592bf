/** What buildApp needs: the domain's ports plus the HTTP layer's own settings and helpers. */
import type { Router } from "express";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import type { ChainHealthView } from "../chain/chainHealth";
import type { BatchJobs } from "../domain/issuance";
import type { OutboxRepository } from "../store/outbox";
import type {
  BackupStore,
  ClaimOfferStore,
  DomainDeps,
  IdempotentRequestStore,
  IssuerKeyStore,
  PickupStore,
} from "../domain/ports";
import type { SdJwtDeps } from "../domain/sdJwtExport";
import type { StatusListPort } from "../domain/statusLists";
import { DEFAULT_LIMITS, type LimitSettings } from "./limits";
import type { RouteEnv } from "./route";

export interface HttpSettings {
  /** Largest JSON body for ordinary routes, bytes (a 5 MB body is refused with 413). */
  bodyLimitBytes: number;
  /** Largest JSON body for a batch of certificates, bytes. */
  batchBodyLimitBytes: number;
  holderAuthSkewSeconds: number;
  maxBatchSize: number;
  limits: LimitSettings;
  /** How long an issued document waits for its holder's wallet to pick it up, seconds. */
  pickupRetentionSeconds: number;
  /** How long a claim offer waits for its citizen, seconds (src/domain/claims.ts). */
  claimOfferSeconds: number;
  /** Largest wallet backup, bytes of base64url ciphertext (below bodyLimitBytes). */
  backupMaxBytes: number;
}

export interface AppDeps extends DomainDeps {
  settings: HttpSettings;
  logger: Logger;
  batchJobs: BatchJobs;
  /** Idempotency-Key bindings and first answers of write requests (src/http/idempotency.ts). */
  requests: IdempotentRequestStore;
  /** Sealed documents waiting for their holders' wallets (src/domain/pickup.ts). */
  pickups: PickupStore;
  /** Wallets' encrypted backups (src/domain/backup.ts). */
  backups: BackupStore;
  /** Certificates offered to claim references (src/domain/claims.ts). */
  claims: ClaimOfferStore;
  /** Public keys of agency keys that signed SD-JWT VCs themselves (src/domain/sdJwtExport.ts). */
  issuerKeys: IssuerKeyStore;
  /** The origin SD-JWT VC issuer URLs are built on (CERTLEDGER_SD_JWT_ISSUER_ORIGIN); absent: the request's. */
  sdJwtIssuerOrigin?: string;
  /** A certificate's status list entries, for the SD-JWT VC's `status` claim; absent: no claim. */
  statusEntries?: SdJwtDeps["statusEntries"];
  /** The HMAC key of claim codes and identity fields (32 bytes, the same on every replica). */
  claimKey: Uint8Array;
  /** Prometheus registry (a fresh one per app, so tests can build several apps). */
  metrics?: Registry;
  /** External chain: whether its node answers (/readyz, /metrics). Absent: the embedded chain. */
  chainHealth?: () => ChainHealthView;
  /** The relayer's outbox: GET /v1/public/writes/:writeId follows a write, /metrics counts what is unfinished. */
  outbox?: Pick<OutboxRepository, "byKey" | "counts">;
  /** Readiness beyond the index (e.g. the relayer drained its outbox on start). */
  ready?: () => boolean | Promise<boolean>;
  /** External chain: set while the node is not the chain the store belongs to (why, for /readyz). */
  chainMismatch?: () => { cause: string; message: string } | undefined;
  /**
   * Routers mounted before the 404 handler: pages, counter sessions. They get the same error handling,
   * and the route environment (authentication, body parser, idempotency, OpenAPI registry).
   */
  extraRouters?: ((env: RouteEnv) => Router)[];
  /**
   * POST /rpc: the embedded chain's read-only JSON-RPC (src/chain/readOnlyRpc.ts), or the answer that
   * the chain is external. Absent: no such route.
   */
  jsonRpc?: { handle(text: string): Promise<{ status: number; body?: unknown }> };
  /**
   * POST /v1/ops/backup: takes a consistent backup of the data directory (src/wiring/dataBackup.ts).
   * Absent: no such route.
   */
  dataBackup?: () => Promise<{
    manifest: object;
    archive(): NodeJS.ReadableStream;
    discard(): Promise<void>;
  }>;
  /** The agencies' Bitstring Status Lists (src/indexer/statusLists.ts). Absent: those routes answer 503. */
  statusLists?: StatusListPort;
  /** Extra OpenAPI registrations (e.g. counter routes defined elsewhere). */
  registerOpenApi?: (registry: import("@asteasolutions/zod-to-openapi").OpenAPIRegistry) => void;
}

export const DEFAULT_HTTP_SETTINGS: HttpSettings = {
  bodyLimitBytes: 1024 * 1024,
  batchBodyLimitBytes: 128 * 1024 * 1024,
  holderAuthSkewSeconds: 300,
  maxBatchSize: 100_000,
  limits: DEFAULT_LIMITS,
  pickupRetentionSeconds: 30 * 86_400,
  claimOfferSeconds: 90 * 86_400,
  backupMaxBytes: 768 * 1024,
};
