/**
 * SQLite WAL checkpoints on a thread of their own. By default the connection that commits past 1,000
 * WAL pages copies the WAL into the database file and syncs it, inside that COMMIT: on the gateway that
 * is the event loop, and during a mass issue (hundreds of MB of documents) those checkpoints were most of
 * its commit time (measured: 2.7 s of 3.7 s for 100,000 stored documents). Here a worker thread with its
 * own connection runs a PASSIVE checkpoint every few hundred milliseconds; a PASSIVE checkpoint takes no
 * writer lock, so commits go on meanwhile. The committing connection keeps its own automatic checkpoint
 * as a backstop at a larger size, for when this thread falls behind or stops.
 */
import { Worker } from "node:worker_threads";
import { workerStopper } from "./workerStop";

/** WAL pages after which the committing connection checkpoints itself (~64 MB of 4 KiB pages). */
export const BACKSTOP_CHECKPOINT_PAGES = 16_384;

export interface WalCheckpointer {
  /** Stops the thread and closes its connection (before the main connection closes, so that one checkpoints last). */
  stop(): Promise<void>;
}

/** The worker's code: plain CommonJS, so that it runs the same from sources and from a build. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
let failed = false;
const timer = setInterval(() => {
  try {
    db.pragma("wal_checkpoint(PASSIVE)");
    failed = false;
  } catch (e) {
    // Reported once per run of failures; the committing connection's backstop keeps the WAL bounded.
    if (!failed) parentPort.postMessage({ error: String(e && e.message ? e.message : e) });
    failed = true;
  }
}, workerData.everyMs);
parentPort.on("message", (m) => {
  if (m !== "stop") return;
  clearInterval(timer);
  db.close();
  parentPort.postMessage({ stopped: true });
});
`;

export function startWalCheckpointer(opts: {
  file: string;
  everyMs?: number;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
}): WalCheckpointer {
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    name: "certledger-wal-checkpoint",
    workerData: { file: opts.file, everyMs: opts.everyMs ?? 250, driver: require.resolve("better-sqlite3") },
  });
  worker.unref();
  worker.on("message", (m: { error?: string }) => {
    if (m.error) opts.log?.("background WAL checkpoint failed", { err: m.error });
  });
  worker.on("error", (e) => opts.log?.("WAL checkpoint thread stopped", { err: e.message }));
  return {
    stop: workerStopper(worker),
  };
}
