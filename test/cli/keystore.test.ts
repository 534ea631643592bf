/**
 * The agency's own key on the command line: `certledger keys new | address`, and `issue`, `issue-batch`
 * and `revoke` with `--keystore`, run as a user runs them (bin/certledger in a child process) against a
 * gateway under external key custody, which could not have signed any of it.
 */
import { expect } from "chai";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { Wallet } from "ethers";
import { sampleFields } from "../../src/domain/catalog";
import { createHolderWallet, generateMnemonic, verifyDocumentIntegrity } from "../../src/document";
import { PASSPHRASE, openExternalCustody, type ExternalCustody } from "../support/externalCustody";
import { runCertledger, type Run } from "../support/cli";

const certledger = (args: string[]) => runCertledger(args);

const ok = (r: Run) => {
  expect(r.code, `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`).to.equal(0);
  return JSON.parse(r.stdout);
};
const failed = (r: Run) => {
  expect(r.code, r.stdout + r.stderr).to.not.equal(0);
  return JSON.parse(r.stdout).error as { code: string; message: string };
};

describe("certledger with the agency's keystore (external key custody)", function () {
  this.timeout(240_000);
  let x: ExternalCustody;
  let server: Server;
  let gateway: string;
  const holders = createHolderWallet({ mnemonic: generateMnemonic() });
  const agencyArgs = () => [
    "--keystore",
    x.agency.file,
    "--passphrase-file",
    x.passphraseFile,
    "--gateway",
    gateway,
    "--api-key",
    x.agency.apiKey,
  ];
  const head = async () => Number(BigInt((await x.gw.engine.rpc("eth_blockNumber")) as string));

  before(async () => {
    x = await openExternalCustody();
    server = x.gw.app.listen(0, "127.0.0.1");
    await new Promise((r) => server.once("listening", r));
    gateway = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise((r) => server.close(r));
    await x.close();
  });

  it("keys new writes a Web3 Secret Storage file that ethers opens, and never overwrites it; keys address reads it", async () => {
    const file = path.join(x.outside, "new-key.json");
    const made = ok(
      await certledger([
        "--json",
        "keys",
        "new",
        "--out",
        file,
        "--passphrase-file",
        x.passphraseFile,
        "--scrypt-n",
        "1024",
      ]),
    );
    const json = JSON.parse(readFileSync(file, "utf8"));
    expect(json.version).to.equal(3);
    expect((json.crypto ?? json.Crypto).kdf).to.equal("scrypt"); // ethers writes "Crypto", as geth did
    const w = await Wallet.fromEncryptedJson(readFileSync(file, "utf8"), PASSPHRASE);
    expect(w.address).to.equal(made.address);
    expect(ok(await certledger(["--json", "keys", "address", "--keystore", file])).address).to.equal(made.address);
    const again = failed(
      await certledger([
        "--json",
        "keys",
        "new",
        "--out",
        file,
        "--passphrase-file",
        x.passphraseFile,
        "--scrypt-n",
        "1024",
      ]),
    );
    expect(again.code).to.equal("FILE_EXISTS");
    expect(JSON.parse(readFileSync(file, "utf8")).address).to.equal(json.address);
  });

  it("refuses a short passphrase, a file that is no keystore, and a keystore without a passphrase and no terminal", async () => {
    const short = path.join(x.outside, "short.txt");
    writeFileSync(short, "abc\n");
    const out = path.join(x.outside, "never.json");
    expect(failed(await certledger(["--json", "keys", "new", "--out", out, "--passphrase-file", short])).code).to.equal(
      "PASSPHRASE_TOO_SHORT",
    );
    expect(existsSync(out)).to.equal(false);
    expect(failed(await certledger(["--json", "keys", "address", "--keystore", x.passphraseFile])).code).to.equal(
      "KEYSTORE_INVALID",
    );
    const fields = path.join(x.outside, "fields-0.json");
    writeFileSync(fields, JSON.stringify(sampleFields("diploma", 0)));
    const noPass = failed(
      await certledger([
        "--json",
        "issue",
        "--type",
        "diploma",
        "--holder",
        holders.address(0),
        "--fields",
        fields,
        "--keystore",
        x.agency.file,
        "--gateway",
        gateway,
        "--api-key",
        x.agency.apiKey,
      ]),
    );
    expect(noPass.code).to.equal("PASSPHRASE_REQUIRED");
  });

  it("issue --keystore builds and signs here; the document verifies VALID; a wrong passphrase sends nothing", async () => {
    const fields = path.join(x.outside, "fields-1.json");
    writeFileSync(fields, JSON.stringify(sampleFields("diploma", 1)));
    const docFile = path.join(x.outside, "diploma-1.json");
    const before = await head();
    const wrong = path.join(x.outside, "wrong.txt");
    writeFileSync(wrong, "not the passphrase\n");
    const bad = failed(
      await certledger([
        "--json",
        "issue",
        "--type",
        "diploma",
        "--holder",
        holders.address(1),
        "--fields",
        fields,
        ...agencyArgs().map((a) => (a === x.passphraseFile ? wrong : a)),
      ]),
    );
    expect(bad.code).to.equal("KEYSTORE_PASSPHRASE_WRONG");
    expect(await head()).to.equal(before);

    const out = ok(
      await certledger([
        "--json",
        "issue",
        "--type",
        "diploma",
        "--holder",
        holders.address(1),
        "--fields",
        fields,
        "--out",
        docFile,
        ...agencyArgs(),
      ]),
    );
    expect(out.signer.toLowerCase()).to.equal(x.agency.address);
    const document = JSON.parse(readFileSync(docFile, "utf8"));
    expect(verifyDocumentIntegrity(document).code).to.equal("OK");
    const v = await x.http.post("/v1/public/verify").send({ document }).expect(200);
    expect(v.body.verdict).to.equal("VALID");

    // without --keystore this gateway cannot sign, and says so
    const custodial = failed(
      await certledger([
        "--json",
        "issue",
        "--type",
        "diploma",
        "--holder",
        holders.address(2),
        "--fields",
        fields,
        "--gateway",
        gateway,
        "--api-key",
        x.agency.apiKey,
      ]),
    );
    expect(custodial.code).to.equal("AGENCY_SIGNATURE_REQUIRED");

    // revoke --keystore: signs the StatusChange with the certificate's nonce
    const revoked = ok(
      await certledger(["--json", "revoke", out.certId, "--reason", "ISSUED_IN_ERROR", ...agencyArgs()]),
    );
    expect(revoked.status).to.equal("REVOKED");
    const after = await x.http.post("/v1/public/verify").send({ document }).expect(200);
    expect(after.body.reasons).to.include("REVOKED");
    const unknown = failed(
      await certledger(["--json", "suspend", out.certId, "--reason", "NO_SUCH_REASON", ...agencyArgs()]),
    );
    expect(unknown.code).to.equal("UNKNOWN_REASON");
  });

  it("issue-batch --keystore anchors each chunk as a Merkle root signed here; every document verifies VALID", async () => {
    const file = path.join(x.outside, "graduates.json");
    writeFileSync(
      file,
      JSON.stringify({
        type: "diploma",
        items: [10, 11, 12, 13, 14].map((i) => ({ holder: holders.address(i), fields: sampleFields("diploma", i) })),
      }),
    );
    const outDir = path.join(x.outside, "issued");
    const out = ok(
      await certledger([
        "--json",
        "issue-batch",
        "--file",
        file,
        "--out-dir",
        outDir,
        "--chunk-size",
        "3",
        ...agencyArgs(),
      ]),
    );
    expect(out.issued).to.equal(5);
    expect(out.batches).to.have.length(2);
    const documents = readdirSync(outDir).filter((f) => /^0x[0-9a-f]{64}\.json$/.test(f));
    expect(documents).to.have.length(5);
    expect(
      readdirSync(outDir).filter((f) => f.startsWith(".signed-chunk")),
      "signed chunks go once done",
    ).to.deep.equal([]);
    for (const f of documents) {
      const document = JSON.parse(readFileSync(path.join(outDir, f), "utf8"));
      const v = await x.http.post("/v1/public/verify").send({ document }).expect(200);
      expect(v.body.verdict, f).to.equal("VALID");
    }
  });
});
