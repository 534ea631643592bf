/**
 * `certledger issue-batch` as an agency runs it, against a gateway started by `certledger start`: a
 * dry run reports every bad row and sends nothing; a real run refuses while rows are bad unless told to
 * set them aside; an .xlsx is issued; and a run SIGKILLed after its first batch was acknowledged, run
 * again, issues every row exactly once (the manifest against the chain's BatchAnchored events).
 */
import { expect } from "chai";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Contract, JsonRpcProvider } from "ethers";
import ExcelJS from "exceljs";
import consentArtifact from "../../artifacts/contracts/interfaces/IConsentRegistry.sol/IConsentRegistry.json";
import ledgerArtifact from "../../artifacts/contracts/interfaces/ICertificateLedger.sol/ICertificateLedger.json";
import { verifyDocumentIntegrity } from "../../src/document";
import { DIPLOMA_ZH, diplomaCsv, diplomaRows, gb18030, holderOf } from "../support/batchFiles";
import { runCertledger, startGatewayProcess, type Run, type StartedGateway } from "../support/cli";

const MAIN = path.join(__dirname, "..", "..", "src", "cli", "main.ts");

function ok(r: Run): Run {
  expect(r.code, `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`).to.equal(0);
  return r;
}

/** The manifest's rows (after its header), BOM removed. */
function manifest(dir: string): Record<string, string>[] {
  const [head, ...lines] = readFileSync(path.join(dir, "manifest.csv"), "utf8")
    .replace(/^\ufeff/, "")
    .trim()
    .split(/\r\n/);
  const cols = head.split(",");
  return lines.map((l) => Object.fromEntries(l.split(",").map((v, i) => [cols[i], v])));
}

describe("certledger issue-batch (files agencies have)", function () {
  this.timeout(300_000);
  let dir: string;
  let gw: StartedGateway;
  let env: Record<string, string>;

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "certledger-issue-batch-"));
    gw = await startGatewayProcess(path.join(dir, "data"), path.join(dir, "home"));
    env = {
      CERTLEDGER_GATEWAY: gw.url,
      CERTLEDGER_API_KEY: gw.creds.agencies.find((a) => a.types.includes("diploma"))!.apiKey,
    };
  });
  after(async () => {
    if (gw) expect(await gw.stop(), "graceful shutdown exits 0").to.equal(0);
    rmSync(dir, { recursive: true, force: true });
  });

  /** A GB18030 file of ten rows, three of them bad (rows 4, 7 and 10 of the file). */
  function threeBadRows(): string {
    const ten = diplomaRows(10, 500);
    const id = ten[2].fields.idNumber;
    ten[2] = { ...ten[2], fields: { ...ten[2].fields, idNumber: id.slice(0, 17) + (id[17] === "1" ? "2" : "1") } };
    ten[5] = { ...ten[5], holder: "0x1234" };
    ten[8] = { ...ten[8], fields: { ...ten[8].fields, gender: "未知" } };
    const file = path.join(dir, "three-bad.csv");
    writeFileSync(file, gb18030(diplomaCsv(ten)));
    return file;
  }

  const BAD = [
    ["4", "公民身份号码", "INVALID_ID_NUMBER_CHECK_DIGIT"],
    ["7", "持有人", "INVALID_HOLDER"],
    ["10", "性别", "NOT_ALLOWED_VALUE"],
  ];

  it("--dry-run lists exactly the three bad rows on screen and in the errors file, and sends nothing", async () => {
    const file = threeBadRows();
    const errors = path.join(dir, "dry-errors.csv");
    // An unreachable gateway: a dry run that tried to reach it would fail with GATEWAY_UNREACHABLE.
    const r = await runCertledger(
      [
        "issue-batch",
        "--dry-run",
        "--type",
        "diploma",
        "--file",
        file,
        "--errors",
        errors,
        "--out-dir",
        path.join(dir, "dry"),
      ],
      { CERTLEDGER_GATEWAY: "http://127.0.0.1:1", CERTLEDGER_API_KEY: "clg_none" },
    );
    expect(r.code, r.stderr).to.equal(1);
    const table = r.stdout.split("\n").filter((l) => /^\d+ /.test(l));
    expect(table.map((l) => l.split(/\s{2,}/).slice(0, 3))).to.deep.equal(BAD);
    expect(r.stdout).to.match(
      /10 row\(s\) of diploma .*\(csv, gb18030\): 7 valid, 3 with 3 problem\(s\); nothing was sent/,
    );
    const csv = readFileSync(errors, "utf8")
      .replace(/^\ufeff/, "")
      .trim()
      .split("\r\n");
    expect(csv[0]).to.equal("row,column,code,message");
    expect(csv.slice(1).map((l) => l.split(",").slice(0, 3))).to.deep.equal(BAD);
    expect(existsSync(path.join(dir, "dry", "manifest.csv"))).to.equal(false);
  });

  it("a real run refuses to start while rows are bad; --skip-invalid issues the others and sets those aside", async () => {
    const file = threeBadRows();
    const outDir = path.join(dir, "skip");
    const refused = await runCertledger(["issue-batch", "--type", "diploma", "--file", file, "--out-dir", outDir], env);
    expect(refused.code).to.equal(1);
    expect(refused.stderr).to.match(/error INVALID_ROWS: 3 of 10 row\(s\) have problems/);
    expect(existsSync(path.join(outDir, "manifest.csv")), "nothing was issued").to.equal(false);

    const r = ok(
      await runCertledger(
        ["issue-batch", "--type", "diploma", "--file", file, "--out-dir", outDir, "--skip-invalid"],
        env,
      ),
    );
    expect(r.stdout).to.match(/^issued 7 diploma certificate\(s\) in 1 batch/);
    const rejects = readFileSync(path.join(outDir, "rejects.csv"), "utf8")
      .replace(/^\ufeff/, "")
      .trim()
      .split("\r\n");
    expect(rejects[0]).to.equal(`持有人,${Object.values(DIPLOMA_ZH).join(",")}`);
    expect(rejects.slice(1).map((l) => l.split(",")[0])).to.deep.equal([
      diplomaRows(10, 500)[2].holder,
      "0x1234",
      diplomaRows(10, 500)[8].holder,
    ]);
    const m = manifest(outDir);
    expect(m.filter((x) => x.status === "rejected").map((x) => x.row)).to.deep.equal(["4", "7", "10"]);
    const issued = m.filter((x) => x.status === "issued");
    expect(issued.map((x) => x.row)).to.deep.equal(["2", "3", "5", "6", "8", "9", "11"]);
    for (const x of issued) {
      const doc = verifyDocumentIntegrity(readFileSync(path.join(outDir, `${x.certId}.json`), "utf8"));
      expect(doc.code).to.equal("OK");
      expect(doc.certId).to.equal(x.certId);
    }
  });

  it("checks a row with claim.<field> columns and no holder in a dry run; a real run makes it a claim offer and keeps its one-time code", async () => {
    const [a, b] = diplomaRows(2, 800);
    const keys = Object.keys(DIPLOMA_ZH);
    const file = path.join(dir, "claims.csv");
    writeFileSync(
      file,
      `持有人,claim.idNumber,claim.studentNumber,${keys.map((k) => DIPLOMA_ZH[k]).join(",")}\n` +
        `${a.holder},,,${keys.map((k) => a.fields[k]).join(",")}\n` +
        `,${b.fields.idNumber},S2026-0042,${keys.map((k) => b.fields[k]).join(",")}\n`,
    );
    const outDir = path.join(dir, "claims");
    const dry = ok(
      await runCertledger(["issue-batch", "--dry-run", "--type", "diploma", "--file", file, "--out-dir", outDir], env),
    );
    expect(dry.stdout).to.include("2 valid (1 to claim references), 0 with 0 problem(s)");
    // This gateway makes claim offers: the row becomes one, its one-time code kept in claim-codes.csv.
    ok(await runCertledger(["issue-batch", "--type", "diploma", "--file", file, "--out-dir", outDir], env));
    const m = manifest(outDir);
    expect(m.map((x) => [x.row, x.status])).to.deep.equal([
      ["2", "issued"],
      ["3", "offered"],
    ]);
    expect(m[1].claimReference).to.equal(`claim:idNumber=${b.fields.idNumber};studentNumber=S2026-0042`);
    const codes = readFileSync(path.join(outDir, "claim-codes.csv"), "utf8").trim().split("\r\n");
    expect(codes).to.have.length(1);
    expect(codes[0].split(",")[0]).to.equal("3");
    expect(codes[0]).to.match(/,([0-9A-Z]{4}-){6}[0-9A-Z]{4},/);
  });

  /** A UTF-8 CSV of two diploma rows with guardian columns: row 2 names `guardian` until 2040, row 3 none. */
  function guardianFile(name: string, guardian: string): { file: string; rows: ReturnType<typeof diplomaRows> } {
    const rows = diplomaRows(2, 900);
    const keys = Object.keys(DIPLOMA_ZH);
    const file = path.join(dir, name);
    writeFileSync(
      file,
      `持有人,监护人,监护截止,监护人可在线出示,${keys.map((k) => DIPLOMA_ZH[k]).join(",")}\n` +
        `${rows[0].holder},${guardian},2040-01-01,是,${keys.map((k) => rows[0].fields[k]).join(",")}\n` +
        `${rows[1].holder},,,,${keys.map((k) => rows[1].fields[k]).join(",")}\n`,
    );
    return { file, rows };
  }

  it("issues a file with a guardian column: the guardian's delegation for that row's certificate lands on chain", async () => {
    const guardian = holderOf(9900).toLowerCase();
    const { file, rows } = guardianFile("guardians.csv", guardian);
    const outDir = path.join(dir, "guardians");
    ok(await runCertledger(["issue-batch", "--type", "diploma", "--file", file, "--out-dir", outDir], env));
    const m = manifest(outDir);
    expect(m.map((x) => [x.row, x.holder, x.status])).to.deep.equal([
      ["2", rows[0].holder, "issued"],
      ["3", rows[1].holder, "issued"],
    ]);
    // The batch's documents name row 2's delegation (and none for row 3), as the gateway relayed it.
    const docs = await fetch(`${gw.url}/v1/agency/batches/${m[0].batch}/documents?limit=10`, {
      headers: { authorization: `Bearer ${env.CERTLEDGER_API_KEY}` },
    });
    expect(docs.status).to.equal(200);
    const items = ((await docs.json()) as { items: { certId: string; guardian?: Record<string, unknown> }[] }).items;
    expect(items.map((i) => i.certId)).to.deep.equal([m[0].certId, m[1].certId]);
    expect(items[1]).to.not.have.property("guardian");
    const named = items[0].guardian as { delegationId: string; delegation: Record<string, unknown> };
    expect(named.delegation).to.deep.include({
      certId: m[0].certId,
      delegate: guardian,
      online: true,
      validUntil: 2_208_988_800,
    });

    // The chain: the ConsentRegistry holds the delegation, for row 2's certificate, named by the issuing agency.
    const info = (await (await fetch(`${gw.url}/v1/public/info`)).json()) as { contracts: { consent: string } };
    const provider = new JsonRpcProvider(`${gw.url}/rpc`, undefined, { staticNetwork: true });
    try {
      const consent = new Contract(info.contracts.consent, consentArtifact.abi, provider);
      const d = await consent.getDelegation(named.delegationId);
      expect([d.certId, d.delegate.toLowerCase(), Number(d.validUntil), d.online, d.revoked]).to.deep.equal([
        m[0].certId,
        guardian,
        2_208_988_800,
        true,
        false,
      ]);
      const byIssuer = await consent.queryFilter(
        consent.filters.DelegationNamedByIssuer(named.delegationId),
        0,
        "latest",
      );
      expect(byIssuer).to.have.length(1);
    } finally {
      provider.destroy();
    }
  });

  it("refuses guardian columns with --keystore before reading the key or sending anything: GUARDIAN_NOT_SUPPORTED", async () => {
    const { file } = guardianFile("guardians-keystore.csv", holderOf(9901));
    const outDir = path.join(dir, "guardians-keystore");
    // No such keystore and no gateway: the refusal comes before either is needed.
    const args = ["issue-batch", "--type", "diploma", "--file", file, "--out-dir", outDir];
    const r = await runCertledger([...args, "--keystore", path.join(dir, "none.json")], {
      CERTLEDGER_GATEWAY: "http://127.0.0.1:1",
      CERTLEDGER_API_KEY: "clg_none",
    });
    expect(r.code, r.stderr).to.equal(1);
    expect(r.stderr).to.match(/error GUARDIAN_NOT_SUPPORTED: .*--keystore cannot issue them/);
    expect(existsSync(path.join(outDir, "manifest.csv"))).to.equal(false);
  });

  it("issues an .xlsx workbook (exceljs), its Chinese titles mapped to the fields", async () => {
    const rows = diplomaRows(3, 700);
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet("名单");
    const keys = Object.keys(DIPLOMA_ZH);
    ws.addRow(["持有人", ...keys.map((k) => DIPLOMA_ZH[k])]);
    for (const r of rows) ws.addRow([r.holder, ...keys.map((k) => r.fields[k])]);
    const file = path.join(dir, "graduates.xlsx");
    writeFileSync(file, Buffer.from(await wb.xlsx.writeBuffer()));
    const outDir = path.join(dir, "xlsx");
    const r = ok(
      await runCertledger(["--json", "issue-batch", "--type", "diploma", "--file", file, "--out-dir", outDir], env),
    );
    expect(JSON.parse(r.stdout)).to.include({ issued: 3, format: "xlsx", sheet: "名单" });
    const names = manifest(outDir).map(
      (x) => verifyDocumentIntegrity(readFileSync(path.join(outDir, `${x.certId}.json`), "utf8")).values!.name,
    );
    expect(names).to.deep.equal(rows.map((r) => r.fields.name));
  });

  it("a run SIGKILLed after its first batch was acknowledged, run again, issues every row exactly once", async () => {
    const ROWS = 1500;
    const CHUNK = 500;
    const file = path.join(dir, "resume.csv");
    writeFileSync(file, gb18030(diplomaCsv(diplomaRows(ROWS, 1000))));
    const outDir = path.join(dir, "resume");
    const args = [
      "issue-batch",
      "--type",
      "diploma",
      "--file",
      file,
      "--out-dir",
      outDir,
      "--chunk-size",
      String(CHUNK),
    ];
    // The command itself (not bin/certledger's wrapper process), so that SIGKILL stops the process doing
    // the work; under the same tsx hook as the wrapper starts it with.
    const child = spawn(process.execPath, ["--require", require.resolve("tsx/cjs"), MAIN, ...args], {
      cwd: tmpdir(),
      env: { ...process.env, ...env },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr!.on("data", (d) => (stderr += d));
    const exited = new Promise<NodeJS.Signals | null>((r) => child.on("exit", (_code, signal) => r(signal)));
    const statePath = path.join(outDir, ".issue-batch-state.json");
    for (;;) {
      const state = existsSync(statePath)
        ? (JSON.parse(readFileSync(statePath, "utf8")) as { chunks: Record<string, { batchId?: string }> })
        : undefined;
      if (state?.chunks["0"]?.batchId) break;
      if (child.exitCode !== null) throw new Error(`the CLI finished before it could be killed:\n${stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill("SIGKILL");
    expect(await exited).to.equal("SIGKILL");
    const before = manifest(outDir).length;
    expect(before, "killed before the file was done").to.be.lessThan(ROWS);

    const r = ok(await runCertledger(args, env));
    expect(r.stdout).to.match(new RegExp(`^issued ${ROWS} diploma certificate\\(s\\) in 3 batch\\(es\\)`));
    const m = manifest(outDir);
    expect(m.map((x) => Number(x.row))).to.deep.equal(Array.from({ length: ROWS }, (_, i) => i + 2));
    expect(new Set(m.map((x) => x.certId)).size).to.equal(ROWS);
    const docs = readdirSync(outDir).filter((f) => /^0x[0-9a-f]{64}\.json$/.test(f));
    expect(docs.sort()).to.deep.equal(m.map((x) => `${x.certId}.json`).sort());

    // The chain: exactly the manifest's roots were anchored, holding exactly ROWS certificates.
    const doc = verifyDocumentIntegrity(readFileSync(path.join(outDir, docs[0]), "utf8"));
    const provider = new JsonRpcProvider(`${gw.url}/rpc`, undefined, { staticNetwork: true });
    try {
      const ledger = new Contract(doc.ledger!, ledgerArtifact.abi, provider);
      const anchored = (await ledger.queryFilter(ledger.filters.BatchAnchored(), 0, "latest")).map((l) =>
        ledger.interface.parseLog(l)!,
      );
      const roots = new Set(m.map((x) => x.root));
      const mine = anchored.filter((e) => roots.has(e.args.root));
      expect(mine.map((e) => e.args.root).sort()).to.deep.equal([...roots].sort());
      expect(mine.reduce((n, e) => n + Number(e.args.count), 0)).to.equal(ROWS);
    } finally {
      provider.destroy();
    }
    for (const x of [m[0], m[CHUNK], m[ROWS - 1]]) {
      const res = await fetch(`${gw.url}/v1/public/certificates/${x.certId}`);
      expect(res.status).to.equal(200);
      expect(((await res.json()) as { batched: boolean }).batched).to.equal(true);
    }
  });
});
