/**
 * The worker-thread side of src/wiring/documentPool.ts: answers {id, op, input} with {id, result},
 * or {id, failed: true} when the operation threw (the pool then runs it on the main thread, which
 * throws the same error where the caller can catch it). The same pure functions the main thread runs
 * (src/wiring/documentOps.ts), so an answer never depends on where it was computed.
 */
import { parentPort } from "node:worker_threads";
import { DOCUMENT_OPS, type DocumentOp } from "./documentOps";

export interface DocumentRequest {
  id: number;
  op: DocumentOp;
  input: unknown;
}
export type DocumentReply = { id: number; result: unknown } | { id: number; failed: true };

const port = parentPort;
if (port) {
  port.on("message", (m: DocumentRequest) => {
    let reply: DocumentReply;
    try {
      reply = { id: m.id, result: (DOCUMENT_OPS[m.op] as (input: unknown) => unknown)(m.input) };
    } catch {
      reply = { id: m.id, failed: true };
    }
    port.postMessage(reply);
  });
}
