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
}

export function gatewayClient(opts: GatewayOptions, needKey: boolean): GatewayClient {
  const url = required(opts.gateway, "--gateway <url>", "CERTLEDGER_GATEWAY").replace(/\/+$/, "");
  if (!/^https?:\/\/[^/]+/.test(url))
    throw new CliError("BAD_OPTION", `--gateway must be an http(s) URL, not ${JSON.stringify(url)}.`, 2);
  const apiKey = needKey ? required(opts.apiKey, "--api-key <key>", "CERTLEDGER_API_KEY") : undefined;
  return {
    url,
    async request<T>(method: string, path: string, init: { body?: unknown; headers?: Record<string, string> } = {}) {
      const headers: Record<string, string> = { accept: "application/json", ...init.headers };
      if (apiKey) headers.authorization = `Bearer ${apiKey}`;
      if (init.body !== undefined) headers["content-type"] = "application/json";
      let res: Response;
      try {
        res = await fetch(`${url}${path}`, {
          method,
          headers,
          body: init.body === undefined ? undefined : JSON.stringify(init.body),
        });
      } catch (e) {
        const cause = (e as { cause?: { code?: string; message?: string } }).cause;
        throw new CliError(
          "GATEWAY_UNREACHABLE",
          `Could not reach the gateway at ${url}: ${cause?.code ?? cause?.message ?? (e as Error).message}.`,
        );
      }
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
      if (!res.ok) {
        const err = (body as { error?: { code?: string; message?: string; details?: unknown } } | undefined)?.error;
        throw new CliError(
          err?.code ?? `HTTP_${res.status}`,
          `${err?.message ?? `${method} ${path} failed`} (HTTP ${res.status})`,
          1,
          err?.details,
        );
      }
      return { status: res.status, body: body as T };
    },
  };
}
