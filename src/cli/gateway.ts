/**
 * The gateway's REST API as the commands use it: fetch, a Bearer key, and the gateway's
 * `{ error: { code, message } }` turned into a CliError with the same code.
 */
import { CliError, required } from "./output";

export interface GatewayOptions {
  gateway?: string;
  apiKey?: string;
}

export interface GatewayClient {
  url: string;
  request<T>(
    method: string,
    path: string,
    init?: { body?: unknown; headers?: Record<string, string> },
  ): Promise<{ status: number; body: T }>;
  /** A request whose answer is not JSON (e.g. an archive): the raw response once it is 2xx. */
  fetchRaw(method: string, path: string): Promise<Response>;
}

export function gatewayClient(opts: GatewayOptions, needKey: boolean): GatewayClient {
  const url = required(opts.gateway, "--gateway <url>", "CERTLEDGER_GATEWAY").replace(/\/+$/, "");
  if (!/^https?:\/\/[^/]+/.test(url))
    throw new CliError("BAD_OPTION", `--gateway must be an http(s) URL, not ${JSON.stringify(url)}.`, 2);
  const apiKey = needKey ? required(opts.apiKey, "--api-key <key>", "CERTLEDGER_API_KEY") : undefined;
  const send = async (method: string, path: string, headers: Record<string, string>, body?: unknown) => {
    const text = body === undefined ? undefined : JSON.stringify(body);
    // A read, or a write under an Idempotency-Key, is sent once more when its kept-alive connection was
    // closed by the gateway as it went out (its idle timeout elapsed while this process was busy).
    const repeatable = method === "GET" || headers["idempotency-key"] !== undefined;
    for (let attempt = 1; ; attempt++) {
      try {
        return await fetch(`${url}${path}`, { method, headers, body: text });
      } catch (e) {
        const cause = (e as { cause?: { code?: string; message?: string } }).cause;
        if (repeatable && attempt === 1 && (cause?.code === "UND_ERR_SOCKET" || cause?.code === "ECONNRESET")) continue;
        throw unreachable(e);
      }
    }
  };
  const unreachable = (e: unknown) => {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    return new CliError(
      "GATEWAY_UNREACHABLE",
      `Could not reach the gateway at ${url}: ${cause?.code ?? cause?.message ?? (e as Error).message}.`,
    );
  };
  const failure = (method: string, path: string, status: number, body: unknown) => {
    const err = (body as { error?: { code?: string; message?: string; details?: unknown } } | undefined)?.error;
    return new CliError(
      err?.code ?? `HTTP_${status}`,
      `${err?.message ?? `${method} ${path} failed`} (HTTP ${status})`,
      1,
      err?.details,
    );
  };
  return {
    url,
    async fetchRaw(method: string, path: string) {
      const headers: Record<string, string> = apiKey ? { authorization: `Bearer ${apiKey}` } : {};
      const res = await send(method, path, headers);
      if (res.ok) return res;
      const text = await res.text();
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
      throw failure(method, path, res.status, body);
    },
    async request<T>(method: string, path: string, init: { body?: unknown; headers?: Record<string, string> } = {}) {
      const headers: Record<string, string> = { accept: "application/json", ...init.headers };
      if (apiKey) headers.authorization = `Bearer ${apiKey}`;
      if (init.body !== undefined) headers["content-type"] = "application/json";
      const res = await send(method, path, headers, init.body);
      const text = await res.text();
      let body: unknown;
      try {
        body = text === "" ? undefined : JSON.parse(text);
      } catch {
        throw new CliError(
          "BAD_RESPONSE",
          `${method} ${path} answered HTTP ${res.status} with something other than JSON.`,
        );
      }
      if (!res.ok) throw failure(method, path, res.status, body);
      return { status: res.status, body: body as T };
    },
  };
}
