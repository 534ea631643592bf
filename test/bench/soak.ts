/**
 * `npm run soak [-- --minutes N]` (default 10 minutes; not part of `npm test` nor `npm run bench`): a mixed
 * load on one gateway (embedded chain, SQLite) for N minutes, from clients in their own processes
 * (the benchmarks' clients in test/bench/support, run round after round):
 *   - issues: 200 single issues a round from 10 concurrent clients (issueClient.ts "singles");
 *   - batches: one batch of 500 a round (issueClient.ts "batch");
 *   - grants: 50 certificates issued and shared by link, each with its holder-signed grant (grantClient.ts);
 *   - counter sessions: 20 sessions a round from 5 counters, two certificates each (counterClient.ts);
 *   - verifications: POST /v1/public/verify at 40 requests/s over the documents of the first batch (cannon.ts).
 * Prints JSON lines {"name","value","unit"}: requests by kind (counted by the gateway), errors (client
 * failures, target 0) and 5xx answers (target 0), the heap after a full GC and the RSS at minute 2 and at
 * the end of the load (target: heap within 10%), the event-loop delay p99 over the load, and the outbox
 * depth once the load stopped (target 0 within 30 s).
 *
 *   node --expose-gc --import tsx test/bench/soak.ts [--minutes 10] [--integrity-cache N] [--heap-snapshots DIR]
 */
import { rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { writeHeapSnapshot } from "node:v8";
import { emit, exitOnFailure, withBenchGateway } from "./support/benchGateway";
import { runHelper } from "./support/child";

const TYPE = "diploma";
const COUNTER_TYPES = ["resident-id-card", "household-register"];
const VERIFY_RATE = 40;

function minutesArg(): number {
  const i = process.argv.indexOf("--minutes");
  if (i < 0) return 10;
  const n = Number(process.argv[i + 1]);
  if (!Number.isFinite(n) || n <= 0) throw new Error("--minutes takes a positive number");
  return n;
}

/**
 * `--integrity-cache N`: entries of the documents' integrity LRU (default the gateway's, 10,000). A small
 * one is full by minute 2, like `CERTLEDGER_INDEX_CACHE_ENTRIES=1000` for the index, so the heap's growth
 * after minute 2 is not a bounded cache filling up.
 */
function integrityCacheArg(): number | undefined {
  const i = process.argv.indexOf("--integrity-cache");
  if (i < 0) return undefined;
  const n = Number(process.argv[i + 1]);
  if (!Number.isInteger(n) || n < 0) throw new Error("--integrity-cache takes a whole number of entries");
  return n;
}

/** `--heap-snapshots DIR`: also writes a heap snapshot after each of the two measures, to compare them. */
function snapshotsArg(): string | undefined {
  const i = process.argv.indexOf("--heap-snapshots");
  return i < 0 ? undefined : process.argv[i + 1];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What a request is, for the counts: the route family, never the ids in the URL. */
function kindOf(method: string, url: string): string {
  const p = url.split("?")[0];
  if (p === "/v1/agency/certificates" && method === "POST") return "issue";
  if (p === "/v1/agency/batches" && method === "POST") return "batch";
  if (/^\/v1\/agency\/batches\/[^/]+\/documents$/.test(p)) return "batch_documents";
  if (p === "/v1/shares" && method === "POST") return "grant";
  if (p === "/v1/counter/requests" && method === "POST") return "counter_session";
  if (/^\/v1\/counter\/requests\/[^/]+\/answer$/.test(p)) return "counter_answer";
  if (/^\/v1\/counter\/requests\/[^/]+\/events$/.test(p)) return "counter_events";
  if (/^\/v1\/counter\/requests\/[^/]+$/.test(p)) return "counter_read";
  if (p === "/v1/public/verify") return "verify";
  return "other";
}

/** A full collection: twice, so objects freed by finalizers of the first go too. */
async function heapAfterGc(): Promise<{ heapMb: number; rssMb: number }> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("run with node --expose-gc (npm run soak does)");
  gc();
  await sleep(100);
  gc();
  const m = process.memoryUsage();
  return { heapMb: m.heapUsed / 2 ** 20, rssMb: m.rss / 2 ** 20 };
}

async function main() {
  const minutes = minutesArg();
  // One key per role drives the whole load: the per-key and per-counter limits would only slow it.
  const limits = { apiKeyRequestsPerMinute: "0", counterRequestsPerMinute: "0", eventStreamsPerVerifier: "20" };
  const integrityCacheSize = integrityCacheArg();
  await withBenchGateway(
    "soak",
    limits,
    async ({ gw, base, server, dataDir }) => {
      const requests = new Map<string, number>();
      const status5xx = new Map<string, number>();
      server.on("request", (req, res) => {
        const kind = kindOf(req.method ?? "GET", req.url ?? "");
        requests.set(kind, (requests.get(kind) ?? 0) + 1);
        res.on("finish", () => {
          if (res.statusCode >= 500) status5xx.set(kind, (status5xx.get(kind) ?? 0) + 1);
        });
      });
      const creds = gw.credentials!;
      const agency = creds.agencies.find((a) => a.types.includes(TYPE))!;
      const counterAgency = creds.agencies.find((a) => COUNTER_TYPES.every((t) => a.types.includes(t)))!;

      // The verifications' documents: one batch, issued before the clock starts.
      const first = JSON.parse(
        await runHelper("issueClient.ts", { base, apiKey: agency.apiKey, type: TYPE, phase: "batch", size: 200 }),
      ) as { batchId: string };
      const page = (await (
        await fetch(`${base}/v1/agency/batches/${first.batchId}/documents?limit=200`, {
          headers: { authorization: `Bearer ${agency.apiKey}` },
        })
      ).json()) as { items: { document: unknown }[] };
      const bodiesFile = path.join(dataDir, "verify-bodies.jsonl");
      writeFileSync(bodiesFile, page.items.map((i) => JSON.stringify({ document: i.document })).join("\n"));
      requests.clear();

      const errors = new Map<string, number>();
      const firstErrors: string[] = [];
      const failed = (kind: string, n: number, why?: string) => {
        if (n <= 0) return;
        errors.set(kind, (errors.get(kind) ?? 0) + n);
        if (why && firstErrors.length < 5) firstErrors.push(`${kind}: ${why.slice(0, 300)}`);
      };
      const done = { issues: 0, batches: 0, batchCertificates: 0, grants: 0, counterSessions: 0, verifications: 0 };

      const t0 = Date.now();
      const end = t0 + minutes * 60_000;
      const loop = async (kind: string, round: (n: number) => Promise<void>) => {
        for (let n = 0; Date.now() < end; n++) {
          try {
            await round(n);
          } catch (e) {
            failed(kind, 1, e instanceof Error ? e.message : String(e));
            await sleep(1000);
          }
        }
      };
      const delay = monitorEventLoopDelay({ resolution: 10 });
      delay.enable();
      const lanes = [
        loop("issue", async (n) => {
          const r = JSON.parse(
            await runHelper("issueClient.ts", {
              base,
              apiKey: agency.apiKey,
              type: TYPE,
              phase: "singles",
              singles: 200,
              concurrency: 10,
              run: `soak-${n}-`,
            }),
          ) as { failed: number };
          done.issues += 200 - r.failed;
          failed("issue", r.failed, r.failed ? "single issues refused" : undefined);
        }),
        loop("batch", async () => {
          await runHelper("issueClient.ts", { base, apiKey: agency.apiKey, type: TYPE, phase: "batch", size: 500 });
          done.batches++;
          done.batchCertificates += 500;
        }),
        loop("grant", async (n) => {
          const client = {
            base,
            apiKey: agency.apiKey,
            type: TYPE,
            grants: 50,
            concurrency: 10,
            file: path.join(dataDir, `grants-${n}.jsonl`),
          };
          await runHelper("grantClient.ts", { ...client, phase: "prepare" });
          const r = JSON.parse(await runHelper("grantClient.ts", { ...client, phase: "send" })) as {
            failed: number;
            firstError?: string;
            grantIds: string[];
          };
          rmSync(client.file, { force: true });
          done.issues += 50;
          done.grants += r.grantIds.length;
          failed("grant", r.failed, r.firstError);
        }),
        loop("counter", async () => {
          const r = JSON.parse(
            await runHelper("counterClient.ts", {
              base,
              agencyKey: counterAgency.apiKey,
              verifierKey: creds.verifier.apiKey,
              types: COUNTER_TYPES,
              purpose: "household-transfer",
              sessions: 20,
              counters: 5,
            }),
          ) as { sessions: number; failed: number; failures: string[] };
          done.counterSessions += r.sessions;
          failed("counter", r.failed, r.failures[0]);
        }),
        loop("verify", async () => {
          const seconds = Math.max(1, Math.min(60, Math.round((end - Date.now()) / 1000)));
          const r = JSON.parse(
            await runHelper("cannon.ts", {
              url: `${base}/v1/public/verify`,
              connections: 4,
              duration: seconds,
              overallRate: VERIFY_RATE,
              bodiesFile,
            }),
          ) as { requests: { total: number }; non2xx: number; errors: number; timeouts: number };
          done.verifications += r.requests.total;
          failed("verify", r.non2xx + r.errors + r.timeouts, r.non2xx ? `${r.non2xx} answers not 2xx` : undefined);
        }),
      ];

      // Minute 2 (or half-way through a shorter run), and the end of the load: same load, same measure.
      const firstAt = Math.min(2, minutes / 2);
      await sleep(firstAt * 60_000);
      const early = await heapAfterGc();
      const indexEarly = gw.engine.index.sizes();
      const issuedEarly = done.issues + done.batchCertificates;
      const snapshots = snapshotsArg();
      if (snapshots) writeHeapSnapshot(path.join(snapshots, "early.heapsnapshot"));
      await sleep(Math.max(0, end - Date.now()));
      const late = await heapAfterGc();
      const indexLate = gw.engine.index.sizes();
      const issuedBetween = done.issues + done.batchCertificates - issuedEarly;
      if (snapshots) writeHeapSnapshot(path.join(snapshots, "end.heapsnapshot"));
      delay.disable();
      const loadSeconds = (Date.now() - t0) / 1000;
      await Promise.all(lanes);

      // The outbox once the load stopped: every accepted piece of work on chain within 30 s.
      const stopped = Date.now();
      let backlog = await gw.engine.outbox.backlog();
      while (backlog.rows > 0 && Date.now() - stopped < 30_000) {
        await sleep(250);
        backlog = await gw.engine.outbox.backlog();
      }
      const drainSeconds = (Date.now() - stopped) / 1000;

      const common = {
        minutes,
        clientProcess: true,
        ...(integrityCacheSize === undefined ? {} : { integrityCacheEntries: integrityCacheSize }),
      };
      for (const [kind, n] of [...requests].sort())
        emit(`soak_requests_${kind}`, n, "requests", { ...common, perSecond: Math.round((n / loadSeconds) * 10) / 10 });
      emit("soak_completed_issues", done.issues, "certificates", common);
      emit("soak_completed_batches", done.batches, "batches", { ...common, certificates: done.batchCertificates });
      emit("soak_completed_grants", done.grants, "grants", common);
      emit("soak_completed_counter_sessions", done.counterSessions, "sessions", common);
      emit("soak_completed_verifications", done.verifications, "verifications", common);
      const errorCount = [...errors.values()].reduce((s, n) => s + n, 0);
      emit("soak_errors", errorCount, "errors", {
        ...common,
        target: 0,
        byKind: Object.fromEntries(errors),
        first: firstErrors,
      });
      emit(
        "soak_5xx",
        [...status5xx.values()].reduce((s, n) => s + n, 0),
        "responses",
        {
          ...common,
          target: 0,
          byKind: Object.fromEntries(status5xx),
        },
      );
      const at = { atMinute: Math.round(firstAt * 10) / 10 };
      // The index keeps the most recently used certificates and grants (`index` shows how many it holds):
      // the heap per certificate issued between the two measures tells whether memory follows history.
      const held = (x: Record<string, number>) => x.certificates + x.grants;
      const newEntries = held(indexLate) - held(indexEarly);
      emit("soak_heap_after_gc_early_mb", early.heapMb, "MB", { ...common, ...at, index: indexEarly });
      emit("soak_heap_after_gc_end_mb", late.heapMb, "MB", { ...common, atMinute: minutes, index: indexLate });
      emit("soak_heap_growth_pct", ((late.heapMb - early.heapMb) / early.heapMb) * 100, "%", {
        ...common,
        target: 10,
        newIndexEntries: newEntries,
        certificatesIssuedBetween: issuedBetween,
        mbPer100000Certificates:
          issuedBetween > 0 ? Math.round(((late.heapMb - early.heapMb) / issuedBetween) * 100_000 * 10) / 10 : null,
      });
      emit("soak_rss_early_mb", early.rssMb, "MB", { ...common, ...at });
      emit("soak_rss_end_mb", late.rssMb, "MB", { ...common, atMinute: minutes });
      emit("soak_event_loop_delay_p99_ms", delay.percentile(99) / 1e6, "ms", { ...common, maxMs: delay.max / 1e6 });
      emit("soak_outbox_depth_end", backlog.rows, "rows", { ...common, target: 0, afterSeconds: drainSeconds });
      if (errorCount > 0 || status5xx.size > 0 || backlog.rows > 0) process.exitCode = 1;
    },
    integrityCacheSize === undefined ? {} : { integrityCacheSize },
  );
}

exitOnFailure(main);
