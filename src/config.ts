/**
 * Configuration, validated once at boot. A bad value stops the process with a message that names the
 * variable; nothing downstream re-checks it.
 */
import { availableParallelism } from "node:os";
import { z } from "zod";

const bool = z
  .enum(["true", "false", "1", "0", "yes", "no"])
  .transform((v) => v === "true" || v === "1" || v === "yes");

const ConfigSchema = z.object({
  host: z.string().min(1).default("127.0.0.1"),
  port: z.coerce.number().int().min(0).max(65535).default(8080),
  /** Where the SQLite store and the embedded chain's journal live. */
  dataDir: z.string().min(1).default("./data"),
  /** SQLite by default; a postgres:// URL switches the store to PostgreSQL. */
  databaseUrl: z
    .string()
    .regex(/^(sqlite:|postgres(ql)?:\/\/)/, "must start with sqlite: or postgres://")
    .optional(),
  /** Empty: the embedded in-process Hardhat network. Otherwise any EVM JSON-RPC URL. */
  rpcUrl: z.url().optional(),
  /** Deployed addresses, required with rpcUrl when the contracts are already deployed. */
  contracts: z
    .object({
      registry: z.string().regex(/^0x[0-9a-fA-F]{40}$/),
      ledger: z.string().regex(/^0x[0-9a-fA-F]{40}$/),
      consent: z.string().regex(/^0x[0-9a-fA-F]{40}$/),
    })
    .optional(),
  /** With contracts: the block to index from (the deployment's block; default 0). */
  fromBlock: z.coerce.number().int().min(0).optional(),
  /**
   * External chain: private key of a funded account that pays the custodial keys' gas (the relayer's,
   * the authority's, each agency's). Without it, issuing on an external chain fails for want of funds.
   */
  fundingKey: z
    .string()
    .regex(/^0x[0-9a-fA-F]{64}$/, "must be 0x followed by 64 hex digits (a private key)")
    .optional(),
  /** External chain with given contracts: the authority admin's private key (the contracts' owner). */
  authorityKey: z
    .string()
    .regex(/^0x[0-9a-fA-F]{64}$/, "must be 0x followed by 64 hex digits (a private key)")
    .optional(),
  confirmations: z.coerce.number().int().min(0).max(64).default(0),
  /**
   * External chain: a fixed gas price in wei for every transaction (legacy type-0 transactions). `0` on a
   * permissioned network that charges no gas (Besu/Quorum with a zero minimum gas price), where no key
   * needs funds. Unset: the node's fee market (EIP-1559 fees, or eth_gasPrice).
   */
  gasPriceWei: z
    .string()
    .regex(/^(0|[1-9][0-9]{0,30})$/, "must be a whole number of wei (0 on a zero-gas-price network)")
    .optional(),
  /**
   * Who holds the agencies' and the authority's keys. custodial (the embedded demo): the gateway derives
   * them from its keyring and signs for them. external: the gateway holds none; agencies send messages
   * they signed, the authority signs registry transactions itself (or through its Safe), and the only
   * key the gateway holds that can send a transaction is the relayer's, which has no role on chain.
   */
  keyCustody: z.enum(["custodial", "external"]).default("custodial"),
  /**
   * External custody, contracts deployed by this gateway: the authority admin's address (its key stays
   * with the authority). With given contracts it is read from the registry instead.
   */
  authorityAddress: z
    .string()
    .regex(/^0x[0-9a-fA-F]{40}$/, "must be 0x followed by 40 hex digits (an address)")
    .optional(),
  /** Seed the demo principals and types on a first start (custodial only; default true there). */
  seedDemo: bool.optional(),
  /** Unlocks the keyring's keystore (<dataDir>/keyring.keystore.json). */
  keystorePassphrase: z.string().min(1).optional(),
  /** A file holding that passphrase. Neither set: the demo's file under the user's home. */
  keystorePassphraseFile: z.string().min(1).optional(),
  /**
   * scrypt N of a keystore created now, a power of 2 (an existing keystore keeps its own). Lower than
   * the standard 2^17 only for tests, which create many.
   */
  keystoreScryptN: z.coerce
    .number()
    .int()
    .min(1024)
    .max(1 << 20)
    .refine((n) => (n & (n - 1)) === 0, "must be a power of 2")
    .default(1 << 17),
  logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** Largest request body, bytes, except batches (a 5 MB body is refused with 413). */
  bodyLimitBytes: z.coerce
    .number()
    .int()
    .min(1024)
    .max(64 * 1024 * 1024)
    .default(1024 * 1024),
  /** Largest batch request body, bytes (100,000 certificates of 20 fields need ~100 MB). */
  batchBodyLimitBytes: z.coerce
    .number()
    .int()
    .min(1024)
    .max(1024 * 1024 * 1024)
    .default(256 * 1024 * 1024),
  /**
   * The gateway's public origin (scheme://host[:port]): the SD-JWT VC issuer URLs are built on it. Unset:
   * the origin each request names (its Host header).
   */
  sdJwtIssuerOrigin: z
    .url()
    .regex(/^https?:\/\/[^/?#]+$/, "must be scheme://host[:port], without a path")
    .optional(),
  /** How far a holder's signed request timestamp may be from ours, seconds. */
  holderAuthSkewSeconds: z.coerce.number().int().min(10).max(3600).default(300),
  /** Largest batch accepted in one request. */
  maxBatchSize: z.coerce.number().int().min(1).max(1_000_000).default(100_000),
  /**
   * Worker threads that check document integrity for verification and build batches' documents
   * (src/wiring/documentPool.ts); 0 does both on the event loop. Default: one fewer than the cores, at
   * most 4 (1 on a 2-core machine).
   */
  documentWorkers: z.coerce
    .number()
    .int()
    .min(0)
    .max(64)
    .default(Math.min(4, Math.max(0, availableParallelism() - 1))),
  /**
   * Certificates (and, as many, grants) the index keeps in memory, the most recently used; the rest are
   * read from the store when asked. Memory follows this, not the history (~0.6 kB an entry).
   */
  indexCacheEntries: z.coerce.number().int().min(100).max(10_000_000).default(10_000),
  /** Days a batch's documents stay in the store for the agency to download (they hold personal data). */
  batchDocumentRetentionDays: z.coerce.number().int().min(1).max(3650).default(30),
  /**
   * Seconds a gateway may go without renewing its lease on a batch it builds before another replica (or
   * the restarted process) takes the batch over and builds it again; the lease is renewed every quarter
   * of it, and replicas look for lapsed leases every half of it (at most every 30 s).
   */
  batchLeaseSeconds: z.coerce.number().int().min(4).max(3600).default(60),
  /** Days an issued document waits, sealed, for its holder's wallet to pick it up; then it is deleted. */
  pickupRetentionDays: z.coerce.number().int().min(1).max(3650).default(30),
  /** Days a claim offer waits for its citizen; then its fields and hashes are deleted. */
  claimOfferDays: z.coerce.number().int().min(1).max(3650).default(90),
  /**
   * The HMAC key of claim codes (32 random bytes, created 0600 on first start); give every replica the
   * same file, and keep it apart from database backups. Default <dataDir>/claim-code.key.
   */
  claimCodeKeyFile: z.string().min(1).optional(),
  /** Days a wallet backup is kept after its last write. */
  backupRetentionDays: z.coerce.number().int().min(1).max(36500).default(730),
  /** Largest wallet backup (bytes of base64url ciphertext); must stay below bodyLimitBytes. */
  backupMaxBytes: z.coerce
    .number()
    .int()
    .min(1024)
    .max(64 * 1024 * 1024)
    .default(768 * 1024),
  /** Most requests in one JSON-RPC batch at POST /rpc (ethers batches up to 100 by default). */
  rpcMaxBatch: z.coerce.number().int().min(1).max(10_000).default(100),
  /** Most gas one eth_call at POST /rpc may burn (the node is shared with the block producer). */
  rpcCallGasCap: z.coerce.number().int().min(100_000).max(1_000_000_000).default(1_000_000),
  /** Most blocks one eth_getLogs at POST /rpc may span. */
  rpcLogBlockRange: z.coerce.number().int().min(1).max(10_000_000).default(10_000),
  // Limits (src/http/limits.ts), answered with 429 and Retry-After; 0 turns one off. Counted per process.
  /** Requests per minute per API key (a token bucket holding a minute's worth). */
  apiKeyRequestsPerMinute: z.coerce.number().int().min(0).max(10_000_000).default(6_000),
  /** Counter requests a verifier may open per minute. */
  counterRequestsPerMinute: z.coerce.number().int().min(0).max(1_000_000).default(60),
  /** Event streams a verifier may hold open at once. */
  eventStreamsPerVerifier: z.coerce.number().int().min(0).max(100_000).default(20),
  /** Signatures not the holder's, per certificate, within the window before that certificate backs off. */
  holderSignatureFailuresPerCertificate: z.coerce.number().int().min(0).max(100_000).default(10),
  /** The same, per client address. */
  holderSignatureFailuresPerAddress: z.coerce.number().int().min(0).max(1_000_000).default(50),
  /** Wrong claim codes (or unknown offers) per client address within the window before it backs off. */
  claimFailuresPerClient: z.coerce.number().int().min(0).max(1_000_000).default(10),
  /** Seconds a failed holder signature is remembered. */
  holderSignatureWindowSeconds: z.coerce.number().int().min(10).max(86_400).default(900),
  /** First back-off, seconds; doubled by each further failure while backing off (at most the window). */
  holderBackoffSeconds: z.coerce.number().int().min(1).max(3600).default(30),
  /** Milliseconds between the reads of the one watcher that serves every counter event stream. */
  eventsPollMs: z.coerce.number().int().min(50).max(60_000).default(500),
  // Retention (src/store/retention.ts): a sweep deletes what is no longer needed.
  /** Seconds between retention sweeps; 0: no sweep. */
  retentionSweepSeconds: z.coerce.number().int().min(0).max(86_400).default(300),
  /** Seconds an Idempotency-Key (its binding, first answer and drafts) is remembered. */
  idempotencyRetentionSeconds: z.coerce
    .number()
    .int()
    .min(60)
    .max(365 * 86_400)
    .default(86_400),
  /** Seconds a counter request is kept after it expired (the officer's page may still read its verdict). */
  counterSessionRetentionSeconds: z.coerce
    .number()
    .int()
    .min(0)
    .max(365 * 86_400)
    .default(86_400),
  /** Seconds a share (and its encrypted document) is kept after it expired or its last use was taken. */
  shareRetentionSeconds: z.coerce
    .number()
    .int()
    .min(0)
    .max(365 * 86_400)
    .default(86_400),
  /** Seconds to finish in-flight requests on SIGTERM before exiting anyway. */
  shutdownGraceSeconds: z.coerce.number().int().min(0).max(300).default(10),
});

const CheckedConfigSchema = ConfigSchema.superRefine((c, ctx) => {
  if (c.keyCustody !== "external") {
    if (c.authorityAddress)
      ctx.addIssue({
        code: "custom",
        path: ["authorityAddress"],
        message: "is for CERTLEDGER_KEY_CUSTODY=external (a custodial gateway derives the authority's key)",
      });
    return;
  }
  if (c.authorityKey)
    ctx.addIssue({
      code: "custom",
      path: ["authorityKey"],
      message: "must not be given with CERTLEDGER_KEY_CUSTODY=external: the authority signs with its own key",
    });
  if (c.seedDemo)
    ctx.addIssue({
      code: "custom",
      path: ["seedDemo"],
      message: "the demo needs custodial keys; it cannot be seeded with CERTLEDGER_KEY_CUSTODY=external",
    });
  if (!c.contracts && !c.authorityAddress)
    ctx.addIssue({
      code: "custom",
      path: ["authorityAddress"],
      message:
        "is required with CERTLEDGER_KEY_CUSTODY=external when the gateway deploys the contracts (the registry's admin)",
    });
}).transform((c) => ({ ...c, seedDemo: c.seedDemo ?? c.keyCustody === "custodial" }));

export type Config = z.output<typeof CheckedConfigSchema>;

/** Reads the environment (CERTLEDGER_*), validates, and returns the config or throws a readable error. */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<Record<keyof Config, unknown>> = {},
): Config {
  const e = (k: string) => {
    const v = env[`CERTLEDGER_${k}`];
    return v === undefined || v === "" ? undefined : v;
  };
  const contracts =
    e("REGISTRY_ADDRESS") || e("LEDGER_ADDRESS") || e("CONSENT_ADDRESS")
      ? { registry: e("REGISTRY_ADDRESS"), ledger: e("LEDGER_ADDRESS"), consent: e("CONSENT_ADDRESS") }
      : undefined;
  const raw = {
    host: e("HOST"),
    port: e("PORT") ?? env.PORT,
    dataDir: e("DATA_DIR"),
    databaseUrl: e("DATABASE_URL"),
    rpcUrl: e("RPC_URL"),
    contracts,
    fromBlock: e("FROM_BLOCK"),
    fundingKey: e("FUNDING_KEY"),
    authorityKey: e("AUTHORITY_KEY"),
    confirmations: e("CONFIRMATIONS"),
    gasPriceWei: e("GAS_PRICE_WEI"),
    keyCustody: e("KEY_CUSTODY"),
    authorityAddress: e("AUTHORITY_ADDRESS"),
    seedDemo: e("SEED_DEMO"),
    keystorePassphrase: e("KEYSTORE_PASSPHRASE"),
    keystorePassphraseFile: e("KEYSTORE_PASSPHRASE_FILE"),
    keystoreScryptN: e("KEYSTORE_SCRYPT_N"),
    logLevel: e("LOG_LEVEL"),
    bodyLimitBytes: e("BODY_LIMIT_BYTES"),
    batchBodyLimitBytes: e("BATCH_BODY_LIMIT_BYTES"),
    holderAuthSkewSeconds: e("HOLDER_AUTH_SKEW_SECONDS"),
    sdJwtIssuerOrigin: e("SD_JWT_ISSUER_ORIGIN"),
    maxBatchSize: e("MAX_BATCH_SIZE"),
    shutdownGraceSeconds: e("SHUTDOWN_GRACE_SECONDS"),
    documentWorkers: e("DOCUMENT_WORKERS"),
    indexCacheEntries: e("INDEX_CACHE_ENTRIES"),
    batchDocumentRetentionDays: e("BATCH_DOCUMENT_RETENTION_DAYS"),
    batchLeaseSeconds: e("BATCH_LEASE_SECONDS"),
    pickupRetentionDays: e("PICKUP_RETENTION_DAYS"),
    claimOfferDays: e("CLAIM_OFFER_DAYS"),
    claimCodeKeyFile: e("CLAIM_CODE_KEY_FILE"),
    backupRetentionDays: e("BACKUP_RETENTION_DAYS"),
    backupMaxBytes: e("BACKUP_MAX_BYTES"),
    rpcMaxBatch: e("RPC_MAX_BATCH"),
    rpcLogBlockRange: e("RPC_LOG_BLOCK_RANGE"),
    rpcCallGasCap: e("RPC_CALL_GAS_CAP"),
    apiKeyRequestsPerMinute: e("API_KEY_REQUESTS_PER_MINUTE"),
    counterRequestsPerMinute: e("COUNTER_REQUESTS_PER_MINUTE"),
    eventStreamsPerVerifier: e("EVENT_STREAMS_PER_VERIFIER"),
    holderSignatureFailuresPerCertificate: e("HOLDER_SIGNATURE_FAILURES_PER_CERTIFICATE"),
    holderSignatureFailuresPerAddress: e("HOLDER_SIGNATURE_FAILURES_PER_ADDRESS"),
    claimFailuresPerClient: e("CLAIM_FAILURES_PER_CLIENT"),
    holderSignatureWindowSeconds: e("HOLDER_SIGNATURE_WINDOW_SECONDS"),
    holderBackoffSeconds: e("HOLDER_BACKOFF_SECONDS"),
    eventsPollMs: e("EVENTS_POLL_MS"),
    retentionSweepSeconds: e("RETENTION_SWEEP_SECONDS"),
    idempotencyRetentionSeconds: e("IDEMPOTENCY_RETENTION_SECONDS"),
    counterSessionRetentionSeconds: e("COUNTER_SESSION_RETENTION_SECONDS"),
    shareRetentionSeconds: e("SHARE_RETENTION_SECONDS"),
    ...overrides,
  };
  const parsed = CheckedConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  CERTLEDGER_${envName(i.path)}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join("\n")}`);
  }
  return parsed.data;
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

function envName(path: PropertyKey[]): string {
  const key = String(path[0] ?? "");
  if (key === "contracts") return `${String(path[1] ?? "REGISTRY").toUpperCase()}_ADDRESS`;
  if (key === "port") return "PORT";
  return key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();
}
