/**
 * Restart time and memory after a long history of single issues, as JSON lines {"name","value","unit"}:
 *
 * - `restart_ms_after_<N>_single_issues`: from the spawn of a gateway (`src/main.ts`, as `npm start`
 *   runs it) on a data directory holding N single issues, each its own transaction and block, until its
 *   /readyz answers 200. The history's writer was SIGKILLed at the end (the journal then holds the
 *   blocks since the last checkpoint, as after a crash); a second restart after a clean stop is in `clean`.
 * - `rss_after_<N>_single_issues_mb`: resident memory of the gateway that wrote the N issues, its
 *   chain node (anvil's own process) included, after a full GC; and of the restarted gateway.
 *
 * The history is written by a gateway (`openGateway`, with its HTTP app unused); each issue is one
 * transaction in a block of its own (checked: N issues, N transactions, N blocks). By default
 * (BENCH_RESTART_VIA=producer) each transaction is the chain writer's own `issueBySig`, signed with the
 * agency's custodial key, handed to the block producer without the outbox, 64 in flight; with
 * BENCH_RESTART_VIA=relayer, `engine.chain.issue` (what POST /v1/agency/certificates does after building
 * the document) is called by BENCH_RESTART_WRITERS agencies (default 8), one issue at a time each.
 *
 *   node --expose-gc --import tsx test/bench/restart.ts [issues=100000]
 *   BENCH_RESTART_ISSUES=10000 npm run bench restart
 *
 * BENCH_RESTART_SECONDS=<s> stops writing after that long (the figures then name the issues written).
 * BENCH_RESTART_DIR=<dir> keeps the data directory (and what its writer reported) there, and a later run
 * with the same directory measures the restarts again without writing the history again.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import readline from "node:readline";
import pino from "pino";
import { loadConfig } from "../../src/config";
import { workKinds } from "../../src/chain/chainWriter";
import { openGateway } from "../../src/wiring/gateway";
import { issueNewCertificate, newHolderCert, setupActors, tmpDataDir } from "../support/engineFixture";
import { TEST_KEYSTORE_ENV } from "../support/keystore";

const ROOT = path.join(__dirname, "..", "..");
const mb = (bytes: number) => Math.round(bytes / 1e5) / 10;

function emit(name: string, value: number, unit: string, extra: Record<string, unknown> = {}) {
  process.stdout.write(JSON.stringify({ name, value: Math.round(value * 100) / 100, unit, ...extra }) + "\n");
}

/** Resident memory of a process and all its descendants (the gateway and its anvil), bytes. */
function treeRss(pid: number): number {
  const children = new Map<number, number[]>();
  for (const d of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(d)]);
    } catch {
      // gone
    }
  }
  let total = 0;
  const todo = [pid];
  while (todo.length > 0) {
    const p = todo.pop()!;
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${p}/status`, "utf8"));
      total += m ? Number(m[1]) * 1024 : 0;
    } catch {
      // gone
    }
    todo.push(...(children.get(p) ?? []));
  }
  return total;
}

const env = (dataDir: string): NodeJS.ProcessEnv => ({
  ...process.env,
  ...TEST_KEYSTORE_ENV,
  CERTLEDGER_DATA_DIR: dataDir,
  CERTLEDGER_PORT: "0",
});

/**
 * Child: writes the history, prints one JSON line, then waits to be killed. WRITERS agencies (each its
 * own signing key, so the relayer never groups two issues into one transaction) issue one certificate
 * at a time each, and blocks hold one transaction: every issue is its own transaction and block.
 */
async function build(dataDir: string, n: number): Promise<void> {
  const via = process.env.BENCH_RESTART_VIA ?? "producer";
  const writers = via === "relayer" ? Number(process.env.BENCH_RESTART_WRITERS ?? 8) : 1;
  const gw = await openGateway(loadConfig(env(dataDir), { logLevel: "silent" }), {
    logger: pino({ level: "silent" }),
    // The engine with checkpoints unless CERTLEDGER_EMBEDDED_ENGINE names one (EDR is the default).
    embeddedChain: { maxTxPerBlock: 1, engine: process.env.CERTLEDGER_EMBEDDED_ENGINE ? undefined : "anvil" },
  });
  const engine = gw.engine;
  const actors = [];
  for (let w = 0; w < writers; w++) actors.push(await setupActors(engine, `restart${w}`));
  const now = Math.floor(Date.now() / 1000);
  const stats = engine.embedded!.producer.stats;
  const [blocks0, txs0] = [stats.blocks, stats.transactions];
  const t0 = performance.now();
  let last = "";
  let next = 0;
  let done = 0;
  // BENCH_RESTART_SECONDS bounds the writing: the history is then what was written by that time.
  const budget = Number(process.env.BENCH_RESTART_SECONDS ?? 0);
  const outOfTime = () => budget > 0 && performance.now() - t0 > budget * 1000;
  const progress = () => {
    if (++done % 10_000 === 0)
      process.stderr.write(
        `  ${done} issues, ${Math.round(done / ((performance.now() - t0) / 1000))}/s, ` +
          `rss ${mb(process.memoryUsage().rss)} + ${mb(engine.embedded!.nodeRss())} MB\n`,
      );
  };
  if (via === "relayer") {
    // Through the outbox and the relayer, as the API does: one issue at a time per agency.
    await Promise.all(
      actors.map(async (a) => {
        while (next < n && !outOfTime()) {
          const c = await issueNewCertificate(engine, a, `restart-${next++}`, now, 10 * 365 * 86400);
          last = c.certId;
          progress();
        }
      }),
    );
  } else {
    // The chain writer's own issue transaction (issueBySig, signed with the agency's custodial key),
    // handed to the block producer without the outbox: the same transactions and blocks, written faster.
    const kinds = workKinds({
      db: engine.store.db,
      rpc: engine.rpc,
      cache: engine.index,
      addresses: engine.addresses,
      chainId: engine.chainId,
      relayerAddress: engine.relayerAddress,
      authorityAddress: engine.authority,
      fundingWei: 0n,
      agencySigner: (k) => engine.keyring.signer(k),
      now: () => Math.floor(Date.now() / 1000),
      dialect: engine.store.dialect,
    });
    const a = actors[0];
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        while (next < n && !outOfTime()) {
          next++;
          const c = newHolderCert();
          const tx = kinds.issue.tx(
            { certId: c.certId, typeId: a.typeId, validFrom: now, validUntil: now + 10 * 365 * 86400 },
            a.issuerKey,
          );
          const mined = await engine.embedded!.producer.submit(tx);
          if (mined.status !== 1) throw new Error(`issue ${c.certId} reverted`);
          last = c.certId;
          progress();
        }
      }),
    );
    await engine.indexer.waitFor(engine.embedded!.producer.durableBlock);
  }
  const secs = (performance.now() - t0) / 1000;
  const [blocks, transactions] = [stats.blocks - blocks0, stats.transactions - txs0];
  if (blocks !== done || transactions !== done)
    throw new Error(`${done} issues made ${transactions} transactions in ${blocks} blocks, not one each`);
  global.gc?.();
  await new Promise((r) => setTimeout(r, 500));
  const rss = process.memoryUsage().rss;
  const node = engine.embedded!.nodeRss();
  process.stdout.write(
    JSON.stringify({
      lastCertId: last,
      issues: done,
      via,
      writers,
      issuesPerSecond: Math.round(done / secs),
      blocks,
      transactions,
      gatewayRss: rss,
      nodeRss: node,
      engine: engine.embedded!.engine,
      checkpoints: engine.embedded!.checkpoints,
      durable: engine.embedded!.durableBytes(),
    }) + "\n",
  );
  await new Promise(() => undefined);
}

/** Starts `src/main.ts` on the data directory and resolves when /readyz answers 200. */
async function startGateway(
  dataDir: string,
): Promise<{ child: ChildProcess; url: string; ms: number; replay?: Record<string, number> }> {
  const t0 = performance.now();
  const child = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "src/main.ts")], {
    cwd: ROOT,
    env: { ...env(dataDir), CERTLEDGER_LOG_LEVEL: "info" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let err = "";
  child.stderr!.on("data", (d) => (err += d));
  let replay: Record<string, number> | undefined;
  const url = await new Promise<string>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`gateway exited ${code}: ${err}`)));
    readline.createInterface({ input: child.stdout! }).on("line", (line) => {
      if (line.includes('"embedded chain replayed"')) replay = JSON.parse(line);
      const m = / on (http:\/\/[\d.:]+)/.exec(line);
      if (m) resolve(m[1]);
    });
  });
  for (;;) {
    const r = await fetch(`${url}/readyz`).catch(() => undefined);
    if (r?.status === 200) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  return { child, url, ms: performance.now() - t0, replay };
}

function stop(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill(signal);
  });
}

async function writeHistory(dir: string, n: number): Promise<Record<string, unknown>> {
  const builder = spawn(process.execPath, ["--expose-gc", "--import", "tsx", __filename, "build", dir, String(n)], {
    cwd: ROOT,
    env: env(dir),
    stdio: ["ignore", "pipe", "inherit"],
  });
  const built = await new Promise<Record<string, unknown>>((resolve, reject) => {
    builder.once("exit", (code) => reject(new Error(`the history writer exited ${code}`)));
    readline.createInterface({ input: builder.stdout! }).once("line", (l) => resolve(JSON.parse(l)));
  });
  // The writer dies as in a crash: whatever the journal holds past the last checkpoint is replayed.
  await stop(builder, "SIGKILL");
  return built;
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? process.env.BENCH_RESTART_ISSUES ?? 100_000);
  const keep = process.env.BENCH_RESTART_DIR;
  const dir = keep ?? tmpDataDir("certledger-restart-bench-");
  const report = path.join(dir, "bench-history.json");
  try {
    let built: Record<string, unknown>;
    if (keep && fs.existsSync(report)) built = JSON.parse(fs.readFileSync(report, "utf8"));
    else {
      fs.mkdirSync(dir, { recursive: true });
      built = await writeHistory(dir, n);
      if (keep) fs.writeFileSync(report, JSON.stringify(built));
    }
    const rssBuilt = (built.gatewayRss as number) + (built.nodeRss as number);
    const size = (f: string) => mb(fs.existsSync(path.join(dir, f)) ? fs.statSync(path.join(dir, f)).size : 0);
    const durable = {
      checkpointMB: size("chain-checkpoint.json"),
      journalMB: size("chain-journal.jsonl"),
      sqliteMB: size("certledger.sqlite"),
    };
    // A kept directory was restarted before: copy it so that each run restarts from the killed writer's files.
    const work = keep ? tmpDataDir("certledger-restart-bench-run-") : dir;
    if (keep) fs.cpSync(dir, work, { recursive: true });

    const killed = await startGateway(work);
    const status = await fetch(`${killed.url}/v1/public/certificates/${built.lastCertId as string}`);
    if (status.status !== 200)
      throw new Error(`the last certificate is not served after the restart: ${status.status}`);
    await new Promise((r) => setTimeout(r, 1000));
    const rssRestarted = treeRss(killed.child.pid!);
    await stop(killed.child, "SIGTERM");
    const clean = await startGateway(work);
    await stop(clean.child, "SIGTERM");
    if (keep) fs.rmSync(work, { recursive: true, force: true });

    const replayOf = (r?: Record<string, number>) =>
      r && { fromBlock: r.fromBlock, blocks: r.blocks, transactions: r.transactions, ms: r.ms };
    // The figures name the history actually written (BENCH_RESTART_SECONDS may have cut it short).
    const issues = (built.issues as number | undefined) ?? n;
    emit(`restart_ms_after_${issues}_single_issues`, killed.ms, "ms", {
      engine: built.engine,
      after: "SIGKILL of the writer",
      replay: replayOf(killed.replay),
      clean: { ms: Math.round(clean.ms), replay: replayOf(clean.replay) },
      blocks: built.blocks,
      transactions: built.transactions,
      via: built.via,
      writers: built.writers,
      issuesPerSecond: built.issuesPerSecond,
      ...durable,
    });
    emit(`rss_after_${issues}_single_issues_mb`, mb(rssBuilt), "MB", {
      gatewayMB: mb(built.gatewayRss as number),
      chainNodeMB: mb(built.nodeRss as number),
      restartedMB: mb(rssRestarted),
    });
  } finally {
    if (!keep) fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === "build")
  build(process.argv[3], Number(process.argv[4])).catch((e) => {
    process.stderr.write(`restart bench writer failed: ${(e as Error).stack}\n`);
    process.exit(1);
  });
else
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
