import { expect } from "chai";
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import readline from "node:readline";
import { tmpDataDir } from "../support/engineFixture";

const ROOT = path.join(__dirname, "..", "..");
const CHILD = path.join(ROOT, "test", "support", "engineChild.ts");

function child(mode: "stream" | "report", dir: string, env: Record<string, string> = {}): ChildProcess {
  // One process (node with tsx's loader), not the tsx CLI, which would leave its node child alive after SIGKILL.
  return spawn(process.execPath, ["--import", "tsx", CHILD, mode, dir], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...env },
  });
}

interface Acks {
  issues: string[];
  grants: string[];
  checks: string[];
}

/**
 * Streams until `enough` says so, then SIGKILLs the child in the middle of its work. With
 * `pauseAt`, the child stops inside its first chain checkpoint at that step, and is killed there.
 */
function streamThenKill(
  dir: string,
  enough: (a: Acks) => boolean,
  env: Record<string, string> = {},
): Promise<Acks & { paused?: string }> {
  return new Promise((resolve, reject) => {
    const p = child("stream", dir, env);
    const acks: Acks & { paused?: string } = { issues: [], grants: [], checks: [] };
    let stderr = "";
    p.stderr!.on("data", (d) => (stderr += d));
    let killed = false;
    readline.createInterface({ input: p.stdout! }).on("line", (line) => {
      const [kind, id] = line.split(" ");
      if (kind === "ISSUE") acks.issues.push(id);
      if (kind === "GRANT") acks.grants.push(id);
      if (kind === "CHECK") acks.checks.push(id);
      if (kind === "CHECKPOINT") acks.paused = id;
      if (!killed && (enough(acks) || kind === "CHECKPOINT")) {
        killed = true;
        p.kill("SIGKILL");
      }
    });
    p.on("exit", (code, signal) => {
      if (signal === "SIGKILL") resolve(acks);
      else reject(new Error(`the child exited by itself (${code}): ${stderr}`));
    });
  });
}

function report(dir: string): Promise<{
  startup: {
    replay: { fromBlock: number; blocks: number; transactions: number; ms: number };
    recovered: number;
    ms: number;
  };
  engine?: string;
  certs: string[];
  grants: Record<string, number>;
  checks: string[];
  outbox: Record<string, number>;
}> {
  return new Promise((resolve, reject) => {
    const p = child("report", dir);
    let out = "";
    let err = "";
    p.stdout!.on("data", (d) => (out += d));
    p.stderr!.on("data", (d) => (err += d));
    p.on("exit", (code) =>
      code === 0 ? resolve(JSON.parse(out.trim().split("\n").pop()!)) : reject(new Error(`report failed: ${err}`)),
    );
  });
}

type Report = Awaited<ReturnType<typeof report>>;

/** Every acknowledged certificate, grant and check is in the index, and none twice. */
function expectAllOnce(r: Report, lives: Acks[]): void {
  const certs = new Set(r.certs);
  expect(r.certs.length, "no certificate twice").to.equal(certs.size);
  for (const id of lives.flatMap((l) => l.issues))
    expect(certs.has(id), `acknowledged certificate ${id}`).to.equal(true);
  for (const id of lives.flatMap((l) => l.grants))
    expect(r.grants[id], `acknowledged grant ${id}`).to.not.equal(undefined);
  // One check per grant was asked; a check counted twice would show as 2 uses or two rows.
  const checkRows = new Map<string, number>();
  for (const g of r.checks) checkRows.set(g, (checkRows.get(g) ?? 0) + 1);
  for (const id of lives.flatMap((l) => l.checks)) {
    expect(r.grants[id], `uses of ${id}`).to.equal(1);
    expect(checkRows.get(id), `check rows of ${id}`).to.equal(1);
  }
  for (const [g, uses] of Object.entries(r.grants)) expect(uses, `grant ${g}`).to.be.at.most(1);
  expect(r.outbox.pending + r.outbox.sent, "outbox settled").to.equal(0);
  expect(r.outbox.failed, "nothing failed").to.equal(0);
}

describe("durability of the engine across SIGKILL", function () {
  this.timeout(300_000);

  // The engine a new data directory gets with no setting (anvil), and EDR, which data directories made
  // before anvil was the default still run.
  const ENGINES: [string, Record<string, string>][] = [
    ["anvil", {}],
    ["edr", { CERTLEDGER_EMBEDDED_ENGINE: "edr" }],
  ];
  for (const [engine, engineEnv] of ENGINES)
    it(`finds every acknowledged certificate, grant and check after a kill mid-stream, each exactly once (${engine}${Object.keys(engineEnv).length === 0 ? ", the default" : ""})`, async function () {
      const dir = tmpDataDir("certledger-durable-");
      const first = await streamThenKill(dir, (a) => a.issues.length >= 150 && a.checks.length >= 30, engineEnv);
      // A second life, killed again: recovery of the first crash's outbox runs, then more work, then another kill.
      const second = await streamThenKill(dir, (a) => a.issues.length >= 100 && a.checks.length >= 20, engineEnv);
      const r = await report(dir);
      expect(r.engine, "the data directory's engine").to.equal(engine);
      expectAllOnce(r, [first, second]);
      console.log(
        `      acknowledged ${first.issues.length + second.issues.length} issues, ${first.checks.length + second.checks.length} checks; ` +
          `replayed ${r.startup.replay.transactions} txs in ${r.startup.replay.blocks} blocks in ${r.startup.replay.ms} ms; start ${r.startup.ms} ms`,
      );
    });

  // On anvil (the engine that takes checkpoints), every 8 blocks (the chain's default is 1,000), so that a
  // stream soon reaches one.
  const SMALL = {
    CERTLEDGER_EMBEDDED_ENGINE: "anvil",
    CERTLEDGER_CHECKPOINT_BLOCKS: "8",
    CERTLEDGER_CHAIN_KEEP_BLOCKS: "16",
  };
  it("finds every acknowledged write, each exactly once, after kills at each step of a chain checkpoint", async function () {
    const dir = tmpDataDir("certledger-checkpoint-kill-");
    const lives: Acks[] = [];
    // Each life streams until its first checkpoint reaches the step, and is killed there. The next
    // life starts from what that kill left: the old checkpoint and journal, or the new checkpoint with
    // the journal not yet emptied, or the new checkpoint with the journal emptied.
    for (const phase of ["dumped", "temp-written", "renamed", "journal-truncated"]) {
      const life = await streamThenKill(dir, () => false, { ...SMALL, CERTLEDGER_TEST_CHECKPOINT_PAUSE: phase });
      expect(life.paused, `killed inside a checkpoint at ${phase}`).to.equal(phase);
      lives.push(life);
    }
    const r = await report(dir);
    expectAllOnce(r, lives);
    expect(lives.flatMap((l) => l.issues).length).to.be.greaterThan(0);
    expect(r.startup.replay.fromBlock, "the last start loaded a checkpoint").to.be.greaterThan(0);
  });
});
