/**
 * Batch jobs and their documents outlive the gateway process: after a restart the agency still reads
 * the job and downloads every document (which verifies), a job cut off while building is built again
 * from its stored input (one whose input is gone says it was interrupted), guardian delegations a
 * stopped gateway had not handed to the outbox after its root landed are relayed after the restart, once
 * (one the chain refuses leaves the batch done, saying so), a stalled owner cannot write over the process
 * that took its job over, and documents are deleted once past their retention while the job's facts
 * remain.
 */
import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pino from "pino";
import request from "supertest";
import { loadConfig } from "../../src/config";
import { sampleFields } from "../../src/domain/catalog";
import type { BatchInput, BatchJob } from "../../src/domain/issuance";
import type { Address, Bytes32 } from "../../src/domain/ports";
import { createHolderWallet, generateMnemonic } from "../../src/document";
import { sqlBatchJobs } from "../../src/store/batchJobs";
import { openGateway, type Gateway } from "../../src/wiring/gateway";
import { freshPostgresDatabase } from "../support/postgres";

const SEED = "0x" + "5a".repeat(32);
const CUT_OFF = "0b7c55e4-3d0a-4f3e-9a51-5f8e2c1d7a90";
const RESUMED = "6f1d2e3c-8a4b-4c5d-9e6f-7a8b9c0d1e2f";
const TAKEN = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";
/** The lease a job's owner holds in sqlBatchJobs (60 s), and some. */
const PAST_LEASE = 120;

function batchJobsSuite(store: string, database: () => Promise<{ url?: string; drop(): Promise<void> }>) {
  describe(`batch jobs across restarts (${store})`, function () {
    this.timeout(180_000);
    let dataDir: string;
    let db: { url?: string; drop(): Promise<void> };
    let gw: Gateway | undefined;
    let clock = Math.floor(Date.now() / 1000);
    /** The gateway's time when it seeded the demo (its agencies' keys are valid from then). */
    const seededAt = clock;

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
        .expect(200)
        .expect("idempotent-replayed", "true");
      expect(again.body.batchId).to.equal(made.body.batchId);
      // Another agency does not learn the batch exists.
      const other = g.credentials!.agencies.find((a) => !a.types.includes("diploma"))!;
      await request(g.app)
        .get(`/v1/agency/batches/${made.body.batchId}/documents`)
        .set({ authorization: `Bearer ${other.apiKey}` })
        .expect(404);
    });

    it("answers done from the store while the running process has stored a batch as done but not yet shown it", async function () {
      const g = gw!;
      const auth = { authorization: `Bearer ${agencyKey(g)}` };
      const made = await request(g.app)
        .post("/v1/agency/batches?wait=true")
        .set(auth)
        .send(batchBody(5, 500))
        .expect(201);
      // The instant between storing "done" and showing it in this process's memory, which another
      // replica's client can hit: this process still holds the job as anchoring.
      const held = g.deps.batchJobs.get(made.body.batchId)!;
      expect(held.state).to.equal("done");
      held.state = "anchoring";
      try {
        const job = await request(g.app).get(`/v1/agency/batches/${made.body.batchId}`).set(auth).expect(200);
        expect(job.body.state).to.equal("done");
        const docs = await request(g.app)
          .get(`/v1/agency/batches/${made.body.batchId}/documents?limit=10`)
          .set(auth)
          .expect(200);
        expect(docs.body.items).to.have.length(5);
      } finally {
        held.state = "done";
      }
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
      clock += PAST_LEASE; // its owner's lease runs out, and no input was stored to build it from
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

    /** What a gateway stopped in the middle of building leaves: the job, owned and leased, and its input. */
    const stoppedMidBuild = async (g: Gateway, batchId: string, n: number, from: number) => {
      const agency = g.credentials!.agencies.find((a) => a.types.includes("diploma"))!;
      const jobs = sqlBatchJobs(g.engine.store.db, { dialect: g.engine.store.dialect, now: () => clock });
      const job: BatchJob = {
        batchId,
        agency: agency.agency.toLowerCase() as Address,
        type: "diploma",
        state: "building",
        total: n,
        built: 0,
        createdAt: clock,
      };
      const items = batchBody(n, from).items;
      const input: BatchInput = {
        type: "diploma",
        items,
        windows: items.map(() => ({ validFrom: clock, validUntil: clock + 365 * 86_400 })),
        outboxKey: `batch:${batchId}`,
      };
      await jobs.begin!(job, input);
      return { jobs, job, input };
    };

    it("builds again, after a restart, a batch its gateway stopped building; the root is anchored once", async function () {
      let g = gw!;
      const auth = { authorization: `Bearer ${agencyKey(g)}` };
      await stoppedMidBuild(g, RESUMED, 12, 300);
      // While the owner's lease runs, the job is in progress elsewhere, not interrupted.
      const during = await request(g.app).get(`/v1/agency/batches/${RESUMED}`).set(auth).expect(200);
      expect(during.body.state).to.equal("building");

      clock += PAST_LEASE;
      g = await restart();
      let job: Record<string, unknown> = {};
      for (let i = 0; i < 200; i++) {
        job = (await request(g.app).get(`/v1/agency/batches/${RESUMED}`).set(auth).expect(200)).body;
        if (job.state !== "building" && job.state !== "anchoring") break;
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(job, JSON.stringify(job)).to.include({ state: "done", total: 12 });
      const docs = await request(g.app).get(`/v1/agency/batches/${RESUMED}/documents?limit=100`).set(auth).expect(200);
      expect(docs.body.items).to.have.length(12);
      const v = await request(g.app).post("/v1/public/verify").send({ document: docs.body.items[11].document });
      expect(v.body.verdict, JSON.stringify(v.body.reasons)).to.equal("VALID");
      const db = g.engine.store.db;
      expect(await db.selectFrom("batch_inputs").selectAll().where("batch_id", "=", RESUMED).execute()).to.deep.equal(
        [],
      );
      const sent = await db.selectFrom("outbox").select("id").where("dedup_key", "=", `batch:${RESUMED}`).execute();
      expect(sent).to.have.length(1);

      // Another restart finds it done and builds nothing.
      g = await restart();
      const after = await request(g.app).get(`/v1/agency/batches/${RESUMED}`).set(auth).expect(200);
      expect(after.body).to.include({ state: "done", root: job.root, txHash: job.txHash });
      expect(
        await g.engine.store.db.selectFrom("outbox").select("id").where("dedup_key", "=", `batch:${RESUMED}`).execute(),
      ).to.have.length(1);
    });

    it("relays after a restart the guardian delegations of a batch whose gateway stopped once its root had landed, each once", async function () {
      let g = gw!;
      const auth = { authorization: `Bearer ${agencyKey(g)}` };
      const guardian = wallet.address(900).toLowerCase();
      const body = batchBody(3, 600);
      const items = body.items.map((it, k) =>
        k === 1 ? it : { ...it, guardian: { delegate: guardian, validUntil: clock + 30 * 86_400 } },
      );
      // The process stops after the root has landed and before it hands the guardians to the outbox: here
      // the hand-over never returns, and the gateway closes under it.
      g.deps.chain.delegateByIssuer = () => new Promise(() => undefined);
      const made = await request(g.app)
        .post("/v1/agency/batches")
        .set(auth)
        .send({ ...body, items })
        .expect(202);
      const batchId = made.body.batchId as string;
      for (let i = 0; i < 200 && !g.deps.batchJobs.get(batchId)?.txHash; i++)
        await new Promise((r) => setTimeout(r, 50));
      expect(g.deps.batchJobs.get(batchId)?.txHash).to.be.a("string");
      const stopped = await request(g.app).get(`/v1/agency/batches/${batchId}`).set(auth).expect(200);
      expect(stopped.body.state).to.equal("anchoring");

      clock += PAST_LEASE;
      g = await restart();
      let job: Record<string, unknown> = {};
      for (let i = 0; i < 200; i++) {
        job = (await request(g.app).get(`/v1/agency/batches/${batchId}`).set(auth).expect(200)).body;
        if (job.state !== "anchoring") break;
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(job, JSON.stringify(job)).to.include({ state: "done", txHash: stopped.body.txHash });
      expect(job.error).to.equal(undefined);
      const docs = await request(g.app).get(`/v1/agency/batches/${batchId}/documents`).set(auth).expect(200);
      const named = docs.body.items.filter((it: { guardian?: unknown }) => it.guardian);
      expect(named.map((it: { certId: string }) => it.certId)).to.deep.equal(
        [docs.body.items[0], docs.body.items[2]].map((it: { certId: string }) => it.certId),
      );
      for (const it of named) {
        const onChain = await g.deps.chain.delegation(it.guardian.delegationId);
        expect(onChain).to.deep.include({ certId: it.certId, delegate: guardian, revoked: false });
      }
      const relays = () =>
        g.engine.store.db
          .selectFrom("outbox")
          .select(["dedup_key", "state"])
          .where("kind", "=", "delegateByIssuer")
          .where("dedup_key", "like", `guardian:${stopped.body.root}:%`)
          .orderBy("dedup_key")
          .execute();
      const sent = await relays();
      expect(sent).to.deep.equal([
        { dedup_key: `guardian:${stopped.body.root}:0`, state: "done" },
        { dedup_key: `guardian:${stopped.body.root}:2`, state: "done" },
      ]);

      // Another restart finds the batch done and sends nothing again.
      clock += PAST_LEASE;
      g = await restart();
      const after = await request(g.app).get(`/v1/agency/batches/${batchId}`).set(auth).expect(200);
      expect(after.body).to.include({ state: "done", txHash: stopped.body.txHash });
      expect(await relays()).to.deep.equal(sent);
    });

    it("finishes a batch whose guardian delegation the chain refuses as done with GUARDIAN_NOT_RELAYED, the other items' delegations stored", async function () {
      const g = gw!;
      const auth = { authorization: `Bearer ${agencyKey(g)}` };
      const kept = clock;
      // The gateway's clock behind the chain's (which has run on since the demo was seeded): a guardian's end
      // the gateway takes for the future has passed on chain.
      clock = seededAt + 1;
      while (Date.now() / 1000 < seededAt + 3) await new Promise((r) => setTimeout(r, 200));
      try {
        const body = batchBody(2, 700);
        const items = body.items.map((it, k) => ({
          ...it,
          guardian: { delegate: wallet.address(901 + k), validUntil: k === 0 ? seededAt + 2 : seededAt + 86_400 },
        }));
        const made = await request(g.app)
          .post("/v1/agency/batches?wait=true")
          .set(auth)
          .send({ ...body, items })
          .expect(201);
        expect(made.body.state).to.equal("done");
        expect(made.body.error.code).to.equal("GUARDIAN_NOT_RELAYED");
        expect(made.body.error.message).to.contain("1 of its 2").and.contain("item 0");
        const docs = await request(g.app)
          .get(`/v1/agency/batches/${made.body.batchId}/documents`)
          .set(auth)
          .expect(200);
        expect(await g.deps.chain.delegation(docs.body.items[0].guardian.delegationId)).to.equal(undefined);
        expect(await g.deps.chain.delegation(docs.body.items[1].guardian.delegationId)).to.deep.include({
          certId: docs.body.items[1].certId,
        });
      } finally {
        clock = kept;
      }
    });

    it("lets a stalled owner write nothing once another process has taken its batch over", async function () {
      const g = gw!;
      const { jobs: stalled, job, input } = await stoppedMidBuild(g, TAKEN, 1, 400);
      const other = sqlBatchJobs(g.engine.store.db, { dialect: g.engine.store.dialect, now: () => clock });
      const mine = <T extends { job: BatchJob }>(c: T[]) => c.filter((x) => x.job.batchId === TAKEN);
      expect(mine(await other.claimStale!())).to.deep.equal([]); // the owner's lease still runs

      clock += PAST_LEASE;
      const claimed = mine(await other.claimStale!());
      expect(claimed).to.have.length(1);
      expect(claimed[0].input).to.deep.equal(input);
      const item = {
        certId: `0x${"ab".repeat(32)}` as Bytes32,
        holder: input.items[0].holder as Address,
        document: JSON.stringify({ stalled: true }),
        proof: "[]",
      };
      const refused = await stalled.saveDocuments!(job, [item]).then(
        () => undefined,
        (e: { code?: string }) => e.code,
      );
      expect(refused).to.equal("BATCH_TAKEN_OVER");
      expect(await stalled.persist!({ ...job, state: "anchoring", root: `0x${"cd".repeat(32)}` as Bytes32 })).to.equal(
        false,
      );
      const row = await g.engine.store.db
        .selectFrom("batch_jobs")
        .select(["state", "root"])
        .where("batch_id", "=", TAKEN)
        .executeTakeFirstOrThrow();
      expect(row).to.deep.equal({ state: "building", root: null });
      expect(
        await g.engine.store.db.selectFrom("batch_documents").select("idx").where("batch_id", "=", TAKEN).execute(),
      ).to.deep.equal([]);

      // The new owner writes; finishing the job also drops its input.
      await other.saveDocuments!(claimed[0].job, [{ ...item, document: JSON.stringify({ taken: true }) }]);
      const failed = { ...claimed[0].job, state: "failed" as const, error: { code: "TEST", message: "test" } };
      expect(await other.persist!(failed)).to.equal(true);
      expect(
        await g.engine.store.db.selectFrom("batch_inputs").select("batch_id").where("batch_id", "=", TAKEN).execute(),
      ).to.deep.equal([]);
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
