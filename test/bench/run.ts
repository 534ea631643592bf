/**
 * `npm run bench`: runs every benchmark in test/bench (but gas.ts, which is `npm run bench:gas`, and
 * soak.ts, which is `npm run soak`)
 * in its own process (with --expose-gc, for the memory figures), one after the other, so one
 * benchmark's heap and JIT state do not colour the next. Each prints one JSON line per figure: {"name", "value", "unit"}.
 */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import path from "node:path";

const dir = __dirname;
const only = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".ts") && !["run.ts", "gas.ts", "soak.ts"].includes(f))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();

let failed = 0;
for (const file of files) {
  const result = spawnSync(process.execPath, ["--expose-gc", "--import", "tsx", path.join(dir, file)], {
    stdio: "inherit",
  });
  if (result.status !== 0) {
    failed++;
    process.stderr.write(`benchmark ${file} exited with ${result.status ?? result.signal}\n`);
  }
}
process.exit(failed === 0 ? 0 : 1);
