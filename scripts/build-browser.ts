/**
 * Builds the document library for the browser: dist/web/certledger-document.js, an IIFE that sets
 * the global `certledger` (buildDocument, verifyDocumentIntegrity, redactDocument, createHolderWallet…).
 * The wallet and verify pages load it, and third parties can verify documents with it alone.
 *
 *   npx tsx scripts/build-browser.ts [outfile]
 *
 * platform "browser" makes esbuild fail on any Node built-in, which keeps src/document free of them.
 */
import path from "node:path";
import { build } from "esbuild";

export const BROWSER_BUNDLE = path.join(__dirname, "..", "dist", "web", "certledger-document.js");

export async function buildBrowserBundle(outfile: string = BROWSER_BUNDLE): Promise<string> {
  await build({
    entryPoints: [path.join(__dirname, "..", "src", "document", "index.ts")],
    outfile,
    bundle: true,
    format: "iife",
    globalName: "certledger",
    platform: "browser",
    target: ["es2022", "chrome111", "firefox119", "safari16.4"],
    minify: true,
    sourcemap: "linked",
    legalComments: "eof",
    logLevel: "warning",
  });
  return outfile;
}

if (require.main === module) {
  buildBrowserBundle(process.argv[2]).then(
    (out) => console.log(`built ${path.relative(process.cwd(), out)}`),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
