/** Where the operations gauges of /metrics (src/http/metrics.ts) read their values from. */
import fs from "node:fs";
import path from "node:path";
import type { Engine } from "../chain/engine";
import type { OperationsSource } from "../http/metrics";

/** What a durable chain file holds, told by its name. */
function chainFileKind(name: string): string | undefined {
  if (/checkpoint|snapshot|state/i.test(name)) return "checkpoint";
  if (/journal|wal/i.test(name)) return "journal";
  if (/genesis/i.test(name)) return "genesis";
  return undefined;
}

/** Bytes of the chain's files in the data directory (and its subdirectories), by kind. */
function chainStorage(dataDir: string): Record<string, number> {
  const out: Record<string, number> = {};
  const walk = (dir: string, depth: number) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      // Staged backups and restores are copies, not the chain's own files.
      if (e.name.startsWith(".")) continue;
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (depth < 2) walk(p, depth + 1);
        continue;
      }
      if (!e.isFile() || !/chain|anvil/i.test(path.relative(dataDir, p))) continue;
      const kind = chainFileKind(e.name);
      if (kind) out[kind] = (out[kind] ?? 0) + fs.statSync(p).size;
    }
  };
  walk(dataDir, 0);
  return out;
}

export function operationsSource(engine: Engine, dataDir: string, now: () => number): OperationsSource {
  const embedded = engine.embedded;
  return {
    outbox: () => engine.outbox.backlog(),
    async chainHead() {
      const tag = embedded ? `0x${embedded.producer.durableBlock.toString(16)}` : "latest";
      const b = (await engine.rpc("eth_getBlockByNumber", [tag, false])) as { number: string; timestamp: string };
      return { block: Number(BigInt(b.number)), timestamp: Number(BigInt(b.timestamp)) };
    },
    indexedBlock: () => engine.indexer.cursorBlock(),
    chainStorage: embedded ? async () => chainStorage(dataDir) : undefined,
    async batchJobs() {
      const rows = await engine.store.db
        .selectFrom("batch_jobs")
        .select(["state", (eb) => eb.fn.countAll<number>().as("n")])
        .groupBy("state")
        .execute();
      return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
    },
    now,
  };
}
