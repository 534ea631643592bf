/**
 * `certledger backup` against a running gateway under a stream of issues, grants, checks and batches;
 * `certledger restore` into a fresh directory; a second gateway started there answers the same as the
 * first for every certificate acknowledged before the backup (status, verdict under its grant, audit
 * trail, batch documents, the idempotent replay), and what came after is there whole or not at all,
 * never twice.
 */
import { expect } from "chai";
import { createHash } from "node:crypto";
import fs from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { extract, pack } from "tar-stream";
import { sampleFields } from "../../src/domain/catalog";
import { holderAuthMessage, personalMessageDigest } from "../../src/domain/holderAuth";
import {
  consentDomain,
  createHolderWallet,
  generateMnemonic,
  signDigest,
  verifyDocumentIntegrity,
} from "../../src/document";
import { runCertledger } from "../support/cli";
import { startGatewayProcess, type GatewayProcess } from "../support/gatewayProcess";
import { holderGrant } from "../support/holderGrant";

interface Flow {
  index: number;
  key: string;
  body: { type: string; holder: string; fields: Record<string, unknown> };
  certId?: string;
  document?: unknown;
  documentRoot?: string;
  grantId?: string;
  /** When the last step (the check) was acknowledged. */
  doneAt?: number;
}

interface BatchRun {
  batchId: string;
  key: string;
  ackAt: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// On anvil (the default: no engine setting) with a checkpoint every 4 blocks, so that checkpoints are
// taken while the backup is: the store copy must never be older than the chain checkpoint it is restored
// with. And on EDR, which data directories made before anvil was the default still run.
const ENGINES: [string, Record<string, string>][] = [
  ["edr", { CERTLEDGER_EMBEDDED_ENGINE: "edr" }],
  ["anvil", { CERTLEDGER_CHECKPOINT_BLOCKS: "4" }],
];

for (const [engine, engineEnv] of ENGINES)
  describe(`certledger backup and restore of a running gateway (${engine}${engineEnv.CERTLEDGER_EMBEDDED_ENGINE ? "" : ", the default"})`, function () {
    this.timeout(600_000);
    let root: string;
    let a: GatewayProcess | undefined;
    let b: GatewayProcess | undefined;
    let archive: string;
    let authorityKey: string;
    let verifierKey: string;

    before(() => {
      root = fs.mkdtempSync(path.join(tmpdir(), "certledger-backup-"));
      archive = path.join(root, "backup.tar");
    });
    after(async () => {
      await a?.stop();
      await b?.stop();
      fs.rmSync(root, { recursive: true, force: true });
    });

    it("restores a backup taken under load into a gateway that answers the same for every certificate acknowledged before it", async () => {
      a = await startGatewayProcess(path.join(root, "a"), { env: engineEnv });
      const creds = JSON.parse(fs.readFileSync(path.join(root, "a", "demo-credentials.json"), "utf8"));
      const agency = creds.agencies.find((x: { types: string[] }) => x.types.includes("diploma"));
      authorityKey = creds.authority.apiKey;
      verifierKey = creds.verifier.apiKey;
      const verifier = creds.verifier.verifier as string;
      const info = await (await fetch(`${a.url}/v1/public/info`)).json();
      const domain = consentDomain(info.chainId, info.contracts.consent);
      const wallet = createHolderWallet({ mnemonic: generateMnemonic() });
      const AG = { authorization: `Bearer ${agency.apiKey}` };
      const V = { authorization: `Bearer ${verifierKey}` };
      const post = (url: string, p: string, body: unknown, headers: Record<string, string> = {}) =>
        fetch(url + p, {
          method: "POST",
          headers: { "content-type": "application/json", ...headers },
          body: JSON.stringify(body),
        });
      let n = 0;
      const batchBody = () => ({
        type: "diploma",
        items: [1, 2, 3].map(() => {
          const i = ++n;
          return { holder: wallet.address(i), fields: sampleFields("diploma", i) };
        }),
      });

      const flows: Flow[] = [];
      const batches: BatchRun[] = [];
      const errors: string[] = [];
      let stop = false;
      const issueWorker = async () => {
        while (!stop) {
          const i = ++n;
          const f: Flow = {
            index: i,
            key: `backup-issue-${i}`,
            body: { type: "diploma", holder: wallet.address(i), fields: sampleFields("diploma", i) },
          };
          flows.push(f);
          const r = await post(a!.url, "/v1/agency/certificates", f.body, { ...AG, "idempotency-key": f.key });
          if (r.status !== 201) {
            errors.push(`issue ${r.status} ${await r.text()}`);
            continue;
          }
          const c = await r.json();
          f.certId = c.certId;
          f.document = c.document;
          f.documentRoot = verifyDocumentIntegrity(c.document).documentRoot!;
          const signed = holderGrant(wallet, domain, i, {
            certId: c.certId,
            grantee: verifier,
            purpose: "open-bank-account",
            maxUses: 3,
          });
          const gr = await post(a!.url, "/v1/holder/grants", { ...signed, documentRoot: f.documentRoot });
          if (gr.status !== 201) {
            errors.push(`grant ${gr.status} ${await gr.text()}`);
            continue;
          }
          f.grantId = (await gr.json()).grantId;
          const ck = await post(
            a!.url,
            "/v1/verifier/checks",
            { document: f.document, grantId: f.grantId },
            {
              ...V,
              "idempotency-key": `backup-check-${i}`,
            },
          );
          if (ck.status !== 201) {
            errors.push(`check ${ck.status} ${await ck.text()}`);
            continue;
          }
          f.doneAt = Date.now();
        }
      };
      const batchWorker = async () => {
        for (let k = 0; !stop; k++) {
          const key = `backup-batch-${k}`;
          const r = await post(a!.url, "/v1/agency/batches?wait=true", batchBody(), { ...AG, "idempotency-key": key });
          if (r.status !== 201) {
            errors.push(`batch ${r.status} ${await r.text()}`);
            continue;
          }
          batches.push({ batchId: (await r.json()).batchId, key, ackAt: Date.now() });
        }
      };
      const workers = [issueWorker(), issueWorker(), issueWorker(), issueWorker(), batchWorker()];
      const done = () => flows.filter((f) => f.doneAt !== undefined).length;
      while (done() < 12 || batches.length < 2) await sleep(50);

      const backupStart = Date.now();
      const run = await runCertledger([
        "--json",
        "backup",
        "--gateway",
        a.url,
        "--api-key",
        authorityKey,
        "--out",
        archive,
      ]);
      expect(run.code, run.stderr + run.stdout).to.equal(0);
      const before = done();
      // The load goes on past the backup: what follows it must not leak into the restored gateway half-done.
      while (done() < before + 6) await sleep(50);
      stop = true;
      await Promise.all(workers);
      expect(errors).to.deep.equal([]);

      const out = JSON.parse(run.stdout);
      const roles = new Set(out.manifest.files.map((f: { role: string }) => f.role));
      expect([...roles].sort()).to.deep.equal(["chain", "keystore", "settings", "store"]);
      expect(out.manifest.chain.kind).to.equal("embedded");
      expect(out.manifest.chain.blockAtLeast).to.be.greaterThan(0);
      if (engine === "anvil")
        expect(out.manifest.files.map((f: { name: string }) => f.name)).to.include("chain-state.sqlite");

      const bDir = path.join(root, "b");
      const restored = await runCertledger(["--json", "restore", archive, "--data-dir", bDir]);
      expect(restored.code, restored.stderr + restored.stdout).to.equal(0);
      for (const f of out.manifest.files) {
        const bytes = fs.readFileSync(path.join(bDir, f.name));
        expect(createHash("sha256").update(bytes).digest("hex"), f.name).to.equal(f.sha256);
      }
      // The restored directory keeps the engine it was backed up from, whatever a new directory would get.
      expect(JSON.parse(fs.readFileSync(path.join(bDir, "chain-genesis.json"), "utf8")).engine).to.equal(engine);
      b = await startGatewayProcess(bDir);
      while ((await fetch(`${b.url}/readyz`)).status !== 200) await sleep(200);

      let holderNonce = 0;
      const holderGet = async (url: string, f: Flow, p: string) => {
        const fields = {
          method: "GET",
          path: p,
          certId: f.certId as `0x${string}`,
          documentRoot: f.documentRoot as `0x${string}`,
          timestamp: Math.floor(Date.now() / 1000),
          nonce: `restore-${++holderNonce}-${Date.now()}`,
        };
        const signature = signDigest(
          wallet.deriveKey(f.index).privateKey,
          personalMessageDigest(holderAuthMessage(fields)),
        );
        const r = await fetch(url + p, {
          headers: {
            "x-holder-document-root": f.documentRoot!,
            "x-holder-timestamp": String(fields.timestamp),
            "x-holder-nonce": fields.nonce,
            "x-holder-signature": signature,
          },
        });
        return { status: r.status, body: await r.json() };
      };
      const view = async (url: string, f: Flow) => {
        const status = await fetch(`${url}/v1/public/certificates/${f.certId}`);
        const verdict = await (
          await post(url, "/v1/verifier/verify", { document: f.document, grantId: f.grantId }, V)
        ).json();
        // When it was checked, and how fresh each gateway's index was then, differ by nature.
        delete verdict.checkedAt;
        delete verdict.index;
        return {
          status: { code: status.status, body: await status.json() },
          verdict,
          trail: await holderGet(url, f, `/v1/holder/certificates/${f.certId}/audit`),
        };
      };

      let compared = 0;
      for (const f of flows.filter((x) => x.certId)) {
        const [va, vb] = [await view(a.url, f), await view(b.url, f)];
        if (f.doneAt !== undefined && f.doneAt < backupStart) {
          expect(va.trail.status, JSON.stringify(va.trail.body)).to.equal(200);
          expect(va.trail.body.checks).to.have.length(1);
          expect(va.verdict.verdict).to.equal("VALID");
          expect(vb, f.certId).to.deep.equal(va);
          const again = await post(b.url, "/v1/agency/certificates", f.body, { ...AG, "idempotency-key": f.key });
          expect(again.status, f.key).to.equal(200);
          expect((await again.json()).certId).to.equal(f.certId);
          compared++;
        } else if (vb.status.code === 200) {
          // Came (partly) after the backup: whatever the restored gateway holds of it is whole, and once.
          const plain = await (await post(b.url, "/v1/public/verify", { document: f.document })).json();
          expect(plain.verdict, f.certId).to.equal("VALID");
          expect(vb.trail.status, JSON.stringify(vb.trail.body)).to.equal(200);
          expect(vb.trail.body.checks.length).to.be.at.most(va.trail.body.checks.length);
        } else {
          expect(vb.status.code, f.certId).to.equal(404);
        }
      }
      expect(compared).to.be.at.least(12);

      for (const x of batches.filter((y) => y.ackAt < backupStart)) {
        const get = async (url: string, p: string) => (await fetch(url + p, { headers: AG })).json();
        for (const p of [`/v1/agency/batches/${x.batchId}`, `/v1/agency/batches/${x.batchId}/documents`])
          expect(await get(b.url, p), p).to.deep.equal(await get(a.url, p));
      }

      // Nothing twice: the restored gateway lists each certificate once.
      const list = await (
        await fetch(`${b.url}/v1/agency/certificates?type=diploma&limit=500`, { headers: AG })
      ).json();
      const ids = list.items.map((x: { certId: string }) => x.certId);
      expect(new Set(ids).size).to.equal(ids.length);
    });

    it("refuses a backup to anyone but the authority, and a restore into a directory that is not empty", async () => {
      const denied = await runCertledger([
        "backup",
        "--gateway",
        a!.url,
        "--api-key",
        verifierKey,
        "--out",
        path.join(root, "x.tar"),
      ]);
      expect(denied.code).to.equal(1);
      expect(denied.stderr).to.match(/WRONG_ROLE/);
      expect(fs.existsSync(path.join(root, "x.tar"))).to.equal(false);
      const exists = await runCertledger(["backup", "--gateway", a!.url, "--api-key", authorityKey, "--out", archive]);
      expect(exists.code).to.equal(2);
      expect(exists.stderr).to.match(/OUT_FILE_EXISTS/);

      const busy = path.join(root, "busy");
      fs.mkdirSync(busy);
      fs.writeFileSync(path.join(busy, "keep.txt"), "mine");
      const r = await runCertledger(["restore", archive, "--data-dir", busy]);
      expect(r.code).to.equal(2);
      expect(r.stderr).to.match(/DATA_DIR_NOT_EMPTY/);
      expect(fs.readdirSync(busy)).to.deep.equal(["keep.txt"]);
    });

    it("refuses a damaged archive and leaves the target directory as it found it", async () => {
      // Same manifest, one file changed by a byte: the restore must notice before anything is kept.
      const damaged = path.join(root, "damaged.tar");
      const ex = extract();
      const out = pack();
      const written = new Promise<void>((resolve, reject) =>
        out.pipe(fs.createWriteStream(damaged)).on("finish", resolve).on("error", reject),
      );
      fs.createReadStream(archive).pipe(ex);
      for await (const entry of ex) {
        const chunks: Buffer[] = [];
        for await (const c of entry) chunks.push(c as Buffer);
        let data = Buffer.concat(chunks);
        if (entry.header.name === "data/chain-genesis.json") {
          data = Buffer.from(data);
          data[data.length - 2] ^= 1;
        }
        out.entry({ name: entry.header.name, size: data.length }, data);
      }
      out.finalize();
      await written;
      const target = path.join(root, "never");
      const r = await runCertledger(["restore", damaged, "--data-dir", target]);
      expect(r.code).to.equal(1);
      expect(r.stderr).to.match(/BACKUP_HASH_MISMATCH: .*chain-genesis\.json/);
      expect(fs.existsSync(target)).to.equal(false);
    });
  });
