/**
 * Serves the four pages: /agency, /wallet, /counter, /verify (each an HTML shell that loads its
 * bundle), /assets/* (the esbuild output of src/web, built lazily on the first request, see
 * src/web/build.ts) and the icon (/favicon.ico, /favicon.svg). Mount it in buildApp with
 * `app.use(webRouter())` — it claims only those paths, and `/` redirects to /verify.
 *
 * The pages send no data to third parties and load nothing from other origins, so the Content
 * Security Policy allows only this origin (images from data: and blob: for QR codes and camera
 * frames).
 */
import express, { type Router } from "express";
import path from "node:path";
import { FAVICON_SVG, faviconIco } from "./favicon";
import { PAGES, ensureWebBundles, type PageName, WEB_DIST_DIR } from "../web/build";

const TITLES: Record<PageName, string> = {
  agency: "agency.title",
  wallet: "wallet.title",
  counter: "counter.title",
  verify: "verify.title",
};

function pageHtml(page: PageName): string {
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<title>certledger · 证照链</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/assets/app.css">
</head>
<body data-page="${page}" data-title-key="${TITLES[page]}">
<noscript>This page needs JavaScript. 本页面需要启用 JavaScript。</noscript>
<script src="/assets/${page}.js" defer></script>
</body>
</html>
`;
}

const CSP = [
  "default-src 'self'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob:",
  "style-src 'self'",
  "script-src 'self'",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join("; ");

export interface WebRouterOptions {
  /** Where the bundles are (default dist/web); they are built there when missing or stale. */
  distDir?: string;
}

export function webRouter(opts: WebRouterOptions = {}): Router {
  const distDir = opts.distDir ?? WEB_DIST_DIR;
  const router = express.Router();

  router.get("/", (_req, res) => res.redirect(302, "/verify"));

  const ico = faviconIco();
  router.get("/favicon.ico", (_req, res) => {
    res.set("cache-control", "public, max-age=86400");
    res.type("image/x-icon").send(ico);
  });
  router.get("/favicon.svg", (_req, res) => {
    res.set("cache-control", "public, max-age=86400");
    res.type("image/svg+xml").send(FAVICON_SVG);
  });

  for (const page of PAGES) {
    const html = pageHtml(page);
    router.get([`/${page}`, `/${page}/`], async (_req, res, next) => {
      try {
        await ensureWebBundles({ outDir: distDir });
      } catch (err) {
        return next(err);
      }
      res.set({ "content-security-policy": CSP, "cache-control": "no-cache", "referrer-policy": "no-referrer" });
      res.type("html").send(html);
    });
  }

  router.use("/assets", async (req, res, next) => {
    if (!/^\/(agency|wallet|counter|verify)\.js$|^\/app\.css$/.test(req.path)) return next();
    try {
      await ensureWebBundles({ outDir: distDir });
    } catch (err) {
      return next(err);
    }
    res.set("cache-control", "no-cache");
    res.sendFile(path.join(distDir, req.path.slice(1)));
  });

  return router;
}
