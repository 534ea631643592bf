/**
 * The worker-thread side of src/wiring/documentPool.ts: answers {id, document} (or {id, text}, the
 * document's JSON text) with {id, integrity},
 * or {id, failed: true} should the check throw (the pool then runs it on the main thread). The same
 * pure function the main thread runs (src/wiring/documentOps.ts), so a verdict never depends on where
 * it was computed.
 */
import { parentPort } from "node:worker_threads";
import type { DocumentIntegrity } from "../domain/ports";
import { integrityOf } from "./documentOps";

export type DocumentRequest = { id: number; document: unknown } | { id: number; text: string };
export type DocumentReply = { id: number; integrity: DocumentIntegrity } | { id: number; failed: true };

const port = parentPort;
if (port) {
  port.on("message", (m: DocumentRequest) => {
    let reply: DocumentReply;
    try {
      reply = { id: m.id, integrity: integrityOf("text" in m ? m.text : m.document) };
    } catch {
      reply = { id: m.id, failed: true };
    }
    port.postMessage(reply);
  });
}
