/**
 * `certledger issue`: one certificate through the agency REST API (the gateway signs, or --keystore signs
 * here); the document is written for delivery to the holder's wallet. Batches: src/cli/issueBatch.ts.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import type { Command } from "commander";
import { gatewayClient } from "./gateway";
import { CliError, emit, isoTime, parseTime, readTextFile } from "./output";

interface Issued {
  certId: string;
  type: string;
  holder: string;
  issuerKey: string;
  validFrom: number;
  validUntil: number;
  txHash: string;
  blockNumber: number;
  document: Record<string, unknown>;
  /** Where the holder's wallet picks the document up (the key is in the link's fragment). */
  pickup?: { id: string; state: string; expiresAt: number; url?: string };
}

function readJsonFile(file: string, what: string): unknown {
  const text = readTextFile(file, what);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new CliError("BAD_JSON", `${what} ${file} is not JSON: ${(e as Error).message}.`);
  }
}

export const gatewayOptions = (cmd: Command) =>
  cmd
    .option("--gateway <url>", "the gateway (or CERTLEDGER_GATEWAY)")
    .option("--api-key <key>", "the agency's API key (or CERTLEDGER_API_KEY)");

/** --keystore: sign with the agency's own key here instead of asking a custodial gateway to sign. */
export const keystoreOptions = (cmd: Command) =>
  cmd
    .option("--keystore <file>", "sign locally with the agency key in this Web3 Secret Storage keystore")
    .option("--passphrase-file <file>", "with --keystore: read the passphrase from this file (default: ask)");

export function registerIssue(program: Command): void {
  const issueCommand = gatewayOptions(
    program
      .command("issue")
      .description("issue one certificate; the document goes to --out (or stdout) for the holder's wallet")
      .requiredOption("--type <code>", "certificate type code (certledger types)")
      .requiredOption("--holder <address>", "the holder's per-certificate address (certledger wallet address)")
      .requiredOption("--fields <file.json>", "the certificate's fields as a JSON object"),
  )
    .option("--valid-from <time>", "unix seconds or ISO 8601 (default: now)")
    .option("--valid-until <time>", "unix seconds or ISO 8601 (default: the type's longest validity)")
    .option(
      "--idempotency-key <key>",
      "same key and body = one certificate (default: derived from the body, so a retry is safe)",
    )
    .option("--out <file>", "write the document here instead of stdout");
  keystoreOptions(issueCommand).action(async (opts, cmd: Command) => {
    const g = cmd.optsWithGlobals();
    const fields = readJsonFile(opts.fields, "the fields file");
    if (typeof fields !== "object" || fields === null || Array.isArray(fields))
      throw new CliError("BAD_JSON", `The fields file ${opts.fields} must hold a JSON object.`);
    if (opts.keystore) return issueSigned(g, opts, fields as Record<string, unknown>);
    const body = {
      type: opts.type,
      holder: opts.holder,
      fields,
      ...(opts.validFrom ? { validFrom: parseTime(opts.validFrom, "--valid-from") } : {}),
      ...(opts.validUntil ? { validUntil: parseTime(opts.validUntil, "--valid-until") } : {}),
    };
    const key =
      opts.idempotencyKey ?? `cli-${createHash("sha256").update(JSON.stringify(body)).digest("hex").slice(0, 48)}`;
    const api = gatewayClient(g, true);
    const { status, body: out } = await api.request<Issued>("POST", "/v1/agency/certificates", {
      body,
      headers: { "idempotency-key": key },
    });
    const replayed = status === 200;
    if (opts.out) fs.writeFileSync(opts.out, `${JSON.stringify(out.document, null, 2)}\n`);
    const summary = `${replayed ? "already issued (same idempotency key)" : "issued"} ${out.certId}\n  type ${out.type}, holder ${out.holder}\n  valid ${isoTime(out.validFrom)} → ${isoTime(out.validUntil)}\n  tx ${out.txHash} (block ${out.blockNumber})${out.pickup?.url ? `\n  pickup ${out.pickup.url} (until ${isoTime(out.pickup.expiresAt)})` : ""}`;
    if (g.json) emit(g, { ...out, replayed, idempotencyKey: key, file: opts.out }, () => "");
    else if (opts.out) process.stdout.write(`${summary}\n  document → ${opts.out}\n`);
    else {
      process.stderr.write(`${summary}\n`);
      process.stdout.write(`${JSON.stringify(out.document, null, 2)}\n`);
    }
  });
}

/** `issue --keystore`: build, sign Issue with the agency's key, send document and signature. */
async function issueSigned(
  g: { json?: boolean; gateway?: string; apiKey?: string },
  opts: {
    keystore: string;
    passphraseFile?: string;
    type: string;
    holder: string;
    validFrom?: string;
    validUntil?: string;
    out?: string;
  },
  fields: Record<string, unknown>,
): Promise<void> {
  const { unlockKeystore } = require("./keystore") as typeof import("./keystore");
  const { gatewayInfo, registeredType, signIssue, windowOf } = require("./signed") as typeof import("./signed");
  const api = gatewayClient(g, true);
  const wallet = await unlockKeystore(opts, `the agency key ${opts.keystore}`);
  const [info, type] = await Promise.all([gatewayInfo(api), registeredType(api, opts.type)]);
  const window = windowOf(
    type,
    opts.validFrom ? parseTime(opts.validFrom, "--valid-from") : undefined,
    opts.validUntil ? parseTime(opts.validUntil, "--valid-until") : undefined,
  );
  const s = await signIssue(wallet, info, type, { holder: opts.holder, fields, ...window });
  const { body: out } = await api.request<Omit<Issued, "holder" | "document">>(
    "POST",
    "/v1/agency/certificates/signed",
    { body: { document: s.document, deadline: s.deadline, signature: s.signature } },
  );
  const text = `${JSON.stringify(s.document, null, 2)}\n`;
  if (opts.out) fs.writeFileSync(opts.out, text);
  const summary = `issued ${out.certId} (signed here by ${wallet.address})\n  type ${out.type}, holder ${opts.holder}\n  valid ${isoTime(out.validFrom)} → ${isoTime(out.validUntil)}\n  tx ${out.txHash} (block ${out.blockNumber})`;
  if (g.json)
    emit(
      g,
      { ...out, holder: opts.holder.toLowerCase(), document: s.document, signer: wallet.address, file: opts.out },
      () => "",
    );
  else if (opts.out) process.stdout.write(`${summary}\n  document → ${opts.out}\n`);
  else {
    process.stderr.write(`${summary}\n`);
    process.stdout.write(text);
  }
}
