import { expect } from "chai";
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import readline from "node:readline";
import { tmpDataDir } from "../support/engineFixture";

const ROOT = path.join(__dirname, "..", "..");
const CHILD = path.join(ROOT, "test", "support", "engineChild.ts");

function child(mode: "stream" | "report", dir: string): ChildProcess {
  // One process (node with tsx's loader), not the tsx CLI, which would leave its node child alive after SIGKILL.
  return spawn(process.execPath, ["--import", "tsx", CHILD, mode, dir], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
}

interface Acks {
  issues: string[];
  grants: string[];
  checks: string[];
}

/** Streams until `enough` says so, then SIGKILLs the child in the middle of its work. */
function streamThenKill(dir: string, enough: (a: Acks) => boolean): Promise<Acks> {
  return new Promise((resolve, reject) => {
    const p = child("stream", dir);
    const acks: Acks = { issues: [], grants: [], checks: [] };
    let stderr = "";
    p.stderr!.on("data", (d) => (stderr += d));
    let killed = false;
    readline.createInterface({ input: p.stdout! }).on("line", (line) => {
      const [kind, id] = line.split(" ");
      if (kind === "ISSUE") acks.issues.push(id);
      if (kind === "GRANT") acks.grants.push(id);
      if (kind === "CHECK") acks.checks.push(id);
      if (!killed && enough(acks)) {
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
  startup: { replay: { blocks: number; transactions: number; ms: number }; recovered: number; ms: number };
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

describe("durability of the engine across SIGKILL", function () {
  this.timeout(300_000);

  it("finds every acknowledged certificate, grant and check after a kill mid-stream, each exactly once", async function () {
    const dir = tmpDataDir("certledger-durable-");
    const first = await streamThenKill(dir, (a) => a.issues.length >= 150 && a.checks.length >= 30);
    // A second life, killed again: recovery of the first crash's outbox runs, then more work, then another kill.
    const second = await streamThenKill(dir, (a) => a.issues.length >= 100 && a.checks.length >= 20);
    const r = await report(dir);

    const certs = new Set(r.certs);
    expect(r.certs.length, "no certificate twice").to.equal(certs.size);
    for (const id of [...first.issues, ...second.issues])
      expect(certs.has(id), `acknowledged certificate ${id}`).to.equal(true);
    for (const id of [...first.grants, ...second.grants])
      expect(r.grants[id], `acknowledged grant ${id}`).to.not.equal(undefined);

    // One check per grant was asked; a check counted twice would show as 2 uses or two rows.
    const checkRows = new Map<string, number>();
    for (const g of r.checks) checkRows.set(g, (checkRows.get(g) ?? 0) + 1);
    for (const id of [...first.checks, ...second.checks]) {
      expect(r.grants[id], `uses of ${id}`).to.equal(1);
      expect(checkRows.get(id), `check rows of ${id}`).to.equal(1);
    }
    for (const [g, uses] of Object.entries(r.grants)) expect(uses, `grant ${g}`).to.be.at.most(1);
    expect(r.outbox.pending + r.outbox.sent, "outbox settled").to.equal(0);
    expect(r.outbox.failed, "nothing failed").to.equal(0);
    console.log(
      `      acknowledged ${first.issues.length + second.issues.length} issues, ${first.checks.length + second.checks.length} checks; ` +
        `replayed ${r.startup.replay.transactions} txs in ${r.startup.replay.blocks} blocks in ${r.startup.replay.ms} ms; start ${r.startup.ms} ms`,
    );
  });
});
