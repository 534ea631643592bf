/**
 * The custodial seed at rest: a Web3 Secret Storage keystore that ethers reads, unlocked by a passphrase
 * from the environment, a file, or the demo's file in the home directory; an old plain seed is migrated.
 */
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pino from "pino";
import { Wallet, computeAddress, decryptKeystoreJson, hexlify } from "ethers";
import { ConfigError, loadConfig } from "../../src/config";
import { AUTHORITY_LABEL, derivePrivateKey } from "../../src/chain/keyring";
import {
  KEYSTORE_FILE,
  KeystoreError,
  PLAIN_SEED_FILE,
  STANDARD_SCRYPT_N,
  openSeedKeystore,
} from "../../src/chain/seedKeystore";
import { openGateway } from "../../src/wiring/gateway";
import { TEST_KEYSTORE_CONFIG, TEST_KEYSTORE_PASSPHRASE, TEST_KEYSTORE_SCRYPT_N } from "../support/keystore";

const ROOT = path.join(__dirname, "../..");
const FAST = { passphrase: TEST_KEYSTORE_PASSPHRASE, scryptN: TEST_KEYSTORE_SCRYPT_N };

async function rejection(p: Promise<unknown>): Promise<KeystoreError> {
  try {
    await p;
  } catch (e) {
    expect(e).to.be.instanceOf(KeystoreError);
    return e as KeystoreError;
  }
  throw new Error("expected a KeystoreError");
}

describe("keyring seed keystore (Web3 Secret Storage, scrypt)", function () {
  this.timeout(120_000);
  let dir: string;
  let n = 0;
  const fresh = () => {
    const d = path.join(dir, `data-${++n}`);
    mkdirSync(d);
    return d;
  };

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), "certledger-keystore-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("writes a v3 scrypt keystore that ethers decrypts with the passphrase, and nothing else in plain", async () => {
    const dataDir = fresh();
    const seed = await openSeedKeystore(dataDir, FAST);
    expect(readdirSync(dataDir)).to.deep.equal([KEYSTORE_FILE]);
    expect(statSync(path.join(dataDir, KEYSTORE_FILE)).mode & 0o777).to.equal(0o600);
    const json = readFileSync(path.join(dataDir, KEYSTORE_FILE), "utf8");
    const ks = JSON.parse(json);
    expect(ks.version).to.equal(3);
    expect(ks.id).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(ks.crypto.cipher).to.equal("aes-128-ctr");
    expect(ks.crypto.kdf).to.equal("scrypt");
    expect(ks.crypto.kdfparams).to.include({ n: TEST_KEYSTORE_SCRYPT_N, r: 8, p: 1, dklen: 32 });
    expect(ks.crypto.mac).to.match(/^[0-9a-f]{64}$/);

    const account = await decryptKeystoreJson(json, TEST_KEYSTORE_PASSPHRASE);
    expect(account.privateKey).to.equal(hexlify(seed));
    const wallet = await Wallet.fromEncryptedJson(json, TEST_KEYSTORE_PASSPHRASE);
    expect(wallet.privateKey).to.equal(hexlify(seed));
    for (const needle of [
      Buffer.from(seed),
      Buffer.from(hexlify(seed).slice(2)),
      Buffer.from(hexlify(seed).slice(2).toUpperCase()),
    ])
      expect(Buffer.from(json).includes(needle)).to.equal(false);
    expect(Buffer.from(await openSeedKeystore(dataDir, FAST))).to.deep.equal(Buffer.from(seed));
  });

  it("uses the standard scrypt cost (N = 2^17) unless told otherwise", async () => {
    expect(loadConfig({}).keystoreScryptN).to.equal(STANDARD_SCRYPT_N);
    expect(STANDARD_SCRYPT_N).to.equal(131_072);
    const dataDir = fresh();
    await openSeedKeystore(dataDir, { passphrase: TEST_KEYSTORE_PASSPHRASE });
    const ks = JSON.parse(readFileSync(path.join(dataDir, KEYSTORE_FILE), "utf8"));
    expect(ks.crypto.kdfparams.n).to.equal(STANDARD_SCRYPT_N);
    expect(() => loadConfig({ CERTLEDGER_KEYSTORE_SCRYPT_N: "1000" })).to.throw(
      ConfigError,
      /CERTLEDGER_KEYSTORE_SCRYPT_N: must be a power of 2/,
    );
  });

  it("refuses a wrong passphrase with KEYSTORE_PASSPHRASE_WRONG and leaves the keystore as it was", async () => {
    const dataDir = fresh();
    await openSeedKeystore(dataDir, FAST);
    const before = readFileSync(path.join(dataDir, KEYSTORE_FILE), "utf8");
    const e = await rejection(openSeedKeystore(dataDir, { passphrase: "not the passphrase" }));
    expect(e.code).to.equal("KEYSTORE_PASSPHRASE_WRONG");
    expect(e.message).to.include("CERTLEDGER_KEYSTORE_PASSPHRASE");
    expect(readFileSync(path.join(dataDir, KEYSTORE_FILE), "utf8")).to.equal(before);
  });

  it("stops the gateway process on a wrong passphrase: exit 2, the code, no stack trace, nothing opened", function () {
    const dataDir = fresh();
    writeFileSync(path.join(dir, "wrong-passphrase"), "wrong\n", { mode: 0o600 });
    return openSeedKeystore(dataDir, FAST).then(() => {
      const r = spawnSync(process.execPath, ["--import", "tsx", path.join(ROOT, "src/main.ts")], {
        cwd: ROOT,
        env: {
          ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("CERTLEDGER_"))),
          CERTLEDGER_DATA_DIR: dataDir,
          CERTLEDGER_PORT: "0",
          CERTLEDGER_KEYSTORE_PASSPHRASE_FILE: path.join(dir, "wrong-passphrase"),
        },
        encoding: "utf8",
        timeout: 100_000,
      });
      expect(r.status, r.stderr).to.equal(2);
      expect(r.stderr).to.include("KEYSTORE_PASSPHRASE_WRONG");
      expect(r.stderr).to.not.match(/\n\s+at /);
      expect(r.stdout).to.not.include("ready");
      expect(readdirSync(dataDir)).to.deep.equal([KEYSTORE_FILE]);
    });
  });

  it("reads the passphrase from a file (trailing newline ignored) and names a file it cannot read", async () => {
    const dataDir = fresh();
    const file = path.join(dir, "passphrase");
    writeFileSync(file, `${TEST_KEYSTORE_PASSPHRASE}\n`, { mode: 0o600 });
    const seed = await openSeedKeystore(dataDir, { passphraseFile: file, scryptN: TEST_KEYSTORE_SCRYPT_N });
    expect(Buffer.from(await openSeedKeystore(dataDir, FAST))).to.deep.equal(Buffer.from(seed));
    const e = await rejection(openSeedKeystore(dataDir, { passphraseFile: path.join(dir, "absent") }));
    expect(e.code).to.equal("KEYSTORE_PASSPHRASE_FILE_UNREADABLE");
    expect(e.message).to.include(path.join(dir, "absent"));
  });

  it("demo default: creates a 0600 passphrase file outside the data directory, so the directory alone unlocks nothing", async () => {
    const dataDir = fresh();
    const demo = path.join(dir, "home", ".certledger", "keystore-passphrase");
    const warnings: string[] = [];
    const warn = (m: string) => void warnings.push(m);
    const seed = await openSeedKeystore(dataDir, { demoPassphraseFile: demo, scryptN: TEST_KEYSTORE_SCRYPT_N, warn });
    expect(statSync(demo).mode & 0o777).to.equal(0o600);
    expect(statSync(path.dirname(demo)).mode & 0o777).to.equal(0o700);
    expect(warnings.join()).to.match(/demo mode/);
    const passphrase = readFileSync(demo, "utf8").trim();
    expect(passphrase).to.have.length.greaterThan(40);
    expect(readdirSync(dataDir)).to.deep.equal([KEYSTORE_FILE]);

    // Restart: the same file unlocks it (and says again that this is the demo mode).
    warnings.length = 0;
    expect(Buffer.from(await openSeedKeystore(dataDir, { demoPassphraseFile: demo, warn }))).to.deep.equal(
      Buffer.from(seed),
    );
    expect(warnings.join()).to.match(/demo mode/);
    // A copy of the data directory without the home directory's file: no passphrase, no seed.
    const e = await rejection(openSeedKeystore(dataDir, { demoPassphraseFile: path.join(dir, "elsewhere", "x") }));
    expect(e.code).to.equal("KEYSTORE_PASSPHRASE_MISSING");
    expect(readdirSync(dataDir)).to.deep.equal([KEYSTORE_FILE]);
  });

  it("migrates a plain keyring.seed into the keystore and removes the plain file", async () => {
    const dataDir = fresh();
    const plainHex = "7a".repeat(32);
    writeFileSync(path.join(dataDir, PLAIN_SEED_FILE), `${plainHex}\n`, { mode: 0o600 });
    const logs: string[] = [];
    const seed = await openSeedKeystore(dataDir, { ...FAST, log: (m) => void logs.push(m) });
    expect(Buffer.from(seed).toString("hex")).to.equal(plainHex);
    expect(readdirSync(dataDir)).to.deep.equal([KEYSTORE_FILE]);
    expect(logs.join()).to.match(/moved from the plain file/);
    const account = await decryptKeystoreJson(
      readFileSync(path.join(dataDir, KEYSTORE_FILE), "utf8"),
      TEST_KEYSTORE_PASSPHRASE,
    );
    expect(account.privateKey).to.equal(`0x${plainHex}`);
  });

  it("finishes a migration that stopped before removing the plain file, and refuses two different seeds", async () => {
    const dataDir = fresh();
    const seed = await openSeedKeystore(dataDir, FAST);
    writeFileSync(path.join(dataDir, PLAIN_SEED_FILE), Buffer.from(seed).toString("hex"));
    await openSeedKeystore(dataDir, FAST);
    expect(existsSync(path.join(dataDir, PLAIN_SEED_FILE))).to.equal(false);

    writeFileSync(path.join(dataDir, PLAIN_SEED_FILE), "11".repeat(32));
    const e = await rejection(openSeedKeystore(dataDir, FAST));
    expect(e.code).to.equal("KEYSTORE_PLAIN_SEED_MISMATCH");
    expect(existsSync(path.join(dataDir, PLAIN_SEED_FILE))).to.equal(true);
  });

  it("starts a gateway on a data directory of the plain-seed version: same keys, same chain, plain seed gone", async () => {
    const dataDir = fresh();
    const plainHex = "5c".repeat(32);
    const config = loadConfig({}, { dataDir, port: 0, logLevel: "silent", seedDemo: "false", ...TEST_KEYSTORE_CONFIG });
    const logger = pino({ level: "silent" });
    // The earlier version: its seed in plain text, the chain's genesis accounts derived from it.
    let gw = await openGateway(config, { logger, seed: `0x${plainHex}`, extraRouters: [] });
    const authority = gw.engine.authority;
    const block = await gw.engine.rpc("eth_blockNumber");
    await gw.close();
    writeFileSync(path.join(dataDir, PLAIN_SEED_FILE), `${plainHex}\n`, { mode: 0o600 });

    gw = await openGateway(config, { logger, extraRouters: [] });
    try {
      expect(gw.engine.authority).to.equal(authority);
      expect(authority).to.equal(
        computeAddress(derivePrivateKey(Buffer.from(plainHex, "hex"), AUTHORITY_LABEL)).toLowerCase(),
      );
      expect(await gw.engine.rpc("eth_blockNumber")).to.equal(block);
    } finally {
      await gw.close();
    }
    expect(existsSync(path.join(dataDir, PLAIN_SEED_FILE))).to.equal(false);
    expect(existsSync(path.join(dataDir, KEYSTORE_FILE))).to.equal(true);
    const wrong = await rejection(
      openGateway({ ...config, keystorePassphrase: "wrong" }, { logger, extraRouters: [] }),
    );
    expect(wrong.code).to.equal("KEYSTORE_PASSPHRASE_WRONG");
  });
});
