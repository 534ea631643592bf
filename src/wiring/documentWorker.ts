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
  port.on("message", (m: DocumentRequest) => {
    let reply: DocumentReply;
    try {
      if ("build" in m) reply = { id: m.id, built: m.build.map(buildOne) };
      else if ("parts" in m) reply = { id: m.id, parts: m.parts.map(buildBatchPart) };
      else reply = { id: m.id, integrity: integrityOf("text" in m ? m.text : m.document) };
    } catch {
      reply = { id: m.id, failed: true };
    }
    port.postMessage(reply);
  });
}
