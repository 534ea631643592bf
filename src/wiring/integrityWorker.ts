/**
 * The worker-thread side of src/wiring/integrityPool.ts: answers {id, document} with
 * {id, integrity} (or {id, error} when the check itself threw, which it should never do).
 * The same pure function the main thread runs (integrityOf), so a verdict never depends on where it ran.
 */
import { parentPort } from "node:worker_threads";
import { integrityOf } from "./documents";

export interface IntegrityRequest {
  id: number;
  document: unknown;
}
export type IntegrityReply =
  | { id: number; integrity: ReturnType<typeof integrityOf> }
  | { id: number; error: string };

const port = parentPort;
if (port) {
  port.on("message", (m: IntegrityRequest) => {
    let reply: IntegrityReply;
    try {
      reply = { id: m.id, integrity: integrityOf(m.document) };
    } catch (e) {
      reply = { id: m.id, error: e instanceof Error ? e.message : String(e) };
    }
    port.postMessage(reply);
  });
}
