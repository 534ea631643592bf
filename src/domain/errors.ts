/**
 * The one error type of the gateway. Use cases, adapters and the HTTP layer all throw it; the error
 * middleware turns it into `{ error: { code, message, details } }` with `status`. Anything else that
 * reaches the middleware is a bug and answers 500 INTERNAL without its message.
 */
export interface DomainErrorOptions {
  /** HTTP status to answer with (4xx: the client can fix it; 5xx: we failed). */
  status?: number;
  /** True when the same request may succeed later unchanged (a node down, a lock held). */
  retryable?: boolean;
  details?: unknown;
  cause?: unknown;
}

export class DomainError extends Error {
  readonly code: string;
  readonly status: number;
  readonly retryable: boolean;
  readonly details?: unknown;

  constructor(code: string, message: string, opts: DomainErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = "DomainError";
    this.code = code;
    this.status = opts.status ?? 400;
    this.retryable = opts.retryable ?? false;
    this.details = opts.details;
  }
}

export const badRequest = (code: string, message: string, details?: unknown) =>
  new DomainError(code, message, { status: 400, details });
export const unauthorized = (code: string, message: string) => new DomainError(code, message, { status: 401 });
export const forbidden = (code: string, message: string, details?: unknown) =>
  new DomainError(code, message, { status: 403, details });
export const notFound = (code: string, message: string) => new DomainError(code, message, { status: 404 });
export const conflict = (code: string, message: string, details?: unknown) =>
  new DomainError(code, message, { status: 409, details });
export const unavailable = (code: string, message: string, cause?: unknown) =>
  new DomainError(code, message, { status: 503, retryable: true, cause });

export function isDomainError(e: unknown): e is DomainError {
  return e instanceof DomainError;
}

/** An Idempotency-Key sent again with another request than the one it was first used for. */
export function idempotencyKeyReused(): DomainError {
  return new DomainError(
    "IDEMPOTENCY_KEY_REUSED",
    "This Idempotency-Key was already used for another request (another route, path or body); nothing was done. Use a new key for a new request.",
    { status: 409 },
  );
}

export const WRITE_PENDING = "WRITE_PENDING";

/**
 * A write the gateway accepted into its outbox but could not put on chain yet (the node cannot be
 * reached). It is not a failure: the write lands once the node is back. The HTTP layer answers it with
 * 202 and the id to follow it (`writeId`, and the request's Idempotency-Key when it had one).
 */
export function writePending(writeId: string, action: string): DomainError {
  return new DomainError(
    WRITE_PENDING,
    `Accepted: the gateway will ${action} as soon as the chain node can be reached again. Follow it with GET /v1/public/writes/${writeId}, or send the same request with the same Idempotency-Key; do not send it without the key again.`,
    { status: 202, retryable: true, details: { writeId } },
  );
}

export function isWritePending(e: unknown): e is DomainError {
  return e instanceof DomainError && e.code === WRITE_PENDING;
}
