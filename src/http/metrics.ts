/**
 * Prometheus metrics: default process metrics, request counts and latencies by route, verdicts by
 * reason, and what an operator watches on a running gateway (outbox, chain, index, batch jobs), read
 * when /metrics is scraped. Names carry their unit; the README lists each with an alert threshold.
 */
import type { RequestHandler } from "express";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { VerdictObserver } from "../domain/ports";

export interface HttpMetrics {
  registry: Registry;
  middleware: RequestHandler;
}

const HTTP_DURATION = "certledger_http_request_duration_seconds";

/** A second app built on the same registry (tests build several from one gateway) shares its series. */
export function httpMetrics(registry = new Registry()): HttpMetrics {
  const existing = registry.getSingleMetric(HTTP_DURATION) as Histogram<"method" | "route" | "status"> | undefined;
  if (!existing) collectDefaultMetrics({ register: registry, prefix: "certledger_" });
  const duration =
    existing ??
    new Histogram({
      name: HTTP_DURATION,
      help: "HTTP request latency by route and status class.",
      labelNames: ["method", "route", "status"] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      registers: [registry],
    });
  // One labelled child per (method, route, status class), found by a string key: prom-client otherwise
  // sorts and joins the label values on every observation.
  const series = new Map<string, Histogram.Internal<"method" | "route" | "status">>();
  const middleware: RequestHandler = (req, res, next) => {
    const start = performance.now();
    res.on("finish", () => {
      // The matched route pattern, never the raw URL: certIds would explode the label set.
      const route = (req.route?.path as string | undefined) ?? "unmatched";
      const status = `${Math.floor(res.statusCode / 100)}xx`;
      const key = `${req.method} ${route} ${status}`;
      let h = series.get(key);
      if (!h) series.set(key, (h = duration.labels({ method: req.method, route, status })));
      h.observe((performance.now() - start) / 1000);
    });
    next();
  };
  return { registry, middleware };
}

/** Counts every verdict the gateway gives, and each reason of the INVALID ones. */
export function verdictMetrics(registry: Registry): VerdictObserver {
  const verdicts = new Counter({
    name: "certledger_verifications_total",
    help: "Verifications by verdict (VALID or INVALID), from every route that verifies.",
    labelNames: ["verdict"] as const,
    registers: [registry],
  });
  const reasons = new Counter({
    name: "certledger_verdict_reasons_total",
    help: "Reasons given in INVALID verdicts (one verdict may give several).",
    labelNames: ["reason"] as const,
    registers: [registry],
  });
  const valid = verdicts.labels({ verdict: "VALID" });
  const invalid = verdicts.labels({ verdict: "INVALID" });
  return {
    observe(verdict, why) {
      (verdict === "VALID" ? valid : invalid).inc();
      for (const r of why) reasons.inc({ reason: r });
    },
  };
}

/** What the operations gauges read, each when /metrics is scraped. */
export interface OperationsSource {
  /** Outbox rows not settled yet (pending or sent) and the acceptance time of the oldest, unix ms. */
  outbox(): Promise<{ rows: number; oldestCreatedMs: number | null }>;
  /** The chain's newest block (embedded: the newest durable one) and its timestamp, unix seconds. */
  chainHead(): Promise<{ block: number; timestamp: number }>;
  /** The last block the indexer applied. */
  indexedBlock(): Promise<number>;
  /** Bytes of the embedded chain's durable files by kind (journal, checkpoint, ...); absent on an external chain. */
  chainStorage?(): Promise<Record<string, number>>;
  /** Resident memory of the embedded chain's node when it runs in its own process (anvil), bytes. */
  chainNodeRss?(): number;
  /**
   * The embedded chain's checkpoints (anvil): seconds since the last one was written, and how many
   * failed since the gateway started.
   */
  chainCheckpoints?(): { ageSeconds: number; failures: number };
  /** Batch jobs by state (building, anchoring, done, failed). */
  batchJobs(): Promise<Record<string, number>>;
  /** Unix seconds now, by the clock the chain's block times follow. */
  now(): number;
}

/** One read per scrape for values two gauges share: a scrape collects every gauge at once. */
function perScrape<T>(fn: () => Promise<T>): () => Promise<T> {
  let inflight: Promise<T> | undefined;
  return () => (inflight ??= fn().finally(() => (inflight = undefined)));
}

/**
 * Sets a gauge from `read`; when the source cannot be read (the chain node is down) the series is left
 * out of this scrape rather than failing the whole of /metrics.
 */
async function setOrDrop(g: Gauge, read: () => Promise<number>): Promise<void> {
  try {
    g.set(await read());
  } catch {
    g.reset();
  }
}

export function operationsMetrics(registry: Registry, src: OperationsSource): void {
  const source = { ...src, outbox: perScrape(src.outbox), chainHead: perScrape(src.chainHead) };
  const registers = [registry];
  new Gauge({
    name: "certledger_outbox_depth",
    help: "Accepted chain work not settled yet (outbox rows pending or sent).",
    registers,
    collect() {
      return setOrDrop(this, async () => (await source.outbox()).rows);
    },
  });
  new Gauge({
    name: "certledger_outbox_oldest_age_seconds",
    help: "Age of the oldest unsettled outbox row (0 when there is none).",
    registers,
    collect() {
      return setOrDrop(this, async () => {
        const { oldestCreatedMs } = await source.outbox();
        // Rows are stamped with the wall clock in ms (not the gateway's clock, which tests may move).
        return oldestCreatedMs === null ? 0 : Math.max(0, (Date.now() - oldestCreatedMs) / 1000);
      });
    },
  });
  new Gauge({
    name: "certledger_chain_head_block",
    help: "The chain's newest block number (embedded chain: the newest durable block).",
    registers,
    collect() {
      return setOrDrop(this, async () => (await source.chainHead()).block);
    },
  });
  new Gauge({
    name: "certledger_chain_head_age_seconds",
    help: "Seconds since the chain's newest block was made (the embedded chain makes blocks only when there is work).",
    registers,
    collect() {
      return setOrDrop(this, async () => Math.max(0, source.now() - (await source.chainHead()).timestamp));
    },
  });
  new Gauge({
    name: "certledger_index_block",
    help: "The last block the indexer applied.",
    registers,
    collect() {
      return setOrDrop(this, () => source.indexedBlock());
    },
  });
  new Gauge({
    name: "certledger_index_lag_blocks",
    help: "Blocks the chain holds that the indexer has not applied yet.",
    registers,
    collect() {
      return setOrDrop(this, async () => {
        const [head, indexed] = await Promise.all([source.chainHead(), source.indexedBlock()]);
        return Math.max(0, head.block - indexed);
      });
    },
  });
  const storage = source.chainStorage;
  if (storage)
    new Gauge({
      name: "certledger_chain_storage_bytes",
      help: "Bytes of the embedded chain's durable files on disk, by kind (genesis, journal, checkpoint).",
      labelNames: ["kind"] as const,
      registers,
      async collect() {
        this.reset();
        for (const [kind, bytes] of Object.entries(await storage())) this.set({ kind }, bytes);
      },
    });
  const nodeRss = source.chainNodeRss;
  if (nodeRss)
    new Gauge({
      name: "certledger_chain_node_resident_bytes",
      help: "Resident memory of the embedded chain's node processes (anvil: the serving one and, once started, its spare), which certledger_process_resident_memory_bytes leaves out.",
      registers,
      collect() {
        return setOrDrop(this, async () => nodeRss());
      },
    });
  const checkpoints = source.chainCheckpoints;
  if (checkpoints) {
    new Gauge({
      name: "certledger_chain_checkpoint_age_seconds",
      help: "Seconds since the embedded chain's last checkpoint was written: a restart after a crash replays the blocks made since.",
      registers,
      collect() {
        return setOrDrop(this, async () => checkpoints().ageSeconds);
      },
    });
    new Gauge({
      name: "certledger_chain_checkpoint_failures",
      help: "Checkpoints of the embedded chain that failed since the gateway started (each is tried again 10 s later).",
      registers,
      collect() {
        return setOrDrop(this, async () => checkpoints().failures);
      },
    });
  }
  new Gauge({
    name: "certledger_batch_jobs",
    help: "Batch jobs this gateway's store holds, by state.",
    labelNames: ["state"] as const,
    registers,
    async collect() {
      const byState = await source.batchJobs();
      for (const state of ["building", "anchoring", "done", "failed"]) this.set({ state }, byState[state] ?? 0);
    },
  });
}

// ---- the chain node and the outbox (README.md#when-the-chain-node-is-away)

export interface ChainMetricsSource {
  /** External chain only: whether its node answers. */
  chainHealth?: () => { reachable: boolean; lastSuccessMs: number | undefined };
  index: { freshness?(): { block: number; ageSeconds: number } | undefined };
}

/**
 * Gauges read at scrape time: is the node there, and how old the index's view is (the outbox's depth and
 * the indexed block are operationsMetrics').
 */
export function chainMetrics(registry: Registry, source: ChainMetricsSource): void {
  // A second app built on the same registry (tests build several from one gateway) reads the same chain.
  if (registry.getSingleMetric("certledger_chain_reachable")) return;
  const health = source.chainHealth;
  new Gauge({
    name: "certledger_chain_reachable",
    help: "1 while the chain node answers (the embedded chain always does), 0 while it cannot be reached.",
    registers: [registry],
    collect() {
      this.set(health && !health().reachable ? 0 : 1);
    },
  });
  if (health)
    new Gauge({
      name: "certledger_chain_last_success_age_seconds",
      help: "Seconds since the external chain node last answered a call.",
      registers: [registry],
      collect() {
        const at = health().lastSuccessMs;
        if (at !== undefined) this.set((Date.now() - at) / 1000);
      },
    });
  new Gauge({
    name: "certledger_index_age_seconds",
    help: "Seconds since the index last matched the chain's head (grows while the node is away).",
    registers: [registry],
    collect() {
      const f = source.index.freshness?.();
      if (f) this.set(f.ageSeconds);
    },
  });
}
