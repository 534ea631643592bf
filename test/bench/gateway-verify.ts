/**
 * Verify throughput (issue 5 item 8): autocannon on loopback, 50 connections, 15 s, against
 * POST /v1/verifier/verify with a 20-field document and its grantId, then against a bare Express
 * endpoint returning constant JSON in the same process, and their ratio. autocannon runs in its own
 * process so it does not share the gateway's event loop. Prints JSON lines {"name","value","unit"}.
 *
 *   npx tsx test/bench/gateway-verify.ts [seconds]
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import express from "express";
import pino from "pino";
import { loadConfig } from "../../src/config";
import { sampleFields } from "../../src/domain/catalog";
import { consentDomain, createHolderWallet, generateMnemonic, purposeHash } from "../../src/document";
import { openGateway } from "../../src/wiring/gateway";

const SECONDS = Number(process.argv[2] ?? 15);
const CONNECTIONS = 50;
const TYPE = "birth-medical-certificate"; // 21 fields

function emit(name: string, value: number, unit: string, extra: Record<string, unknown> = {}) {
  process.stdout.write(`${JSON.stringify({ name, value: Math.round(value * 100) / 100, unit, ...extra })}\n`);
}

/** autocannon in a child process (asynchronously: the server under test shares this event loop). */
async function cannon(url: string, bodyFile?: string, headers: string[] = []) {
  const args = ["-c", String(CONNECTIONS), "-d", String(SECONDS), "-j", ...headers.flatMap((h) => ["-H", h])];
  if (bodyFile) args.push("-m", "POST", "-i", bodyFile, "-H", "content-type: application/json");
  const child = spawn(path.join(__dirname, "../../node_modules/.bin/autocannon"), [...args, url], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (err += d));
  const code = await new Promise<number | null>((r) => child.on("close", r));
  if (code !== 0) throw new Error(`autocannon failed: ${err}`);
  const j = JSON.parse(out);
  return {
    rps: j.requests.average as number,
    p50: j.latency.p50 as number,
    p99: j.latency.p99 as number,
    non2xx: j.non2xx as number,
    errors: j.errors as number,
  };
}

async function main() {
  const dataDir = mkdtempSync(path.join(tmpdir(), "certledger-bench-"));
  const config = loadConfig({}, { dataDir, port: 0, logLevel: "warn" });
  const gw = await openGateway(config, { logger: pino({ level: "warn" }), extraRouters: [] });
  try {
    const creds = gw.credentials!;
    const agency = creds.agencies.find((a) => a.types.includes(TYPE))!;
    const server = gw.app.listen(0, "127.0.0.1");
    await new Promise((r) => server.once("listening", r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const post = async (p: string, key: string | undefined, body: unknown, extra: Record<string, string> = {}) => {
      const res = await fetch(base + p, {
        method: "POST",
        headers: { "content-type": "application/json", ...(key ? { authorization: `Bearer ${key}` } : {}), ...extra },
        body: JSON.stringify(body),
      });
      const json = await res.json();
      if (!res.ok) throw new Error(`${p}: ${res.status} ${JSON.stringify(json)}`);
      return json;
    };
    const wallet = createHolderWallet({ mnemonic: generateMnemonic() });
    const info = await (await fetch(`${base}/v1/public/info`)).json();
    const domain = consentDomain(info.chainId, info.contracts.consent);
    const issued = await post(
      "/v1/agency/certificates",
      agency.apiKey,
      { type: TYPE, holder: wallet.address(1), fields: sampleFields(TYPE, 1) },
      { "idempotency-key": "bench-1" },
    );
    const now = Math.floor(Date.now() / 1000);
    const grant = {
      certId: issued.certId,
      grantee: creds.verifier.verifier,
      purpose: purposeHash("bench"),
      validUntil: now + 3600,
      maxUses: 1000,
      nonce: "1",
      deadline: now + 600,
    };
    const s = wallet.signGrant(1, domain, {
      ...grant,
      validUntil: BigInt(grant.validUntil),
      nonce: 1n,
      deadline: BigInt(grant.deadline),
    });
    const documentRoot = gw.deps.documents.verifyIntegrity(issued.document).documentRoot;
    const relayed = await post("/v1/holder/grants", undefined, { grant, signature: s.signature, documentRoot });
    const body = { document: issued.document, grantId: relayed.grantId };
    const check = await post("/v1/verifier/verify", creds.verifier.apiKey, body);
    if (check.verdict !== "VALID") throw new Error(`setup verdict ${JSON.stringify(check)}`);
    const bodyFile = path.join(dataDir, "verify.json");
    writeFileSync(bodyFile, JSON.stringify(body));

    const v = await cannon(`${base}/v1/verifier/verify`, bodyFile, [`authorization: Bearer ${creds.verifier.apiKey}`]);
    server.close();

    const bare = express();
    bare.use(express.json());
    bare.get("/bare", (_req, res) => {
      res.json({ ok: true, verdict: "VALID" });
    });
    const bs = bare.listen(0, "127.0.0.1");
    await new Promise((r) => bs.once("listening", r));
    const b = await cannon(`http://127.0.0.1:${(bs.address() as AddressInfo).port}/bare`);
    bs.close();

    const common = {
      connections: CONNECTIONS,
      seconds: SECONDS,
      fields: Object.keys(gw.deps.documents.verifyIntegrity(issued.document).disclosed).length,
    };
    emit("verify_rps", v.rps, "req/s", { ...common, non2xx: v.non2xx, errors: v.errors });
    emit("verify_p50", v.p50, "ms", common);
    emit("verify_p99", v.p99, "ms", common);
    emit("bare_express_rps", b.rps, "req/s", common);
    emit("bare_express_p99", b.p99, "ms", common);
    emit("verify_to_bare_ratio", v.rps / b.rps, "ratio", { target: 0.3 });
  } finally {
    await gw.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : e}\n`);
  process.exit(1);
});
