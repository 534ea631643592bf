/**
 * Mass issuance from an agency's file, end to end, as a JSON line {"name","value","unit"}:
 *   - cli_issue_batch_rows_per_s: a GB18030 CSV of `rows` diplomas with Chinese column titles through
 *     `certledger issue-batch` (bin/certledger in its own process, as an agency runs it) against a running
 *     gateway: the file read and checked, chunks of 10,000 built, anchored and indexed by the gateway, and
 *     every document written to its own file plus the manifest. Timed from the command's start to its exit;
 *     the documents are counted after. With it, the gateway's (this process's) CPU per 1,000 rows over the
 *     same span: all its threads (user + system, the document worker included) and, on Linux, its main
 *     thread's alone (the event loop, which bounds the rate), and the CLI's (its process, on Linux). CPU time is coloured far less than the
 *     wall-clock rate by a shared machine's load.
 *
 *   node --expose-gc --import tsx test/bench/cli-issue-batch.ts [rows]    (rows: CERTLEDGER_BENCH_ROWS, default 100000)
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { cpus, loadavg, tmpdir } from "node:os";
import path from "node:path";
import pino from "pino";
import { loadConfig } from "../../src/config";
import { openGateway } from "../../src/wiring/gateway";
import { diplomaCsv, diplomaRows, gb18030 } from "../support/batchFiles";

const ROWS = Number(process.argv[2] ?? process.env.CERTLEDGER_BENCH_ROWS ?? 100_000);
const CHUNK = 10_000;
const BIN = path.join(__dirname, "..", "..", "bin", "certledger");

function emit(name: string, value: number, unit: string, extra: Record<string, unknown> = {}) {
  process.stdout.write(`${JSON.stringify({ name, value: Math.round(value * 100) / 100, unit, ...extra })}\n`);
}

/** This process's main thread's CPU time (user + system), ms, from Linux's per-thread stat; undefined elsewhere. */
function mainThreadCpuMs(): number | undefined {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, "utf8");
    // After the command name (which may hold spaces): fields 3 onwards; utime and stime are the 14th and 15th.
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(f[11]) + Number(f[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}
/**
 * CPU times (user, system), ms, of this process's waited-for children (the CLI), from Linux's
 * cutime and cstime; undefined elsewhere.
 */
function childrenCpuMs(): { user: number; system: number } | undefined {
  try {
    const stat = readFileSync(`/proc/self/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { user: (Number(f[13]) * 1000) / CLOCK_TICKS, system: (Number(f[14]) * 1000) / CLOCK_TICKS };
  } catch {
    return undefined;
  }
}
/** USER_HZ, 100 on every Linux the gateway runs on. */
const CLOCK_TICKS = 100;

async function main() {
  const dir = mkdtempSync(path.join(tmpdir(), "certledger-bench-cli-batch-"));
  const gw = await openGateway(
    loadConfig(process.env, {
      dataDir: path.join(dir, "data"),
      port: 0,
      logLevel: "warn",
      seedDemo: "true",
      apiKeyRequestsPerMinute: "0",
    }),
    { logger: pino({ level: "warn" }), extraRouters: [] },
  );
  const server = gw.app.listen(0, "127.0.0.1");
  try {
    await new Promise((r) => server.once("listening", r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const agency = gw.credentials!.agencies.find((a) => a.types.includes("diploma"))!;
    const file = path.join(dir, "graduates.csv");
    const bytes = gb18030(diplomaCsv(diplomaRows(ROWS)));
    writeFileSync(file, bytes);
    const outDir = path.join(dir, "issued");
    const load = loadavg()[0];
    const started = process.hrtime.bigint();
    const cpu0 = process.cpuUsage();
    const main0 = mainThreadCpuMs();
    const children0 = childrenCpuMs();
    const child = spawn(
      process.execPath,
      [BIN, "issue-batch", "--type", "diploma", "--file", file, "--out-dir", outDir, "--chunk-size", String(CHUNK)],
      {
        env: { ...process.env, CERTLEDGER_GATEWAY: url, CERTLEDGER_API_KEY: agency.apiKey },
        stdio: ["ignore", "ignore", "pipe"],
      },
    );
    let err = "";
    child.stderr.on("data", (d) => (err += d));
    const code = await new Promise<number | null>((r) => child.on("close", r));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const cpu = process.cpuUsage(cpu0);
    const main1 = mainThreadCpuMs();
    const children1 = childrenCpuMs();
    const perThousand = (ms: number) => Math.round((ms / (ROWS / 1000)) * 10) / 10;
    if (code !== 0) throw new Error(`issue-batch exited ${code}: ${err.slice(-2000)}`);
    const documents = readdirSync(outDir).filter((f) => /^0x[0-9a-f]{64}\.json$/.test(f)).length;
    const manifestRows = readFileSync(path.join(outDir, "manifest.csv"), "utf8").trim().split("\r\n").length - 1;
    if (documents !== ROWS || manifestRows !== ROWS)
      throw new Error(`${documents} documents and ${manifestRows} manifest rows for ${ROWS} rows`);
    emit("cli_issue_batch_rows_per_s", ROWS / seconds, "rows/s", {
      rows: ROWS,
      seconds: Math.round(seconds * 10) / 10,
      fileMB: Math.round((bytes.length / 2 ** 20) * 10) / 10,
      encoding: "gb18030",
      chunk: CHUNK,
      documents,
      gatewayCpuMsPer1000Rows: perThousand((cpu.user + cpu.system) / 1000),
      gatewayUserCpuMsPer1000Rows: perThousand(cpu.user / 1000),
      ...(main0 !== undefined && main1 !== undefined
        ? { gatewayMainThreadCpuMsPer1000Rows: perThousand(main1 - main0) }
        : {}),
      ...(children0 !== undefined && children1 !== undefined
        ? {
            cliCpuMsPer1000Rows: perThousand(children1.user + children1.system - children0.user - children0.system),
            cliUserCpuMsPer1000Rows: perThousand(children1.user - children0.user),
          }
        : {}),
      loadAverageAtStart: Math.round(load * 10) / 10,
      cpus: cpus().length,
      target: 3000,
    });
  } finally {
    server.close();
    await gw.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : e}\n`);
  process.exit(1);
});
