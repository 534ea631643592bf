/**
 * The engine room's figures, as JSON lines {"name","value","unit"}: single issues/s through the
 * relayer (50 concurrent callers, grouped into issueMany), transactions per block, resident memory per
 * 1,000 issues, anchoring Merkle batches of 10,000 and 100,000 members, and the embedded chain's journal
 * replay speed on restart.
 *
 *   node --import tsx test/bench/engine.ts [issues=10000]
 */
import fs from "node:fs";
import { newHolderCert, openEngine, setupActors, tmpDataDir } from "../support/engineFixture";

const N = Number(process.argv[2] ?? 10_000);
const CONCURRENCY = 50;

function emit(name: string, value: number, unit: string, extra: Record<string, unknown> = {}) {
  process.stdout.write(JSON.stringify({ name, value: Math.round(value * 100) / 100, unit, ...extra }) + "\n");
}

async function main() {
  const dir = tmpDataDir("certledger-bench-");
  let engine = await openEngine(dir);
  emit("engine_first_start_ms", engine.startup.ms, "ms", { deployed: engine.startup.deployed });
  const a = await setupActors(engine, "bench");
  const now = Math.floor(Date.now() / 1000);
  const certs = Array.from({ length: N }, () => newHolderCert().certId);
  global.gc?.();
  const rss0 = process.memoryUsage().rss;
  const tx0 = engine.relayer.stats.transactions;
  const blocks0 = engine.embedded!.producer.stats.blocks;
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < N) {
        const i = next++;
        await engine.chain.issue({
          agency: a.agency,
          issuerKey: a.issuerKey,
          certId: certs[i],
          typeId: a.typeId,
          validFrom: now,
          validUntil: now + 86400,
          outboxKey: `b${i}`,
        });
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  const txs = engine.relayer.stats.transactions - tx0;
  const blocks = engine.embedded!.producer.stats.blocks - blocks0;
  global.gc?.();
  const rss1 = process.memoryUsage().rss;
  emit("engine_single_issues_per_s", N / secs, "issues/s", {
    issues: N,
    concurrency: CONCURRENCY,
    transactions: txs,
    blocks,
  });
  emit("engine_issues_per_transaction", N / txs, "issues/tx");
  // The anvil engine runs the EVM in its own process: its memory is reported beside this one's.
  emit("engine_rss_per_1000_issues", (rss1 - rss0) / 1e6 / (N / 1000), "MB", {
    rssMB: Math.round(rss1 / 1e6),
    chainEngine: engine.embedded!.engine,
    chainNodeMB: Math.round(engine.embedded!.nodeRss() / 1e6),
  });
  const st = engine.stats() as { producer: Record<string, number>; indexer: Record<string, number> };
  emit("engine_block_breakdown_ms", (secs * 1000) / blocks, "ms/block", {
    send: st.producer.sendMs / st.producer.blocks,
    mine: st.producer.mineMs / st.producer.blocks,
    journal: st.producer.journalMs / st.producer.blocks,
    indexStep: st.indexer.stepMs / st.indexer.steps,
  });

  // A Merkle batch: the chain holds one root; the gateway stores the members and serves them from memory.
  for (const size of [10_000, 100_000]) {
    const members = Array.from({ length: size }, () => ({
      certId: newHolderCert().certId,
      validFrom: now,
      validUntil: now + 86400,
    }));
    const root = newHolderCert().certId;
    const tb = performance.now();
    await engine.chain.anchorBatch({
      agency: a.agency,
      issuerKey: a.issuerKey,
      root,
      typeId: a.typeId,
      count: size,
      outboxKey: `batch${size}`,
      members,
    });
    emit("engine_anchor_batch_s", (performance.now() - tb) / 1000, "s", {
      certificates: size,
      note: "store members + anchor root + index (documents and tree not included)",
    });
    if ((await engine.index.certificate(members[size - 1].certId))?.batchRoot !== root)
      throw new Error("batch member not indexed");
  }
  global.gc?.();
  emit("engine_rss_after_batches", process.memoryUsage().rss / 1e6, "MB", {
    singleIssues: N,
    batched: 110_000,
    chainNodeMB: Math.round(engine.embedded!.nodeRss() / 1e6),
  });
  await engine.close();

  const journalBytes = fs.statSync(`${dir}/chain-journal.jsonl`).size;
  engine = await openEngine(dir);
  const r = engine.startup.replay!;
  emit("engine_replay_tx_per_s", r.transactions / (r.ms / 1000), "tx/s", {
    ...r,
    journalMB: Math.round(journalBytes / 1e5) / 10,
  });
  emit("engine_restart_ms", engine.startup.ms, "ms");
  if ((await engine.index.certificate(certs[N - 1]))?.status !== "ACTIVE")
    throw new Error("last certificate missing after restart");
  await engine.close();
  fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
