/**
 * Issuing through the HTTP API (issue 5 item 8), as JSON lines {"name","value","unit"}:
 *   - single issues/s: 50 concurrent clients, each POST /v1/agency/certificates with its own
 *     Idempotency-Key, fields validated, document built, certId on chain and indexed before the answer;
 *   - seconds to issue, anchor and index a batch of 10,000 certificates (POST /v1/agency/batches?wait=true);
 *   - the gateway's resident memory after the singles and `batched` batched certificates.
 *
 *   node --expose-gc --import tsx test/bench/gateway-issue.ts [singles=10000] [batched=100000]
 */
import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import pino from "pino";
import { loadConfig } from "../../src/config";
import { sampleFields } from "../../src/domain/catalog";
import { createHolderWallet, generateMnemonic } from "../../src/document";
import { openGateway } from "../../src/wiring/gateway";

const SINGLES = Number(process.argv[2] ?? 10_000);
const BATCHED = Number(process.argv[3] ?? 100_000);
const BATCH = 10_000;
const CONCURRENCY = 50;
const TYPE = "diploma";

function emit(name: string, value: number, unit: string, extra: Record<string, unknown> = {}) {
  process.stdout.write(`${JSON.stringify({ name, value: Math.round(value * 100) / 100, unit, ...extra })}\n`);
}

async function main() {
  const dataDir = mkdtempSync(path.join(tmpdir(), "certledger-bench-issue-"));
  const gw = await openGateway(loadConfig({}, { dataDir, port: 0, logLevel: "warn" }), {
    logger: pino({ level: "warn" }),
    extraRouters: [],
  });
  const server = gw.app.listen(0, "127.0.0.1");
  try {
    await new Promise((r) => server.once("listening", r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const agency = gw.credentials!.agencies.find((a) => a.types.includes(TYPE))!;
    const auth = { authorization: `Bearer ${agency.apiKey}`, "content-type": "application/json" };
    const wallet = createHolderWallet({ mnemonic: generateMnemonic() });
    // Fields and holder addresses prepared up front: the client's work is not the gateway's.
    const holders = Array.from({ length: 1000 }, (_, i) => wallet.address(i));
    const fields = Array.from({ length: 1000 }, (_, i) => sampleFields(TYPE, i));
    const rss0 = process.memoryUsage().rss;

    let next = 0;
    let failed = 0;
    const t0 = Date.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < SINGLES) {
          const i = next++;
          const r = await fetch(`${base}/v1/agency/certificates`, {
            method: "POST",
            headers: { ...auth, "idempotency-key": `bench-${i}` },
            body: JSON.stringify({ type: TYPE, holder: holders[i % 1000], fields: fields[i % 1000] }),
          });
          if (r.status !== 201) failed++;
          await r.arrayBuffer();
        }
      }),
    );
    const singleSeconds = (Date.now() - t0) / 1000;
    emit("api_single_issues_per_s", SINGLES / singleSeconds, "issues/s", {
      issues: SINGLES,
      concurrency: CONCURRENCY,
      failed,
      target: 300,
    });
    emit("rss_after_single_issues_mb", process.memoryUsage().rss / 2 ** 20, "MB", { issues: SINGLES });

    let batchedDone = 0;
    let first = true;
    while (batchedDone < BATCHED) {
      const n = Math.min(BATCH, BATCHED - batchedDone);
      const items = Array.from({ length: n }, (_, i) => ({ holder: holders[i % 1000], fields: fields[i % 1000] }));
      const body = JSON.stringify({ type: TYPE, items });
      const t = Date.now();
      const r = await fetch(`${base}/v1/agency/batches?wait=true`, { method: "POST", headers: auth, body });
      const job = await r.json();
      if (r.status !== 201) throw new Error(`batch: ${r.status} ${JSON.stringify(job).slice(0, 300)}`);
      const seconds = (Date.now() - t) / 1000;
      const member = await gw.deps.index.certificate(
        (await (await fetch(`${base}/v1/agency/batches/${job.batchId}/documents?limit=1`, { headers: auth })).json())
          .items[0].certId,
      );
      if (!member) throw new Error("batch member not indexed");
      if (first)
        emit("api_batch_10000_seconds", seconds, "s", {
          certificates: n,
          bodyMB: Math.round(body.length / 2 ** 20),
          target: 10,
        });
      first = false;
      batchedDone += n;
    }
    global.gc?.();
    emit("rss_after_singles_and_batched_mb", process.memoryUsage().rss / 2 ** 20, "MB", {
      singles: SINGLES,
      batched: BATCHED,
      rssAtStartMB: Math.round(rss0 / 2 ** 20),
      heapUsedMB: Math.round(process.memoryUsage().heapUsed / 2 ** 20),
      gc: typeof global.gc === "function",
      target: 1536,
    });
  } finally {
    server.close();
    await gw.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : e}\n`);
  process.exit(1);
});
