/**
 * The same keystore commands against a custodial gateway (the demo): an agency may keep its own key
 * there too. `keys new`, the authority registers the key (POST .../keys with `key`), `issue --keystore`,
 * then `keys rotate` with the authority's API key (no authority keystore: a custodial gateway signs the
 * registry calls): the old key is retired, what it issued stays VALID, the new key issues. After a leak,
 * `keys rotate --retire-at` a past time: what the old key issued from then on stops verifying.
 */
import { expect } from "chai";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Wallet } from "ethers";
import { sampleFields } from "../../src/domain/catalog";
import { runCertledger, type Run } from "../support/cli";
import { bearer, closeFront, openFront, type Front } from "../support/frontGateway";

const PASS = "agency keystore passphrase";

describe("certledger keys on a custodial gateway", function () {
  this.timeout(240_000);
  let f: Front;
  let server: Server;
  let gateway: string;
  let passFile: string;

  const issue = async (keystore: string, n: number) => {
    const fields = path.join(f.dataDir, `fields-${n}.json`);
    writeFileSync(fields, JSON.stringify(sampleFields("diploma", 7)));
    return runCertledger([
      "--json",
      "issue",
      "--type",
      "diploma",
      "--holder",
      f.wallet.address(n),
      "--fields",
      fields,
      "--keystore",
      keystore,
      "--passphrase-file",
      passFile,
      "--gateway",
      gateway,
      "--api-key",
      f.keys.agencyA,
    ]);
  };
  const newKeystore = (file: string) =>
    runCertledger(["--json", "keys", "new", "--out", file, "--passphrase-file", passFile, "--scrypt-n", "1024"]);
  const rotate = (oldFile: string, newFile: string, ...more: string[]) =>
    runCertledger([
      "--json",
      "keys",
      "rotate",
      "--keystore",
      oldFile,
      "--out",
      newFile,
      "--agency",
      f.ids.agencyA,
      "--passphrase-file",
      passFile,
      "--scrypt-n",
      "1024",
      "--gateway",
      gateway,
      "--api-key",
      f.keys.authority,
      ...more,
    ]);

  const ok = (r: Run) => {
    expect(r.code, `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`).to.equal(0);
    return JSON.parse(r.stdout);
  };

  before(async () => {
    f = await openFront();
    server = f.gw.app.listen(0, "127.0.0.1");
    await new Promise((r) => server.once("listening", r));
    gateway = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    passFile = path.join(f.dataDir, "..", `pass-${process.pid}.txt`);
    writeFileSync(passFile, `${PASS}\n`);
  });
  after(async () => {
    await new Promise((r) => server.close(r));
    await closeFront(f);
  });

  it("registers a key the agency holds, issues with it, rotates it with the authority's API key", async () => {
    const dir = f.dataDir;
    const oldFile = path.join(dir, "agency-old.json");
    const made = ok(await newKeystore(oldFile));
    const agency = f.ids.agencyA;
    await f.http
      .post(`/v1/authority/agencies/${agency}/keys`)
      .set(bearer(f.keys.authority))
      .send({ key: made.address, validFrom: f.now() - 60 })
      .expect(201);
    // the same key twice is refused: a key belongs to one agency, once
    const again = await f.http
      .post(`/v1/authority/agencies/${agency}/keys`)
      .set(bearer(f.keys.authority))
      .send({ key: made.address })
      .expect(409);
    expect(again.body.error.code).to.equal("KEY_ALREADY_REGISTERED");

    const first = ok(await issue(oldFile, 1));
    expect(first.issuerKey).to.equal(made.address.toLowerCase());
    // Key windows count whole seconds: a retirement in the second the certificate was issued ends the
    // window at its issuance (validUntil is exclusive), so retire in a later second.
    await new Promise((r) => setTimeout(r, 1100));

    const newFile = path.join(dir, "agency-new.json");
    const rotated = ok(await rotate(oldFile, newFile));
    expect(rotated.retired).to.equal(made.address.toLowerCase());
    const old = await f.gw.engine.index.signingKey(made.address.toLowerCase());
    expect(old!.validUntil)
      .to.be.greaterThan(0)
      .and.at.most(f.now() + 1);

    const v = await f.http.post("/v1/public/verify").send({ document: first.document }).expect(200);
    expect(v.body.verdict).to.equal("VALID");
    // The old key's window may end in the next second (validUntil is exclusive): sign after it ended.
    while (f.now() < old!.validUntil) await new Promise((r) => setTimeout(r, 200));
    const stale = await issue(oldFile, 2);
    expect(stale.code).to.not.equal(0);
    expect(JSON.parse(stale.stdout).error.code).to.equal("KEY_NOT_VALID");
    const fresh = new Wallet((await Wallet.fromEncryptedJson(readFileSync(newFile, "utf8"), PASS)).privateKey);
    const second = ok(await issue(newFile, 3));
    expect(second.issuerKey).to.equal(fresh.address.toLowerCase());
  });

  it("rotates with --retire-at a past leak time: what the old key issued from then on stops verifying, what it issued before stays VALID", async () => {
    const dir = f.dataDir;
    const oldFile = path.join(dir, "agency-leaked.json");
    const made = ok(await newKeystore(oldFile));
    await f.http
      .post(`/v1/authority/agencies/${f.ids.agencyA}/keys`)
      .set(bearer(f.keys.authority))
      .send({ key: made.address, validFrom: f.now() - 60 })
      .expect(201);
    const earlier = ok(await issue(oldFile, 4));
    // Windows are counted in seconds: the leak comes in a later second than the agency's own certificate.
    await new Promise((r) => setTimeout(r, 1100));
    // The key leaks; the thief issues with it. The leak time T is when the thief's certificate was issued.
    const stolen = ok(await issue(oldFile, 5));
    const earlierAt = (await f.gw.engine.index.certificate(earlier.certId))!.issuedAt;
    const T = (await f.gw.engine.index.certificate(stolen.certId))!.issuedAt;
    expect(earlierAt).to.be.lessThan(T);
    const verdict = async (document: unknown) =>
      (await f.http.post("/v1/public/verify").send({ document }).expect(200)).body;
    expect((await verdict(stolen.document)).verdict).to.equal("VALID");

    const newFile = path.join(dir, "agency-after-leak.json");
    const bad = await rotate(oldFile, newFile, "--retire-at", "last tuesday");
    expect(bad.code).to.equal(2);
    expect(JSON.parse(bad.stdout).error.code).to.equal("BAD_OPTION");
    expect(existsSync(newFile)).to.equal(false);
    // a time after the key's current end would lengthen the window: refused, and no key is added
    const keysBefore = (await f.gw.engine.index.signingKeys(f.ids.agencyA as never)).length;
    const later = await rotate(oldFile, path.join(dir, "agency-unused.json"), "--retire-at", String(2 ** 40 - 1));
    expect(later.code).to.not.equal(0);
    expect(JSON.parse(later.stdout).error.code).to.equal("INVALID_RETIREMENT");
    expect((await f.gw.engine.index.signingKeys(f.ids.agencyA as never)).length).to.equal(keysBefore);

    const rotated = ok(await rotate(oldFile, newFile, "--retire-at", new Date(T * 1000).toISOString()));
    expect(rotated.retired).to.equal(made.address.toLowerCase());
    expect(rotated.retireAt).to.equal(T);
    expect((await f.gw.engine.index.signingKey(made.address.toLowerCase()))!.validUntil).to.equal(T);

    expect((await verdict(earlier.document)).verdict).to.equal("VALID");
    const after = await verdict(stolen.document);
    expect(after.verdict).to.not.equal("VALID");
    expect(after.reasons).to.include("ISSUER_NOT_ACCREDITED");
    const stale = await issue(oldFile, 6);
    expect(JSON.parse(stale.stdout).error.code).to.equal("KEY_NOT_VALID");
    const fresh = ok(await issue(newFile, 7));
    expect((await verdict(fresh.document)).verdict).to.equal("VALID");
  });
});
