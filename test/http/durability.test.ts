/**
 * Issue 5 item 4: SIGKILL the gateway (a real `npm start` process, on the default engine) in the middle of a stream of issues
 * and grants, start it again on the same data dir, and find every acknowledged certificate and grant,
 * and none twice (replaying each request with its idempotency key gives back the same certificate).
 */
import { expect } from "chai";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { sampleFields } from "../../src/domain/catalog";
import {
  computeCertId,
  consentDomain,
  createHolderWallet,
  generateMnemonic,
  verifyDocumentIntegrity,
} from "../../src/document";
import { startGatewayProcess } from "../support/gatewayProcess";
import { holderGrant } from "../support/holderGrant";

async function start(dataDir: string): Promise<{ child: ChildProcess; url: string; seconds: number }> {
  const t0 = Date.now();
  const { child, url } = await startGatewayProcess(dataDir, { readyMs: 60_000 });
  return { child, url, seconds: (Date.now() - t0) / 1000 };
}

describe("durability: SIGKILL in the middle of issues and grants", function () {
  this.timeout(300_000);
  let dataDir: string;
  let proc: ChildProcess | undefined;

  before(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), "certledger-kill-"));
  });
  after(() => {
    proc?.kill("SIGKILL");
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("keeps every acknowledged certificate and grant, and none twice", async () => {
    const first = await start(dataDir);
    let { child, url } = first;
    proc = child;
    // Issue 5 item 1: a fresh start (deploy + demo seed) is ready within 20 s.
    expect(first.seconds).to.be.below(20);
    // `npm start` with no engine setting: a new data directory gets the default engine, anvil with checkpoints.
    expect(JSON.parse(readFileSync(path.join(dataDir, "chain-genesis.json"), "utf8")).engine).to.equal("anvil");
    const creds = JSON.parse(readFileSync(path.join(dataDir, "demo-credentials.json"), "utf8"));
    const agency = creds.agencies.find((a: { types: string[] }) => a.types.includes("diploma"));
    const verifier = creds.verifier;
    const info = await (await fetch(`${url}/v1/public/info`)).json();
    const domain = consentDomain(info.chainId, info.contracts.consent);
    const wallet = createHolderWallet({ mnemonic: generateMnemonic() });

    const bodies = new Map<string, { type: string; holder: string; fields: Record<string, unknown> }>();
    const acked = new Map<string, string>(); // idempotency key → certId
    const grantsAcked: { grantId: string; document: unknown }[] = [];
    let killed = false;
    let n = 0;

    const post = (u: string, p: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(u + p, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify(body),
      });

    const worker = async () => {
      while (!killed) {
        const i = ++n;
        const key = `kill-${i}`;
        const body = { type: "diploma", holder: wallet.address(i), fields: sampleFields("diploma", i) };
        bodies.set(key, body);
        try {
          const r = await post(url, "/v1/agency/certificates", body, {
            authorization: `Bearer ${agency.apiKey}`,
            "idempotency-key": key,
          });
          if (r.status !== 201) continue;
          const c = await r.json();
          acked.set(key, c.certId);
          const root = verifyDocumentIntegrity(c.document).documentRoot!;
          expect(computeCertId(wallet.address(i), root).toLowerCase()).to.equal(c.certId);
          const signed = holderGrant(wallet, domain, i, {
            certId: c.certId,
            grantee: verifier.verifier,
            purpose: "durability",
            maxUses: 2,
          });
          const gr = await post(url, "/v1/holder/grants", { ...signed, documentRoot: root });
          if (gr.status === 201) grantsAcked.push({ grantId: (await gr.json()).grantId, document: c.document });
        } catch {
          // connection refused or reset: the process is gone
        }
      }
    };
    const workers = Array.from({ length: 6 }, worker);
    // Let a stream build up, then kill without warning.
    while (acked.size < 40) await new Promise((r) => setTimeout(r, 50));
    child.kill("SIGKILL");
    killed = true;
    await Promise.all(workers);
    await new Promise((r) => setTimeout(r, 200));
    expect(acked.size).to.be.at.least(40);

    ({ child, url } = await start(dataDir));
    proc = child;
    for (const certId of acked.values()) {
      const s = await fetch(`${url}/v1/public/certificates/${certId}`);
      expect(s.status, `acknowledged ${certId}`).to.equal(200);
    }
    // Every acknowledged grant is there, unused.
    const V = { authorization: `Bearer ${verifier.apiKey}`, "content-type": "application/json" };
    for (const g of grantsAcked) {
      const r = await fetch(`${url}/v1/verifier/verify`, {
        method: "POST",
        headers: V,
        body: JSON.stringify({ document: g.document, grantId: g.grantId }),
      });
      const v = await r.json();
      expect(v.verdict, JSON.stringify(v)).to.equal("VALID");
      expect(v.grant.uses).to.equal(0);
    }
    expect(grantsAcked.length).to.be.greaterThan(10);
    // Replaying every request, acknowledged or not, lands each certificate exactly once.
    const seen = new Set<string>();
    for (const [key, body] of bodies) {
      const r = await post(url, "/v1/agency/certificates", body, {
        authorization: `Bearer ${agency.apiKey}`,
        "idempotency-key": key,
      });
      expect([200, 201], `${key}: ${r.status}`).to.include(r.status);
      const c = await r.json();
      if (acked.has(key)) {
        expect(r.status, key).to.equal(200);
        expect(c.certId).to.equal(acked.get(key));
      }
      expect(seen.has(c.certId)).to.equal(false);
      seen.add(c.certId);
    }
    const list = await (
      await fetch(`${url}/v1/agency/certificates?type=diploma&limit=500`, {
        headers: { authorization: `Bearer ${agency.apiKey}` },
      })
    ).json();
    const listed = list.items.map((x: { certId: string }) => x.certId);
    expect(new Set(listed).size).to.equal(listed.length);
    expect(listed.length).to.equal(bodies.size);
    child.kill("SIGTERM");
  });
});
