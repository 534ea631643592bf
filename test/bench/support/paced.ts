/**
 * A fixed offered load, in its own process: `rate` requests per second over all `connections`
 * keep-alive connections, request i due at start + i / rate, whatever the server is doing. Each
 * latency is measured from when the request was DUE, not from when it could be written, so a stall
 * of the server (or of this process) counts in full for every request it delayed: no coordinated
 * omission. A request due while all connections are busy waits for the first free one, and that wait
 * is part of its latency.
 *
 * Why not autocannon's overallRate: autocannon 9 gives each connection rate / connections requests per
 * one-second tick and sends them back to back at the start of the tick, so 1,000/s over 50
 * connections arrives as a burst of 1,000 requests every second (a saturation test for the first part
 * of each second). Its correction then records every latency with an expected interval of
 * ceil(1 / rate) = 1 ms (a per-connection rate of 20/s read as milliseconds), adding L - 1 synthetic
 * samples for each L-ms answer, which weighs the histogram towards its slow answers.
 *
 * (docs/decisions/0012-latency-at-a-fixed-load.md.)
 *
 * Requests are pre-built byte strings written to plain sockets and answers are framed by
 * Content-Length, so this process allocates little per request and its own garbage collection stays
 * out of the figures; `lateMsP99` (how late this process's timer noticed that requests were due,
 * from its own timers, pauses and waits for a core) says how far it did.
 *
 *   node --import tsx test/bench/support/paced.ts '{"url","connections","rate","duration","headers","bodiesFile","expect"}'
 * Prints one JSON object: requests (total, average per second), latency (p50, p90, p99, p999, max, in
 * ms from the due time), non2xx, errors, timeouts, mismatches, lateMsP99, distinctBodies, bodiesSent.
 */
import { readFileSync } from "node:fs";
import net from "node:net";
import { performance } from "node:perf_hooks";
import { nearestRank } from "./quantile";

interface Args {
  url: string;
  connections: number;
  /** Requests per second over all connections. */
  rate: number;
  /** Seconds of offered load. */
  duration: number;
  headers?: Record<string, string>;
  /** One request body per line; requests are POSTs cycling through them (else GETs). */
  bodiesFile?: string;
  /** Text every 2xx answer must contain (counted as a mismatch otherwise). */
  expect?: string;
}

/** An answer not complete this long after the last request was due counts as a timeout. */
const DRAIN_MS = 10_000;
const CRLF2 = Buffer.from("\r\n\r\n");
const LENGTH = /\r\ncontent-length:\s*(\d+)/i;

interface Conn {
  socket: net.Socket;
  busy: boolean;
  /** When the current request was due. */
  due: number;
  buf: Buffer | undefined;
}

function percentile(sorted: Float64Array, q: number): number {
  return sorted.length === 0 ? NaN : nearestRank(sorted, q);
}

async function main() {
  const args = JSON.parse(process.argv[2]) as Args;
  const url = new URL(args.url);
  const bodies = args.bodiesFile
    ? readFileSync(args.bodiesFile, "utf8")
        .split("\n")
        .filter((l) => l.length > 0)
    : [];
  const head = (method: string, extra: string) =>
    `${method} ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nConnection: keep-alive\r\n` +
    Object.entries(args.headers ?? {})
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join("") +
    extra;
  const requests: Buffer[] =
    bodies.length > 0
      ? bodies.map((b) =>
          Buffer.from(
            head("POST", `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(b)}\r\n\r\n`) + b,
          ),
        )
      : [Buffer.from(head("GET", "\r\n"))];
  const expect = args.expect ? Buffer.from(args.expect) : undefined;

  const total = Math.round(args.rate * args.duration);
  const interval = 1000 / args.rate;
  const latencies = new Float64Array(total);
  const late = new Float64Array(total);
  let done = 0;
  let issued = 0;
  let non2xx = 0;
  let errors = 0;
  let mismatches = 0;
  let start = 0;
  /** Due times of requests waiting for a free connection, oldest first. */
  const backlog: number[] = [];
  const idle: Conn[] = [];
  let finish: () => void = () => {};

  let sentCount = 0;
  const write = (c: Conn, due: number) => {
    c.busy = true;
    c.due = due;
    c.socket.write(requests[sentCount % requests.length]);
    sentCount++;
  };

  const release = (c: Conn) => {
    c.busy = false;
    const due = backlog.shift();
    if (due !== undefined) write(c, due);
    else idle.push(c);
  };

  const onData = (c: Conn, chunk: Buffer) => {
    c.buf = c.buf ? Buffer.concat([c.buf, chunk]) : chunk;
    for (;;) {
      const b: Buffer | undefined = c.buf;
      if (!b) return;
      const end: number = b.indexOf(CRLF2);
      if (end < 0) return;
      const m = LENGTH.exec(b.toString("latin1", 0, end + 2));
      const length = m ? Number(m[1]) : 0;
      const size: number = end + 4 + length;
      if (b.length < size) return;
      const now = performance.now();
      const status = b.readUInt8(9) - 48;
      if (status !== 2) non2xx++;
      else if (expect && b.subarray(end + 4, size).indexOf(expect) < 0) mismatches++;
      if (c.busy && done < total) latencies[done++] = now - c.due;
      c.buf = b.length > size ? b.subarray(size) : undefined;
      release(c);
      if (done + errors >= total) finish();
    }
  };

  let stopping = false;
  const open = new Set<Conn>();
  const connect = (): Promise<Conn> =>
    new Promise((resolve, reject) => {
      const c: Conn = { socket: net.connect(Number(url.port), url.hostname), busy: false, due: 0, buf: undefined };
      c.socket.setNoDelay(true);
      c.socket.on("data", (chunk) => onData(c, chunk));
      c.socket.once("connect", () => {
        c.socket.removeListener("error", reject);
        c.socket.on("error", () => {}); // "close" follows and says what happens next
        c.socket.once("close", () => replace(c));
        open.add(c);
        resolve(c);
      });
      c.socket.once("error", reject);
    });
  /**
   * A closed connection (the server's keep-alive timeout, a reset) loses the request it carried, if
   * any, and is replaced by a new one, so the run keeps its connections.
   */
  const replace = (c: Conn) => {
    open.delete(c);
    const i = idle.indexOf(c);
    if (i >= 0) idle.splice(i, 1);
    if (c.busy) {
      c.busy = false;
      errors++;
      if (done + errors >= total) finish();
    }
    if (stopping) return;
    connect().then(release, () => errors++);
  };
  const conns = await Promise.all(Array.from({ length: args.connections }, connect));
  // Connections are taken in turn (oldest idle first), as autocannon spreads its rate over them.
  for (const c of conns) idle.push(c);

  const finished = new Promise<void>((r) => (finish = r));
  start = performance.now();
  const tick = () => {
    const now = performance.now();
    while (issued < total && start + issued * interval <= now) {
      const due = start + issued * interval;
      late[issued++] = now - due;
      const c = idle.shift();
      if (c) write(c, due);
      else backlog.push(due);
    }
    if (issued < total) setTimeout(tick, Math.max(0, start + issued * interval - performance.now()));
  };
  tick();
  const timedOut = await Promise.race([
    finished.then(() => false),
    new Promise<boolean>((r) => setTimeout(() => r(true), args.duration * 1000 + DRAIN_MS).unref()),
  ]);
  const elapsed = (performance.now() - start) / 1000;
  stopping = true;
  for (const c of open) c.socket.destroy();

  const sorted = latencies.slice(0, done).sort();
  const lateSorted = late.slice(0, issued).sort();
  const round = (x: number) => Math.round(x * 100) / 100;
  process.stdout.write(
    `${JSON.stringify({
      requests: { total: done, average: round(done / Math.max(elapsed, args.duration)), offered: args.rate },
      latency: {
        p50: round(percentile(sorted, 0.5)),
        p90: round(percentile(sorted, 0.9)),
        p99: round(percentile(sorted, 0.99)),
        p999: round(percentile(sorted, 0.999)),
        max: round(sorted[sorted.length - 1] ?? NaN),
      },
      non2xx,
      errors,
      mismatches,
      timeouts: timedOut ? total - done - errors : 0,
      lateMsP99: round(percentile(lateSorted, 0.99)),
      distinctBodies: bodies.length,
      bodiesSent: sentCount,
    })}\n`,
  );
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : e}\n`);
  process.exit(1);
});
