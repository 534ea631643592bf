/**
 * One real gateway for the HTTP tests: embedded Hardhat chain, SQLite store, relayer, indexer, demo
 * seed, in a temporary data dir. Shared by the test/http files (seeding takes a few seconds) and
 * closed by a root after-hook.
 */
import { rmSync } from "node:fs";
import pino from "pino";
import request from "supertest";
import { loadConfig } from "../../src/config";
import { sampleFields } from "../../src/domain/catalog";
import { holderAuthMessage, personalMessageDigest } from "../../src/domain/holderAuth";
import { createPrincipal } from "../../src/domain/principals";
import type { Address, Bytes32, Hex } from "../../src/domain/ports";
import {
  consentDomain,
  createHolderWallet,
  generateMnemonic,
  purposeHash,
  redactDocument,
  signDigest,
  type HolderWallet,
} from "../../src/document";
import { openGateway, type Gateway } from "../../src/wiring/gateway";
import { TEST_KEYSTORE_CONFIG } from "./keystore";
import { scratchDir } from "./scratch";
import type { Database } from "../../src/store/schema";
import { encryptForLink, newLinkKey, signLinkCheck } from "../../src/web/crypto";
import { freshPostgresDatabase } from "./postgres";
import type { Kysely } from "kysely";

export interface Front {
  gw: Gateway;
  http: ReturnType<typeof request>;
  dataDir: string;
  keys: { authority: string; agencyA: string; agencyB: string; verifierV: string; verifierW: string };
  ids: { agencyA: Address; agencyB: Address; verifierV: Address; verifierW: Address };
  wallet: HolderWallet;
  domain: ReturnType<typeof consentDomain>;
  nextIndex(): number;
  now(): number;
  blockNumber(): Promise<number>;
  /** Drops the PostgreSQL database openFrontOn made for this gateway (closeFront calls it). */
  dropDatabase?: () => Promise<void>;
}

/**
 * One seeded gateway per test process, shared by the files that call getFront.
 *
 * Mocha runs this module's `after` once per process, on the root suite of the first file that loads it.
 * In a serial run that is the whole run's root, so it ends the gateway last. In a parallel run each
 * worker process runs several files one after another, and the hook ends after the first of them: the
 * gateway is then forgotten too, so the next file that asks opens its own (a closed one would refuse
 * every call). What is open when the process exits is removed then (its chain node exits with the
 * process).
 */
let front: Promise<Front> | undefined;
let opened: Front | undefined;

export function getFront(): Promise<Front> {
  front ??= open();
  return front;
}

after(async () => {
  const f = opened;
  front = undefined;
  opened = undefined;
  if (f) {
    await f.gw.close();
    rmSync(f.dataDir, { recursive: true, force: true });
  }
});

async function open(): Promise<Front> {
  opened = await openFront();
  return opened;
}

export interface FrontOptions {
  /** postgres://... for a PostgreSQL store; SQLite in the data dir otherwise. */
  databaseUrl?: string;
  /** Mount the pages and the counter/share routes too (default: only the API routers). */
  withFront?: boolean;
  /** Configuration values (as the environment would give them). */
  config?: Record<string, unknown>;
  /** Unix seconds now, for the gateway and the helpers (tests move time forward); default the wall clock. */
  now?: () => number;
}

/** Opens a seeded gateway in a fresh data dir; the caller closes it with `closeFront`. */
export async function openFront(opts: FrontOptions = {}): Promise<Front> {
  const dataDir = scratchDir("certledger-http-");
  const config = loadConfig(
    {},
    { dataDir, port: 0, logLevel: "silent", databaseUrl: opts.databaseUrl, ...TEST_KEYSTORE_CONFIG, ...opts.config },
  );
  const now = opts.now ?? (() => Math.floor(Date.now() / 1000));
  const gw = await openGateway(config, {
    logger: pino({ level: "silent" }),
    now,
    ...(opts.withFront ? {} : { extraRouters: [] }),
  });
  const http = request(gw.app);
  const info = await http.get("/v1/public/info").expect(200);
  const base = {
    gw,
    http,
    dataDir,
    wallet: createHolderWallet({ mnemonic: generateMnemonic() }),
    domain: consentDomain(info.body.chainId, info.body.contracts.consent),
    nextIndex: () => ++index,
    now,
    blockNumber: async () => Number(BigInt((await gw.engine.rpc("eth_blockNumber")) as string)),
  };
  let index = 0;
  if (!gw.credentials) {
    // Not seeded: no type registered yet, and only the authority has a key.
    const authority = await createPrincipal(gw.deps, {
      role: "authority",
      address: gw.engine.authority as Address,
      label: "test authority",
    });
    const none = "" as Address;
    return {
      ...base,
      keys: { authority: authority.apiKey, agencyA: "", agencyB: "", verifierV: "", verifierW: "" },
      ids: { agencyA: none, agencyB: none, verifierV: none, verifierW: none },
    };
  }
  const creds = gw.credentials;
  const a = creds.agencies.find((x) => x.types.includes("diploma"))!;
  const b = creds.agencies.find((x) => x.types.includes("resident-id-card"))!;
  const w = await http
    .post("/v1/authority/verifiers")
    .set("authorization", `Bearer ${creds.authority.apiKey}`)
    .send({ name: "Landlord W", createApiKey: true })
    .expect(201);
  return {
    ...base,
    keys: {
      authority: creds.authority.apiKey,
      agencyA: a.apiKey,
      agencyB: b.apiKey,
      verifierV: creds.verifier.apiKey,
      verifierW: w.body.apiKey,
    },
    ids: { agencyA: a.agency, agencyB: b.agency, verifierV: creds.verifier.verifier, verifierW: w.body.verifier },
  };
}

/**
 * openFront on the named store: SQLite in the data dir, or a fresh PostgreSQL database named after
 * `name`, which closeFront drops.
 */
export async function openFrontOn(
  backend: "sqlite" | "postgres",
  name: string,
  opts: Omit<FrontOptions, "databaseUrl"> = {},
): Promise<Front> {
  if (backend === "sqlite") return openFront(opts);
  const db = await freshPostgresDatabase(name);
  try {
    return { ...(await openFront({ ...opts, databaseUrl: db.url })), dropDatabase: db.drop };
  } catch (e) {
    await db.drop();
    throw e;
  }
}

/** Closes a gateway opened with openFront or openFrontOn, removes its data dir and drops its database. */
export async function closeFront(f: Front): Promise<void> {
  await f.gw.close();
  rmSync(f.dataDir, { recursive: true, force: true });
  await f.dropDatabase?.();
}

export const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

/** Issues a diploma by agency A (or another type/agency) to a fresh holder key. */
export async function issue(
  f: Front,
  opts: { type?: string; key?: string; validFrom?: number; validUntil?: number } = {},
) {
  const index = f.nextIndex();
  const type = opts.type ?? "diploma";
  const holder = f.wallet.address(index).toLowerCase();
  const res = await f.http
    .post("/v1/agency/certificates")
    .set(bearer(opts.key ?? f.keys.agencyA))
    .set("idempotency-key", `issue-${index}-${Date.now()}`)
    .send({ type, holder, fields: sampleFields(type, index), validFrom: opts.validFrom, validUntil: opts.validUntil });
  if (res.status !== 201) throw new Error(`issue failed: ${res.status} ${JSON.stringify(res.body)}`);
  const document = res.body.document;
  return { index, certId: res.body.certId as Bytes32, document, documentRoot: documentRootOf(f, document) };
}

export function documentRootOf(f: Front, document: unknown): Bytes32 {
  return f.gw.deps.documents.verifyIntegrity(document).documentRoot!;
}

let nonceSeq = BigInt(Date.now()) * 1000n;

/** A grant signed by holder key `index` (or `signer`'s key, to forge one). */
export function signGrant(
  f: Front,
  index: number,
  certId: Bytes32,
  grantee: Address,
  over: Partial<{ validUntil: number; maxUses: number; deadline: number; signer: number; purpose: string }> = {},
) {
  const grant = {
    certId,
    grantee: grantee.toLowerCase(),
    purpose: purposeHash(over.purpose ?? "open-bank-account").toLowerCase(),
    validUntil: over.validUntil ?? f.now() + 3600,
    maxUses: over.maxUses ?? 3,
    nonce: String(++nonceSeq),
    deadline: over.deadline ?? f.now() + 600,
  };
  const s = f.wallet.signGrant(over.signer ?? index, f.domain, {
    ...grant,
    validUntil: BigInt(grant.validUntil),
    nonce: BigInt(grant.nonce),
    deadline: BigInt(grant.deadline),
  });
  return { grant, signature: s.signature as Hex, grantId: s.grantId.toLowerCase() as Bytes32 };
}

export function signRevoke(f: Front, index: number, grantId: Bytes32, documentRoot: Bytes32) {
  const msg = { grantId, nonce: ++nonceSeq, deadline: BigInt(f.now() + 600) };
  const s = f.wallet.signRevokeGrant(index, f.domain, msg);
  return { nonce: String(msg.nonce), deadline: Number(msg.deadline), signature: s.signature as Hex, documentRoot };
}

/** A Delegation of certificate `certId` to `delegate`, signed by holder key `index` (or `signer`'s key, to forge one). */
export function signDelegation(
  f: Front,
  index: number,
  certId: Bytes32,
  delegate: Address,
  over: Partial<{
    validUntil: number;
    deadline: number;
    signer: number;
    purpose: string;
    verifier: Address;
    online: boolean;
  }> = {},
) {
  const delegation = {
    certId,
    delegate: delegate.toLowerCase() as Address,
    purpose: (over.purpose === undefined ? `0x${"0".repeat(64)}` : purposeHash(over.purpose).toLowerCase()) as Bytes32,
    verifier: (over.verifier ?? `0x${"0".repeat(40)}`).toLowerCase() as Address,
    online: over.online ?? true,
    validUntil: over.validUntil ?? f.now() + 7200,
    nonce: String(++nonceSeq),
    deadline: over.deadline ?? f.now() + 600,
  };
  const s = f.wallet.signDelegation(over.signer ?? index, f.domain, {
    ...delegation,
    validUntil: BigInt(delegation.validUntil),
    nonce: BigInt(delegation.nonce),
    deadline: BigInt(delegation.deadline),
  });
  return { delegation, signature: s.signature as Hex, delegationId: s.delegationId.toLowerCase() as Bytes32 };
}

export function signRevokeDelegation(f: Front, index: number, delegationId: Bytes32, documentRoot: Bytes32) {
  const msg = { delegationId, nonce: ++nonceSeq, deadline: BigInt(f.now() + 600) };
  const s = f.wallet.signRevokeDelegation(index, f.domain, msg);
  return { nonce: String(msg.nonce), deadline: Number(msg.deadline), signature: s.signature as Hex, documentRoot };
}

let holderNonce = 0;

/** X-Holder-* headers for `method path` signed by holder key `index`. */
export function holderHeaders(
  f: Front,
  index: number,
  method: string,
  path: string,
  certId: Bytes32,
  documentRoot: Bytes32,
  over: Partial<{ nonce: string; timestamp: number }> = {},
) {
  const fields = {
    method,
    path,
    certId,
    documentRoot,
    timestamp: over.timestamp ?? f.now(),
    nonce: over.nonce ?? `n${Date.now()}x${++holderNonce}`,
  };
  const signature = signDigest(f.wallet.deriveKey(index).privateKey, personalMessageDigest(holderAuthMessage(fields)));
  return {
    "x-holder-document-root": documentRoot,
    "x-holder-timestamp": String(fields.timestamp),
    "x-holder-nonce": fields.nonce,
    "x-holder-signature": signature,
  };
}

/** Rows in a table of the gateway's store. */
export async function count(f: Pick<Front, "gw">, table: keyof Database): Promise<number> {
  const db = f.gw.engine.store.db as Kysely<Database>;
  const r = await db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

let shareSeq = 0;

/**
 * POSTs a share link to `cert` (its document encrypted under a fresh link key), signed by the holder key,
 * or `by` a delegate's key with the holder's delegation terms; the answer is the caller's to check.
 */
export async function postLinkShare(
  f: Front,
  cert: Awaited<ReturnType<typeof issue>>,
  maxUses: number,
  validUntil = f.now() + 3600,
  by?: { index: number; delegation: ReturnType<typeof signDelegation>["delegation"] },
) {
  const link = newLinkKey();
  const grant = {
    certId: cert.certId,
    grantee: link.address,
    purpose: purposeHash("rent-a-flat"),
    validUntil,
    maxUses,
    nonce: String(BigInt(f.now()) * 1000n + BigInt(++shareSeq)),
    deadline: f.now() + 600,
  };
  const s = f.wallet.signGrant(by?.index ?? cert.index, f.domain, {
    ...grant,
    validUntil: BigInt(grant.validUntil),
    nonce: BigInt(grant.nonce),
    deadline: BigInt(grant.deadline),
  });
  const doc = redactDocument(cert.document, []);
  const res = await f.http.post("/v1/shares").send({
    mode: "link",
    purpose: "rent-a-flat",
    grant,
    signature: s.signature,
    documentRoot: cert.documentRoot,
    payload: await encryptForLink(link, JSON.stringify(doc)),
    ...(by ? { delegation: by.delegation } : {}),
  });
  return { res, link, doc };
}

/**
 * A share link to `cert` (as postLinkShare), and `check()`: what the verify page sends for the grant's
 * next use, the RecordCheck signed with the link's key.
 */
export async function linkShare(
  f: Front,
  cert: Awaited<ReturnType<typeof issue>>,
  maxUses: number,
  validUntil = f.now() + 3600,
  by?: Parameters<typeof postLinkShare>[4],
) {
  const { res, link, doc } = await postLinkShare(f, cert, maxUses, validUntil, by);
  if (res.status !== 201) throw new Error(`POST /v1/shares answered ${res.status}: ${JSON.stringify(res.body)}`);
  const share = res.body as { id: string; grantId: string };
  const check = async (ahead = 300) => {
    const view = (await f.http.get(`/v1/shares/${share.id}`).expect(200)).body;
    const c = { grantId: share.grantId, use: view.uses + 1, deadline: f.now() + ahead };
    return { use: c.use, deadline: c.deadline, signature: signLinkCheck(link, f.domain, c) };
  };
  return { share, doc, check };
}
