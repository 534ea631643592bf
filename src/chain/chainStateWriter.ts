/**
 * The thread that writes the chain state file (src/chain/chainState.ts). A checkpoint's merge (anvil's
 * dump decompressed and read, then one SQLite transaction synced to disk) took 20-110 ms on the event
 * loop at every checkpoint of a gateway issuing ~300 certificates a second; here every request the
 * gateway serves meanwhile goes on. Answers each WriterRequest with {id, held} once the merge is on disk,
 * or {id, error} with nothing written; "stop" closes the connection and answers {stopped: true}.
 */
import { parentPort, workerData } from "node:worker_threads";
import { dumpHead, mergeStatements, openWritable, type WriterReply, type WriterRequest } from "./chainState";

const port = parentPort;
if (port) {
  const db = openWritable((workerData as { file: string }).file);
  const { merge, keep } = mergeStatements(db);
  port.on("message", (m: WriterRequest | "stop") => {
    if (m === "stop") {
      db.close();
      port.postMessage({ stopped: true });
      return;
    }
    let reply: WriterReply;
    try {
      if (!m.head) {
        keep(m.transactions);
        port.postMessage({ id: m.id } satisfies WriterReply);
        return;
      }
      let accounts = m.accounts ?? {};
      let held: number | undefined = 0;
      if (m.dump) {
        const dump = dumpHead(m.dump);
        if (Number(dump.best_block_number) !== m.head.number)
          throw new Error(`checkpoint: the node is at block ${dump.best_block_number}, not ${m.head.number}`);
        accounts = dump.accounts;
        held = dump.transactions?.length;
      }
      merge(accounts, m.blocks, m.transactions, m.head);
      reply = { id: m.id, held };
    } catch (e) {
      reply = { id: m.id, error: (e as Error).message };
    }
    port.postMessage(reply);
  });
}
