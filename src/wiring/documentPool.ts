/**
 * Document work off the main thread. An uncached integrity check (JCS of every field, ~40 keccaks,
 * the batch proof) is most of a verification's CPU; on the event loop it caps verification at one
 * core and delays every other request behind it. The pool hands each check to one of a few worker
 * threads running the same pure function (src/wiring/documentOps.ts), so the event loop keeps parsing,
 * routing and answering while the other cores hash.
 *
 * A batch's documents are built here too, a slice at a time (`build`): during a mass issue the event
 * loop is the bottleneck (receiving the next chunk, storing and serving the documents of the previous
 * one), and building (salts, JCS, keccaks, their garbage) was a third of its time. A single issue is
 * still built on the event loop: measured on 2 cores, the worker then only competed with the embedded
 * chain and issuing got no faster. Slices keep a verification that waits behind a build short.
 *
 * Workers start on first use. A worker that dies is replaced; the work it held is done on the main
 * thread, so a crash costs time, never an answer. After repeated deaths the pool stops using workers
 * and says so in the log.
 */
import type { Worker } from "node:worker_threads";
import { startModuleWorker } from "../store/moduleWorker";
import type { BuildDocumentInput, DocumentIntegrity } from "../domain/ports";
import { buildBatchPart, buildOne, integrityOf, type BatchPart } from "./documentOps";
import type { DocumentReply, DocumentRequest } from "./documentWorker";

export interface DocumentPool {
  /**
   * The integrity of a document, computed in a worker (or here, when no worker can take it). With the
   * document's JSON text the worker gets the text, not the object: a string crosses threads as one copy,
   * an object is cloned field by field on this thread.
   */
  check(document: unknown, text?: string): Promise<DocumentIntegrity>;
  /**
   * Builds documents (buildOne of each input, in order), in a worker when there is one. A refused input
   * rejects with the same error the main thread gives (the slice is built again here to get it).
   */
  build(inputs: BuildDocumentInput[]): Promise<ReturnType<typeof buildOne>[]>;
  /** Builds batch members as text (buildBatchPart of each input, in order), like `build`. */
  buildParts(inputs: BuildDocumentInput[]): Promise<BatchPart[]>;
  /** Workers configured (0: every check runs on the calling thread). */
  readonly size: number;
  /** The running worker threads (operations and tests: a test stops one to see the pool recover). */
  threads(): Worker[];
  close(): Promise<void>;
}

export interface DocumentPoolOptions {
  workers: number;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
}

interface Pending {
  /** The same work on this thread: when no worker can take it, or the worker failed at it. */
  here: () => unknown;
  resolve: (r: never) => void;
  reject: (e: unknown) => void;
}

interface Slot {
  worker: Worker;
  pending: Map<number, Pending>;
}

/** Deaths within DEATH_WINDOW_MS after which the pool gives up on workers. */
const MAX_DEATHS = 5;
const DEATH_WINDOW_MS = 60_000;

/** The worker thread that runs src/wiring/documentWorker.ts. */
function spawnWorker(): Worker {
  return startModuleWorker(__filename, __dirname, "documentWorker", { name: "certledger-documents" });
}

/** Works on this thread, settling the caller with the result or the error. */
function runHere(p: Pending): void {
  try {
    p.resolve(p.here() as never);
  } catch (e) {
    p.reject(e);
  }
}

export function createDocumentPool(opts: DocumentPoolOptions): DocumentPool {
  const size = Math.max(0, Math.floor(opts.workers));
  const slots: (Slot | undefined)[] = new Array(size).fill(undefined);
  const deaths: number[] = [];
  let nextId = 1;
  let closed = false;
  let disabled = size === 0;

  function start(i: number): Slot {
    const worker = spawnWorker();
    const slot: Slot = { worker, pending: new Map() };
    worker.unref(); // only pending work keeps the process alive (see run)
    worker.on("message", (m: DocumentReply) => {
      const p = slot.pending.get(m.id);
      if (!p) return;
      slot.pending.delete(m.id);
      if (slot.pending.size === 0) worker.unref();
      if ("integrity" in m) p.resolve(m.integrity as never);
      else if ("built" in m) p.resolve(m.built as never);
      else if ("parts" in m) p.resolve(m.parts as never);
      else runHere(p);
    });
    const die = (why: string) => {
      if (slots[i] !== slot) return;
      slots[i] = undefined;
      for (const p of slot.pending.values()) runHere(p);
      slot.pending.clear();
      if (closed) return;
      const now = Date.now();
      deaths.push(now);
      while (deaths.length > 0 && deaths[0] < now - DEATH_WINDOW_MS) deaths.shift();
      opts.log?.("document worker stopped", { worker: i, why });
      if (deaths.length >= MAX_DEATHS) {
        disabled = true;
        opts.log?.("document workers keep stopping: doing their work on the main thread", {
          deaths: deaths.length,
        });
      }
    };
    worker.on("error", (e) => die(e instanceof Error ? e.message : String(e)));
    worker.on("exit", (code) => die(`exit ${code}`));
    slots[i] = slot;
    return slot;
  }

  function pick(): Slot | undefined {
    let best: Slot | undefined;
    for (let i = 0; i < size; i++) {
      const s = slots[i] ?? start(i);
      if (!best || s.pending.size < best.pending.size) best = s;
    }
    return best;
  }

  /** Sends `request` to the least busy worker; `here` does the same work on this thread. */
  function submit<T>(request: DocumentRequest, here: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const p: Pending = { here, resolve: resolve as (r: never) => void, reject };
      const slot = closed || disabled ? undefined : pick();
      if (!slot) return runHere(p);
      try {
        slot.worker.postMessage(request);
      } catch {
        return runHere(p); // not cloneable (never from a parsed JSON body): this thread does it
      }
      if (slot.pending.size === 0) slot.worker.ref();
      slot.pending.set(request.id, p);
    });
  }

  function check(document: unknown, text?: string): Promise<DocumentIntegrity> {
    // Wherever the check runs, it reads the same input: the text when there is one. (A string
    // document is itself read as JSON text, so it goes as it is.)
    const asText = text !== undefined && typeof document !== "string";
    const input = asText ? text : document;
    const id = nextId++;
    return submit(asText ? { id, text } : { id, document }, () => integrityOf(input));
  }

  function build(inputs: BuildDocumentInput[]): Promise<ReturnType<typeof buildOne>[]> {
    return submit({ id: nextId++, build: inputs }, () => inputs.map(buildOne));
  }

  function buildParts(inputs: BuildDocumentInput[]): Promise<BatchPart[]> {
    return submit({ id: nextId++, parts: inputs }, () => inputs.map(buildBatchPart));
  }

  return {
    size,
    threads: () => slots.filter((s): s is Slot => s !== undefined).map((s) => s.worker),
    check,
    build,
    buildParts,
    async close() {
      if (closed) return;
      closed = true;
      const running = slots.filter((s): s is Slot => s !== undefined);
      slots.fill(undefined);
      for (const s of running) {
        for (const p of s.pending.values()) runHere(p);
        s.pending.clear();
      }
      await Promise.all(running.map((s) => s.worker.terminate()));
    },
  };
}
