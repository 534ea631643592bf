/**
 * `certledger verify` checking status from the agency's status lists fetched whole, against a gateway
 * started with `certledger start`: the holder attaches the signed entries once (attach-status); then a
 * fresh certificate is VALID from the lists, a revoked one REVOKED from a downloaded list file, a
 * document whose entry was moved to another index TAMPERED, and a document without entries still
 * verifies online as before and is never called VALID from lists.
 */
import { expect } from "chai";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { sampleFields } from "../../src/domain/catalog";
import { createHolderWallet } from "../../src/document";
import { runCertledger as certledger, startGatewayProcess, type Run, type StartedGateway } from "../support/cli";

const TEST_MNEMONIC = "test test test test test test test test test test test junk";

function exitsWith(r: Run, code: number): Run {
  expect(r.code, `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`).to.equal(code);
  return r;
}

describe("certledger verify with status lists fetched whole", function () {
  this.timeout(180_000);
  let dir: string;
  let started: StartedGateway | undefined;
  let url: string;
  let env: Record<string, string>;
  const wallet = createHolderWallet({ mnemonic: TEST_MNEMONIC });

  /** Issues a diploma to holder key `i` and writes its document as issued. */
  const issue = async (i: number): Promise<{ file: string; certId: string }> => {
    const fields = path.join(dir, `fields-${i}.json`);
    writeFileSync(fields, JSON.stringify(sampleFields("diploma", i)));
    const file = path.join(dir, `diploma-${i}.json`);
    const r = exitsWith(
      await certledger(
        ["issue", "--type", "diploma", "--holder", wallet.address(i), "--fields", fields, "--out", file],
        env,
      ),
      0,
    );
    return { file, certId: /^issued (0x[0-9a-f]{64})/.exec(r.stdout)![1] };
  };

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "certledger-cli-status-"));
    started = await startGatewayProcess(path.join(dir, "gw"), path.join(dir, "home"));
    url = started.url;
    const agencyKey = started.creds.agencies.find((a) => a.types.includes("diploma"))!.apiKey;
    env = { CERTLEDGER_GATEWAY: url, CERTLEDGER_API_KEY: agencyKey };
  });

  after(async () => {
    if (started) expect(await started.stop(), "graceful shutdown exits 0").to.equal(0);
    rmSync(dir, { recursive: true, force: true });
  });

  it("attach-status keeps the signed entries in the document, and --offline-status says VALID from the lists", async () => {
    const { file, certId } = await issue(31);
    const attached = exitsWith(await certledger(["attach-status", file], env), 0);
    expect(attached.stdout).to.match(/^attached 2 status list entries/);
    const doc = JSON.parse(readFileSync(file, "utf8"));
    expect(doc.credentialStatus[0].certId).to.equal(certId);
    expect(doc.credentialStatus.slice(1).map((e: { type: string }) => e.type)).to.deep.equal([
      "BitstringStatusListEntry",
      "BitstringStatusListEntry",
    ]);
    expect(doc.proof.statusEntryProof).to.match(/^[A-Za-z0-9_-]+\.\.[A-Za-z0-9_-]+$/);

    const v = exitsWith(await certledger(["verify", file, "--offline-status"]), 0);
    expect(v.stdout).to.match(/^VALID {2}intact, status from the agency's status lists fetched whole/);
    expect(v.stdout).to.include("status   ACTIVE (from status lists fetched whole)");
    const json = JSON.parse(exitsWith(await certledger(["--json", "verify", file, "--offline-status"]), 0).stdout);
    expect(json.verdict).to.equal("VALID");
    expect(json.statusCheckedBy).to.deep.equal(["status-list"]);
    expect(json.statusList.lists.map((l: { set: boolean }) => l.set)).to.deep.equal([false, false]);
  });

  it("reads a revoked certificate as REVOKED from a downloaded list file (exit 1)", async () => {
    const { file, certId } = await issue(32);
    exitsWith(await certledger(["attach-status", file], env), 0);
    exitsWith(await certledger(["revoke", certId, "--reason", "ISSUED_IN_ERROR"], env), 0);
    const doc = JSON.parse(readFileSync(file, "utf8"));
    const files: string[] = [];
    for (const e of doc.credentialStatus.slice(1) as { statusListCredential: string; statusPurpose: string }[]) {
      const res = await fetch(e.statusListCredential);
      expect(res.headers.get("content-type")).to.match(/^application\/vc\+jwt/);
      const listFile = path.join(dir, `list-${e.statusPurpose}.jwt`);
      writeFileSync(listFile, await res.text());
      files.push("--status-list", listFile);
    }
    const v = exitsWith(await certledger(["--json", "verify", file, ...files]), 1);
    const out = JSON.parse(v.stdout);
    expect(out.verdict).to.equal("INVALID");
    expect(out.statusList).to.deep.include({ status: "REVOKED", reasons: ["REVOKED"] });
    const human = exitsWith(await certledger(["verify", file, ...files]), 1);
    expect(human.stdout).to.match(/^INVALID {2}intact, but REVOKED \(status from the status lists fetched whole\)/);
  });

  it("calls a document whose entry was pointed at another index TAMPERED (exit 1)", async () => {
    const { file } = await issue(33);
    exitsWith(await certledger(["attach-status", file], env), 0);
    const doc = JSON.parse(readFileSync(file, "utf8"));
    const entry = doc.credentialStatus[1];
    const moved = String((Number(entry.statusListIndex) + 1) % 131_072);
    entry.statusListIndex = moved;
    entry.id = `${entry.statusListCredential}#${moved}`;
    const tampered = path.join(dir, "tampered.json");
    writeFileSync(tampered, JSON.stringify(doc));
    const v = exitsWith(await certledger(["verify", tampered, "--offline-status"]), 1);
    expect(v.stdout).to.match(/^TAMPERED {2}the status list entries are not the ones signed for it/);
  });

  it("keeps a document without entries verifying online as before, and never VALID from lists", async () => {
    const { file } = await issue(34);
    const online = exitsWith(await certledger(["verify", file, "--gateway", url]), 0);
    expect(online.stdout).to.match(/^VALID {2}intact, issued and valid now \(asked the gateway by certId\)/);
    const offline = exitsWith(await certledger(["--json", "verify", file, "--offline-status"]), 1);
    const out = JSON.parse(offline.stdout);
    expect(out.verdict).to.equal("UNKNOWN");
    expect(out.statusList.reasons).to.deep.equal(["STATUS_LIST_MISSING"]);
  });

  it("refuses an unreadable list file with FILE_UNREADABLE", async () => {
    const { file } = await issue(35);
    const r = exitsWith(await certledger(["verify", file, "--status-list", path.join(dir, "missing.jwt")]), 1);
    expect(r.stderr).to.match(/^error FILE_UNREADABLE: Cannot read status list /);
  });
});
