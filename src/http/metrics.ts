/** Prometheus metrics: default process metrics plus request counts and latencies by route. */
import type { RequestHandler } from "express";
import { Counter, Histogram, Registry, collectDefaultMetrics } from "prom-client";

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
