/**
 * One Idempotency-Key mechanism for every write route (src/http/route.ts runs it around each handler).
 *
 * A key belongs to its principal (the API key's principal; on routes without one, to everyone alike)
 * and is bound, by the first request that uses it, to that request: the route and the SHA-256 of the
 * RFC 8785 canonical path parameters, query and body. Then
 * - the same key with the same request gets the first answer again, with `Idempotent-Replayed: true`
 *   (201 Created becomes 200: the replay created nothing), and does nothing else;
 * - the same key with any other request (another route, another certificate, another body) is refused
 *   with 409 IDEMPOTENCY_KEY_REUSED before anything runs.
 * A first request refused by a 4xx did nothing, so it frees its key. One that failed on the gateway's side
 * (5xx), whose write is still pending on chain (202 WRITE_PENDING) or whose process stopped keeps the
 * binding without an answer: the same request runs again, and
 * the work under it is keyed by the binding's token (outbox rows, drafts), so it is finished, never doubled.
 */
import { createHash, hash } from "node:crypto";
import { DomainError, idempotencyKeyReused } from "../domain/errors";
import { canonicalJson, randomId, sha256Hex } from "../domain/hashing";
import type { IdempotentRequestStore, Principal, StoredAnswer } from "../domain/ports";

export const REPLAYED_HEADER = "Idempotent-Replayed";

/**
 * sha256Hex with Node's native hash: the same hex, for a request body that can be a 10,000-item batch
 * (the portable JavaScript sha256 took ~70 ms of the event loop for each).
 */
const sha256HexNative: (text: string) => string =
  typeof hash === "function"
    ? (text) => hash("sha256", text, "hex")
    : (text) => createHash("sha256").update(text).digest("hex");

const KEY_FORMAT = /^[\x21-\x7e]{1,128}$/;

export interface IdempotentCall {
  principal?: Principal;
  /** "POST /v1/agency/certificates/:certId/revoke" */
  route: string;
  /** The Idempotency-Key header, when the client sent one. */
  key: string | undefined;
  params: unknown;
  /** The query parameters (e.g. a page of a batch's pickups): another page is another request. */
  query?: Record<string, unknown>;
  body: unknown;
}

/** The work of a request; `token` is stable across every run of one binding (undefined without a key). */
export type IdempotentWork = (token: string | undefined) => Promise<StoredAnswer>;

interface Running {
  route: string;
  requestHash: string;
  answer: Promise<StoredAnswer>;
}

export class Idempotency {
  /** Requests of this process still running, so a concurrent duplicate waits for the first answer. */
  private readonly running = new Map<string, Running>();

  constructor(
    private readonly store: IdempotentRequestStore,
    private readonly now: () => number,
  ) {}

  async run(call: IdempotentCall, work: IdempotentWork): Promise<{ answer: StoredAnswer; replayed: boolean }> {
    if (call.key === undefined) return { answer: await work(undefined), replayed: false };
    if (!KEY_FORMAT.test(call.key))
      throw new DomainError("INVALID_IDEMPOTENCY_KEY", "The Idempotency-Key must be 1-128 visible ASCII characters.", {
        status: 400,
      });
    const scope = call.principal ? `principal:${call.principal.id}` : "anonymous";
    const key = sha256Hex(`${scope}\n${call.key}`);
    // A query joins the hash only when there is one, so bindings made before queries counted still match.
    const query = call.query && Object.keys(call.query).length > 0 ? { query: call.query } : {};
    const requestHash = sha256HexNative(
      canonicalJson({ params: call.params ?? {}, ...query, body: call.body ?? null }),
    );
    for (;;) {
      const mine = this.running.get(key);
      if (mine) {
        if (mine.route !== call.route || mine.requestHash !== requestHash) throw idempotencyKeyReused();
        try {
          return { answer: replay(await mine.answer), replayed: true };
        } catch {
          continue; // the first run failed: this one goes through the store like any retry
        }
      }
      const token = randomId();
      const found = await this.store.begin(key, { route: call.route, requestHash, token, createdAt: this.now() });
      if (found && (found.route !== call.route || found.requestHash !== requestHash)) throw idempotencyKeyReused();
      if (found?.answer) return { answer: replay(found.answer), replayed: true };
      if (this.running.has(key)) continue; // another request of this process began it meanwhile
      const answer = this.start(key, found?.token ?? token, work);
      this.running.set(key, { route: call.route, requestHash, answer });
      const forget = () => void this.running.delete(key);
      answer.then(forget, forget);
      return { answer: await answer, replayed: false };
    }
  }

  private async start(key: string, token: string, work: IdempotentWork): Promise<StoredAnswer> {
    try {
      const answer = await work(token);
      await this.store.complete(key, answer);
      return answer;
    } catch (e) {
      // Refused (4xx): nothing happened, so the key is free for a corrected request. A write still pending
      // on chain keeps its binding: the same request under the key follows it to its outcome.
      if (e instanceof DomainError && e.status >= 400 && e.status < 500) await this.store.release(key);
      throw e;
    }
  }
}

function replay(first: StoredAnswer): StoredAnswer {
  return {
    status: first.status === 201 ? 200 : first.status,
    body: first.body,
    headers: { ...first.headers, [REPLAYED_HEADER]: "true" },
  };
}
