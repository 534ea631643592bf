/**
 * The certledger command, run as a user runs it: bin/certledger in a child process. Offline commands
 * (types, wallet, verify, redact), deploy to a JSON-RPC node (Hardhat's in-process network behind a
 * small HTTP bridge), and a real gateway started by `certledger start` on a temp data dir and a free
 * port, against which issue, issue-batch, verify --gateway, wallet grant --relay and principal run.
 */
import { expect } from "chai";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { network } from "hardhat";
import { jsonItems } from "../../src/cli/issueBatch";
import { CliError, parseDuration, parseTime } from "../../src/cli/output";
import { sampleFields } from "../../src/domain/catalog";
import { buildDocument, createHolderWallet, verifyDocumentIntegrity } from "../../src/document";
import { diplomaParams } from "../document/helpers";
import {
  runCertledger,
  startGatewayProcess,
  type DemoCredentials,
  type Run,
  type StartedGateway,
} from "../support/cli";

/** Hardhat's first default account (funded on its in-process network). */
const HARDHAT_KEY_0 = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const TEST_MNEMONIC = "test test test test test test test test test test test junk";

const certledger = runCertledger;

function ok(r: Run): Run {
  expect(r.code, `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`).to.equal(0);
  return r;
}

describe("certledger CLI", function () {
  this.timeout(120_000);
  let dir: string;

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), "certledger-cli-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  describe("batch files and option values (in process)", () => {
    it("reads JSON batch files as an array or { type, items }", () => {
      const item = { holder: "0x1", fields: { name: "Li" } };
      expect(jsonItems(JSON.stringify([item]))).to.deep.equal({ type: undefined, items: [item] });
      expect(jsonItems(JSON.stringify({ type: "diploma", items: [item] }))).to.deep.equal({
        type: "diploma",
        items: [item],
      });
      expect(() => jsonItems('{"items": 3}')).to.throw(CliError, "array of items");
    });

    it("parses times and durations", () => {
      expect(parseTime("1767225600", "--t")).to.equal(1_767_225_600);
      expect(parseTime("2026-01-01", "--t")).to.equal(1_767_225_600);
      expect(parseTime("2026-01-01T08:00:00+08:00", "--t")).to.equal(1_767_225_600);
      expect(() => parseTime("next week", "--t")).to.throw(CliError, "--t must be");
      expect([
        parseDuration("90", "d"),
        parseDuration("15m", "d"),
        parseDuration("2h", "d"),
        parseDuration("30d", "d"),
      ]).to.deep.equal([90, 900, 7200, 2_592_000]);
    });
  });

  describe("offline", () => {
    it("types lists the catalog with codes and Chinese and English names; types <code> lists the fields", async () => {
      const [table, fields] = await Promise.all([certledger(["types"]), certledger(["types", "diploma", "--json"])]);
      expect(ok(table).stdout).to.match(/^ {2}1 {2}resident-id-card +居民身份证 \/ Resident identity card$/m);
      expect(table.stdout).to.match(/\bdiploma +毕业证书 \/ Diploma/);
      expect(table.stdout.trim().split("\n").length).to.be.at.least(52);
      const diploma = JSON.parse(ok(fields).stdout);
      expect(diploma).to.include({ code: "diploma", nameZh: "毕业证书" });
      expect(diploma.fields.map((f: { path: string }) => f.path)).to.include.members([
        "name",
        "idNumber",
        "graduationDate",
      ]);
    });

    it("wallet new prints a fresh 12-word mnemonic; wallet address derives the library's per-certificate key", async () => {
      const [fresh, byOption, byEnv] = await Promise.all([
        certledger(["wallet", "new"]),
        certledger(["wallet", "address", "--mnemonic", TEST_MNEMONIC, "--index", "7"]),
        certledger(["--json", "wallet", "address", "--index", "7"], { CERTLEDGER_MNEMONIC: TEST_MNEMONIC }),
      ]);
      const words = ok(fresh).stdout.trim();
      expect(words.split(" ")).to.have.length(12);
      expect(words).to.not.equal(TEST_MNEMONIC);
      expect(() => createHolderWallet({ mnemonic: words })).to.not.throw();
      const expected = createHolderWallet({ mnemonic: TEST_MNEMONIC }).address(7);
      expect(ok(byOption).stdout.trim()).to.equal(expected);
      ok(byEnv);
      expect(JSON.parse(byEnv.stdout)).to.deep.equal({ index: 7, path: "m/44'/60'/1000'/0'/7'", address: expected });
    });

    it("wallet address without a mnemonic says which option is missing and exits 2", async () => {
      const r = await certledger(["wallet", "address"]);
      expect(r.code).to.equal(2);
      expect(r.stderr).to.match(/^error MISSING_OPTION: --mnemonic <words> is required \(or set CERTLEDGER_MNEMONIC\)/);
    });

    it("verify: a library-built document is OK with its fields; one changed field is TAMPERED with exit 1", async () => {
      const { document, certId } = buildDocument(diplomaParams());
      const good = path.join(dir, "good.json");
      writeFileSync(good, JSON.stringify(document, null, 2));
      const bad = path.join(dir, "tampered.json");
      const changed = JSON.parse(JSON.stringify(document));
      changed.credentialSubject.name = "李四";
      writeFileSync(bad, JSON.stringify(changed));
      const [r, t, j] = await Promise.all([
        certledger(["verify", good]),
        certledger(["verify", bad]),
        certledger(["--json", "verify", bad]),
      ]);
      expect(ok(r).stdout).to.match(/^OK /);
      expect(r.stdout).to.include(certId).and.include("张三").and.include("address.city");
      expect(t.code).to.equal(1);
      expect(t.stdout).to.match(/^TAMPERED {2}the document does not hash to its certId/);
      expect(j.code).to.equal(1);
      expect(JSON.parse(j.stdout).verdict).to.equal("TAMPERED");
    });

    it("wallet redact hides a field; the result still verifies and no longer shows it", async () => {
      const src = path.join(dir, "to-redact.json");
      const out = path.join(dir, "redacted.json");
      writeFileSync(src, JSON.stringify(buildDocument(diplomaParams()).document));
      ok(await certledger(["wallet", "redact", src, "--hide", "idNumber", "address.street", "--out", out]));
      const v = verifyDocumentIntegrity(readFileSync(out, "utf8"));
      expect(v.code).to.equal("OK");
      expect(v.disclosed).to.not.include("idNumber");
      expect(v.redactedCount).to.equal(2);
    });
  });

  describe("deploy", () => {
    let server: http.Server;
    let rpcUrl: string;

    // Hardhat's in-process network over HTTP JSON-RPC: what a `hardhat node` or Besu would offer.
    before(async () => {
      const call = async (m: { id?: unknown; method: string; params?: unknown[] }) => {
        try {
          return {
            jsonrpc: "2.0",
            id: m.id,
            result: await network.provider.request({ method: m.method, params: m.params }),
          };
        } catch (e) {
          return { jsonrpc: "2.0", id: m.id, error: { code: -32000, message: (e as Error).message } };
        }
      };
      server = http.createServer((req, res) => {
        let body = "";
        req.on("data", (d) => (body += d));
        req.on("end", async () => {
          const msg = JSON.parse(body);
          const out = Array.isArray(msg) ? await Promise.all(msg.map(call)) : await call(msg);
          res.setHeader("content-type", "application/json");
          res.end(JSON.stringify(out));
        });
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      rpcUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(() => new Promise<void>((r) => server.close(() => r())));

    it("deploys the three contracts to a JSON-RPC node and writes the addresses file the gateway reads", async () => {
      const out = path.join(dir, "addresses.json");
      const r = ok(
        await certledger(["deploy", "--rpc", rpcUrl, "--out", out], { CERTLEDGER_DEPLOYER_KEY: HARDHAT_KEY_0 }),
      );
      expect(r.stdout).to.include("deployed on chain 31337");
      const a = JSON.parse(readFileSync(out, "utf8"));
      expect(a).to.have.keys("chainId", "registry", "ledger", "consent", "fromBlock");
      for (const addr of [a.registry, a.ledger, a.consent])
        expect(
          await network.provider.request({ method: "eth_getCode", params: [addr, "latest"] }),
        ).to.have.length.greaterThan(2);
    });

    it("with --data-dir makes the gateway's authority key the admin, funds its keys and stores the deployment there", async () => {
      const dataDir = path.join(dir, "gateway-data");
      const r = ok(
        await certledger([
          "--json",
          "deploy",
          "--rpc",
          rpcUrl,
          "--key",
          HARDHAT_KEY_0,
          "--data-dir",
          dataDir,
          "--fund",
          "1",
        ]),
      );
      const d = JSON.parse(r.stdout);
      expect(existsSync(path.join(dataDir, "keyring.keystore.json"))).to.equal(true);
      expect(existsSync(path.join(dataDir, "keyring.seed"))).to.equal(false);
      expect(JSON.parse(readFileSync(path.join(dataDir, "deployment-31337.json"), "utf8")).registry).to.equal(
        d.registry,
      );
      expect(d.admin).to.not.equal(d.deployer);
      expect(d.funded).to.have.length(2);
      expect(d.funded).to.include(d.admin);
      const bal = await network.provider.request({ method: "eth_getBalance", params: [d.admin, "latest"] });
      expect(BigInt(bal as string)).to.equal(10n ** 18n);
    });

    it("names an unreachable node and an absent key", async () => {
      const [noKey, down] = await Promise.all([
        certledger(["deploy", "--rpc", rpcUrl]),
        certledger(["deploy", "--rpc", "http://127.0.0.1:1", "--key", HARDHAT_KEY_0]),
      ]);
      expect(noKey.code).to.equal(2);
      expect(noKey.stderr).to.include("CERTLEDGER_DEPLOYER_KEY");
      expect(down.code).to.equal(1);
      expect(down.stderr).to.match(/^error RPC_UNREACHABLE: /);
    });
  });

  describe("against a gateway started with `certledger start`", () => {
    let started: StartedGateway | undefined;
    let url: string;
    let creds: DemoCredentials;
    let agencyKey: string;
    const wallet = createHolderWallet({ mnemonic: TEST_MNEMONIC });
    let env: Record<string, string>;
    let issuedFile: string;

    before(async () => {
      started = await startGatewayProcess(path.join(dir, "started"), path.join(dir, "home"));
      ({ url, creds } = started);
      agencyKey = creds.agencies.find((a) => a.types.includes("diploma"))!.apiKey;
      env = { CERTLEDGER_GATEWAY: url, CERTLEDGER_API_KEY: agencyKey };
    });

    after(async () => {
      if (started) expect(await started.stop(), "graceful shutdown exits 0").to.equal(0);
    });

    it("starts with no settings: the seed in an encrypted keystore, its demo passphrase in the home directory (0600)", () => {
      const dataDir = path.join(dir, "started");
      expect(existsSync(path.join(dataDir, "keyring.seed"))).to.equal(false);
      expect(JSON.parse(readFileSync(path.join(dataDir, "keyring.keystore.json"), "utf8")).version).to.equal(3);
      const passphraseFile = path.join(dir, "home", ".certledger", "keystore-passphrase");
      expect(statSync(passphraseFile).mode & 0o777).to.equal(0o600);
      expect(statSync(path.dirname(passphraseFile)).mode & 0o777).to.equal(0o700);
    });

    it("issue sends the fields, writes the document, and verify --gateway says VALID", async () => {
      const fields = path.join(dir, "fields.json");
      writeFileSync(fields, JSON.stringify(sampleFields("diploma", 1)));
      issuedFile = path.join(dir, "issued.json");
      const args = [
        "issue",
        "--type",
        "diploma",
        "--holder",
        wallet.address(1),
        "--fields",
        fields,
        "--out",
        issuedFile,
      ];
      const first = ok(await certledger(args, env));
      expect(first.stdout).to.match(/^issued 0x[0-9a-f]{64}/);
      // The pickup link for the holder's wallet, the same on a retry.
      const pickup = /\n {2}pickup (\S+\/wallet\?pickup=[A-Za-z0-9_-]{22}#k=[A-Za-z0-9_-]{43}) /.exec(first.stdout);
      expect(pickup, first.stdout).to.not.equal(null);
      const again = ok(await certledger(args, env));
      expect(again.stdout, "a retry is the same certificate").to.match(/^already issued/);
      expect(again.stdout).to.contain(`pickup ${pickup![1]} `);

      const v = ok(await certledger(["verify", issuedFile, "--gateway", url]));
      expect(v.stdout).to.match(/^VALID /);
      expect(v.stdout).to.include("status   ACTIVE");
      expect(v.stdout).to.include(sampleFields("diploma", 1).name as string);
    });

    it("issue-batch reads a CSV (quoted cells, typed by the schema), shows progress, and every document verifies", async () => {
      const sample = sampleFields("diploma", 2) as Record<string, string>;
      const keys = Object.keys(sample);
      const csv = [
        ["holder", ...keys].join(","),
        ...[10, 11, 12].map((i) =>
          [wallet.address(i), ...keys.map((k) => (k === "name" ? `"Wang, ""${i}"""` : sample[k]))].join(","),
        ),
      ].join("\r\n");
      const file = path.join(dir, "batch.csv");
      writeFileSync(file, csv);
      const outDir = path.join(dir, "batch-out");
      const r = ok(await certledger(["issue-batch", "--type", "diploma", "--file", file, "--out-dir", outDir], env));
      expect(r.stderr).to.match(/^downloaded +3\/3 \(100%\) \d+ rows\/s ETA 0s$/m);
      expect(r.stdout).to.match(/^issued 3 diploma certificate\(s\) in 1 batch/);
      const files = readdirSync(outDir).filter((f) => /^0x[0-9a-f]{64}\.json$/.test(f));
      const docs = files.map((f) => verifyDocumentIntegrity(readFileSync(path.join(outDir, f), "utf8")));
      expect(docs.map((d) => d.code)).to.deep.equal(["OK", "OK", "OK"]);
      expect(docs.map((d) => d.values!.name).sort()).to.deep.equal(['Wang, "10"', 'Wang, "11"', 'Wang, "12"']);
      expect(docs.every((d) => d.batch !== undefined)).to.equal(true);
      const st = await fetch(`${url}/v1/public/certificates/${docs[0].certId}`);
      expect(((await st.json()) as { status: string; batched: boolean }).batched).to.equal(true);
    });

    it("wallet grant signs and relays a grant the verifier can then verify under", async () => {
      const r = ok(
        await certledger(
          [
            "--json",
            "wallet",
            "grant",
            "--document",
            issuedFile,
            "--verifier",
            creds.verifier.verifier,
            "--purpose",
            "open-bank-account",
            "--relay",
          ],
          { CERTLEDGER_GATEWAY: url, CERTLEDGER_MNEMONIC: TEST_MNEMONIC },
        ),
      );
      const out = JSON.parse(r.stdout);
      expect(out.keyIndex).to.equal(1);
      expect(out.relayed.grantId).to.equal(out.grantId.toLowerCase());
      const res = await fetch(`${url}/v1/verifier/verify`, {
        method: "POST",
        headers: { authorization: `Bearer ${creds.verifier.apiKey}`, "content-type": "application/json" },
        body: JSON.stringify({
          document: JSON.parse(readFileSync(issuedFile, "utf8")),
          grantId: out.grantId.toLowerCase(),
        }),
      });
      const verdict = (await res.json()) as { verdict: string; reasons: string[] };
      expect(verdict.verdict, verdict.reasons.join()).to.equal("VALID");
    });

    it("principal create returns a key once; principal list shows it without the key; a wrong role is refused", async () => {
      const auth = { CERTLEDGER_GATEWAY: url, CERTLEDGER_API_KEY: creds.authority.apiKey };
      const c = JSON.parse(
        ok(
          await certledger(
            [
              "--json",
              "principal",
              "create",
              "--role",
              "verifier",
              "--address",
              creds.verifier.verifier,
              "--label",
              "second counter",
            ],
            auth,
          ),
        ).stdout,
      );
      expect(c.apiKey).to.be.a("string");
      const [list, denied] = await Promise.all([
        certledger(["principal", "list"], auth),
        certledger(["principal", "list"], env),
      ]);
      expect(ok(list).stdout).to.include("second counter").and.not.include(c.apiKey);
      expect(denied.code).to.equal(1);
      expect(denied.stderr).to.match(/^error WRONG_ROLE: .*\(HTTP 403\)/);
    });

    it("agency register (accredited for a type) returns a key that issues; verifier register returns a verifier", async () => {
      const auth = { CERTLEDGER_GATEWAY: url, CERTLEDGER_API_KEY: creds.authority.apiKey };
      const [a, v] = await Promise.all([
        certledger(
          ["--json", "agency", "register", "--name", "CLI Test College", "--types", "diploma,degree-certificate"],
          auth,
        ),
        certledger(["--json", "verifier", "register", "--name", "CLI Test Bank"], auth),
      ]);
      const agency = JSON.parse(ok(a).stdout);
      expect(agency.types).to.deep.equal(["diploma", "degree-certificate"]);
      expect(JSON.parse(ok(v).stdout))
        .to.include({ name: "CLI Test Bank" })
        .and.to.have.property("apiKey");
      const issued = ok(
        await certledger(
          [
            "--json",
            "issue",
            "--type",
            "diploma",
            "--holder",
            wallet.address(20),
            "--fields",
            path.join(dir, "fields.json"),
          ],
          {
            CERTLEDGER_GATEWAY: url,
            CERTLEDGER_API_KEY: agency.apiKey,
          },
        ),
      );
      expect(JSON.parse(issued.stdout).issuerKey).to.equal(agency.signingKey);
    });

    it("a gateway that is not there is named in the error", async () => {
      const r = await certledger(
        ["issue", "--type", "diploma", "--holder", wallet.address(3), "--fields", path.join(dir, "fields.json")],
        {
          CERTLEDGER_GATEWAY: "http://127.0.0.1:1",
          CERTLEDGER_API_KEY: agencyKey,
        },
      );
      expect(r.code).to.equal(1);
      expect(r.stderr).to.match(/^error GATEWAY_UNREACHABLE: Could not reach the gateway at http:\/\/127\.0\.0\.1:1/);
    });
  });
});
