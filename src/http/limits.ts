/**
 * The gateway's limits, answered with 429 and Retry-After (seconds):
 * - requests per API key: a token bucket holding a minute's worth, refilled continuously (the same per
 *   client address on a public route that signs: a certificate's status list entries);
 * - counter requests opened per verifier within any 60 seconds;
 * - event streams open at once per verifier;
 * - failed holder signatures, per certificate and per client address: past the allowance within the
 *   window, that certificate (or address) is refused for a back-off that doubles with each further failure;
 * - wrong claim codes per client address, with the same back-off (per offer, five lock it for good in
 *   the store: src/domain/claims.ts).
 * Counted in this process: with several replicas each enforces its own (the README says what follows).
 * 0 turns a limit off.
 */
import { DomainError } from "../domain/errors";

export interface LimitSettings {
  apiKeyRequestsPerMinute: number;
  counterRequestsPerMinute: number;
  eventStreamsPerVerifier: number;
  holderSignatureFailuresPerCertificate: number;
  holderSignatureFailuresPerAddress: number;
  /** Wrong claim codes or unknown offers per client address (an offer itself locks after five). */
  claimFailuresPerClient: number;
  /** Failures older than this are forgotten. */
  holderSignatureWindowSeconds: number;
  /** The first back-off; each further failure while refused doubles it (at most the window). */
  holderBackoffSeconds: number;
}

export const DEFAULT_LIMITS: LimitSettings = {
  apiKeyRequestsPerMinute: 6_000,
  counterRequestsPerMinute: 60,
  eventStreamsPerVerifier: 20,
  holderSignatureFailuresPerCertificate: 10,
  holderSignatureFailuresPerAddress: 50,
  claimFailuresPerClient: 10,
  holderSignatureWindowSeconds: 900,
  holderBackoffSeconds: 30,
};

/** Error codes that mean "this signature is not the holder's" (not a stale clock or a replay). */
export const HOLDER_SIGNATURE_FAILURES = new Set(["BAD_SIGNATURE", "COUNTER_BAD_SIGNATURE"]);

export function tooManyRequests(code: string, message: string, retryAfterSeconds: number): DomainError {
  const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
  return new DomainError(code, `${message} Retry after ${seconds} s.`, {
    status: 429,
    retryable: true,
    details: { retryAfterSeconds: seconds },
  });
}

interface Failures {
  /** Times (ms) of the failures within the window. */
  at: number[];
  /** Refused until (ms). */
  until: number;
}

/** Keeps a map from growing without bound: drops entries nobody touched for `idleMs`. */
function prune<V>(map: Map<string, V>, idle: (v: V) => boolean, max = 10_000): void {
  if (map.size < max) return;
  for (const [k, v] of map) if (idle(v)) map.delete(k);
}

export class Limits {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  /** Times (ms) of each verifier's counter requests of the last minute. */
  private readonly counterWindows = new Map<string, number[]>();
  private readonly streams = new Map<string, number>();
  private readonly failures = new Map<string, Failures>();

  constructor(
    readonly settings: LimitSettings,
    private readonly nowMs: () => number = Date.now,
  ) {}

  /** One request by the principal of an API key. */
  apiKey(principalId: string): void {
    this.take(principalId, "This API key");
  }

  /**
   * One request from a client address to a public route that costs the gateway work (a signature the
   * first time): the same allowance as an API key, counted per address.
   */
  publicClient(address: string): void {
    this.take(`client:${address}`, "This client address");
  }

  /** One token from `key`'s bucket (a minute's worth of the API key allowance, refilled continuously). */
  private take(key: string, who: string): void {
    const perMinute = this.settings.apiKeyRequestsPerMinute;
    if (perMinute <= 0) return;
    const now = this.nowMs();
    const perMs = perMinute / 60_000;
    const b = this.buckets.get(key) ?? { tokens: perMinute, at: now };
    b.tokens = Math.min(perMinute, b.tokens + (now - b.at) * perMs);
    b.at = now;
    if (b.tokens < 1) {
      this.buckets.set(key, b);
      throw tooManyRequests(
        "RATE_LIMITED",
        `${who} may make ${perMinute} requests a minute.`,
        (1 - b.tokens) / perMs / 1000,
      );
    }
    b.tokens -= 1;
    prune(this.buckets, (v) => now - v.at > 60_000);
    this.buckets.set(key, b);
  }

  /** One counter request opened by `verifier` (at most the limit within any 60 seconds). */
  counterRequest(verifier: string): void {
    const max = this.settings.counterRequestsPerMinute;
    if (max <= 0) return;
    const now = this.nowMs();
    const recent = (this.counterWindows.get(verifier) ?? []).filter((t) => now - t < 60_000);
    if (recent.length >= max)
      throw tooManyRequests(
        "COUNTER_REQUESTS_LIMITED",
        `A verifier may open ${max} counter requests a minute.`,
        (recent[0] + 60_000 - now) / 1000,
      );
    recent.push(now);
    prune(this.counterWindows, (v) => v.every((t) => now - t >= 60_000));
    this.counterWindows.set(verifier, recent);
  }

  /** An event stream opened by `verifier`; call the result when it closes. */
  openStream(verifier: string): () => void {
    const max = this.settings.eventStreamsPerVerifier;
    const open = this.streams.get(verifier) ?? 0;
    if (max > 0 && open >= max)
      throw tooManyRequests(
        "EVENT_STREAMS_LIMITED",
        `A verifier may hold ${max} event streams open at once; close one (or poll the result).`,
        5,
      );
    this.streams.set(verifier, open + 1);
    let closed = false;
    return () => {
      if (closed) return;
      closed = true;
      const n = (this.streams.get(verifier) ?? 1) - 1;
      if (n <= 0) this.streams.delete(verifier);
      else this.streams.set(verifier, n);
    };
  }

  /** Refuses a holder-signed request for `certIds` from `address` while either is backing off. */
  holderAllowed(address: string, certIds: string[]): void {
    const now = this.nowMs();
    for (const key of [`addr:${address}`, ...certIds.map((c) => `cert:${c.toLowerCase()}`)]) {
      const f = this.failures.get(key);
      if (f && f.until > now)
        throw tooManyRequests(
          "HOLDER_SIGNATURE_BACKOFF",
          key.startsWith("addr:")
            ? "Too many requests from this address carried a signature that is not the holder's."
            : "Too many requests for this certificate carried a signature that is not the holder's.",
          (f.until - now) / 1000,
        );
    }
  }

  /** Counts a signature that was not the holder's. */
  holderFailed(address: string, certIds: string[]): void {
    const s = this.settings;
    this.countFailure(`addr:${address}`, s.holderSignatureFailuresPerAddress);
    for (const c of new Set(certIds.map((x) => x.toLowerCase())))
      this.countFailure(`cert:${c}`, s.holderSignatureFailuresPerCertificate);
  }

  /** Refuses a claim attempt from `address` while it is backing off after wrong claim codes. */
  claimAllowed(address: string): void {
    const f = this.failures.get(`claim:${address}`);
    const now = this.nowMs();
    if (f && f.until > now)
      throw tooManyRequests(
        "CLAIM_ATTEMPTS_LIMITED",
        "Too many wrong claim codes came from this address.",
        (f.until - now) / 1000,
      );
  }

  /** Counts a wrong claim code (or an unknown offer) from `address`. */
  claimFailed(address: string): void {
    this.countFailure(`claim:${address}`, this.settings.claimFailuresPerClient);
  }

  /** One failure against `key`: past `allowance` within the window, a back-off that doubles each time. */
  private countFailure(key: string, allowance: number): void {
    if (allowance <= 0) return;
    const s = this.settings;
    const now = this.nowMs();
    const windowMs = s.holderSignatureWindowSeconds * 1000;
    prune(this.failures, (v) => v.until < now && v.at.every((t) => now - t >= windowMs));
    const f = this.failures.get(key) ?? { at: [], until: 0 };
    f.at = f.at.filter((t) => now - t < windowMs);
    f.at.push(now);
    const excess = f.at.length - allowance;
    if (excess >= 0) f.until = now + Math.min(windowMs, s.holderBackoffSeconds * 1000 * 2 ** Math.min(excess, 20));
    this.failures.set(key, f);
  }
}
