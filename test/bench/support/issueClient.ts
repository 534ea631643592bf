/**
 * The issuing benchmark's client, in its own process so that preparing and sending requests does not
 * run on the gateway's event loop (nor count in its resident memory).
 *
 *   node --import tsx test/bench/support/issueClient.ts '{"base","apiKey","type","phase",...}'
 *   - phase "singles": `singles` POST /v1/agency/certificates from `concurrency` concurrent clients,
 *     each with its own Idempotency-Key; prints {"seconds","failed"}.
 *   - phase "batch": one POST /v1/agency/batches?wait=true of `size` certificates; prints
 *     {"seconds","bodyBytes","batchId","certId"} (certId: the batch's first certificate).
 * Fields and holder addresses are prepared before the clock starts.
 */
import { sampleFields } from "../../../src/domain/catalog";
import { createHolderWallet, generateMnemonic } from "../../../src/document";

interface Args {
  base: string;
  apiKey: string;
  type: string;
  phase: "singles" | "batch";
  singles?: number;
  concurrency?: number;
  size?: number;
  /** Distinguishes the Idempotency-Keys of separate runs against one gateway. */
  run?: string;
}

async function main() {
  const a = JSON.parse(process.argv[2]) as Args;
  const auth = { authorization: `Bearer ${a.apiKey}`, "content-type": "application/json" };
  const wallet = createHolderWallet({ mnemonic: generateMnemonic() });
  const holders = Array.from({ length: 1000 }, (_, i) => wallet.address(i));
  const fields = Array.from({ length: 1000 }, (_, i) => sampleFields(a.type, i));

  if (a.phase === "singles") {
    const total = a.singles ?? 10_000;
    const bodies = Array.from({ length: 1000 }, (_, i) =>
      JSON.stringify({ type: a.type, holder: holders[i], fields: fields[i] }),
    );
    let next = 0;
    let failed = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: a.concurrency ?? 50 }, async () => {
        while (next < total) {
          const i = next++;
          const r = await fetch(`${a.base}/v1/agency/certificates`, {
            method: "POST",
            headers: { ...auth, "idempotency-key": `bench-${a.run ?? ""}${i}` },
            body: bodies[i % 1000],
          });
          if (r.status !== 201) failed++;
          await r.arrayBuffer();
        }
      }),
    );
    process.stdout.write(`${JSON.stringify({ seconds: (performance.now() - t0) / 1000, failed })}\n`);
    return;
  }

  const n = a.size ?? 10_000;
  const body = JSON.stringify({
    type: a.type,
    items: Array.from({ length: n }, (_, i) => ({ holder: holders[i % 1000], fields: fields[i % 1000] })),
  });
  const t0 = performance.now();
  const r = await fetch(`${a.base}/v1/agency/batches?wait=true`, { method: "POST", headers: auth, body });
  const job = await r.json();
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 201) throw new Error(`batch: ${r.status} ${JSON.stringify(job).slice(0, 300)}`);
  const page = await (
    await fetch(`${a.base}/v1/agency/batches/${job.batchId}/documents?limit=1`, { headers: auth })
  ).json();
  process.stdout.write(
    `${JSON.stringify({ seconds, bodyBytes: body.length, batchId: job.batchId, certId: page.items[0].certId })}\n`,
  );
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : e}\n`);
  process.exit(1);
});
