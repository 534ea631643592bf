/**
 * Child process for the durability test. `stream <dataDir>`: starts the engine and streams issues,
 * grants and checks from several concurrent workers, printing one line per ACKNOWLEDGED write, until
 * killed. `report <dataDir>`: starts the engine (which replays the chain and settles the outbox), prints
 * what the index holds as one JSON line, and exits.
 *
 * CERTLEDGER_TEST_CHECKPOINT_PAUSE=<phase> (stream): the first chain checkpoint that reaches that step
 * prints `CHECKPOINT <phase>` and stops there for good, so that the test kills the process mid-checkpoint.
 */
import type { CheckpointPhase } from "../../src/chain/embeddedAnvil";
import { openEngine, newHolderCert, setupActors, signGrant } from "./engineFixture";

function checkpointPause(): ((phase: CheckpointPhase) => Promise<void>) | undefined {
  const at = process.env.CERTLEDGER_TEST_CHECKPOINT_PAUSE;
  if (!at) return undefined;
  return (phase) => {
    if (phase !== at) return Promise.resolve();
    process.stdout.write(`CHECKPOINT ${phase}\n`);
    return new Promise<void>(() => undefined);
  };
}

async function stream(dataDir: string): Promise<void> {
  const engine = await openEngine(dataDir, { embeddedChain: { checkpointHook: checkpointPause() } });
  const a = await setupActors(engine, "durable");
  process.stdout.write(`READY ${JSON.stringify(engine.startup)}\n`);
  const now = Math.floor(Date.now() / 1000);
  // Outbox keys are per life: the same key in a later life would (rightly) return the earlier outcome.
  const life = Math.random().toString(36).slice(2, 8);
  const worker = async (w: number) => {
    for (let n = 0; ; n++) {
      const c = newHolderCert();
      const key = `${life}-w${w}-${n}`;
      await engine.chain.issue({
        agency: a.agency,
        issuerKey: a.issuerKey,
        certId: c.certId,
        typeId: a.typeId,
        validFrom: now,
        validUntil: now + 86400,
        outboxKey: key,
      });
      process.stdout.write(`ISSUE ${c.certId}\n`);
      if (n % 2 === 0) {
        const { grantId } = await engine.chain.relayGrant(
          await signGrant(engine, c.holder, c.certId, c.documentRoot, a.verifier),
        );
        process.stdout.write(`GRANT ${grantId}\n`);
        await engine.chain.recordCheck({ verifier: a.verifier, grantId, outboxKey: `chk-${key}` });
        process.stdout.write(`CHECK ${grantId}\n`);
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, (_, w) => worker(w)));
}

async function report(dataDir: string): Promise<void> {
  const engine = await openEngine(dataDir);
  const db = engine.store.db;
  const certs = await db.selectFrom("certificates").select("cert_id").execute();
  const grants = await db.selectFrom("grants").select(["grant_id", "uses"]).execute();
  const checks = await db.selectFrom("checks").select("grant_id").execute();
  const outbox = await engine.outbox.counts();
  process.stdout.write(
    JSON.stringify({
      startup: engine.startup,
      engine: engine.embedded?.engine,
      certs: certs.map((c) => c.cert_id),
      grants: Object.fromEntries(grants.map((g) => [g.grant_id, Number(g.uses)])),
      checks: checks.map((c) => c.grant_id),
      outbox,
    }) + "\n",
  );
  await engine.close();
}

const [mode, dir] = process.argv.slice(2);
(mode === "stream" ? stream(dir) : report(dir)).catch((e) => {
  process.stderr.write(`engineChild failed: ${(e as Error).stack}\n`);
  process.exit(1);
});
