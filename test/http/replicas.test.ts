/**
 * Two gateway replicas on one PostgreSQL database and one chain node (anvil), each a real `src/main.ts`
 * process (README.md#several-gateways-behind-a-load-balancer), as an operator runs them behind a load
 * balancer: requests alternate between them. A counter request opened on A is answered by the wallet
 * through B and A's event stream delivers the verdict; a batch submitted on A is read from B; A is killed
 * with SIGKILL while it builds a batch and B finishes it; an Idempotency-Key used on A and sent again to
 * B gets the first answer; a holder-signed request replayed on the other replica is refused.
 */
import { expect } from "chai";
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ANVIL_ACCOUNT_0, startAnvil, type AnvilNode } from "../../src/chain/anvil";
import { sampleFields } from "../../src/domain/catalog";
import { holderAuthMessage, personalMessageDigest } from "../../src/domain/holderAuth";
import {
  counterGrant,
  createHolderWallet,
  generateMnemonic,
  grantMessage,
  signDigest,
  verifyDocumentIntegrity,
  type TypedDataDomain,
} from "../../src/document";
import { readDemoCredentials, type DemoCredentials } from "../../src/wiring/seed";
import { readEvents } from "../../src/web/sse";
import { TEST_KEYSTORE_ENV } from "../support/keystore";
import { freshPostgresDatabase } from "../support/postgres";

const ROOT = path.join(__dirname, "..", "..");
const TYPE = "resident-id-card";

interface Replica {
  name: string;
  url: string;
  child: ChildProcess;
  output(): string;
}

/** `src/main.ts` in its own process; resolves with its URL once it listens. */
function startReplica(name: string, env: Record<string, string>): Promise<Replica> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("CERTLEDGER_")));
  const child = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "src", "main.ts")], {
    cwd: ROOT,
    env: { ...clean, ...TEST_KEYSTORE_ENV, CERTLEDGER_HOST: "127.0.0.1", CERTLEDGER_PORT: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start: ${out}`)), 240_000);
    const onData = (d: Buffer) => {
      out += d;
      const m = /certledger gateway ready in [\d.]+ s on (http:\/\/[\d.]+:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ name, url: m[1], child, output: () => out });
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", (d) => (out += d));
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code ?? signal}) before listening: ${out}`));
    });
  });
}

async function call(
  r: Replica,
  method: string,
  p: string,
  opts: { body?: unknown; headers?: Record<string, string> } = {},
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers of many shapes
): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(r.url + p, {
    method,
    headers: { ...(opts.body !== undefined ? { "content-type": "application/json" } : {}), ...opts.headers },
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("two gateway replicas on one PostgreSQL database and one chain node", function () {
  this.timeout(600_000);
  let node: AnvilNode;
  let db: { url: string; drop(): Promise<void> };
  let dir: string;
  let a: Replica;
  let b: Replica;
  let creds: DemoCredentials;
  let domain: TypedDataDomain;
  let turn = 0;
  /** The load balancer: every request goes to the next replica in turn. */
  const next = () => (turn++ % 2 === 0 ? a : b);
  const wallet = createHolderWallet({ mnemonic: generateMnemonic() });
  let walletIndex = 0;

  before(async function () {
    node = await startAnvil();
    db = await freshPostgresDatabase("replicas");
    dir = mkdtempSync(path.join(tmpdir(), "certledger-replicas-"));
    // Both replicas read the same keystore (one keyring seed) and deployment file; the store is PostgreSQL.
    const env = {
      CERTLEDGER_RPC_URL: node.url,
      CERTLEDGER_FUNDING_KEY: ANVIL_ACCOUNT_0,
      CERTLEDGER_DATABASE_URL: db.url,
      CERTLEDGER_DATA_DIR: dir,
      CERTLEDGER_LOG_LEVEL: "warn",
      // A killed replica's batch is taken over once its lease runs out: 6 s here (renewed every 1.5 s),
      // not the default minute, so the test does not wait out a minute and a half.
      CERTLEDGER_BATCH_LEASE_SECONDS: "6",
    };
    a = await startReplica("A", env);
    b = await startReplica("B", env);
    creds = readDemoCredentials(dir)!;
    const info = (await call(a, "GET", "/v1/public/info")).body;
    domain = { ...info.eip712Domain, chainId: BigInt(info.eip712Domain.chainId) };
  });

  after(async function () {
    for (const r of [a, b]) r?.child.kill("SIGKILL");
    await node?.stop("SIGKILL");
    await db?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const agencyKey = () => creds.agencies.find((x) => x.types.includes(TYPE))!.apiKey;
  const verifierKey = () => creds.verifier.apiKey;

  async function issue(on: Replica, key = `replica-${Date.now()}-${walletIndex}`) {
    const index = walletIndex++;
    const body = { type: TYPE, holder: wallet.address(index), fields: sampleFields(TYPE, `r${index}`) };
    const r = await call(on, "POST", "/v1/agency/certificates", {
      body,
      headers: { authorization: `Bearer ${agencyKey()}`, "idempotency-key": key },
    });
    expect(r.status, JSON.stringify(r.body)).to.equal(201);
    return { index, key, body, certId: r.body.certId as string, document: r.body.document };
  }

  it("answers an Idempotency-Key used on A with the first answer on B", async function () {
    const first = await issue(a, "replicas-idem-1");
    const again = await call(b, "POST", "/v1/agency/certificates", {
      body: first.body,
      headers: { authorization: `Bearer ${agencyKey()}`, "idempotency-key": "replicas-idem-1" },
    });
    expect(again.status).to.equal(200);
    expect(again.headers.get("idempotent-replayed")).to.equal("true");
    expect(again.body.certId).to.equal(first.certId);
    const other = await call(b, "POST", "/v1/agency/certificates", {
      body: { ...first.body, fields: sampleFields(TYPE, "another") },
      headers: { authorization: `Bearer ${agencyKey()}`, "idempotency-key": "replicas-idem-1" },
    });
    expect(other.status).to.equal(409);
    expect(other.body.error.code).to.equal("IDEMPOTENCY_KEY_REUSED");
  });

  it("refuses on one replica a holder-signed request already used on the other", async function () {
    const cert = await issue(next());
    const p = `/v1/holder/certificates/${cert.certId}/audit`;
    const fields = {
      method: "GET",
      path: p,
      certId: cert.certId as `0x${string}`,
      documentRoot: documentRootOf(cert.document) as `0x${string}`,
      timestamp: Math.floor(Date.now() / 1000),
      nonce: `replica-nonce-${Date.now()}`,
    };
    const signature = signDigest(
      wallet.deriveKey(cert.index).privateKey,
      personalMessageDigest(holderAuthMessage(fields)),
    );
    const headers = {
      "x-holder-document-root": fields.documentRoot,
      "x-holder-timestamp": String(fields.timestamp),
      "x-holder-nonce": fields.nonce,
      "x-holder-signature": signature,
    };
    const onA = await call(a, "GET", p, { headers });
    expect(onA.status, JSON.stringify(onA.body)).to.equal(200);
    const onB = await call(b, "GET", p, { headers });
    expect(onB.status).to.equal(401);
    expect(onB.body.error.code).to.equal("REPLAYED");
  });

  /** Opens a counter request on `counter`, answers it through `wallet`; resolves with the stream's events and its delay. */
  async function counterRound(counter: Replica, through: Replica) {
    const cert = await issue(next());
    const opened = await call(counter, "POST", "/v1/counter/requests", {
      body: { types: [TYPE], purpose: "open-bank-account", minutes: 5 },
      headers: { authorization: `Bearer ${verifierKey()}` },
    });
    expect(opened.status, JSON.stringify(opened.body)).to.equal(201);
    const req = opened.body;
    // The counter's stream, open before the wallet answers.
    const stream = await fetch(`${counter.url}/v1/counter/requests/${req.id}/events`, {
      headers: { authorization: `Bearer ${verifierKey()}` },
    });
    expect(stream.status).to.equal(200);
    const events: { state: string; result?: { verdict: string } }[] = [];
    let heardAt = 0;
    // Read to the stream's end (the server closes it once the request is answered).
    const reading = readEvents(stream.body!, (data) => {
      const e = data as (typeof events)[number];
      events.push(e);
      if (e.state === "ANSWERED") heardAt = performance.now();
      return false;
    });
    const grant = counterGrant(req, cert.certId);
    const s = wallet.signGrant(cert.index, domain, grantMessage(grant));
    const answered = await call(through, "POST", `/v1/counter/requests/${req.id}/answer`, {
      body: { presentations: [{ document: cert.document, grant, signature: s.signature }] },
    });
    const answeredAt = performance.now();
    expect(answered.status, JSON.stringify(answered.body)).to.equal(200);
    expect(answered.body.verdict).to.equal("VALID");
    await reading;
    return { events, delayMs: Math.max(0, heardAt - answeredAt) };
  }

  it("delivers on A's event stream the verdict of a counter request answered through B (and the other way)", async function () {
    const delays: number[] = [];
    for (let round = 0; round < 6; round++) {
      const [counter, through] = round % 2 === 0 ? [a, b] : [b, a];
      const { events, delayMs } = await counterRound(counter, through);
      expect(events[0].state).to.equal("OPEN");
      const last = events[events.length - 1];
      expect(last.state).to.equal("ANSWERED");
      expect(last.result!.verdict).to.equal("VALID");
      delays.push(delayMs);
    }
    // The figures the README quotes: how long after the other replica's answer returned the stream heard it.
    const mean = delays.reduce((x, y) => x + y, 0) / delays.length;
    process.stdout.write(
      `${JSON.stringify({ name: "replicas_counter_event_delay_mean", value: Math.round(mean), unit: "ms" })}\n` +
        `${JSON.stringify({ name: "replicas_counter_event_delay_max", value: Math.round(Math.max(...delays)), unit: "ms" })}\n`,
    );
  });

  it("serves from B a batch submitted on A, and B finishes a batch whose builder A was killed with SIGKILL", async function () {
    // Holders need no key to be issued to: random addresses (a wallet per item would cost a PBKDF2 each).
    const items = (n: number, tag: string) =>
      Array.from({ length: n }, (_, i) => ({
        holder: `0x${randomBytes(20).toString("hex")}`,
        fields: sampleFields(TYPE, `${tag}${i}`),
      }));
    const auth = { authorization: `Bearer ${agencyKey()}` };

    const small = await call(next(), "POST", "/v1/agency/batches", {
      body: { type: TYPE, items: items(20, "s") },
      headers: auth,
    });
    expect(small.status, JSON.stringify(small.body)).to.equal(202);
    let job = small.body;
    while (job.state !== "done") {
      expect(job.state).to.not.equal("failed");
      await sleep(300);
      job = (await call(next(), "GET", `/v1/agency/batches/${job.batchId}`, { headers: auth })).body;
    }
    const docs = await call(b, "GET", `/v1/agency/batches/${job.batchId}/documents?limit=100`, { headers: auth });
    expect(docs.status, JSON.stringify(docs.body)).to.equal(200);
    expect(docs.body.items).to.have.length(20);
    expect(docs.body.root).to.equal(job.root);
    for (const r of [a, b]) {
      const v = await call(r, "POST", "/v1/public/verify", { body: { document: docs.body.items[19].document } });
      expect(v.body.verdict, `${r.name}: ${JSON.stringify(v.body)}`).to.equal("VALID");
    }

    // A large batch on A; A dies while it builds; B takes the job over once A's lease has run out.
    const big = await call(a, "POST", "/v1/agency/batches", {
      body: { type: TYPE, items: items(20_000, "b") },
      headers: auth,
    });
    expect(big.status, JSON.stringify(big.body)).to.equal(202);
    let seen = big.body;
    while (seen.state === "building" && seen.built === 0) {
      await sleep(100);
      seen = (await call(a, "GET", `/v1/agency/batches/${big.body.batchId}`, { headers: auth })).body;
    }
    expect(seen.state).to.equal("building");
    expect(seen.built).to.be.below(seen.total);
    a.child.kill("SIGKILL");
    await new Promise((r) => a.child.once("exit", r));
    let onB = seen;
    while (onB.state !== "done") {
      expect(onB.state, JSON.stringify(onB)).to.not.equal("failed");
      await sleep(1_000);
      onB = (await call(b, "GET", `/v1/agency/batches/${big.body.batchId}`, { headers: auth })).body;
    }
    expect(onB.root).to.match(/^0x[0-9a-f]{64}$/);
    const page = await call(b, "GET", `/v1/agency/batches/${big.body.batchId}/documents?offset=19990&limit=10`, {
      headers: auth,
    });
    expect(page.status).to.equal(200);
    expect(page.body.items).to.have.length(10);
    const v = await call(b, "POST", "/v1/public/verify", { body: { document: page.body.items[9].document } });
    expect(v.body.verdict, JSON.stringify(v.body)).to.equal("VALID");
  });
});

function documentRootOf(document: unknown): string {
  return verifyDocumentIntegrity(document).documentRoot!;
}
