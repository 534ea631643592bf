/**
 * What every command shares: the one error type (a stable code and a sentence, like the gateway's),
 * printing for people or for machines (--json), and the small parsers of option values.
 */
import fs from "node:fs";

export class CliError extends Error {
  override name = "CliError";
  constructor(
    readonly code: string,
    message: string,
    readonly exitCode = 1,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export interface OutputOptions {
  json?: boolean;
}

/** Prints `data` as JSON with --json, else the human text. Both go to stdout. */
export function emit(opts: OutputOptions, data: unknown, human: () => string): void {
  process.stdout.write(opts.json ? `${JSON.stringify(data, null, 2)}\n` : `${human()}\n`);
}

/** Turns any failure into a code and a sentence; the document library's and zod's errors keep their codes. */
export function describeError(e: unknown): { code: string; message: string; exitCode: number; details?: unknown } {
  if (e instanceof CliError) return { code: e.code, message: e.message, exitCode: e.exitCode, details: e.details };
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    // ethers puts the whole transaction in `message`; its shortMessage is the sentence.
    const short = (e as { shortMessage?: unknown }).shortMessage;
    const message = typeof short === "string" ? short : e.message;
    if (typeof code === "string" && /^[A-Z][A-Z0-9_]+$/.test(code)) return { code, message, exitCode: 1 };
    return { code: "INTERNAL", message, exitCode: 1 };
  }
  return { code: "INTERNAL", message: String(e), exitCode: 1 };
}

export function reportError(e: unknown, json: boolean): number {
  const d = describeError(e);
  if (json) {
    const error = { code: d.code, message: d.message, ...(d.details === undefined ? {} : { details: d.details }) };
    process.stdout.write(`${JSON.stringify({ error })}\n`);
  } else {
    process.stderr.write(`error ${d.code}: ${d.message}\n`);
  }
  return d.exitCode;
}

/** Unix seconds from "1767225600", "2030-01-01" (UTC midnight) or a full ISO 8601 time. */
export function parseTime(text: string, option: string): number {
  if (/^\d{1,13}$/.test(text)) return Number(text);
  const iso = /^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text;
  const ms = Date.parse(iso);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(ms))
    throw new CliError(
      "BAD_OPTION",
      `${option} must be unix seconds or an ISO 8601 date/time, not ${JSON.stringify(text)}.`,
      2,
    );
  return Math.floor(ms / 1000);
}

/** "3600", "90s", "15m", "2h", "30d", "1y" → seconds. */
export function parseDuration(text: string, option: string): number {
  const m = /^(\d+)\s*([smhdy]?)$/.exec(text.trim());
  if (!m) throw new CliError("BAD_OPTION", `${option} must be a duration like 600, 15m, 2h, 30d or 1y.`, 2);
  const unit = { "": 1, s: 1, m: 60, h: 3600, d: 86_400, y: 365 * 86_400 }[m[2] as "" | "s" | "m" | "h" | "d" | "y"];
  return Number(m[1]) * unit;
}

export function parseInteger(text: string, option: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < min || n > max)
    throw new CliError("BAD_OPTION", `${option} must be an integer from ${min} to ${max}.`, 2);
  return n;
}

export function isoTime(unixSeconds: number | undefined): string {
  return unixSeconds === undefined ? "-" : new Date(unixSeconds * 1000).toISOString().replace(".000Z", "Z");
}

/** A value from an option, else from an environment variable, else a usage error naming both. */
export function required(value: string | undefined, option: string, envName?: string): string {
  const v = value ?? (envName ? process.env[envName] : undefined);
  if (v === undefined || v === "")
    throw new CliError("MISSING_OPTION", `${option} is required${envName ? ` (or set ${envName})` : ""}.`, 2);
  return v;
}

/** A file's text, or FILE_UNREADABLE naming `what` and the system's reason. */
export function readTextFile(file: string, what: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new CliError(
      "FILE_UNREADABLE",
      `Cannot read ${what} ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`,
    );
  }
}
