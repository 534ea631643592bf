/**
 * Issuing through the HTTP API (issue 5 item 8), as JSON lines {"name","value","unit"}:
 * The clients run in a child process (test/bench/support/issueClient.ts), as a real agency's would.
 *   - single issues/s: 50 concurrent clients, each POST /v1/agency/certificates with its own
 *     Idempotency-Key, fields validated, document built, certId on chain and indexed before the answer,
 *     and the longest the event loop stalled meanwhile (the chain's checkpoints included);
 *   - seconds to issue, anchor and index a batch of 10,000 certificates (POST /v1/agency/batches?wait=true),
 *     and the longest the event loop stalled meanwhile;
 *   - the gateway's resident memory after the singles and `batched` batched certificates.
 *
 *   node --expose-gc --import tsx test/bench/gateway-issue.ts [singles=10000] [batched=100000]
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import type { Bytes32 } from "../../src/domain/ports";
import { emit, exitOnFailure, withBenchGateway } from "./support/benchGateway";
import { runHelper } from "./support/child";

const SINGLES = Number(process.argv[2] ?? 10_000);
const BATCHED = Number(process.argv[3] ?? 100_000);
const BATCH = 10_000;
const CONCURRENCY = 50;
const TYPE = "diploma";

/** Runs the client (test/bench/support/issueClient.ts) in its own process; resolves with its JSON answer. */
async function runClient<T>(args: Record<string, unknown>): Promise<T> {
  return JSON.parse(await runHelper("issueClient.ts", args)) as T;
}

async function main() {
  // All clients share one agency key: the per-key request limit would measure itself, not the gateway.
  await withBenchGateway(
    "bench-issue",
    { apiKeyRequestsPerMinute: "0" },
    async ({ gw, base }) => {
      const agency = gw.credentials!.agencies.find((a) => a.types.includes(TYPE))!;
      const client = { base, apiKey: agency.apiKey, type: TYPE };
      const rss0 = process.memoryUsage().rss;

      // How long the event loop stalls while singles are issued (checkpoints of the chain included):
      // what a verification waits at worst meanwhile.
      const singlesStall = monitorEventLoopDelay({ resolution: 5 });
      singlesStall.enable();
      const singles = await runClient<{ seconds: number; failed: number }>({
        ...client,
        phase: "singles",
        singles: SINGLES,
        concurrency: CONCURRENCY,
      });
      emit("api_single_issues_per_s", SINGLES / singles.seconds, "issues/s", {
        issues: SINGLES,
        concurrency: CONCURRENCY,
        failed: singles.failed,
        clientProcess: true,
        target: 300,
      });
      singlesStall.disable();
      emit("event_loop_max_stall_during_single_issues_ms", singlesStall.max / 1e6, "ms", {
        p99: Math.round(singlesStall.percentile(99) / 1e4) / 100,
        issues: SINGLES,
        concurrency: CONCURRENCY,
      });
      emit("rss_after_single_issues_mb", process.memoryUsage().rss / 2 ** 20, "MB", { issues: SINGLES });

      let batchedDone = 0;
      while (batchedDone < BATCHED) {
        const n = Math.min(BATCH, BATCHED - batchedDone);
        // How long the event loop stalls while a batch is parsed, built, stored and anchored: what every
        // other request (a counter verifying, say) waits at worst meanwhile.
        const stall = monitorEventLoopDelay({ resolution: 5 });
        stall.enable();
        const batch = await runClient<{ seconds: number; bodyBytes: number; certId: string }>({
          ...client,
          phase: "batch",
          size: n,
        });
        stall.disable();
        if (!(await gw.deps.index.certificate(batch.certId as Bytes32))) throw new Error("batch member not indexed");
        if (batchedDone === 0) {
          emit("api_batch_10000_seconds", batch.seconds, "s", {
            certificates: n,
            bodyMB: Math.round(batch.bodyBytes / 2 ** 20),
            target: 10,
          });
          emit("event_loop_max_stall_during_batch_10000_ms", stall.max / 1e6, "ms", {
            p99: Math.round(stall.percentile(99) / 1e4) / 100,
          });
        }
        batchedDone += n;
      }
      global.gc?.();
      emit("rss_after_singles_and_batched_mb", process.memoryUsage().rss / 2 ** 20, "MB", {
        singles: SINGLES,
        batched: BATCHED,
        rssAtStartMB: Math.round(rss0 / 2 ** 20),
        heapUsedMB: Math.round(process.memoryUsage().heapUsed / 2 ** 20),
        gc: typeof global.gc === "function",
        target: 1536,
      });
    },
    { extraRouters: [] },
  );
}

exitOnFailure(main);
