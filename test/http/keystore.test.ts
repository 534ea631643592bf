/**
 * A running gateway's data directory (store, WAL, chain journal, genesis, deployment, keystore, demo
 * credentials) holds the keyring's seed only encrypted: neither its bytes nor its hex appear in any
 * file, nor do the private keys derived from it.
 */
import { expect } from "chai";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { computeAddress, decryptKeystoreJson, getBytes } from "ethers";
import { AUTHORITY_LABEL, RELAYER_LABEL, derivePrivateKey } from "../../src/chain/keyring";
import { KEYSTORE_FILE, PLAIN_SEED_FILE } from "../../src/chain/seedKeystore";
import { getFront, issue } from "../support/frontGateway";
import { TEST_KEYSTORE_PASSPHRASE } from "../support/keystore";

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describe("the data directory of a running gateway", function () {
  this.timeout(120_000);

  it("holds the keyring seed only in the encrypted keystore: no file contains it or a key derived from it", async () => {
    const f = await getFront();
    await issue(f);
    const files = filesUnder(f.dataDir);
    expect(files.map((x) => path.basename(x))).to.include.members([KEYSTORE_FILE, "certledger.sqlite"]);
    expect(files.map((x) => path.basename(x))).to.not.include(PLAIN_SEED_FILE);

    const keystore = readFileSync(path.join(f.dataDir, KEYSTORE_FILE), "utf8");
    const seedHex = (await decryptKeystoreJson(keystore, TEST_KEYSTORE_PASSPHRASE)).privateKey;
    const seed = getBytes(seedHex);
    // The seed in the keystore is the one the gateway signs with.
    const relayerKey = derivePrivateKey(seed, RELAYER_LABEL);
    expect(computeAddress(relayerKey).toLowerCase()).to.equal(f.gw.engine.relayerAddress.toLowerCase());
    const secrets = [seedHex, relayerKey, derivePrivateKey(seed, AUTHORITY_LABEL)].flatMap((hex) => {
      const digits = hex.slice(2);
      return [Buffer.from(getBytes(hex)), Buffer.from(digits), Buffer.from(digits.toUpperCase())];
    });
    for (const file of files) {
      const content = readFileSync(file);
      for (const secret of secrets) expect(content.includes(secret), `${file} holds a secret`).to.equal(false);
    }
  });
});
