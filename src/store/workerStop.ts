import type { Worker } from "node:worker_threads";

/**
 * How the SQLite worker threads (the WAL checkpointer, the chain state server and writer) are stopped: the thread
 * is asked to close its connection ("stop", answered `{ stopped: true }`) and then terminated; one that
 * cannot be asked any more is terminated at once. The returned function stops it once, however often
 * it is called, and resolves when the thread has exited.
 */
export function workerStopper(worker: Worker): () => Promise<void> {
  let stopped: Promise<void> | undefined;
  return () => {
    stopped ??= new Promise<void>((resolve) => {
      // An idle worker is unreferenced; one being stopped keeps the process alive until it has stopped
      // (else a caller awaiting the stop, with nothing else pending, sees the process exit under it).
      worker.ref();
      const done = () => resolve();
      worker.once("exit", done);
      worker.on("message", (m: { stopped?: boolean }) => {
        if (m.stopped) void worker.terminate().then(done, done);
      });
      try {
        worker.postMessage("stop");
      } catch {
        void worker.terminate().then(done, done);
      }
    });
    return stopped;
  };
}
