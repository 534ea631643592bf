/**
 * Restart time and memory after a long history of single issues, on the default engine (anvil with
 * checkpoints; CERTLEDGER_EMBEDDED_ENGINE picks another), as JSON lines {"name","value","unit"}:
 *
 * - `restart_ms_after_<N>_single_issues`: from the spawn of a gateway (`src/main.ts`, as `npm start`
 *   runs it) on a data directory holding N single issues, each its own transaction, until its /readyz
 *   answers 200. The history's writer was SIGKILLed at the end (the journal then holds the blocks since
 *   the last checkpoint, as after a crash) at the worst point: the last issues are spread over the
 *   blocks left until a checkpoint is due (CERTLEDGER_CHECKPOINT_REPLAY_MS of mining), and the kill comes
 *   after the block that makes it due, before it is written (`killAt` says how much mining time the
 *   journal then holds). A second restart after a clean stop is in `clean`. `split`
 *   says where the time went (module loading, the engine's phases with the chain's load and replay,
 *   the rest of the gateway, the wait for /readyz).
 * - `rss_after_<N>_single_issues_mb`: resident memory of the gateway that wrote the N issues, its
 *   chain node (anvil's own process) included, after a full GC; and of the restarted gateway.
 *
 * The history is written by a gateway (`openGateway`, with its HTTP app unused). Each issue is its own
 * `issueBySig` transaction (the chain writer's own, signed with the agency's custodial key), handed to
 * the block producer without the outbox, 2 × BENCH_RESTART_TX_PER_BLOCK in flight; blocks hold up to
 * BENCH_RESTART_TX_PER_BLOCK of them (default 400, the producer's own limit), as a gateway's group
 * commit packs the single issues that arrive together (checked: N issues, N transactions). One block
 * per issue (BENCH_RESTART_TX_PER_BLOCK=1) is the one-agency-at-a-time case; it is not the default
 * because it takes far longer to write, while the restart depends on the checkpoint, which bounds the
 * replay by mining time, not on how the transactions were packed. With BENCH_RESTART_VIA=relayer,
 * `engine.chain.issue` (what POST /v1/agency/certificates does after building the document) is called
 * by BENCH_RESTART_WRITERS agencies (default 8), one issue at a time each.
 *
 *   node --expose-gc --import tsx test/bench/restart.ts [issues=100000]
 *   BENCH_RESTART_ISSUES=10000 npm run bench restart
 *
 * The written history is kept in node_modules/.cache/restart-bench/<key> (BENCH_RESTART_CACHE=<dir>
 * elsewhere, =0 not at all), keyed by a hash of the contracts, src/, package-lock.json, this file and
 * the settings above: a later run of the same code measures the restarts again on a copy of it without
 * writing the history again (`history` in the output says which). BENCH_RESTART_DIR=<dir> keeps it in
 * that directory instead, whatever the code. BENCH_RESTART_SECONDS=<s> stops writing after that long
 * (the figures then name the issues written).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import pino from "pino";
import { loadConfig } from "../../src/config";
import { keepAliveRpc, startAnvil } from "../../src/chain/anvil";
import { workKinds } from "../../src/chain/chainWriter";
import { anvilArgs, checkpointFile, forkArgs } from "../../src/chain/embeddedAnvil";
import { chainStateFile, openChainState, startStateServer } from "../../src/chain/chainState";
import { checkpointPolicyFromEnv } from "../../src/chain/embeddedChain";
import { BlockJournal } from "../../src/chain/journal";
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
  return sumOverTree(pid, (p) => {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${p}/status`, "utf8"));
    return m ? Number(m[1]) * 1024 : 0;
  });
}

/**
 * CPU time (user + system) a process and its descendants used so far, ms: what a restart costs
 * whatever else loads the machine (its wall time on a shared machine waits for the CPU too).
 */
function treeCpuMs(pid: number): number {
  return sumOverTree(pid, (p) => {
    const stat = fs.readFileSync(`/proc/${p}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // Fields 14 and 15 of /proc/<pid>/stat (utime, stime), in clock ticks of 10 ms.
    return (Number(f[11]) + Number(f[12])) * 10;
  });
}

function sumOverTree(pid: number, of: (pid: number) => number): number {
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
      total += of(p);
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
 * Child: writes the history, prints one JSON line, then waits to be killed. Every issue is its own
 * transaction (with the relayer: WRITERS agencies, each its own signing key, so it never groups two
 * issues into one transaction); blocks hold up to TX_PER_BLOCK of them.
 */
async function build(dataDir: string, n: number): Promise<void> {
  const via = process.env.BENCH_RESTART_VIA ?? "producer";
  const writers = via === "relayer" ? Number(process.env.BENCH_RESTART_WRITERS ?? 8) : 1;
  const txPerBlock = Number(process.env.BENCH_RESTART_TX_PER_BLOCK ?? 400);
  const inFlight = Math.max(64, 2 * txPerBlock);
  // Time spent making (sending and mining) the blocks since the last checkpoint: what a restart after a kill replays.
  let madeMsAtCheckpoint = 0;
  const producerOf: { madeMs?: () => number } = {};
  // BENCH_RESTART_LOG_LEVEL=info shows the writer's checkpoints and node replacements on stderr.
  const level = (process.env.BENCH_RESTART_LOG_LEVEL ?? "silent") as "silent" | "info";
  const gw = await openGateway(loadConfig(env(dataDir), { logLevel: level }), {
    logger: pino({ level }, pino.destination(2)),
    embeddedChain: {
      maxTxPerBlock: txPerBlock,
      // The producer is paused while a checkpoint is written: its mining time is the one the checkpoint starts from.
      checkpointHook: async (phase) => {
        if (phase === "journal-truncated" && producerOf.madeMs) madeMsAtCheckpoint = producerOf.madeMs();
      },
    },
  });
  const engine = gw.engine;
  const p = engine.embedded!.producer;
  producerOf.madeMs = () => p.madeMs();
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
  // Where the writer stands against the checkpoint trigger when it is killed (producer mode).
  let killAt: { madeMsSinceCheckpoint: number; checkpointReplayMs: number } | undefined;
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
    const issueOne = async () => {
      const c = newHolderCert();
      const tx = kinds.issue.tx(
        { certId: c.certId, typeId: a.typeId, validFrom: now, validUntil: now + 10 * 365 * 86400 },
        a.issuerKey,
      );
      const mined = await engine.embedded!.producer.submit(tx);
      if (mined.status !== 1) throw new Error(`issue ${c.certId} reverted`);
      last = c.certId;
      progress();
    };
    // The last TAIL issues are sent block by block (below); the rest as fast as the producer takes them.
    const tail = Math.min(n, 12 * txPerBlock);
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (next < n - tail && !outOfTime()) {
          next++;
          await issueOne();
        }
      }),
    );
    // The kill must land at the worst point: just after the block that makes a checkpoint due, before
    // that checkpoint is written (a kill during it leaves the old checkpoint and the whole journal),
    // with the journal holding full blocks. So the tail is sized, before the last checkpoint, to leave
    // full blocks for the stretch after it (each block costs about the same mining time whatever it
    // holds: anvil computes the state root for each), and checkpoints are held before its last block.
    const producer = engine.embedded!.producer;
    const policy = checkpointPolicyFromEnv();
    const replayMs = policy.replayMs;
    // What a full block costs now (it grows with the state): the overall mean until the tail's own say.
    // (No block yet: a full block first, which measures it.)
    let perBlock = producer.stats.blocks > 0 ? producer.madeMs() / producer.stats.blocks : replayMs;
    while (next < n && !outOfTime()) {
      const pending = producer.madeMs() - madeMsAtCheckpoint;
      // A checkpoint is due (or being written): let it finish first, as the producer would.
      if (pending >= replayMs) {
        await engine.embedded!.checkpoint();
        continue;
      }
      const left = n - next;
      // Full blocks from one checkpoint until the next is due (by mining time, or by transactions).
      const cap = Math.max(1, Math.floor(policy.transactions / txPerBlock));
      const interval = Math.min(cap, Math.max(1, Math.ceil(replayMs / perBlock)));
      const blocksLeft = Math.min(cap, Math.max(1, Math.ceil((replayMs - pending) / perBlock)));
      let size: number;
      if (left <= txPerBlock * blocksLeft) {
        // The last stretch: its last block makes the checkpoint due.
        size = Math.min(txPerBlock, Math.ceil(left / blocksLeft));
        if (size === left) engine.embedded!.holdCheckpoints(); // until the kill
      } else {
        // A checkpoint comes first: use up what leaves `interval` full blocks after it.
        const before = left - txPerBlock * interval;
        size = Math.max(1, Math.min(txPerBlock, Math.ceil(before / blocksLeft)));
      }
      next += size;
      const [madeMs, blocks] = [producer.madeMs(), producer.stats.blocks];
      await Promise.all(Array.from({ length: size }, issueOne));
      if (size >= txPerBlock / 2) perBlock = (producer.madeMs() - madeMs) / Math.max(1, producer.stats.blocks - blocks);
    }
    await engine.indexer.waitFor(producer.durableBlock);
    killAt = {
      madeMsSinceCheckpoint: Math.round(producer.madeMs() - madeMsAtCheckpoint),
      checkpointReplayMs: replayMs,
    };
  }
  const secs = (performance.now() - t0) / 1000;
  const [blocks, transactions] = [stats.blocks - blocks0, stats.transactions - txs0];
  // Every certificate on this chain: more than this writer's when it topped up a kept directory.
  const certificates = Number(
    (
      await engine.store.db
        .selectFrom("certificates")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .executeTakeFirstOrThrow()
    ).n,
  );
  if (transactions !== done) throw new Error(`${done} issues made ${transactions} transactions, not one each`);
  global.gc?.();
  await new Promise((r) => setTimeout(r, 500));
  const rss = process.memoryUsage().rss;
  const node = engine.embedded!.nodeRss();
  process.stdout.write(
    JSON.stringify({
      lastCertId: last,
      issues: done,
      certificates,
      via,
      writers,
      issuesPerSecond: Math.round(done / secs),
      blocks,
      transactions,
      txPerBlock,
      mineMsPerBlock: stats.mineMs / Math.max(1, stats.blocks),
      gatewayRss: rss,
      nodeRss: node,
      engine: engine.embedded!.engine,
      checkpoints: engine.embedded!.checkpoints,
      durable: engine.embedded!.durableBytes(),
      killAt,
    }) + "\n",
  );
  await new Promise(() => undefined);
}

/**
 * What one more block costs on this chain's state: anvil started as the gateway starts it (forked from
 * the data directory's chain state; loaded from a checkpoint file of the earlier format when that is
 * all there is) mines 20 empty blocks. A one-at-a-time issuer pays it for every issue.
 */
async function emptyBlockCost(dataDir: string): Promise<number> {
  const genesis = new BlockJournal(dataDir).readGenesis()!;
  const state = openChainState(dataDir);
  const base = state.base();
  await state.close();
  const server = base ? await startStateServer(chainStateFile(dataDir), genesis.chainId) : undefined;
  if (base) await server?.forks([base.number]);
  const node = await startAnvil({
    quiet: true,
    readyTimeoutMs: 120_000,
    args:
      base && server
        ? forkArgs(genesis, 1128, server.url, base.number)
        : anvilArgs(genesis, 1128, checkpointFile(dataDir)),
  });
  try {
    const rpc = keepAliveRpc(node.url);
    const head = (await rpc("eth_getBlockByNumber", ["latest", false])) as { timestamp: string };
    let ts = Number(BigInt(head.timestamp));
    const t0 = performance.now();
    for (let i = 0; i < 20; i++) await rpc("evm_mine", [++ts]);
    return (performance.now() - t0) / 20;
  } finally {
    await node.stop();
    await server?.stop();
  }
}

/** Starts `src/main.ts` on the data directory and resolves when /readyz answers 200. */
async function startGateway(dataDir: string): Promise<{
  child: ChildProcess;
  url: string;
  ms: number;
  replay?: Record<string, number>;
  split: Record<string, number>;
}> {
  const t0 = performance.now();
  const child = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "src/main.ts")], {
    cwd: ROOT,
    env: { ...env(dataDir), CERTLEDGER_LOG_LEVEL: "info" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let err = "";
  child.stderr!.on("data", (d) => (err += d));
  let replay: Record<string, number> | undefined;
  let started: Record<string, number> = {};
  let listening: Record<string, number | string> = {};
  const url = await new Promise<string>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`gateway exited ${code}: ${err}`)));
    readline.createInterface({ input: child.stdout! }).on("line", (line) => {
      if (line.includes('"embedded chain replayed"')) replay = JSON.parse(line);
      if (line.includes('"engine started"')) started = JSON.parse(line);
      // The log line after the banner: the time since the process started, and the URL.
      if (line.includes('"msg":"listening"')) {
        listening = JSON.parse(line);
        resolve(String(listening.url));
      }
    });
  });
  for (;;) {
    const r = await fetch(`${url}/readyz`).catch(() => undefined);
    if (r?.status === 200) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  const ms = performance.now() - t0;
  const cpuMs = treeCpuMs(child.pid!);
  // Where the time went: loading the code (tsx), the engine's phases (the chain's load and replay
  // inside `chain`), the rest of the gateway, and the wait from listening to /readyz answering 200.
  const split = {
    processAndModules: Number(listening.ms) - Number(listening.openMs),
    ...Object.fromEntries(
      ["store", "chain", "contracts", "indexLoad", "indexSync", "recover"].map((k) => [k, started[k]]),
    ),
    chainReplay: replay?.ms ?? 0,
    gatewayRest: Number(listening.openMs) - started.ms,
    untilReady: ms - Number(listening.ms),
    cpuMs,
  };
  return { child, url, ms, replay, split };
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

/**
 * The history's cache key: everything that shapes the data directory the writer leaves (contracts,
 * gateway sources, dependencies' lockfile) and how it was written. Any change writes the history again.
 */
function historyKey(n: number): string {
  const h = createHash("sha256");
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const f = path.join(d, e.name);
      if (e.isDirectory()) walk(f);
      else h.update(path.relative(ROOT, f)).update(fs.readFileSync(f));
    }
  };
  for (const d of ["contracts", "src"]) walk(path.join(ROOT, d));
  h.update(fs.readFileSync(path.join(ROOT, "package-lock.json")));
  h.update(fs.readFileSync(__filename));
  const how = [
    "BENCH_RESTART_VIA",
    "BENCH_RESTART_WRITERS",
    "BENCH_RESTART_TX_PER_BLOCK",
    "BENCH_RESTART_SECONDS",
    // Where the writer is killed depends on when a checkpoint is due.
    "CERTLEDGER_CHECKPOINT_REPLAY_MS",
  ];
  h.update(JSON.stringify([n, process.env.CERTLEDGER_EMBEDDED_ENGINE ?? "", ...how.map((k) => process.env[k] ?? "")]));
  return h.digest("hex").slice(0, 16);
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? process.env.BENCH_RESTART_ISSUES ?? 100_000);
  // The written history is kept (and reused while the code is the same) unless BENCH_RESTART_CACHE=0.
  const cacheRoot = process.env.BENCH_RESTART_CACHE ?? path.join(ROOT, "node_modules", ".cache", "restart-bench");
  let keep = process.env.BENCH_RESTART_DIR;
  if (!keep && cacheRoot !== "0") {
    const key = historyKey(n);
    keep = path.join(cacheRoot, key);
    // One history at a time: an older key's was written by other code.
    if (fs.existsSync(cacheRoot))
      for (const old of fs.readdirSync(cacheRoot))
        if (old !== key) fs.rmSync(path.join(cacheRoot, old), { recursive: true, force: true });
  }
  const dir = keep ?? tmpDataDir("certledger-restart-bench-");
  const report = path.join(dir, "bench-history.json");
  try {
    let built: Record<string, unknown>;
    let history = "written";
    if (keep && fs.existsSync(report)) {
      built = JSON.parse(fs.readFileSync(report, "utf8"));
      history = `reused from ${dir} (written by the same code)`;
    } else {
      // A cache entry without its report was cut short: written again (a directory given by hand is left as is).
      if (!process.env.BENCH_RESTART_DIR) fs.rmSync(dir, { recursive: true, force: true });
      fs.mkdirSync(dir, { recursive: true });
      built = await writeHistory(dir, n);
      if (keep) fs.writeFileSync(report, JSON.stringify(built));
    }
    const rssBuilt = (built.gatewayRss as number) + (built.nodeRss as number);
    const size = (f: string) => mb(fs.existsSync(path.join(dir, f)) ? fs.statSync(path.join(dir, f)).size : 0);
    const durable = {
      checkpointMB: size("chain-checkpoint.json") + size("chain-state.sqlite"),
      journalMB: size("chain-journal.jsonl"),
      sqliteMB: size("certledger.sqlite"),
    };
    // A kept directory was restarted before: copy it so that each run restarts from the killed writer's files.
    const work = keep ? tmpDataDir("certledger-restart-bench-run-") : dir;
    if (keep) fs.cpSync(dir, work, { recursive: true });

    const killed = await startGateway(work);
    const status = await fetch(`${killed.url}/v1/public/certificates/${built.lastCertId as string}`);
    if (status.status !== 200) {
      await stop(killed.child, "SIGTERM");
      throw new Error(`the last certificate is not served after the restart: ${status.status}`);
    }
    await new Promise((r) => setTimeout(r, 1000));
    const rssRestarted = treeRss(killed.child.pid!);
    await stop(killed.child, "SIGTERM");
    const clean = await startGateway(work);
    await stop(clean.child, "SIGTERM");
    const emptyBlockMs = built.engine === "anvil" ? await emptyBlockCost(work) : undefined;
    if (keep) fs.rmSync(work, { recursive: true, force: true });

    const replayOf = (r?: Record<string, number>) =>
      r && { fromBlock: r.fromBlock, blocks: r.blocks, transactions: r.transactions, ms: r.ms };
    // The figures name the history actually written (BENCH_RESTART_SECONDS may have cut it short): every
    // certificate on the chain, when the writer topped up a directory that held some already.
    const issues = Math.max((built.issues as number | undefined) ?? n, (built.certificates as number | undefined) ?? 0);
    emit(`restart_ms_after_${issues}_single_issues`, killed.ms, "ms", {
      engine: built.engine,
      after: "SIGKILL of the writer",
      replay: replayOf(killed.replay),
      split: killed.split,
      clean: { ms: Math.round(clean.ms), replay: replayOf(clean.replay), split: clean.split },
      blocks: built.blocks,
      transactions: built.transactions,
      txPerBlock: built.txPerBlock,
      mineMsPerBlock: Math.round(built.mineMsPerBlock as number),
      via: built.via,
      writers: built.writers,
      killAt: built.killAt,
      issuesPerSecond: built.issuesPerSecond,
      history,
      loadAverage: os.loadavg().map((l) => Math.round(l * 10) / 10),
      ...durable,
    });
    if (emptyBlockMs !== undefined)
      emit(`anvil_empty_block_ms_after_${issues}_single_issues`, emptyBlockMs, "ms", {
        why: "what one more block costs on this state (a forked anvil computes no state root): a one-at-a-time issuer waits for it once per issue",
        loadAverage: os.loadavg().map((l) => Math.round(l * 10) / 10),
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
