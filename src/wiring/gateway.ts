/**
 * Everything between the config and a running app: the engine (chain, store, relayer, indexer), the
 * domain's ports, the HTTP app with the pages and counter routes, and the demo seed on a first start.
 * main.ts listens on the result; the HTTP tests use it the same way with a temporary data dir.
 */
import path from "node:path";
import type { Express } from "express";
import pino, { type Logger } from "pino";
import type { Config } from "../config";
import { startEngine, type Engine, type EngineOptions } from "../chain/engine";
import { createCatalog } from "../domain/catalog";
import type { Address, DomainDeps } from "../domain/ports";
import { buildApp } from "../http/app";
import { resumeBatches } from "../domain/issuance";
import { sqlBatchJobs } from "../store/batchJobs";
import { SqlBackupStore, SqlPickupStore } from "../store/holderStores";
import { SqlClaimOfferStore } from "../store/claimOffers";
import { SqlIssuerKeyStore } from "../store/issuerKeys";
import { loadClaimKey } from "./claimKey";
import { sweepRetention, type RetentionSettings, type RetentionSweep } from "../store/retention";
import { frontRouters, registerFrontOpenApi } from "../http/front";
import { DEFAULT_HTTP_SETTINGS, type AppDeps } from "../http/deps";
import { keccakReady } from "../document";
import { documentLibrary, signatureRecovery } from "./documents";
import { ensureAuthorityPrincipal, seedDemo, type AuthorityCredentials, type DemoCredentials } from "./seed";
import { externalChainRpc, readOnlyRpc } from "../chain/readOnlyRpc";
import { seedKeystoreOptions } from "../chain/seedKeystore";
import { takeBackup } from "./dataBackup";
import { operationsSource } from "./operations";
import { operationsMetrics, verdictMetrics } from "../http/metrics";
import { Registry } from "prom-client";

export interface GatewayOptions {
  logger?: Logger;
  /** Unix seconds now (tests move time forward). */
  now?: () => number;
  /** Extra routers; default: the pages and the counter/share routes (src/http/front.ts). */
  extraRouters?: AppDeps["extraRouters"];
  /** Keyring seed (tests: deterministic); default: the keystore <dataDir>/keyring.keystore.json. */
  seed?: string;
  /**
   * Entries in the document-integrity LRU (src/wiring/documents.ts), default 10,000; 0 turns it off.
   * Benchmarks set it below their working set so they measure the uncached path.
   */
  integrityCacheSize?: number;
  /** Embedded chain: engine of a new data directory, checkpoint policy, block size (benchmarks, tests). */
  embeddedChain?: EngineOptions["embeddedChain"];
}

export interface Gateway {
  app: Express;
  deps: AppDeps;
  engine: Engine;
  credentials?: DemoCredentials;
  /** External custody: the authority's first API key (it signs on chain with its own key; this only logs in). */
  authorityCredentials?: AuthorityCredentials;
  /** Runs the retention sweep now (it also runs every CERTLEDGER_RETENTION_SWEEP_SECONDS). */
  sweepRetention(): Promise<RetentionSweep>;
  close(): Promise<void>;
}

/** How often, at most, a gateway looks for batch jobs another process stopped building (see batchLeaseSeconds). */
const BATCH_SWEEP_MS = 30_000;

export async function openGateway(config: Config, opts: GatewayOptions = {}): Promise<Gateway> {
  const logger = opts.logger ?? pino({ level: config.logLevel, base: undefined });
  const now = opts.now ?? (() => Math.floor(Date.now() / 1000));
  logger.debug({ keccak: await keccakReady }, "keccak256 ready");
  const engine = await startEngine({
    dataDir: config.dataDir,
    databaseUrl: config.databaseUrl,
    rpcUrl: config.rpcUrl,
    contracts: config.contracts,
    fromBlock: config.fromBlock,
    fundingPrivateKey: config.fundingKey,
    authorityPrivateKey: config.authorityKey,
    keyCustody: config.keyCustody,
    authorityAddress: config.authorityAddress,
    confirmations: config.confirmations,
    indexCacheEntries: config.indexCacheEntries,
    gasPriceWei: config.gasPriceWei === undefined ? undefined : BigInt(config.gasPriceWei),
    seed: opts.seed,
    keystore: seedKeystoreOptions(config, (msg, fields) => logger.warn(fields ?? {}, msg)),
    now,
    embeddedChain: opts.embeddedChain,
    log: (msg, fields, level = "info") => logger[level](fields ?? {}, msg),
    logError: (msg, fields) => logger.error(fields ?? {}, msg),
  });
  const documents = documentLibrary({
    integrityCacheSize: opts.integrityCacheSize,
    documentWorkers: config.documentWorkers,
    log: (msg, fields) => logger.warn(fields ?? {}, msg),
  });
  try {
    const embedded = engine.embedded;
    const info = {
      chainId: engine.chainId,
      consent: engine.addresses.consent as Address,
      ledger: engine.addresses.ledger as Address,
    };
    // One registry for the whole gateway: the domain counts verdicts into it, the HTTP layer adds its own.
    const metrics = new Registry();
    operationsMetrics(metrics, operationsSource(engine, now));
    const domain: DomainDeps = {
      clock: { now },
      index: engine.index,
      chain: engine.chain,
      keyring: engine.keyring,
      principals: engine.principals,
      idempotency: engine.idempotency,
      replay: engine.replay,
      documents,
      catalog: createCatalog(),
      signatures: signatureRecovery(() => info),
      custody: config.keyCustody,
      verdicts: verdictMetrics(metrics),
    };
    const pickups = new SqlPickupStore(engine.store.db);
    const backups = new SqlBackupStore(engine.store.db);
    const claimKey = await loadClaimKey(config.claimCodeKeyFile ?? path.join(config.dataDir, "claim-code.key"));
    const deps: AppDeps = {
      ...domain,
      settings: {
        ...DEFAULT_HTTP_SETTINGS,
        bodyLimitBytes: config.bodyLimitBytes,
        batchBodyLimitBytes: config.batchBodyLimitBytes,
        holderAuthSkewSeconds: config.holderAuthSkewSeconds,
        maxBatchSize: config.maxBatchSize,
        limits: {
          apiKeyRequestsPerMinute: config.apiKeyRequestsPerMinute,
          counterRequestsPerMinute: config.counterRequestsPerMinute,
          eventStreamsPerVerifier: config.eventStreamsPerVerifier,
          holderSignatureFailuresPerCertificate: config.holderSignatureFailuresPerCertificate,
          holderSignatureFailuresPerAddress: config.holderSignatureFailuresPerAddress,
          claimFailuresPerClient: config.claimFailuresPerClient,
          holderSignatureWindowSeconds: config.holderSignatureWindowSeconds,
          holderBackoffSeconds: config.holderBackoffSeconds,
        },
        pickupRetentionSeconds: config.pickupRetentionDays * 86_400,
        claimOfferSeconds: config.claimOfferDays * 86_400,
        // The JSON body parser refuses a larger body before the backup route could name the problem.
        backupMaxBytes: Math.min(config.backupMaxBytes, config.bodyLimitBytes - 4096),
      },
      pickups,
      backups,
      claims: new SqlClaimOfferStore(engine.store.db),
      issuerKeys: new SqlIssuerKeyStore(engine.store.db),
      sdJwtIssuerOrigin: config.sdJwtIssuerOrigin,
      // An SD-JWT VC's status claim points at the certificate's entries in the agency's status lists.
      statusEntries: (certId, origin) => engine.statusLists.entriesOf(certId, origin),
      claimKey,
      logger,
      metrics,
      requests: engine.requests,
      chainHealth: engine.health && (() => engine.health!.view()),
      outbox: engine.outbox,
      statusLists: engine.statusLists,
      // A chain journal that failed a write, or a chain node that is gone, acknowledges nothing more:
      // take the gateway out of rotation.
      ready: () => !engine.embedded?.failure(),
      chainMismatch: () => engine.chainGuard?.mismatch,
      batchJobs: sqlBatchJobs(engine.store.db, {
        dialect: engine.store.dialect,
        now,
        retentionDays: config.batchDocumentRetentionDays,
        leaseSeconds: config.batchLeaseSeconds,
      }),
      extraRouters:
        opts.extraRouters ??
        frontRouters(domain, { counterSessions: engine.sessions, eventsPollMs: config.eventsPollMs }),
      registerOpenApi: registerFrontOpenApi,
      dataBackup: () => takeBackup(engine, config.dataDir),
      jsonRpc: embedded
        ? readOnlyRpc({
            rpc: embedded.rpc,
            head: () => embedded.producer.durableBlock,
            historyFrom: () => embedded.historyFrom(),
            maxBatch: config.rpcMaxBatch,
            maxLogBlockRange: config.rpcLogBlockRange,
            maxCallGas: config.rpcCallGasCap,
          })
        : externalChainRpc(engine.chainId),
    };
    let credentials: DemoCredentials | undefined;
    if (config.seedDemo) {
      const t0 = Date.now();
      credentials = await seedDemo(domain, engine.authority.toLowerCase() as Address, config.dataDir);
      logger.info({ ms: Date.now() - t0, agencies: credentials.agencies.length }, "demo ready");
    }
    let authorityCredentials: AuthorityCredentials | undefined;
    if (config.keyCustody === "external")
      authorityCredentials = await ensureAuthorityPrincipal(domain, engine.authority as Address, config.dataDir);
    const app = buildApp(deps);
    // Batches whose gateway stopped while building them are built again from their stored input: at
    // start (a restarted gateway owns its SQLite store whole) and every half lease, at most 30 s (a
    // replica takes over another's once its lease has run out).
    const resume = (all: boolean) =>
      resumeBatches(domain, deps.batchJobs, { all }).then(
        (jobs) => {
          if (jobs.length > 0) logger.info({ batches: jobs.map((j) => j.batchId) }, "resuming interrupted batches");
        },
        (e) => logger.warn({ err: e }, "could not resume interrupted batches"),
      );
    await resume(engine.store.dialect === "sqlite");
    const sweep = setInterval(
      () => void resume(false),
      Math.min(BATCH_SWEEP_MS, (config.batchLeaseSeconds * 1000) / 2),
    );
    sweep.unref();
    const retention: RetentionSettings = {
      idempotencySeconds: config.idempotencyRetentionSeconds,
      counterSessionSeconds: config.counterSessionRetentionSeconds,
      shareSeconds: config.shareRetentionSeconds,
      backupSeconds: config.backupRetentionDays * 86_400,
    };
    let sweeping: Promise<RetentionSweep> | undefined;
    const sweepNow = () =>
      (sweeping ??= sweepRetention(engine.store.db, retention, now()).finally(() => (sweeping = undefined)));
    const retentionTimer =
      config.retentionSweepSeconds > 0
        ? setInterval(
            () =>
              void sweepNow().then(
                (n) => logger.debug(n, "retention sweep"),
                (e) => logger.warn({ err: e }, "retention sweep failed"),
              ),
            config.retentionSweepSeconds * 1000,
          )
        : undefined;
    retentionTimer?.unref();
    let closed = false;
    return {
      app,
      deps,
      engine,
      credentials,
      authorityCredentials,
      sweepRetention: sweepNow,
      async close() {
        if (closed) return;
        closed = true;
        clearInterval(sweep);
        clearInterval(retentionTimer);
        await sweeping?.catch(() => undefined);
        await documents.close();
        await engine.close();
      },
    };
  } catch (e) {
    await documents.close();
    await engine.close().catch(() => undefined);
    throw e;
  }
}
