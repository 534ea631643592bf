/**
 * Status list costs on SQLite (a temporary file): drawing the random indices of a 100,000-certificate
 * batch, building an agency's revocation list from 100,000 entries and the index, encoding and signing it
 * (vc+jwt ES256K), and the size of the published list with 1% of its certificates revoked.
 * Prints one JSON line per figure: {"name","value","unit"}.
 *
 *   npx tsx test/bench/status-lists.ts
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { secp256k1 } from "@noble/curves/secp256k1";
import { openStore } from "../../src/store/open";
import { StatusListEntries } from "../../src/store/statusLists";
import { IndexCache } from "../../src/indexer/indexCache";
import { StatusListProjection } from "../../src/indexer/statusLists";
import { buildStatusListCredential, privateKeyToAddress, setStatusBit, signStatusListJwt } from "../../src/document";

const N = 100_000;
const AGENCY = "0x" + "a1".repeat(20);

function print(name: string, value: number, unit: string): void {
  process.stdout.write(JSON.stringify({ name, value: Math.round(value * 100) / 100, unit }) + "\n");
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), "certledger-bench-sl-"));
  try {
    const store = await openStore({ url: `sqlite:${path.join(dir, "store.sqlite")}` });
    const now = () => Math.floor(Date.now() / 1000);
    const entries = new StatusListEntries(store.db, { dialect: store.dialect, now });
    const root = "0x" + randomBytes(32).toString("hex");
    const certs = Array.from({ length: N }, () => ({
      certId: "0x" + randomBytes(32).toString("hex"),
      batchRoot: root,
    }));
    let t = performance.now();
    await entries.allocate(AGENCY, certs);
    print("status_list_allocate_100k_batch", performance.now() - t, "ms");

    const cache = new IndexCache(store.db, now);
    await cache.load();
    const key = secp256k1.utils.randomPrivateKey();
    const projection = new StatusListProjection(entries, cache, {
      chainId: 1337,
      now,
      agencyKey: async () => ({ address: privateKeyToAddress(key), privateKey: key }),
    });
    t = performance.now();
    const list = await projection.publish(
      AGENCY,
      "revocation",
      "https://gateway.example/v1/public/status-lists/x/revocation",
    );
    print("status_list_build_and_sign_100k_entries", performance.now() - t, "ms");
    t = performance.now();
    await projection.publish(AGENCY, "revocation", "https://gateway.example/v1/public/status-lists/x/revocation");
    print("status_list_publish_cached", performance.now() - t, "ms");
    print("status_list_jwt_bytes_none_revoked", Buffer.byteLength(list.body), "bytes");

    // A list of 262,144 entries (what 100,000 certificates need) with 1% of them revoked.
    const rows = await entries.listOf(AGENCY, "revocation");
    const bits = new Uint8Array(262_144 / 8);
    for (let i = 0; i < rows.length; i += 100) setStatusBit(bits, rows[i].index, true);
    t = performance.now();
    const jwt = signStatusListJwt(
      buildStatusListCredential({
        id: "https://gateway.example/v1/public/status-lists/x/revocation",
        issuer: `did:pkh:eip155:1337:${privateKeyToAddress(key)}`,
        statusPurpose: "revocation",
        bits,
        validFrom: now(),
      }),
      key,
      1337,
    );
    print("status_list_encode_and_sign_262k_1pct_revoked", performance.now() - t, "ms");
    print("status_list_jwt_bytes_262k_1pct_revoked", Buffer.byteLength(jwt), "bytes");
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
