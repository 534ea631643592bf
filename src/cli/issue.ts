/**
 * `certledger issue` (one certificate) and `certledger issue-batch` (a CSV or JSON file, anchored as
 * Merkle batches) through the agency REST API. Documents are written to files for delivery to wallets.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import { csvItems, jsonItems, type BatchItem } from "./csv";
import { gatewayClient } from "./gateway";
import { CliError, emit, isoTime, parseInteger, parseTime, readTextFile } from "./output";
import { progressBar } from "./progress";

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
}

interface BatchJob {
  batchId: string;
  type: string;
  state: "building" | "anchoring" | "done" | "failed";
  total: number;
  built: number;
  root?: string;
  txHash?: string;
  blockNumber?: number;
  error?: { code: string; message: string };
}

interface BatchDocuments {
  items: { certId: string; holder: string; proof: string[]; document: Record<string, unknown> }[];
}

function readJsonFile(file: string, what: string): unknown {
  const text = readTextFile(file, what);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new CliError("BAD_JSON", `${what} ${file} is not JSON: ${(e as Error).message}.`);
  }
}

const gatewayOptions = (cmd: Command) =>
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
    const summary = `${replayed ? "already issued (same idempotency key)" : "issued"} ${out.certId}\n  type ${out.type}, holder ${out.holder}\n  valid ${isoTime(out.validFrom)} → ${isoTime(out.validUntil)}\n  tx ${out.txHash} (block ${out.blockNumber})`;
    if (g.json) emit(g, { ...out, replayed, idempotencyKey: key, file: opts.out }, () => "");
    else if (opts.out) process.stdout.write(`${summary}\n  document → ${opts.out}\n`);
    else {
      process.stderr.write(`${summary}\n`);
      process.stdout.write(`${JSON.stringify(out.document, null, 2)}\n`);
    }
  });

  const batchCommand = gatewayOptions(
    program
      .command("issue-batch")
      .description("issue many certificates from a CSV or JSON file as Merkle batches (progress on stderr)")
      .requiredOption(
        "--file <file>",
        "CSV (header: field paths like name, address.city, plus holder[, validFrom, validUntil]) or JSON ([items] or {type, items})",
      ),
  )
    .option("--type <code>", "certificate type code (required unless the JSON file names it)")
    .option("--out-dir <dir>", "write each document to <dir>/<certId>.json (default: ./certledger-batch-<time>)")
    .option("--chunk-size <n>", "certificates per batch request", "10000");
  keystoreOptions(batchCommand).action(async (opts, cmd: Command) => {
    const g = cmd.optsWithGlobals();
    const chunkSize = parseInteger(opts.chunkSize, "--chunk-size", 1, 100_000);
    let text: string;
    try {
      text = fs.readFileSync(opts.file, "utf8");
    } catch (e) {
      throw new CliError(
        "FILE_UNREADABLE",
        `Cannot read ${opts.file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`,
      );
    }
    let type: string | undefined = opts.type;
    let items: BatchItem[];
    if (/\.json$/i.test(opts.file) || /^\s*[[{]/.test(text)) {
      const j = jsonItems(text);
      type ??= j.type;
      items = j.items;
    } else {
      if (!type) throw new CliError("MISSING_OPTION", "--type <code> is required with a CSV file.", 2);
      const { CERTIFICATE_TYPES } = await import("../domain/catalog");
      const { parsePath } = await import("../document/paths");
      const t = CERTIFICATE_TYPES.find((x) => x.code === type);
      if (!t)
        throw new CliError(
          "UNKNOWN_TYPE",
          `No certificate type ${JSON.stringify(type)} in the catalog; \`certledger types\` lists them.`,
        );
      items = csvItems(text, t.schema as never, parsePath);
    }
    if (!type) throw new CliError("MISSING_OPTION", "--type <code> is required (the JSON file names no type).", 2);
    if (items.length === 0) throw new CliError("EMPTY_BATCH", `${opts.file} holds no certificates.`);

    const api = gatewayClient(g, true);
    const outDir = opts.outDir ?? `certledger-batch-${new Date().toISOString().replace(/[:.]/g, "-")}`;
    if (opts.keystore) return issueBatchSigned(g, opts, api, type, items, chunkSize, outDir);
    fs.mkdirSync(outDir, { recursive: true });
    const bar = progressBar(items.length, g.json);
    const batches: { batchId: string; root?: string; txHash?: string; blockNumber?: number; total: number }[] = [];
    const certIds: string[] = [];
    let done = 0;
    for (let start = 0; start < items.length; start += chunkSize) {
      const chunk = items.slice(start, start + chunkSize);
      let job: BatchJob;
      try {
        job = (await api.request<BatchJob>("POST", "/v1/agency/batches", { body: { type, items: chunk } })).body;
      } catch (e) {
        // The gateway names the bad item's index within the chunk; say which row of the file it is.
        if (e instanceof CliError && start > 0)
          e.message = `${e.message} [items ${start}..${start + chunk.length - 1} of the file]`;
        throw e;
      }
      while (job.state === "building" || job.state === "anchoring") {
        bar.update(done + (job.state === "anchoring" ? job.total : job.built), job.state);
        await new Promise((r) => setTimeout(r, 200));
        job = (await api.request<BatchJob>("GET", `/v1/agency/batches/${job.batchId}`)).body;
      }
      if (job.state === "failed")
        throw new CliError(
          job.error?.code ?? "BATCH_FAILED",
          `Batch ${job.batchId} failed: ${job.error?.message ?? "no reason given"}.`,
        );
      for (let offset = 0; offset < job.total; offset += 1000) {
        const page = (
          await api.request<BatchDocuments>(
            "GET",
            `/v1/agency/batches/${job.batchId}/documents?offset=${offset}&limit=1000`,
          )
        ).body;
        for (const it of page.items) {
          fs.writeFileSync(path.join(outDir, `${it.certId}.json`), `${JSON.stringify(it.document, null, 2)}\n`);
          certIds.push(it.certId);
        }
      }
      done += job.total;
      bar.update(done, "anchored");
      batches.push({
        batchId: job.batchId,
        root: job.root,
        txHash: job.txHash,
        blockNumber: job.blockNumber,
        total: job.total,
      });
    }
    bar.finish("done");
    emit(g, { type, issued: certIds.length, outDir, batches, certIds }, () =>
      [
        `issued ${certIds.length} ${type} certificate(s) in ${batches.length} batch(es); documents in ${outDir}/`,
        ...batches.map((b) => `  batch ${b.batchId}  root ${b.root}  ${b.total} certificates  tx ${b.txHash}`),
      ].join("\n"),
    );
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
  const { unlockKeystore } = await import("./keystore");
  const { gatewayInfo, registeredType, signIssue, windowOf } = await import("./signed");
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

/** `issue-batch --keystore`: each chunk is a Merkle batch built here, its root signed with the agency's key. */
async function issueBatchSigned(
  g: { json?: boolean },
  opts: { keystore: string; passphraseFile?: string },
  api: ReturnType<typeof gatewayClient>,
  type: string,
  items: BatchItem[],
  chunkSize: number,
  outDir: string,
): Promise<void> {
  const { unlockKeystore } = await import("./keystore");
  const { gatewayInfo, registeredType, signBatch, windowOf } = await import("./signed");
  const wallet = await unlockKeystore(opts, `the agency key ${opts.keystore}`);
  const [info, t] = await Promise.all([gatewayInfo(api), registeredType(api, type)]);
  fs.mkdirSync(outDir, { recursive: true });
  const bar = progressBar(items.length, g.json);
  const batches: { root: string; txHash: string; blockNumber: number; total: number }[] = [];
  const certIds: string[] = [];
  for (let start = 0; start < items.length; start += chunkSize) {
    const chunk = items.slice(start, start + chunkSize).map((it) => ({
      holder: it.holder,
      fields: it.fields,
      ...windowOf(t, it.validFrom, it.validUntil),
    }));
    const s = await signBatch(wallet, info, t, chunk);
    bar.update(start, "anchoring");
    let out: { root: string; count: number; txHash: string; blockNumber: number };
    try {
      out = (
        await api.request<typeof out>("POST", "/v1/agency/batches/signed", {
          body: { root: s.root, documents: s.documents, deadline: s.deadline, signature: s.signature },
        })
      ).body;
    } catch (e) {
      if (e instanceof CliError && start > 0)
        e.message = `${e.message} [items ${start}..${start + chunk.length - 1} of the file]`;
      throw e;
    }
    s.documents.forEach((d, i) =>
      fs.writeFileSync(path.join(outDir, `${s.certIds[i]}.json`), `${JSON.stringify(d, null, 2)}\n`),
    );
    certIds.push(...s.certIds);
    batches.push({ root: out.root, txHash: out.txHash, blockNumber: out.blockNumber, total: out.count });
    bar.update(start + chunk.length, "anchored");
  }
  bar.finish("done");
  emit(g, { type, issued: certIds.length, outDir, batches, certIds, signer: wallet.address }, () =>
    [
      `issued ${certIds.length} ${type} certificate(s) in ${batches.length} batch(es) signed by ${wallet.address}; documents in ${outDir}/`,
      ...batches.map((b) => `  root ${b.root}  ${b.total} certificates  tx ${b.txHash}`),
    ].join("\n"),
  );
}
