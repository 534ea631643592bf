/**
 * /metrics carries what an operator watches, each with a value that fits the traffic just made: outbox
 * depth and oldest age (also while work waits), chain head and its age, index lag, the chain's bytes on
 * disk, batch jobs by state, verdicts by reason.
 */
import { expect } from "chai";
import { sampleFields } from "../../src/domain/catalog";
import { bearer, getFront, issue, signGrant, type Front } from "../support/frontGateway";

/** name{labels} → value, from the Prometheus text format. */
function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const m = /^([a-z_:]+(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (m) out.set(m[1], Number(m[2]));
  }
  return out;
}

describe("/metrics: the operations view", function () {
  this.timeout(120_000);
  let f: Front;
  const scrape = async () => parseMetrics((await f.http.get("/metrics").expect(200)).text);

  before(async () => {
    f = await getFront();
  });

  it("reports outbox, chain, index, chain storage, batch jobs and verdicts by reason after traffic", async () => {
    const cert = await issue(f);
    const g = signGrant(f, cert.index, cert.certId, f.ids.verifierV);
    const grant = await f.http
      .post("/v1/holder/grants")
      .send({ grant: g.grant, signature: g.signature, documentRoot: cert.documentRoot })
      .expect(201);
    await f.http
      .post("/v1/verifier/checks")
      .set(bearer(f.keys.verifierV))
      .send({ document: cert.document, grantId: grant.body.grantId })
      .expect(201);
    // A verifier without a grant, and a tampered document: two INVALID verdicts with their reasons.
    await f.http
      .post("/v1/verifier/verify")
      .set(bearer(f.keys.verifierW))
      .send({ document: cert.document, grantId: grant.body.grantId })
      .expect(200);
    const tampered = structuredClone(cert.document);
    tampered.validUntil = "2099-01-01T00:00:00Z";
    const bad = await f.http.post("/v1/public/verify").send({ document: tampered }).expect(200);
    expect(bad.body.verdict).to.equal("INVALID");
    const batch = await f.http
      .post("/v1/agency/batches?wait=true")
      .set(bearer(f.keys.agencyA))
      .send({
        type: "diploma",
        items: [1, 2].map(() => {
          const i = f.nextIndex();
          return { holder: f.wallet.address(i), fields: sampleFields("diploma", i) };
        }),
      })
      .expect(201);
    await f.http.get("/readyz").expect(200);

    const m = await scrape();
    const head = await f.blockNumber();
    expect(m.get("certledger_chain_head_block")).to.be.within(batch.body.blockNumber, head);
    expect(m.get("certledger_chain_head_age_seconds")).to.be.within(0, 60);
    expect(m.get("certledger_index_block")).to.equal(m.get("certledger_chain_head_block"));
    expect(m.get("certledger_index_lag_blocks")).to.equal(0);
    expect(m.get("certledger_outbox_depth")).to.equal(0);
    expect(m.get("certledger_outbox_oldest_age_seconds")).to.equal(0);
    // The chain's history is in the journal, or (anvil, the default engine) in the last checkpoint and
    // the journal past it: a checkpoint empties the journal.
    const durable = ["journal", "checkpoint"].map((k) => m.get(`certledger_chain_storage_bytes{kind="${k}"}`) ?? 0);
    expect(durable[0] + durable[1]).to.be.greaterThan(1000);
    expect(m.has('certledger_chain_storage_bytes{kind="checkpoint"}')).to.equal(
      f.gw.engine.embedded!.engine === "anvil",
    );
    expect(m.get('certledger_chain_storage_bytes{kind="genesis"}')).to.be.greaterThan(0);
    // anvil runs in its own process: its memory is reported beside the gateway's (a process of some MB).
    if (f.gw.engine.embedded!.engine === "anvil")
      expect(m.get("certledger_chain_node_resident_bytes")).to.be.greaterThan(10e6);
    else expect(m.has("certledger_chain_node_resident_bytes")).to.equal(false);
    // Checkpoints (anvil only): none failed, and the last is younger than this gateway.
    if (f.gw.engine.embedded!.engine === "anvil") {
      expect(m.get("certledger_chain_checkpoint_failures")).to.equal(0);
      expect(m.get("certledger_chain_checkpoint_age_seconds")).to.be.within(0, 600);
    } else expect(m.has("certledger_chain_checkpoint_failures")).to.equal(false);
    expect(m.get('certledger_batch_jobs{state="done"}')).to.be.at.least(1);
    expect(m.get('certledger_batch_jobs{state="failed"}')).to.equal(0);
    expect(m.get('certledger_verifications_total{verdict="VALID"}')).to.be.at.least(1);
    expect(m.get('certledger_verifications_total{verdict="INVALID"}')).to.be.at.least(2);
    expect(m.get('certledger_verdict_reasons_total{reason="WRONG_VERIFIER"}')).to.be.at.least(1);
    expect(m.get('certledger_verdict_reasons_total{reason="TAMPERED"}')).to.be.at.least(1);
  });

  it("shows work that waits for the chain in the outbox depth and its age, and 0 once it is on chain", async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    // The relayer hands nothing to the chain while held: the issue below waits in the outbox.
    const holding = f.gw.engine.relayer.quiesce(() => held);
    const pending = issue(f);
    let m = await scrape();
    for (let i = 0; i < 100 && (m.get("certledger_outbox_depth") ?? 0) < 1; i++) {
      await new Promise((r) => setTimeout(r, 50));
      m = await scrape();
    }
    expect(m.get("certledger_outbox_depth")).to.equal(1);
    await new Promise((r) => setTimeout(r, 1100));
    m = await scrape();
    expect(m.get("certledger_outbox_oldest_age_seconds")).to.be.greaterThan(0.5);
    release();
    await holding;
    await pending;
    m = await scrape();
    expect(m.get("certledger_outbox_depth")).to.equal(0);
  });
});
