/** Builds the web pages into dist/web/ ahead of time: `npx tsx scripts/build-web.ts`. */
import { buildWebBundles } from "../src/web/build";

buildWebBundles({ minify: !process.argv.includes("--dev") })
  .then(({ outDir, ms }) => console.log(`web bundles in ${outDir} (${ms} ms)`))
  .catch((err) => {
    console.error(err);
    process.exit(1);
  });
