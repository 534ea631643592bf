/**
 * The worker-thread side of src/wiring/documentPool.ts: answers {id, document} (or {id, text}, the
 * document's JSON text) with {id, integrity}, {id, build: inputs} with {id, built} (the documents),
 * {id, parts: inputs} with {id, parts} (batch members as text, src/wiring/documentOps.ts),
 * or {id, failed: true} should the work throw (the pool then runs it on the main thread). The same
 * pure function the main thread runs (src/wiring/documentOps.ts), so a verdict never depends on where
 * it was computed.
 */
import { parentPort } from "node:worker_threads";
import type { BuildDocumentInput, DocumentIntegrity } from "../domain/ports";
import { keccakReady } from "../document/keccak";
import { buildBatchPart, buildOne, integrityOf, type BatchPart } from "./documentOps";

export type DocumentRequest =
  | { id: number; document: unknown }
  | { id: number; text: string }
  | { id: number; build: BuildDocumentInput[] }
  | { id: number; parts: BuildDocumentInput[] };
export type DocumentReply =
  | { id: number; integrity: DocumentIntegrity }
  | { id: number; built: ReturnType<typeof buildOne>[] }
  | { id: number; parts: BatchPart[] }
  | { id: number; failed: true };

const port = parentPort;
if (port) {
  const answer = (m: DocumentRequest) => {
    let reply: DocumentReply;
    // A batch's parts are bytes each in an ArrayBuffer of its own: moved to the main thread, not copied.
    let moved: ArrayBuffer[] = [];
    try {
      if ("build" in m) reply = { id: m.id, built: m.build.map(buildOne) };
      else if ("parts" in m) {
        const parts = m.parts.map(buildBatchPart);
        // (Only a buffer that holds nothing else, once: TextEncoder gives each text one of its own.)
        moved = [
          ...new Set(parts.filter((p) => p.json.byteLength === p.json.buffer.byteLength).map((p) => p.json.buffer)),
        ] as ArrayBuffer[];
        reply = { id: m.id, parts };
      } else reply = { id: m.id, integrity: integrityOf("text" in m ? m.text : m.document) };
    } catch {
      reply = { id: m.id, failed: true };
      moved = [];
    }
    port.postMessage(reply, moved);
  };
  // The WebAssembly keccak compiles asynchronously; until it answers, js-sha3 (~4x the CPU per hash) would
  // build the first slices of a batch. Requests wait for it (it never rejects: should it fail, js-sha3 stays).
  let ready = false;
  const waiting: DocumentRequest[] = [];
  void keccakReady.then(() => {
    ready = true;
    for (const m of waiting.splice(0)) answer(m);
  });
  port.on("message", (m: DocumentRequest) => {
    if (ready) answer(m);
    else waiting.push(m);
  });
}
