/**
 * Batch jobs and their documents outlive the gateway process: after a restart the agency still reads
 * the job and downloads every document (which verifies), a job cut off while building says so, and
 * documents are deleted once past their retention while the job's facts remain.
 */
import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pino from "pino";
import request from "supertest";
import { loadConfig } from "../../src/config";
import { sampleFields } from "../../src/domain/catalog";
import type { Address } from "../../src/domain/ports";
import { createHolderWallet, generateMnemonic } from "../../src/document";
import { sqlBatchJobs } from "../../src/store/batchJobs";
import { openGateway, type Gateway } from "../../src/wiring/gateway";
import { freshPostgresDatabase } from "../support/postgres";

const SEED = "0x" + "5a".repeat(32);
const CUT_OFF = "0b7c55e4-3d0a-4f3e-9a51-5f8e2c1d7a90";

function batchJobsSuite(store: string, database: () => Promise<{ url?: string; drop(): Promise<void> }>) {
  describe(`batch jobs across restarts (${store})`, function () {
    this.timeout(180_000);
    let dataDir: string;
    let db: { url?: string; drop(): Promise<void> };
    let gw: Gateway | undefined;
    let clock = Math.floor(Date.now() / 1000);

    const open = async () => {
      gw = await openGateway(loadConfig({}, { dataDir, port: 0, logLevel: "silent", databaseUrl: db.url }), {
        logger: pino({ level: "silent" }),
        seed: SEED,
        now: () => clock,
      });
      return gw;
    };
    const restart = async () => {
      await gw!.close();
      return open();
    };
    const agencyKey = (g: Gateway) => g.credentials!.agencies.find((a) => a.types.includes("diploma"))!.apiKey;
    const wallet = createHolderWallet({ mnemonic: generateMnemonic() });
    const batchBody = (n: number, from: number) => ({
      type: "diploma",
      items: Array.from({ length: n }, (_, i) => ({
        holder: wallet.address(from + i),
        fields: sampleFields("diploma", from + i),
      })),
    });

    before(async () => {
      dataDir = mkdtempSync(path.join(tmpdir(), "certledger-batchjobs-"));
      db = await database();
      await open();
    });
    after(async () => {
      await gw?.close();
      await db.drop();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it("serves a done batch's job and every document after a restart; the documents verify", async function () {
      let g = gw!;
      const auth = { authorization: `Bearer ${agencyKey(g)}` };
      const made = await request(g.app)
        .post("/v1/agency/batches?wait=true")
        .set(auth)
        .set("idempotency-key", "restart-batch")
        .send(batchBody(30, 0))
        .expect(201);
      const before = await request(g.app)
        .get(`/v1/agency/batches/${made.body.batchId}/documents?limit=100`)
        .set(auth)
        .expect(200);
      expect(before.body.items).to.have.length(30);

      g = await restart();
      const job = await request(g.app).get(`/v1/agency/batches/${made.body.batchId}`).set(auth).expect(200);
      expect(job.body).to.include({ state: "done", root: made.body.root, total: 30, txHash: made.body.txHash });
      const page1 = await request(g.app)
        .get(`/v1/agency/batches/${made.body.batchId}/documents?offset=0&limit=20`)
        .set(auth)
        .expect(200);
      const page2 = await request(g.app)
        .get(`/v1/agency/batches/${made.body.batchId}/documents?offset=20&limit=20`)
        .set(auth)
        .expect(200);
      expect([...page1.body.items, ...page2.body.items]).to.deep.equal(before.body.items);
      const v = await request(g.app).post("/v1/public/verify").send({ document: page2.body.items[9].document });
      expect(v.body.verdict, JSON.stringify(v.body.reasons)).to.equal("VALID");

      // The same Idempotency-Key after the restart gets the same batch, anchored once.
      const again = await request(g.app)
        .post("/v1/agency/batches?wait=true")
        .set(auth)
        .set("idempotency-key", "restart-batch")
        .send(batchBody(30, 0))
        .expect(201);
      expect(again.body.batchId).to.equal(made.body.batchId);
      // Another agency does not learn the batch exists.
      const other = g.credentials!.agencies.find((a) => !a.types.includes("diploma"))!;
      await request(g.app)
        .get(`/v1/agency/batches/${made.body.batchId}/documents`)
        .set({ authorization: `Bearer ${other.apiKey}` })
        .expect(404);
    });

    it("reports a batch whose gateway stopped while building it as interrupted, with nothing anchored", async function () {
      const g = gw!;
      const agency = g.credentials!.agencies.find((a) => a.types.includes("diploma"))!;
      const jobs = sqlBatchJobs(g.engine.store.db, { dialect: g.engine.store.dialect, now: () => clock });
      await jobs.persist!({
        batchId: CUT_OFF,
        agency: agency.agency.toLowerCase() as Address,
        type: "diploma",
        state: "building",
        total: 500,
        built: 0,
        createdAt: clock,
      });
      const r = await request(g.app)
        .get(`/v1/agency/batches/${CUT_OFF}`)
        .set({ authorization: `Bearer ${agency.apiKey}` })
        .expect(200);
      expect(r.body.state).to.equal("failed");
      expect(r.body.error.code).to.equal("BATCH_INTERRUPTED");
      const d = await request(g.app)
        .get(`/v1/agency/batches/${CUT_OFF}/documents`)
        .set({ authorization: `Bearer ${agency.apiKey}` })
        .expect(409);
      expect(d.body.error.code).to.equal("BATCH_NOT_READY");
    });

    it("deletes documents past their retention when the next batch is stored; the job's facts remain", async function () {
      let g = gw!;
      const auth = { authorization: `Bearer ${agencyKey(g)}` };
      const old = await request(g.app)
        .post("/v1/agency/batches?wait=true")
        .set(auth)
        .send(batchBody(5, 100))
        .expect(201);
      clock += 31 * 86_400;
      g = await restart();
      await request(g.app).post("/v1/agency/batches?wait=true").set(auth).send(batchBody(5, 200)).expect(201);
      const job = await request(g.app).get(`/v1/agency/batches/${old.body.batchId}`).set(auth).expect(200);
      expect(job.body).to.include({ state: "done", root: old.body.root });
      const gone = await request(g.app).get(`/v1/agency/batches/${old.body.batchId}/documents`).set(auth).expect(410);
      expect(gone.body.error.code).to.equal("BATCH_DOCUMENTS_RELEASED");
    });
  });
}

batchJobsSuite("SQLite", async () => ({ url: undefined, drop: async () => undefined }));
batchJobsSuite("PostgreSQL", () => freshPostgresDatabase("cl_batchjobs"));
