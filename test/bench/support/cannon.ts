/**
 * autocannon driven through its API, in its own process (the benchmark's server shares the parent's
 * event loop). With a bodies file (one JSON body per line) every request carries the next body in
 * turn, so a run cycles through many distinct documents instead of repeating one.
 * Lives under support/ so test/bench/run.ts does not take it for a benchmark.
 *
 *   node --import tsx test/bench/support/cannon.ts '{"url","connections","duration","headers","bodiesFile","overallRate","amount"}'
 * Prints autocannon's result as one JSON object, plus `distinctBodies` and `bodiesSent`.
 */
import { readFileSync } from "node:fs";
import autocannon from "autocannon";

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
  const result = await autocannon(opts);
  process.stdout.write(`${JSON.stringify({ ...result, distinctBodies: bodies.length, bodiesSent: sent })}\n`);
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : e}\n`);
  process.exit(1);
});
