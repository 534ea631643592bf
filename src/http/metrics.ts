/** Prometheus metrics: default process metrics plus request counts and latencies by route. */
import type { RequestHandler } from "express";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export interface HttpMetrics {
  registry: Registry;
  middleware: RequestHandler;
  verdicts: Counter<"verdict">;
}

export function httpMetrics(registry = new Registry()): HttpMetrics {
  collectDefaultMetrics({ register: registry, prefix: "certledger_" });
  const duration = new Histogram({
    name: "certledger_http_request_duration_seconds",
    help: "HTTP request latency by route and status class.",
    labelNames: ["method", "route", "status"] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [registry],
  });
  const verdicts = new Counter({
    name: "certledger_verifications_total",
    help: "Verifications by verdict.",
    labelNames: ["verdict"] as const,
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
  return { registry, middleware, verdicts };
}

// ---- the chain node and the outbox (README.md#when-the-chain-node-is-away)

export interface ChainMetricsSource {
  /** External chain only: whether its node answers. */
  chainHealth?: () => { reachable: boolean; lastSuccessMs: number | undefined };
  index: { freshness?(): { block: number; ageSeconds: number } | undefined };
  outbox?: { counts(): Promise<Record<"pending" | "sent" | "done" | "failed", number>> };
}

/** Gauges read at scrape time: is the node there, how old the index is, how many writes wait. */
export function chainMetrics(registry: Registry, source: ChainMetricsSource): void {
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
  const indexGauges = [
    ["certledger_index_block", "The last chain block the index has applied.", "block"],
    [
      "certledger_index_age_seconds",
      "Seconds since the index last matched the chain's head (grows while the node is away).",
      "ageSeconds",
    ],
  ] as const;
  for (const [name, help, field] of indexGauges)
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        const f = source.index.freshness?.();
        if (f) this.set(f[field]);
      },
    });
  const outbox = source.outbox;
  if (outbox)
    new Gauge({
      name: "certledger_outbox_unfinished",
      help: "Chain writes accepted and not yet on chain, by state (pending: waiting to be sent; sent: awaiting confirmation).",
      labelNames: ["state"] as const,
      registers: [registry],
      async collect() {
        const c = await outbox.counts();
        this.set({ state: "pending" }, c.pending);
        this.set({ state: "sent" }, c.sent);
      },
    });
}
