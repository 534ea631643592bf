import path from "node:path";
import { Worker, type WorkerOptions } from "node:worker_threads";

/**
 * Starts a worker thread on one of this project's modules, `dir/name` with the caller's own extension
 * (`callerFile`: pass `__filename`). Source runs (tsx) load the TypeScript module through tsx's require
 * hook; a compiled build loads the .js.
 */
export function startModuleWorker(callerFile: string, dir: string, name: string, opts: WorkerOptions): Worker {
  const ext = path.extname(callerFile);
  const entry = path.join(dir, `${name}${ext}`);
  if (ext === ".ts") {
    const hook = require.resolve("tsx/cjs");
    return new Worker(`require(${JSON.stringify(hook)}); require(${JSON.stringify(entry)});`, { ...opts, eval: true });
  }
  return new Worker(entry, opts);
}
