/**
 * The pages' one way to call the gateway. Errors come back as `ApiError` with the gateway's stable
 * code ({ error: { code, message, details } }, see src/http/errors.ts), so a page can show a translated
 * sentence for the codes it knows and the server's message for the rest.
 */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export interface RequestOptions {
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export async function api<T = unknown>(
  method: string,
  path: string,
  body?: unknown,
  opts: RequestOptions = {},
): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: {
        accept: "application/json",
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...opts.headers,
      },
      body:
        body === undefined ? undefined : JSON.stringify(body, (_k, v) => (typeof v === "bigint" ? v.toString() : v)),
      signal: opts.signal,
    });
  } catch (err) {
    throw new ApiError("NETWORK", err instanceof Error ? err.message : String(err), 0);
  }
  const text = await res.text();
  let json: unknown = undefined;
  if (text) {
    try {
      json = JSON.parse(text);
    } catch {
      // a proxy's HTML error page: reported below with the status
    }
  }
  if (!res.ok) {
    const e = (json as { error?: { code?: string; message?: string; details?: unknown } } | undefined)?.error;
    throw new ApiError(
      e?.code ?? `HTTP_${res.status}`,
      e?.message ?? (text.slice(0, 200) || res.statusText),
      res.status,
      e?.details,
    );
  }
  // A write the gateway accepted while the chain node is away: not the answer the page waits for. The
  // page shows the WRITE_PENDING sentence (it lands later; the agency console's batch view and a retry
  // with the same Idempotency-Key show the outcome).
  const pending = json as { state?: string; writeId?: string; message?: string } | undefined;
  if (res.status === 202 && pending?.state === "pending")
    throw new ApiError("WRITE_PENDING", pending.message ?? "Accepted; pending.", 202, { writeId: pending.writeId });
  return json as T;
}

export const get = <T>(path: string, opts?: RequestOptions) => api<T>("GET", path, undefined, opts);
export const post = <T>(path: string, body: unknown, opts?: RequestOptions) => api<T>("POST", path, body, opts);

/** Bearer header for the agency and verifier API keys. */
export function bearer(key: string | null | undefined): Record<string, string> {
  return key ? { authorization: `Bearer ${key}` } : {};
}
