/** Where the operations gauges of /metrics (src/http/metrics.ts) read their values from. */
import fs from "node:fs";
import { checkpointFile } from "../chain/embeddedAnvil";
import { chainStateFile } from "../chain/chainState";
import type { EmbeddedChain } from "../chain/embeddedChain";
import type { Engine } from "../chain/engine";
import type { OperationsSource } from "../http/metrics";

/** Bytes of the embedded chain's durable files, by kind (a checkpoint only on anvil, which takes them). */
function chainStorage(embedded: EmbeddedChain): Record<string, number> {
  const { checkpoint, journal } = embedded.durableBytes();
  const genesis = fs.statSync(embedded.journal.genesisFile).size;
  return embedded.engine === "anvil" ? { genesis, journal, checkpoint } : { genesis, journal };
}

/**
 * The checkpoints' age, from when the file was last written (by this process or an earlier one; from
 * the start when there is none yet), and this process's failures.
 */
function checkpointHealth(embedded: EmbeddedChain): { ageSeconds: number; failures: number } {
  // Every checkpoint commits to the state file (its WAL first); before the first one, a data directory
  // of the earlier format has its checkpoint file.
  const dir = embedded.journal.dir;
  const files = [chainStateFile(dir), `${chainStateFile(dir)}-wal`, checkpointFile(dir)].filter((f) =>
    fs.existsSync(f),
  );
  const written = files.length > 0 ? Math.max(...files.map((f) => fs.statSync(f).mtimeMs)) : startedAt;
  return {
    ageSeconds: Math.max(0, Math.round((Date.now() - written) / 1000)),
    failures: embedded.checkpoints.failures,
  };
}

const startedAt = Date.now();

export function operationsSource(engine: Engine, now: () => number): OperationsSource {
  const embedded = engine.embedded;
  return {
    outbox: () => engine.outbox.backlog(),
    async chainHead() {
      const tag = embedded ? `0x${embedded.producer.durableBlock.toString(16)}` : "latest";
      const b = (await engine.rpc("eth_getBlockByNumber", [tag, false])) as { number: string; timestamp: string };
      return { block: Number(BigInt(b.number)), timestamp: Number(BigInt(b.timestamp)) };
    },
    indexedBlock: () => engine.indexer.cursorBlock(),
    chainStorage: embedded ? async () => chainStorage(embedded) : undefined,
    chainNodeRss: embedded?.engine === "anvil" ? () => embedded.nodeRss() : undefined,
    chainCheckpoints: embedded?.engine === "anvil" ? () => checkpointHealth(embedded) : undefined,
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
