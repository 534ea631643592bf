/**
 * The grants benchmark's client, in its own process, as the holders' wallets are.
 *
 *   node --import tsx test/bench/support/grantClient.ts '{"base","apiKey","type","grants","concurrency","file","phase"}'
 *
 * - phase "prepare": issues `grants` single certificates (each to its own holder key of one wallet, as the
 *   wallet derives them), then writes to `file` one share-link request per certificate, made exactly as the
 *   wallet page makes it: a fresh link key, a Grant to its address signed with the certificate's holder
 *   key, the document encrypted under the link key.
 * - phase "send" (timed): `concurrency` clients POST /v1/shares (mode "link"), the route the wallet uses,
 *   each answered once its grant is on chain and indexed. Prints {"seconds","failed","grantIds"}.
 */
import { readFileSync, writeFileSync } from "node:fs";
import {
  consentDomain,
  createHolderWallet,
  generateMnemonic,
  purposeHash,
  verifyDocumentIntegrity,
} from "../../../src/document";
import { sampleFields } from "../../../src/domain/catalog";
import { encryptForLink, newLinkKey } from "../../../src/web/crypto";

interface Args {
  base: string;
  apiKey: string;
  type: string;
  grants: number;
  concurrency: number;
  file: string;
  phase: "prepare" | "send";
}

async function pool(n: number, concurrency: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) await work(next++);
    }),
  );
}

async function main() {
  const a = JSON.parse(process.argv[2]) as Args;
  const json = { "content-type": "application/json" };
  if (a.phase === "send") return send(a, readFileSync(a.file, "utf8").split("\n").filter(Boolean));
  const wallet = createHolderWallet({ mnemonic: generateMnemonic() });
  const run = Math.random().toString(36).slice(2);

  const documents: unknown[] = new Array(a.grants);
  await pool(a.grants, a.concurrency, async (i) => {
    const r = await fetch(`${a.base}/v1/agency/certificates`, {
      method: "POST",
      headers: { ...json, authorization: `Bearer ${a.apiKey}`, "idempotency-key": `grants-${run}-${i}` },
      body: JSON.stringify({ type: a.type, holder: wallet.address(i), fields: sampleFields(a.type, i) }),
    });
    if (r.status !== 201) throw new Error(`issue ${i}: ${r.status} ${await r.text()}`);
    documents[i] = ((await r.json()) as { document: unknown }).document;
  });

  const info = (await (await fetch(`${a.base}/v1/public/info`)).json()) as {
    chainId: number;
    contracts: { consent: string };
  };
  const domain = consentDomain(info.chainId, info.contracts.consent);
  const now = Math.floor(Date.now() / 1000);
  const bodies: string[] = [];
  for (let i = 0; i < a.grants; i++) {
    const link = newLinkKey();
    const integrity = verifyDocumentIntegrity(documents[i]);
    const nonce = BigInt(`0x${Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("hex")}`);
    const grant = {
      certId: integrity.certId!,
      grantee: link.address,
      purpose: purposeHash("bench"),
      validUntil: now + 3600,
      maxUses: 1,
      nonce: nonce.toString(),
      deadline: now + 1800,
    };
    const signed = wallet.signGrant(i, domain, {
      ...grant,
      validUntil: BigInt(grant.validUntil),
      nonce,
      deadline: BigInt(grant.deadline),
    });
    bodies.push(
      JSON.stringify({
        mode: "link",
        purpose: "bench",
        grant,
        signature: signed.signature,
        documentRoot: integrity.documentRoot,
        payload: await encryptForLink(link, JSON.stringify(documents[i])),
      }),
    );
  }

  writeFileSync(a.file, bodies.join("\n"));
}

async function send(a: Args, bodies: string[]): Promise<void> {
  const json = { "content-type": "application/json" };
  let failed = 0;
  let firstError: string | undefined;
  const grantIds: string[] = [];
  const t0 = performance.now();
  await pool(bodies.length, a.concurrency, async (i) => {
    const r = await fetch(`${a.base}/v1/shares`, { method: "POST", headers: json, body: bodies[i] });
    if (r.status === 201) grantIds.push(((await r.json()) as { grantId: string }).grantId);
    else {
      failed++;
      firstError ??= `${r.status} ${(await r.text()).slice(0, 300)}`;
    }
  });
  const seconds = (performance.now() - t0) / 1000;
  process.stdout.write(`${JSON.stringify({ seconds, failed, firstError, grantIds })}\n`);
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : e}\n`);
  process.exit(1);
});
