/**
 * Bundles the four pages (src/web/{agency,wallet,counter,verify}.ts) and the stylesheet into
 * dist/web/ with esbuild. The gateway calls `ensureWebBundles` lazily on the first page request
 * (see src/http/web.ts), so `npm start` stays fast and a fresh clone needs no separate build step;
 * `tsx scripts/build-web.ts` builds ahead of time (CI, containers).
 *
 * A bundle is rebuilt when any file under src/web/ or src/document/ is newer than it, so editing a
 * page and reloading the browser is enough during development.
 */
import { build } from "esbuild";
import { promises as fs } from "node:fs";
import path from "node:path";

export const PAGES = ["agency", "wallet", "counter", "verify"] as const;
export type PageName = (typeof PAGES)[number];

const ROOT = path.resolve(__dirname, "..", "..");
export const WEB_SRC_DIR = path.join(ROOT, "src", "web");
export const WEB_DIST_DIR = path.join(ROOT, "dist", "web");

/** Directories whose changes make the bundles stale (the pages import the document library). */
const WATCHED = [WEB_SRC_DIR, path.join(ROOT, "src", "document"), path.join(ROOT, "src", "domain", "catalog")];

async function newestMtime(dir: string): Promise<number> {
  let newest = 0;
  let entries: import("node:fs").Dirent[];
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, await newestMtime(p));
    else newest = Math.max(newest, (await fs.stat(p)).mtimeMs);
  }
  return newest;
}

async function oldestOutput(outDir: string): Promise<number> {
  let oldest = Infinity;
  for (const f of [...PAGES.map((p) => `${p}.js`), "app.css"]) {
    try {
      oldest = Math.min(oldest, (await fs.stat(path.join(outDir, f))).mtimeMs);
    } catch {
      return 0;
    }
  }
  return oldest;
}

export interface BuildWebOptions {
  outDir?: string;
  minify?: boolean;
}

/** Builds every page bundle and the stylesheet unconditionally. */
export async function buildWebBundles(opts: BuildWebOptions = {}): Promise<{ outDir: string; ms: number }> {
  const outDir = opts.outDir ?? WEB_DIST_DIR;
  const started = Date.now();
  await fs.mkdir(outDir, { recursive: true });
  await build({
    entryPoints: Object.fromEntries(PAGES.map((p) => [p, path.join(WEB_SRC_DIR, `${p}.ts`)])),
    outdir: outDir,
    bundle: true,
    format: "iife",
    platform: "browser",
    target: ["es2022", "chrome100", "safari15"],
    minify: opts.minify ?? true,
    sourcemap: false,
    legalComments: "none",
    logLevel: "silent",
    define: { "process.env.NODE_ENV": '"production"', global: "globalThis" },
  });
  await build({
    entryPoints: { app: path.join(WEB_SRC_DIR, "styles.css") },
    outdir: outDir,
    bundle: true,
    minify: opts.minify ?? true,
    logLevel: "silent",
  });
  return { outDir, ms: Date.now() - started };
}

let pending: Promise<string> | undefined;

/**
 * Builds the bundles when they are missing or older than their sources; concurrent callers share
 * one build. Resolves to the directory that holds them.
 */
export function ensureWebBundles(opts: BuildWebOptions = {}): Promise<string> {
  const outDir = opts.outDir ?? WEB_DIST_DIR;
  pending ??= (async () => {
    const [src, out] = await Promise.all([Promise.all(WATCHED.map(newestMtime)), oldestOutput(outDir)]);
    if (Math.max(...src) > out) await buildWebBundles({ ...opts, outDir });
    return outDir;
  })().finally(() => {
    // Let the next request re-check staleness (cheap: a few stat calls), so edits show on reload.
    setTimeout(() => (pending = undefined), 1000).unref?.();
  });
  return pending;
}
