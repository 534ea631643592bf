/**
 * Helpers of the browser tests (test/e2e): a gateway on a random port and headless Chromium.
 *
 * startGateway() runs the real gateway in this process when src/main.ts offers a programmatic start
 * (`startGateway`); until then it builds the HTTP app (buildApp) over the in-memory ports of
 * test/support/frontFakes.ts, seeded with the demo's roles. Either way the pages, the counter and
 * sharing routes and the domain are the real ones; `chainWrites()` counts transactions sent, so a
 * test can show that garbage changed nothing on chain.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import pino from "pino";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { registerAgency, registerType, registerVerifier } from "../../src/domain/authority";
import { DEMO_VERIFIER } from "../../src/domain/catalog";
import { memoryBatchJobs } from "../../src/domain/issuance";
import type { Address } from "../../src/domain/ports";
import { createPrincipal } from "../../src/domain/principals";
import { buildApp } from "../../src/http/app";
import { DEFAULT_HTTP_SETTINGS } from "../../src/http/deps";
import { frontRouters } from "../../src/http/front";
import { SqlClaimOfferStore } from "../../src/store/claimOffers";
import { SqlIssuerKeyStore } from "../../src/store/issuerKeys";
import { SqlBackupStore, SqlPickupStore } from "../../src/store/holderStores";
import { openStore } from "../../src/store/open";
import type { Database } from "../../src/store/schema";
import { fakeDeps, memoryIdempotentRequests } from "./frontFakes";
import { TEST_KEYSTORE_CONFIG } from "./keystore";
import { CHROMIUM, CHROMIUM_ARGS, ensureChromium } from "./chromium";
import { scratchDir } from "./scratch";

export { ensureChromium } from "./chromium";

export interface Gateway {
  url: string;
  agencyKey: string;
  verifierKey: string;
  verifierAddress: Address;
  verifierName: string;
  /** Every agency's key, names and accredited types (agencyKey is the one accredited for ID cards). */
  agencies: { name: string; nameZh?: string; apiKey: string; types: string[] }[];
  chainWrites(): Promise<number>;
  /** The gateway's store, to look at what it keeps (pickups and backups are in both kinds). */
  db: import("kysely").Kysely<Database>;
  close(): Promise<void>;
  kind: "embedded-chain" | "in-memory-ports";
}

const TYPES = ["resident-id-card", "business-licence", "household-register", "diploma", "marriage-certificate"];

async function startInMemory(): Promise<Gateway> {
  const deps = fakeDeps();
  // Pickups and backups are stored as in production, in a throwaway SQLite database.
  const store = await openStore({ url: "sqlite::memory:" });
  // The fake world's clock follows the wall clock, as the browser's does.
  Object.defineProperty(deps.world, "now", { get: () => Math.floor(Date.now() / 1000), set: () => undefined });
  for (const code of TYPES) await registerType(deps, { code });
  // The catalog's names, which the pages show in both languages.
  const agency = await registerAgency(deps, { name: "Public Security Bureau", types: TYPES });
  const verifier = await registerVerifier(deps, { name: DEMO_VERIFIER.name });
  const agencyKey = (await createPrincipal(deps, { role: "agency", address: agency.agency, label: "agency" })).apiKey;
  const verifierKey = (await createPrincipal(deps, { role: "verifier", address: verifier.verifier, label: "counter" }))
    .apiKey;
  const app = buildApp({
    ...deps,
    settings: DEFAULT_HTTP_SETTINGS,
    logger: pino({ level: "silent" }),
    batchJobs: memoryBatchJobs(),
    pickups: new SqlPickupStore(store.db),
    backups: new SqlBackupStore(store.db),
    claims: new SqlClaimOfferStore(store.db),
    issuerKeys: new SqlIssuerKeyStore(store.db),
    claimKey: new Uint8Array(32).fill(7),
    requests: memoryIdempotentRequests(),
    extraRouters: frontRouters(deps),
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
  });
  const port = (server.address() as AddressInfo).port;
  return {
    kind: "in-memory-ports",
    url: `http://127.0.0.1:${port}`,
    agencyKey,
    verifierKey,
    verifierAddress: verifier.verifier,
    verifierName: DEMO_VERIFIER.name,
    agencies: [{ name: "Public Security Bureau", nameZh: "公安局", apiKey: agencyKey, types: TYPES }],
    chainWrites: async () => deps.world.sent.length,
    db: store.db,
    close: async () => {
      await new Promise<void>((r) => server.close(() => r()));
      await store.close();
    },
  };
}

/** The real gateway (src/wiring/gateway.ts: embedded chain, SQLite store, relayer, indexer, demo seed). */
async function startReal(): Promise<Gateway> {
  const { loadConfig } = await import("../../src/config");
  const { openGateway } = await import("../../src/wiring/gateway");
  const dataDir = scratchDir("certledger-e2e-data-");
  const config = loadConfig({}, { dataDir, port: 0, seedDemo: "true", logLevel: "silent", ...TEST_KEYSTORE_CONFIG });
  // openGateway mounts the pages and the counter/share routes itself (src/http/front.ts).
  const g = await openGateway(config, { logger: pino({ level: "silent" }) });
  const server: Server = await new Promise((resolve) => {
    const s = g.app.listen(0, "127.0.0.1", () => resolve(s));
  });
  const port = (server.address() as AddressInfo).port;
  const creds = g.credentials!;
  const agency = creds.agencies.find((a) => a.types.includes("resident-id-card"))!;
  const db = g.engine.store.db as unknown as import("kysely").Kysely<{ outbox: { id: number } }>;
  return {
    kind: "embedded-chain",
    url: `http://127.0.0.1:${port}`,
    agencyKey: agency.apiKey,
    verifierKey: creds.verifier.apiKey,
    verifierAddress: creds.verifier.verifier,
    verifierName: creds.verifier.name,
    agencies: creds.agencies,
    db: g.engine.store.db,
    // Every chain write goes through the relayer's outbox: its row count is the number of writes accepted.
    chainWrites: async () =>
      Number(
        (
          await db
            .selectFrom("outbox")
            .select((eb) => eb.fn.countAll<number>().as("n"))
            .executeTakeFirstOrThrow()
        ).n,
      ),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await g.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** CERTLEDGER_E2E_PORTS=memory runs the pages over in-memory ports (fast, for page work). */
export async function startGateway(): Promise<Gateway> {
  return process.env.CERTLEDGER_E2E_PORTS === "memory" ? startInMemory() : startReal();
}

/**
 * The test process's one headless Chromium, started on first use: each person is a context of it (a
 * profile of their own, as separate as two browsers: storage, cookies, permissions). Starting a
 * Chromium took 2-4 s on the 2-core machine, and a scenario has up to a dozen people.
 */
let shared: Promise<Browser> | undefined;

function sharedBrowser(): Promise<Browser> {
  shared ??= chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  return shared;
}

/** Closes the shared Chromium (a suite's `after`, once its people are gone); the next person starts another. */
export async function closeSharedBrowser(): Promise<void> {
  const browser = shared;
  shared = undefined;
  await (await browser?.catch(() => undefined))?.close();
}

/**
 * A fresh browser profile (its own localStorage): one per person in the scenario. A context of the
 * shared Chromium, or, when it needs launch flags of its own (`extraArgs`: a fake camera), a Chromium
 * of its own with a profile directory (`dir`).
 */
export async function newBrowser(
  viewport = { width: 1280, height: 900 },
  extraArgs: string[] = [],
): Promise<{ context: BrowserContext; dir?: string }> {
  if (extraArgs.length === 0) {
    const context = await (await sharedBrowser()).newContext({ viewport, locale: "zh-CN" });
    return { context };
  }
  const dir = scratchDir("certledger-e2e-");
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [...CHROMIUM_ARGS, ...extraArgs],
    viewport,
    locale: "zh-CN",
  });
  return { context, dir };
}

export const PHONE = { width: 390, height: 844 };

export const RESULTS_DIR = path.join(__dirname, "..", "..", "test-results");

/**
 * Whether the browser tests keep a full-page screenshot of each view they walk through, in
 * test-results/<suite>/, for a person reviewing the pages: CERTLEDGER_E2E_SHOTS=1. Off by default: in a
 * suite run they were a third of the language test's browser CPU time (23 of 79 s). A failing test
 * leaves its pages' screenshots in test-results/failures/ either way.
 */
export const KEEP_SHOTS = process.env.CERTLEDGER_E2E_SHOTS === "1";

/** `shot(page, name)`: the page's full-page screenshot as `dir`/`name`.png when KEEP_SHOTS, else nothing. */
export function shooter(dir: string): (page: Page, name: string) => Promise<void> {
  return async (page, name) => {
    if (KEEP_SHOTS) await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: true });
  };
}

/** Nested fields as CSV columns: address.city etc. */
function flatten(o: Record<string, unknown>, prefix = ""): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(o)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === "object" && !Array.isArray(v)) Object.assign(out, flatten(v as Record<string, unknown>, key));
    else out[key] = Array.isArray(v) ? JSON.stringify(v) : String(v);
  }
  return out;
}

/** The agency console's batch file: a `holder` column and one column per (nested) field, quoted. */
export function batchCsv(items: { holder: string; fields: Record<string, unknown> }[]): string {
  const rows: Record<string, unknown>[] = items.map((i) => ({ holder: i.holder, ...flatten(i.fields) }));
  // Every column any row has (optional fields come and go between samples); a missing one is an empty cell.
  const header = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cell = (v: unknown) => (v === undefined ? "" : `"${String(v).replace(/"/g, '""')}"`);
  return [header.join(","), ...rows.map((r) => header.map((k) => cell(r[k])).join(","))].join("\n");
}

/** The text of the QR code in a PNG (a screenshot of a page's image), decoded by jsQR; undefined if none. */
export function readQrPng(png: Buffer): string | undefined {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { PNG } = require("pngjs") as {
    PNG: { sync: { read(b: Buffer): { data: Buffer; width: number; height: number } } };
  };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const jsQR = require("jsqr") as typeof import("jsqr").default;
  const img = PNG.sync.read(png);
  return jsQR(new Uint8ClampedArray(img.data), img.width, img.height)?.data;
}

/**
 * A camera that films `png` (Chromium's fake capture device plays a Y4M file): the QR code centred on
 * white in a 640x480 frame, in 4:2:0 greyscale.
 */
export function fakeCameraFile(png: Buffer): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { PNG } = require("pngjs") as {
    PNG: { sync: { read(b: Buffer): { data: Buffer; width: number; height: number } } };
  };
  const img = PNG.sync.read(png);
  const W = 640;
  const H = 480;
  const y = Buffer.alloc(W * H, 255);
  const scale = Math.min(1, (H - 40) / img.height, (W - 40) / img.width);
  const w = Math.floor(img.width * scale);
  const hh = Math.floor(img.height * scale);
  const ox = Math.floor((W - w) / 2);
  const oy = Math.floor((H - hh) / 2);
  for (let j = 0; j < hh; j++)
    for (let i = 0; i < w; i++) {
      const sx = Math.floor(i / scale);
      const sy = Math.floor(j / scale);
      const k = (sy * img.width + sx) * 4;
      y[(oy + j) * W + ox + i] = Math.round(0.299 * img.data[k] + 0.587 * img.data[k + 1] + 0.114 * img.data[k + 2]);
    }
  const chroma = Buffer.alloc((W / 2) * (H / 2), 128);
  const frame = Buffer.concat([Buffer.from("FRAME\n"), y, chroma, chroma]);
  const file = path.join(scratchDir("certledger-camera-"), "qr.y4m");
  fs.writeFileSync(file, Buffer.concat([Buffer.from(`YUV4MPEG2 W${W} H${H} F10:1 Ip A1:1 C420jpeg\n`), frame, frame]));
  return file;
}

/** The gateway's REST API as the agency and the counter use it, for tests that need a certificate or a request fast. */
export function gatewayApi(gw: Gateway) {
  async function call<T>(method: string, url: string, key: string, body?: unknown): Promise<T> {
    const res = await fetch(`${gw.url}${url}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        "content-type": "application/json",
        "idempotency-key": `e2e-${Date.now()}-${Math.random()}`,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await res.json()) as T;
    if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  }
  return {
    /** The agency issues a resident ID card to `holder`; returns its certId, the document as text and its pickup link. */
    async issue(holder: string): Promise<{ certId: string; document: string; pickupUrl?: string }> {
      const { sampleFields } = await import("../../src/domain/catalog");
      const r = await call<{ certId: string; document: unknown; pickup?: { url?: string } }>(
        "POST",
        "/v1/agency/certificates",
        gw.agencyKey,
        {
          type: "resident-id-card",
          holder,
          fields: sampleFields("resident-id-card", `${Date.now()}-${Math.random()}`),
        },
      );
      return { certId: r.certId, document: JSON.stringify(r.document), pickupUrl: r.pickup?.url };
    },
    revoke: (certId: string, reason: string) =>
      call("POST", `/v1/agency/certificates/${certId}/revoke`, gw.agencyKey, { reason }),
    /** The counter asks for a resident ID card to open a bank account; returns the wallet URL its QR carries. */
    async counterRequest(): Promise<string> {
      const r = await call<{ url: string }>("POST", "/v1/counter/requests", gw.verifierKey, {
        types: ["resident-id-card"],
        purpose: "open-bank-account",
        minutes: 5,
      });
      return r.url;
    },
  };
}

/**
 * The counter officer (signing in with the verifier key when the profile is not yet) opens a request for
 * `service`; returns the PNG of its QR code as the page shows it.
 */
export async function openCounterQr(counter: Page, gw: Gateway, service = "bank"): Promise<Buffer> {
  await counter.goto(`${gw.url}/counter`);
  if ((await counter.locator("#counter-api-key").count()) > 0) {
    await counter.fill("#counter-api-key", gw.verifierKey);
    await counter.click("#counter-sign-in");
    await counter.locator("#counter-signed-in").waitFor();
  }
  await counter.selectOption("#counter-service", service);
  await counter.click("#counter-open");
  const img = counter.locator("#counter-qr-image");
  await img.waitFor();
  await counter.waitForFunction(
    () => (document.querySelector("#counter-qr-image") as HTMLImageElement | null)?.complete === true,
  );
  return img.screenshot();
}

/** Opens the wallet page and creates a new wallet (the mnemonic shown and acknowledged). */
export async function newWallet(page: Page, gw: Pick<Gateway, "url">): Promise<void> {
  await page.goto(`${gw.url}/wallet`);
  await page.click("#wallet-create");
  await page.click("#wallet-mnemonic-done");
  await page.locator("#wallet-receive-address").waitFor();
}

export interface BrowserSuite {
  /** The gateway, once the suite's `before` has run. */
  gateway(): Gateway;
  /** Its REST API as the agency and the counter use it (see gatewayApi). */
  api(): ReturnType<typeof gatewayApi>;
  /**
   * A person with their own browser profile; the suite fails a test on any uncaught page error. `lang`
   * sets the pages' language before any of them loads.
   */
  person(viewport?: { width: number; height: number }, lang?: "zh" | "en"): Promise<Page>;
}

/** Screenshots of every open page into test-results/failures/, named after the test; never throws. */
async function shootFailure(title: string, contexts: BrowserContext[]): Promise<void> {
  const dir = path.join(RESULTS_DIR, "failures");
  const stem = title.replace(/[^A-Za-z0-9]+/g, "-").slice(0, 80);
  fs.mkdirSync(dir, { recursive: true });
  let n = 0;
  for (const c of contexts)
    for (const page of c.pages()) {
      const file = path.join(dir, `${stem}-${++n}.png`);
      await page.screenshot({ path: file, fullPage: true, timeout: 10_000 }).then(
        () => process.stderr.write(`failure screenshot: ${file} (${page.url()})\n`),
        () => undefined,
      );
    }
}

/**
 * Registers a browser suite's hooks in the calling describe(): Chromium (and CJK fonts) installed when
 * missing, one gateway for the suite, every browser closed after it, no uncaught page error allowed;
 * `shotsDir`, when given, is created for the suite's screenshots.
 */
export function browserSuite(shotsDir?: string): BrowserSuite {
  let gw: Gateway | undefined;
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];
  before(async function () {
    this.timeout(900_000); // a fresh machine installs chromium (and a CJK font) here
    ensureChromium();
    execFileSync("bash", [path.join(__dirname, "..", "..", "scripts", "ensure-cjk-fonts.sh")], { stdio: "inherit" });
    if (shotsDir) fs.mkdirSync(shotsDir, { recursive: true });
    gw = await startGateway();
  });
  after(async function () {
    for (const c of contexts) await c.close().catch(() => undefined);
    await closeSharedBrowser();
    await gw?.close();
  });
  afterEach(async function () {
    // A failed step leaves what each person's pages showed then, for a run whose log says only "timeout".
    if (this.currentTest?.state === "failed") await shootFailure(this.currentTest.fullTitle(), contexts);
    if (pageErrors.length) throw new Error(`uncaught errors in the pages: ${pageErrors.splice(0).join("; ")}`);
  });
  return {
    gateway: () => gw!,
    api: () => gatewayApi(gw!),
    async person(viewport, lang) {
      const { context } = await newBrowser(viewport);
      contexts.push(context);
      if (lang)
        await context.addInitScript((l) => {
          try {
            localStorage.setItem("certledger.lang", l);
          } catch {
            // about:blank has no storage
          }
        }, lang);
      const page = context.pages()[0] ?? (await context.newPage());
      page.on("pageerror", (e) => pageErrors.push(e.message));
      return page;
    },
  };
}
