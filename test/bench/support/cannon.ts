/**
 * autocannon driven through its API, in its own process (the benchmark's server shares the parent's
 * event loop). With a bodies file (one JSON body per line) every request carries the next body in
 * turn, so a run cycles through many distinct documents instead of repeating one.
 * Lives under support/ so test/bench/run.ts does not take it for a benchmark.
 *
 *   node --import tsx test/bench/support/cannon.ts '{"url","connections","duration","headers","bodiesFile","overallRate","amount"}'
 * Prints autocannon's result as one JSON object, plus `distinctBodies` and `bodiesSent`, and with a fixed
 * rate `afterFirstSecond`: the same run's latencies once every connection is open.
 */
import { readFileSync } from "node:fs";
import type { EventEmitter } from "node:events";
import autocannon from "autocannon";
import { nearestRank } from "./quantile";

interface Args {
  url: string;
  connections: number;
  duration: number;
  headers?: Record<string, string>;
  /** One request body per line; requests are POSTs cycling through them. */
  bodiesFile?: string;
  /** A fixed offered load: requests per second over all connections (autocannon's overallRate). */
  overallRate?: number;
  /** Stop after this many requests instead of after `duration`. */
  amount?: number;
}

async function main() {
  const args = JSON.parse(process.argv[2]) as Args;
  const bodies = args.bodiesFile
    ? readFileSync(args.bodiesFile, "utf8")
        .split("\n")
        .filter((l) => l.length > 0)
    : [];
  let next = 0;
  let sent = 0;
  const opts: autocannon.Options = {
    url: args.url,
    connections: args.connections,
    duration: args.duration,
    headers: args.headers ?? {},
    ...(args.overallRate ? { overallRate: args.overallRate } : {}),
    ...(args.amount ? { amount: args.amount } : {}),
  };
  if (bodies.length > 0) {
    opts.method = "POST";
    opts.headers = { ...opts.headers, "content-type": "application/json" };
    opts.requests = [
      {
        method: "POST",
        setupRequest: (req) => {
          sent++;
          return { ...req, body: bodies[next++ % bodies.length] };
        },
      },
    ];
  }
  const started = Date.now();
  const answers: { at: number; ms: number }[] = [];
  // Without a callback autocannon returns its event emitter, made thenable (its types say a Promise).
  const run = autocannon(opts) as unknown as EventEmitter & Promise<autocannon.Result>;
  if (args.overallRate)
    run.on("response", (_client: unknown, _status: number, _bytes: number, ms: number) =>
      answers.push({ at: Date.now() - started, ms }),
    );
  const result = await run;
  const afterFirstSecond = args.overallRate ? steadyState(answers, 1_000) : undefined;
  process.stdout.write(
    `${JSON.stringify({ ...result, distinctBodies: bodies.length, bodiesSent: sent, afterFirstSecond })}\n`,
  );
}

/**
 * The answers given from `fromMs` into the run on, when all connections are open: the run's first
 * second is mostly connection setup, because the server's event loop (libuv) accepts one new
 * connection per turn while the connections it already has send their bursts. `p99Corrected` is
 * recomputed the way autocannon records a latency at a fixed rate (HdrHistogram's expected interval
 * of 1 ms: an answer of L ms also counts L-1, L-2, ... 1 ms); `p99Raw` counts each answer once.
 */
function steadyState(answers: { at: number; ms: number }[], fromMs: number) {
  const kept = answers.filter((a) => a.at >= fromMs).map((a) => Math.round(a.ms));
  const raw = [...kept].sort((a, b) => a - b);
  const weight = new Map<number, number>();
  for (const ms of kept) for (let v = ms; v >= 1; v--) weight.set(v, (weight.get(v) ?? 0) + 1);
  const values = [...weight.keys()].sort((a, b) => a - b);
  const total = values.reduce((n, v) => n + weight.get(v)!, 0);
  let p99Corrected = 0;
  for (let seen = 0, i = 0; i < values.length; i++) {
    seen += weight.get(values[i])!;
    if (seen >= total * 0.99) {
      p99Corrected = values[i];
      break;
    }
  }
  const slowBefore = answers.filter((a) => a.at < fromMs && a.ms > 25).length;
  return {
    fromMs,
    requests: raw.length,
    p99Corrected,
    p99Raw: raw.length === 0 ? 0 : nearestRank(raw, 0.99),
    maxRaw: raw[raw.length - 1] ?? 0,
    answersOver25MsBefore: slowBefore,
  };
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : e}\n`);
  process.exit(1);
});
