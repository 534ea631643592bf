/**
 * A gateway under external key custody on the embedded chain, set up as a real deployment is: the
 * authority's key and the agency's key live in keystore files outside the data directory; the authority
 * signs each registry call itself and the gateway passes the signed transaction on.
 */
import { expect } from "chai";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Transaction, Wallet, encryptKeystoreJson, keccak256, toUtf8Bytes } from "ethers";
import pino from "pino";
import request from "supertest";
import { UINT40_MAX, registryIface } from "../../src/chain/contracts";
import { loadConfig } from "../../src/config";
import { createCatalog, sampleFields } from "../../src/domain/catalog";
import { buildDocument } from "../../src/document";
import { openGateway, type Gateway } from "../../src/wiring/gateway";
import { TEST_KEYSTORE_CONFIG } from "./keystore";

export const PASSPHRASE = "correct horse battery staple";
export const AGENCY_NAME = "Education Bureau";

/** A keystore file as `certledger keys new` writes it (scrypt N lowered for test speed only). */
export async function writeKeystore(dir: string, name: string, wallet: Wallet = Wallet.createRandom() as never) {
  const file = path.join(dir, `${name}.json`);
  writeFileSync(
    file,
    await encryptKeystoreJson({ address: wallet.address, privateKey: wallet.privateKey }, PASSPHRASE, {
      scrypt: { N: 1024 },
    }),
  );
  const unlocked = await Wallet.fromEncryptedJson(readFileSync(file, "utf8"), PASSPHRASE);
  return { file, wallet: new Wallet(unlocked.privateKey) };
}

/** A diploma for `holder` built with the agency's own key (or `issuer`), valid from a minute ago for a year. */
export function agencyDiploma(x: ExternalCustody, holder: string, issuer: string = x.agency.wallet.address) {
  const now = Math.floor(Date.now() / 1000);
  return buildDocument({
    certificateType: { id: x.typeId, code: "diploma" },
    issuer,
    holder,
    chainId: x.chainId,
    ledger: x.ledger,
    validFrom: now - 60,
    validUntil: now + 365 * 86_400,
    fields: sampleFields("diploma", holder),
  });
}

export const bearer = (k: string) => ({ authorization: `Bearer ${k}` });

export interface ExternalCustody {
  root: string;
  dataDir: string;
  /** Outside the data directory: the authority's and the agency's keystores, a passphrase file. */
  outside: string;
  passphraseFile: string;
  gw: Gateway;
  http: ReturnType<typeof request>;
  authority: { wallet: Wallet; file: string; apiKey: string };
  agency: { address: string; wallet: Wallet; file: string; apiKey: string };
  typeId: number;
  chainId: number;
  ledger: string;
  /** Re-opens the gateway on the same data directory (after close). */
  reopen(): Promise<void>;
  /** Signs a registry call with the authority's key, as the authority account's `ahead`-th next transaction. */
  authoritySign(fn: string, args: unknown[], ahead?: number): Promise<string>;
  /** Signs a registry call with the authority's key and has the gateway pass it on. */
  authorityTx(fn: string, args: unknown[], extra?: Record<string, unknown>): Promise<request.Response>;
  close(): Promise<void>;
}

/**
 * `pages`: also serve the pages (the agency console) as the gateway does by default. `databaseUrl`:
 * postgres://... for a PostgreSQL store; SQLite in the data directory otherwise.
 */
export async function openExternalCustody(
  opts: { pages?: boolean; databaseUrl?: string } = {},
): Promise<ExternalCustody> {
  const root = mkdtempSync(path.join(tmpdir(), "certledger-custody-"));
  const dataDir = path.join(root, "data");
  const outside = path.join(root, "outside");
  mkdirSync(outside);
  const passphraseFile = path.join(outside, "pass.txt");
  writeFileSync(passphraseFile, `${PASSPHRASE}\n`);
  const authorityKs = await writeKeystore(outside, "authority");
  const agencyKs = await writeKeystore(outside, "agency-key-1");

  const x = { root, dataDir, outside, passphraseFile } as ExternalCustody;
  x.reopen = async () => {
    const config = loadConfig(
      {},
      {
        dataDir,
        port: 0,
        logLevel: "silent",
        keyCustody: "external",
        authorityAddress: authorityKs.wallet.address,
        databaseUrl: opts.databaseUrl,
        ...TEST_KEYSTORE_CONFIG,
      },
    );
    x.gw = await openGateway(config, {
      logger: pino({ level: "silent" }),
      ...(opts.pages ? {} : { extraRouters: [] }),
    });
    x.http = request(x.gw.app);
    x.chainId = x.gw.engine.chainId;
    x.ledger = x.gw.engine.addresses.ledger;
  };
  x.close = async () => {
    await x.gw?.close();
    rmSync(root, { recursive: true, force: true });
  };
  await x.reopen();
  x.authority = { ...authorityKs, apiKey: x.gw.authorityCredentials!.apiKey };
  x.authoritySign = async (fn, args, ahead = 0) => {
    const p = await x.http.get("/v1/authority/transaction-parameters").set(bearer(x.authority.apiKey)).expect(200);
    return x.authority.wallet.signTransaction(
      Transaction.from({
        type: 2,
        chainId: p.body.chainId,
        nonce: p.body.nonce + ahead,
        to: p.body.registry,
        data: registryIface.encodeFunctionData(fn, args),
        gasLimit: 400_000n,
        maxFeePerGas: BigInt(p.body.maxFeePerGas),
        maxPriorityFeePerGas: BigInt(p.body.maxPriorityFeePerGas),
      }),
    );
  };
  x.authorityTx = async (fn, args, extra = {}) =>
    x.http
      .post("/v1/authority/transactions")
      .set(bearer(x.authority.apiKey))
      .send({ rawTransaction: await x.authoritySign(fn, args), ...extra });

  const t = await x.authorityTx("registerType", [
    "diploma",
    createCatalog().schemaHash("diploma")!,
    100 * 365 * 86_400,
  ]);
  expect(t.status, JSON.stringify(t.body)).to.equal(200);
  x.typeId = (await x.gw.engine.index.certificateTypeByCode("diploma"))!.typeId;
  const address = agencyKs.wallet.address.toLowerCase();
  const reg = await x.authorityTx("registerAgency", [keccak256(toUtf8Bytes(AGENCY_NAME))], {
    agency: { address, name: AGENCY_NAME },
  });
  expect(reg.status, JSON.stringify(reg.body)).to.equal(200);
  const now = Math.floor(Date.now() / 1000);
  expect((await x.authorityTx("addKey", [1, agencyKs.wallet.address, now - 3600, UINT40_MAX])).status).to.equal(200);
  expect((await x.authorityTx("accredit", [1, x.typeId, now - 3600, UINT40_MAX])).status).to.equal(200);
  const p = await x.http
    .post("/v1/authority/principals")
    .set(bearer(x.authority.apiKey))
    .send({ role: "agency", address, label: AGENCY_NAME })
    .expect(201);
  x.agency = { address, ...agencyKs, apiKey: p.body.apiKey };
  return x;
}
