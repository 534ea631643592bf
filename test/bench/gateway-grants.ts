/**
 * Holder-signed grants through the HTTP API, as JSON lines {"name","value","unit"}:
 *   - api_grants_per_s: distinct grants, each signed by its certificate's own holder key, sent by 50
 *     concurrent clients in their own process (test/bench/support/grantClient.ts) through POST /v1/shares,
 *     the route the wallet uses; each answered once its grant is on chain and indexed. The relayer groups
 *     concurrent grants into grantManyBySig transactions (`grantsPerTransaction` says how many);
 *     `checkpointMs` lists the chain checkpoints written meanwhile, ms each (no block is made during one).
 *
 *   node --import tsx test/bench/gateway-grants.ts [grants=3000]
 */
import path from "node:path";
import { emit, exitOnFailure, watchCheckpoints, withBenchGateway } from "./support/benchGateway";
import { runHelper } from "./support/child";

const GRANTS = Number(process.argv[2] ?? 3_000);
const CONCURRENCY = 50;
const TYPE = "diploma";

async function main() {
  // The certificates are issued (untimed) with one agency key: the per-key limit would only slow the setup.
  await withBenchGateway("bench-grants", { apiKeyRequestsPerMinute: "0" }, async ({ gw, base, dataDir }) => {
    const agency = gw.credentials!.agencies.find((a) => a.types.includes(TYPE))!;
    const client = {
      base,
      apiKey: agency.apiKey,
      type: TYPE,
      grants: GRANTS,
      concurrency: CONCURRENCY,
      file: path.join(dataDir, "grants.jsonl"),
    };
    await runHelper("grantClient.ts", { ...client, phase: "prepare" });
    const before = { ...gw.engine.relayer.stats };
    const checkpoints = watchCheckpoints(gw);
    const r = JSON.parse(await runHelper("grantClient.ts", { ...client, phase: "send" })) as {
      seconds: number;
      failed: number;
      firstError?: string;
      grantIds: string[];
    };
    const chain = checkpoints();
    if (r.firstError) process.stderr.write(`first refused grant: ${r.firstError}\n`);
    // Every answered grant is in the index, once; its transaction says how many shared it.
    const distinct = new Set(r.grantIds);
    if (distinct.size !== r.grantIds.length) throw new Error("a grant was answered twice");
    const txs = new Set<string>();
    for (const id of distinct) {
      const row = await gw.engine.index.grantRow(id);
      if (!row) throw new Error(`grant ${id} missing`);
      txs.add(String(row.tx_hash));
    }
    emit("api_grants_per_s", GRANTS / r.seconds, "grants/s", {
      grants: GRANTS,
      concurrency: CONCURRENCY,
      failed: r.failed,
      clientProcess: true,
      route: "POST /v1/shares",
      transactions: txs.size,
      grantsPerTransaction: Math.round((distinct.size / txs.size) * 10) / 10,
      splits: gw.engine.relayer.stats.splits - before.splits,
      target: 300,
      ...chain,
    });
  });
}

exitOnFailure(main);
