/**
 * The counter end to end (issue 14 item 4), as JSON lines {"name","value","unit"}: 50 simulated
 * counters at once against the real gateway (embedded chain, SQLite), each session doing over HTTP what
 * the counter page and the wallet do — open a request for a resident ID card and a household register,
 * follow its event stream, answer it with two holder-signed grants and the redacted documents, read
 * the verdict on the stream. The clients run in their own process (test/bench/support/counterClient.ts).
 *   - counter_sessions_per_s: sessions completed (verdict VALID on the stream) per second;
 *   - counter_answer_to_verdict_p50/p95/p99_ms: from the wallet sending its answer to the counter's
 *     stream delivering the verdict (two grants relayed on chain, two verifications, two checks
 *     recorded on chain, and the stream's watcher noticing the answered session).
 *
 * Each figure's `checkpointMs` lists the chain checkpoints written during the sessions, ms each: the
 * block producer waits for all of one, so every answer waiting for a block then waits that long too.
 *
 * All 50 counters sign in with the demo verifier's one key, so the per-verifier limits are set here
 * for that load, explicitly: counter requests per minute and the per-key request rate off, and 50
 * event streams at once (one per counter). The stream watcher keeps its default poll interval.
 *
 *   node --expose-gc --import tsx test/bench/gateway-counter.ts [sessions=500] [counters=50]
 */
import { emit, exitOnFailure, watchCheckpoints, withBenchGateway } from "./support/benchGateway";
import { runHelper } from "./support/child";
import { nearestRank } from "./support/quantile";

const SESSIONS = Number(process.argv[2] ?? 500);
const COUNTERS = Number(process.argv[3] ?? 50);
const TYPES = ["resident-id-card", "household-register"];
const PURPOSE = "household-transfer";
/** The limits this load needs from one verifier key (the defaults suit one officer's counter). */
const LIMITS = {
  counterRequestsPerMinute: "0",
  apiKeyRequestsPerMinute: "0",
  eventStreamsPerVerifier: String(COUNTERS),
};

async function main() {
  await withBenchGateway("bench-counter", LIMITS, async ({ gw, base, config }) => {
    const creds = gw.credentials!;
    const agency = creds.agencies.find((a) => TYPES.every((t) => a.types.includes(t)))!;
    const checkpoints = watchCheckpoints(gw);
    const out = JSON.parse(
      await runHelper("counterClient.ts", {
        base,
        agencyKey: agency.apiKey,
        verifierKey: creds.verifier.apiKey,
        types: TYPES,
        purpose: PURPOSE,
        sessions: SESSIONS,
        counters: COUNTERS,
      }),
    ) as { seconds: number; sessions: number; failed: number; answerToVerdictMs: number[]; failures: string[] };
    if (out.failed > 0) process.stderr.write(`failed sessions, e.g.: ${out.failures.join("\n")}\n`);
    const chain = checkpoints();
    const sorted = [...out.answerToVerdictMs].sort((x, y) => x - y);
    const common = {
      counters: COUNTERS,
      sessions: out.sessions,
      failed: out.failed,
      certificatesPerSession: TYPES.length,
      clientProcess: true,
      limits: LIMITS,
      eventsPollMs: config.eventsPollMs,
      ...chain,
    };
    emit("counter_sessions_per_s", out.sessions / out.seconds, "sessions/s", { ...common, target: 50 });
    emit("counter_answer_to_verdict_p50_ms", nearestRank(sorted, 0.5), "ms", common);
    emit("counter_answer_to_verdict_p95_ms", nearestRank(sorted, 0.95), "ms", { ...common, target: 1000 });
    emit("counter_answer_to_verdict_p99_ms", nearestRank(sorted, 0.99), "ms", common);
    if (out.failed > 0) process.exitCode = 1;
  });
}

exitOnFailure(main);
