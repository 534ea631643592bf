/**
 * `certledger issue-batch`: an agency's file (CSV in UTF-8 or GB18030, an .xlsx workbook, or JSON) →
 * certificates, anchored as Merkle batches of --chunk-size rows. Every row is checked first (src/intake)
 * and every problem reported at once; --dry-run stops there and sends nothing. A real run is resumable:
 * each chunk's Idempotency-Key derives from the file's SHA-256 and the chunk's index, and a state file in
 * the output directory records what is done, so running the same command again after a crash or a kill
 * finishes the file without issuing any row twice. Output: one document per certificate and a manifest
 * (row, holder or claim reference, certId, batch, status). Why: docs/decisions/0015-resumable-batch-files.md.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import type { CertificateType } from "../domain/catalog";
import type { BatchItem, Column, ParsedRow, ParsedRows, RowProblem, Table } from "../intake";
import { gatewayClient, type GatewayClient } from "./gateway";
import { gatewayOptions, keystoreOptions } from "./issue";
import { CliError, emit, parseInteger } from "./output";
import { stageProgress, type StageProgress } from "./progress";

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
  /** Offers made for the chunk's claim-reference rows; their claim codes only in the answer that made them. */
  claims?: ClaimOffer[];
}

interface ClaimOffer {
  /** The item's position in the chunk. */
  index: number;
  offerId: string;
  expiresAt: number;
  claimCode?: string;
  claimLink?: string;
}

interface BatchDocuments {
  items: { certId: string; holder: string; proof: string[]; document: Record<string, unknown> }[];
}

/** What is done, kept in the output directory: a rerun of the same command continues from it. */
interface BatchState {
  version: 1;
  fileHash: string;
  type: string;
  chunkSize: number;
  /** Rows to issue (the valid ones). */
  rows: number;
  /** Length of manifest.csv when the last chunk was finished: a rerun cuts off what came after. */
  manifestBytes: number;
  chunks: Record<string, { batchId?: string; signedFile?: string; root?: string; txHash?: string; done?: boolean }>;
}

const STATE_FILE = ".issue-batch-state.json";
/** The one-time claim codes of the offers made, for the agency's letters (written as the gateway answers). */
const CLAIM_CODES_FILE = "claim-codes.csv";
const MANIFEST_HEADER = ["row", "holder", "claimReference", "certId", "batch", "root", "status"];
const PAGE = 1000;

const sha256 = (b: Uint8Array | string) => createHash("sha256").update(b).digest("hex");

function readBytes(file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    throw new CliError(
      "FILE_UNREADABLE",
      `Cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`,
    );
  }
}

/** JSON batch file: [items] or { type, items }. */
export function jsonItems(text: string): { type?: string; items: unknown[] } {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new CliError("BAD_JSON", `The batch file is not JSON: ${(e as Error).message}.`);
  }
  const body = Array.isArray(v) ? { items: v } : (v as { type?: string; items?: unknown });
  if (!body || !Array.isArray(body.items))
    throw new CliError("BAD_JSON", 'The batch file must be an array of items or { "type", "items": [...] }.');
  return { type: body.type, items: body.items };
}

/** Width of a string in a terminal: CJK characters take two cells. */
const displayWidth = (s: string) =>
  [...s].reduce((n, ch) => n + (/[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/u.test(ch) ? 2 : 1), 0); // prettier-ignore
const pad = (s: string, w: number) => s + " ".repeat(Math.max(0, w - displayWidth(s)));

export function problemTable(problems: readonly RowProblem[]): string {
  const head = ["row", "column", "code", "message"];
  const cells = problems.map((p) => [String(p.row), p.column, p.code, p.message]);
  const widths = [0, 1, 2].map((i) => Math.max(displayWidth(head[i]), ...cells.map((c) => displayWidth(c[i]))));
  const line = (c: string[]) => `${[0, 1, 2].map((i) => pad(c[i], widths[i])).join("  ")}  ${c[3]}`.trimEnd();
  return [line(head), ...cells.map(line)].join("\n");
}

/**
 * Writes every [file, text], one after another, synchronously: one open, write and close each. Through
 * fs.promises, eight at a time on libuv's pool, a document cost ~4x the CPU in this process (a FileHandle,
 * promises and the pool's hand-offs per file) and more in the kernel; the CPU, not the wait, bounds a
 * mass issue on a small machine. The next page is fetched meanwhile (the socket buffers it).
 * docs/decisions/0026-cli-writes-documents-synchronously.md
 */
function writeFiles(files: readonly (readonly [string, string])[]): void {
  for (const [file, text] of files) fs.writeFileSync(file, text);
}

function writeFileMakingDir(file: string, text: string): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  fs.writeFileSync(file, text);
}

export function registerIssueBatch(program: Command): void {
  const batchCommand = gatewayOptions(
    program
      .command("issue-batch")
      .description(
        "issue many certificates from a CSV (UTF-8 or GB18030/GBK), .xlsx or JSON file as Merkle batches; resumable (progress on stderr)",
      )
      .requiredOption(
        "--file <file>",
        "CSV or .xlsx whose header names the type's fields by path (address.city) or title (姓名, Name), plus holder/持有人 " +
          "(or claim.<field> columns), validFrom, validUntil, and for a minor's guardian guardian/监护人 with guardian.validUntil/监护截止 " +
          "(guardian.online, guardian.verifier, guardian.purpose optional); or JSON ([items] or {type, items})",
      ),
  )
    .option("--type <code>", "certificate type code (required unless the JSON file names it)")
    .option("--encoding <name>", "CSV encoding: auto (UTF-8 if valid, else GB18030), utf-8, gb18030, gbk", "auto")
    .option("--sheet <name|n>", "xlsx: the worksheet (default: the first)")
    .option("--dry-run", "check every row and report every problem; send nothing")
    .option("--errors <file>", "write the problems here as CSV (default: <out-dir>/errors.csv)")
    .option("--skip-invalid", "issue the valid rows and write the invalid ones to the rejects file")
    .option("--rejects <file>", "with --skip-invalid: the rejected rows (default: <out-dir>/rejects.csv)")
    .option(
      "--out-dir <dir>",
      "documents (<certId>.json), manifest.csv and the resume state (default: ./certledger-batch-<file hash>)",
    )
    .option("--chunk-size <n>", "certificates per batch (the gateway's largest batch at most)", "10000");
  keystoreOptions(batchCommand).action(async (opts, cmd: Command) => {
    const g = cmd.optsWithGlobals();
    const chunkSize = parseInteger(opts.chunkSize, "--chunk-size", 1, 1_000_000);
    const bytes = readBytes(opts.file);
    const fileHash = sha256(bytes);
    const intake = require("../intake") as typeof import("../intake");
    const { getCertificateType } = require("../domain/catalog") as typeof import("../domain/catalog");
    const typeOf = (code: string | undefined): CertificateType => {
      if (!code) throw new CliError("MISSING_OPTION", "--type <code> is required (the file names no type).", 2);
      const t = getCertificateType(code);
      if (!t)
        throw new CliError(
          "UNKNOWN_TYPE",
          `No certificate type ${JSON.stringify(code)} in the catalog; \`certledger types\` lists them.`,
        );
      return t;
    };
    const json =
      /\.json$/i.test(opts.file) ||
      (!intake.isWorkbook(bytes, opts.file) && /^\s*[[{]/.test(bytes.subarray(0, 64).toString("latin1")));
    let type: CertificateType;
    let parsed: ParsedRows;
    let table: Table | undefined;
    let jsonList: unknown[] | undefined;
    let columns: Column[] | undefined;
    try {
      if (json) {
        const j = jsonItems(intake.decodeText(bytes, "utf-8").text);
        type = typeOf(opts.type ?? j.type);
        jsonList = j.items;
        parsed = intake.checkItems(j.items, type);
      } else {
        type = typeOf(opts.type);
        const read = await intake.readBatchFile(bytes, type, {
          fileName: opts.file,
          encoding: opts.encoding,
          sheet: opts.sheet,
        });
        table = read.table;
        columns = read.columns;
        parsed = read;
      }
    } catch (e) {
      if (e instanceof intake.IntakeError) throw new CliError(e.code, e.message, 1, e.details);
      throw e;
    }
    if (parsed.total === 0) throw new CliError("EMPTY_BATCH", `${opts.file} holds no certificates.`);
    // A guardian's Delegation for a batch member goes to delegateInBatchByIssuerSig, which the gateway
    // relays only for the batches it signs itself: a chunk signed here would lose its guardians.
    if (opts.keystore && namesGuardian(jsonList ? { items: jsonList } : { table: table!, columns: columns! }))
      throw new CliError(
        "GUARDIAN_NOT_SUPPORTED",
        `${opts.file} names guardians (guardian/监护人 columns), and --keystore cannot issue them: the gateway relays a guardian's delegation only for a batch it signs. ` +
          "Issue this file without --keystore (a gateway holding the agency's key), or leave the guardian columns empty.",
        1,
      );
    const outDir: string = opts.outDir ?? `certledger-batch-${fileHash.slice(0, 12)}`;
    const errorsFile: string = opts.errors ?? path.join(outDir, "errors.csv");
    const writeErrors = (problems: readonly RowProblem[]) =>
      writeFileMakingDir(
        errorsFile,
        intake.CSV_BOM +
          intake.csvLine(["row", "column", "code", "message"]) +
          problems.map((p) => intake.csvLine([p.row, p.column, p.code, p.message])).join(""),
      );
    const read = {
      file: opts.file,
      format: json ? "json" : table!.format,
      ...(table?.encoding ? { encoding: table.encoding } : {}),
      ...(table?.sheet ? { sheet: table.sheet } : {}),
    };

    if (opts.dryRun) {
      writeErrors(parsed.problems);
      const claimRows = parsed.rows.filter((r) => r.claim).length;
      emit(
        g,
        {
          dryRun: true,
          type: type.code,
          ...read,
          rows: parsed.total,
          valid: parsed.rows.length,
          invalid: parsed.invalidRows.size,
          claimRows,
          problems: parsed.problems,
          errorsFile,
        },
        () =>
          [
            ...(parsed.problems.length > 0 ? [problemTable(parsed.problems), ""] : []),
            `dry run: ${parsed.total} row(s) of ${type.code} in ${opts.file} (${read.format}${table?.encoding ? `, ${table.encoding}` : ""}${table?.sheet ? `, sheet ${table.sheet}` : ""}): ` +
              `${parsed.rows.length} valid${claimRows ? ` (${claimRows} to claim references)` : ""}, ${parsed.invalidRows.size} with ${parsed.problems.length} problem(s); nothing was sent.`,
            `problems → ${errorsFile}`,
          ].join("\n"),
      );
      if (parsed.problems.length > 0) process.exitCode = 1;
      return;
    }

    const api = gatewayClient(g, true);
    const claimsAccepted = !opts.keystore && parsed.rows.some((r) => r.claim) && (await gatewayTakesClaims(api));
    const problems = [...parsed.problems];
    const invalid = new Set(parsed.invalidRows);
    const items: { row: ParsedRow; item: BatchItem }[] = [];
    for (const r of parsed.rows) {
      const m = intake.batchItemOf(r, claimsAccepted);
      if (m.problem) {
        problems.push(m.problem);
        invalid.add(r.row);
      } else items.push({ row: r, item: m.item });
    }
    problems.sort((a, b) => a.row - b.row);
    let rejectsFile: string | undefined;
    if (problems.length > 0) {
      writeErrors(problems);
      if (!g.json) process.stderr.write(`${problemTable(problems)}\n`);
      if (!opts.skipInvalid)
        throw new CliError(
          "INVALID_ROWS",
          `${invalid.size} of ${parsed.total} row(s) have problems (listed above and in ${errorsFile}); nothing was sent. ` +
            "Correct them, or add --skip-invalid to issue the others and set these aside in a rejects file.",
          1,
          { problems: problems.length, errorsFile },
        );
      const rejects: string = opts.rejects ?? path.join(outDir, json ? "rejects.json" : "rejects.csv");
      rejectsFile = rejects;
      writeFileMakingDir(
        rejects,
        table
          ? intake.CSV_BOM +
              intake.csvLine(table.header) +
              table.rows
                .filter((r) => invalid.has(r.row))
                .map((r) => intake.csvLine(r.cells))
                .join("")
          : `${JSON.stringify(
              jsonList!.filter((_, i) => invalid.has(i + 1)),
              null,
              2,
            )}\n`,
      );
    }
    if (items.length === 0) throw new CliError("EMPTY_BATCH", `${opts.file} holds no valid row to issue.`);
    const rejected = [...invalid].sort((a, b) => a - b);
    await issueChunks({
      g,
      api,
      opts,
      type,
      items,
      rejected,
      fileHash,
      chunkSize,
      outDir,
      csv: intake,
      summary: { ...read, errorsFile: problems.length > 0 ? errorsFile : undefined, rejectsFile },
    });
  });
}

/** Whether any row of the file, valid or not, gives a guardian cell (or a JSON item a `guardian`). */
function namesGuardian(file: { table: Table; columns: readonly Column[] } | { items: unknown[] }): boolean {
  if ("items" in file) return file.items.some((it) => it !== null && typeof it === "object" && "guardian" in it);
  const at = file.columns.flatMap((c, i) => (c.kind === "guardian" ? [i] : []));
  return file.table.rows.some((r) => at.some((i) => (r.cells[i] ?? "").trim() !== ""));
}

/** Whether the gateway's batch items take a claim reference instead of a holder (its OpenAPI says). */
async function gatewayTakesClaims(api: GatewayClient): Promise<boolean> {
  const doc = (await api.request<{ components?: { schemas?: Record<string, { properties?: object }> } }>(
    "GET",
    "/openapi.json",
  )).body; // prettier-ignore
  return Boolean(
    doc.components?.schemas?.IssueItem?.properties && "claim" in doc.components.schemas.IssueItem.properties,
  );
}

interface ChunkDone {
  batchId?: string;
  root: string;
  txHash?: string;
  /** The documents in item order, a page at a time (the next page is fetched while this one is written). */
  pages: AsyncIterable<{ certId: string; holder: string; document: Record<string, unknown> }[]>;
  /** The offers made for the chunk's claim-reference rows. */
  claims?: ClaimOffer[];
}

async function issueChunks(ctx: {
  g: { json?: boolean };
  api: GatewayClient;
  opts: { keystore?: string; passphraseFile?: string };
  type: CertificateType;
  items: { row: ParsedRow; item: BatchItem }[];
  rejected: number[];
  fileHash: string;
  chunkSize: number;
  outDir: string;
  csv: {
    csvLine: (c: readonly (string | number | undefined)[]) => string;
    CSV_BOM: string;
    recipientOf: (r: ParsedRow) => string;
  };
  summary: Record<string, unknown>;
}): Promise<void> {
  const { items, chunkSize, outDir, fileHash, type } = ctx;
  const { csvLine, CSV_BOM } = ctx.csv;
  fs.mkdirSync(outDir, { recursive: true });
  const statePath = path.join(outDir, STATE_FILE);
  const manifestPath = path.join(outDir, "manifest.csv");
  let state: BatchState | undefined;
  try {
    state = JSON.parse(fs.readFileSync(statePath, "utf8")) as BatchState;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT")
      throw new CliError("BAD_STATE", `The resume state ${statePath} cannot be read: ${(e as Error).message}.`);
  }
  const save = (s: BatchState) => {
    fs.writeFileSync(`${statePath}.tmp`, JSON.stringify(s));
    fs.renameSync(`${statePath}.tmp`, statePath);
  };
  if (state) {
    if (
      state.fileHash !== fileHash ||
      state.type !== type.code ||
      state.chunkSize !== chunkSize ||
      state.rows !== items.length
    )
      throw new CliError(
        "OUT_DIR_IN_USE",
        `${outDir} holds the progress of another batch (another file, type or --chunk-size); choose another --out-dir.`,
      );
    // What was appended after the last finished chunk belongs to an unfinished one: it is written again.
    fs.truncateSync(manifestPath, state.manifestBytes);
  } else {
    const rejectedLines = ctx.rejected.map((row) => csvLine([row, "", "", "", "", "", "rejected"])).join("");
    fs.writeFileSync(manifestPath, CSV_BOM + csvLine(MANIFEST_HEADER) + rejectedLines);
    state = {
      version: 1,
      fileHash,
      type: type.code,
      chunkSize,
      rows: items.length,
      manifestBytes: fs.statSync(manifestPath).size,
      chunks: {},
    };
    save(state);
  }
  const s = state;
  const chunkCount = Math.ceil(items.length / chunkSize);
  const rangeOf = (i: number) => ({ start: i * chunkSize, end: Math.min(items.length, (i + 1) * chunkSize) });
  const progress = stageProgress(items.length, ["built", "anchored", "downloaded"], ctx.g.json);
  let finished = 0;
  for (let i = 0; i < chunkCount; i++) if (s.chunks[i]?.done) finished += rangeOf(i).end - rangeOf(i).start;
  const resumed = finished;
  for (const stage of ["built", "anchored", "downloaded"]) progress.set(stage, finished);
  const where = (i: number) =>
    `[rows ${items[rangeOf(i).start].row.row}..${items[rangeOf(i).end - 1].row.row} of the file]`;
  const env: RunnerEnv = { ctx, state: s, save, rangeOf, progress, finished: () => finished, chunkCount };
  const run = ctx.opts.keystore ? await signedChunkRunner(env) : custodialChunkRunner(env);
  const batches: { batchId?: string; root: string; txHash?: string; certificates: number }[] = [];
  for (let i = 0; i < chunkCount; i++) {
    const { start, end } = rangeOf(i);
    if (s.chunks[i]?.done) {
      batches.push({
        batchId: s.chunks[i].batchId,
        root: s.chunks[i].root!,
        txHash: s.chunks[i].txHash,
        certificates: end - start,
      });
      continue;
    }
    let out: ChunkDone;
    try {
      out = await run(i);
    } catch (e) {
      if (e instanceof CliError) e.message = `${e.message} ${where(i)}`;
      throw e;
    }
    let lines = "";
    let k = 0;
    // The batch's documents are the chunk's holder rows, in order; claim rows became offers.
    const holderRows = items.slice(start, end).filter((x) => x.row.holder !== undefined);
    for await (const page of out.pages) {
      if (k + page.length > holderRows.length)
        throw new CliError(
          "BATCH_MISMATCH",
          `Batch ${out.batchId ?? out.root} holds more certificates than its ${holderRows.length} rows.`,
        );
      writeFiles(page.map((d) => [path.join(outDir, `${d.certId}.json`), `${JSON.stringify(d.document, null, 2)}\n`]));
      page.forEach((d, j) => {
        const r = holderRows[k + j].row;
        if (d.holder.toLowerCase() !== r.holder!.toLowerCase())
          throw new CliError("BATCH_MISMATCH", `Row ${r.row}'s certificate came back for another holder.`);
        lines += csvLine([r.row, r.holder, "", d.certId, out.batchId ?? "", out.root, "issued"]);
      });
      k += page.length;
      progress.set("downloaded", finished + k);
    }
    progress.set("downloaded", finished + end - start);
    if (k !== holderRows.length)
      throw new CliError(
        "BATCH_MISMATCH",
        `Batch ${out.batchId ?? out.root} holds ${k} certificates, not ${holderRows.length}.`,
      );
    for (const c of out.claims ?? []) {
      const r = items[start + c.index].row;
      lines += csvLine([r.row, "", ctx.csv.recipientOf(r), "", out.batchId ?? "", "", "offered"]);
    }
    fs.appendFileSync(manifestPath, lines);
    finished += end - start;
    const signedFile = s.chunks[i]?.signedFile;
    s.chunks[i] = { batchId: out.batchId, root: out.root, txHash: out.txHash, done: true };
    s.manifestBytes = fs.statSync(manifestPath).size;
    save(s);
    // The signed chunk was kept only to send the same documents again; they are in their own files now.
    if (signedFile) fs.rmSync(path.join(outDir, signedFile), { force: true });
    batches.push({ batchId: out.batchId, root: out.root, txHash: out.txHash, certificates: end - start });
  }
  progress.stop();
  emit(
    ctx.g,
    {
      type: type.code,
      issued: items.length,
      resumed,
      rejected: ctx.rejected.length,
      outDir,
      manifest: manifestPath,
      batches,
      ...ctx.summary,
    },
    () =>
      [
        `issued ${items.length} ${type.code} certificate(s) in ${batches.length} batch(es)${resumed > 0 ? ` (${resumed} already issued by an earlier run)` : ""}; documents in ${outDir}/, manifest ${manifestPath}`,
        ...(ctx.rejected.length > 0 ? [`  ${ctx.rejected.length} row(s) rejected → ${ctx.summary.rejectsFile}`] : []),
        ...batches.map(
          (b) =>
            `  batch ${b.batchId ?? "(signed here)"}  root ${b.root}  ${b.certificates} certificates  tx ${b.txHash ?? "-"}`,
        ),
      ].join("\n"),
  );
}

/** What a chunk runner works with: the run, its state and how to save it, the chunks' rows, the progress. */
interface RunnerEnv {
  ctx: Parameters<typeof issueChunks>[0];
  state: BatchState;
  save: (s: BatchState) => void;
  rangeOf: (i: number) => { start: number; end: number };
  progress: StageProgress;
  /** Rows of the chunks finished so far. */
  finished: () => number;
  chunkCount: number;
}

/**
 * The gateway builds and signs each chunk. The POST carries the chunk's Idempotency-Key, so a rerun
 * after a kill gets the same batch back instead of a second one. The next chunk is submitted as soon as
 * one is built, so the gateway builds it while it anchors that one and this process downloads its
 * documents.
 */
function custodialChunkRunner({
  ctx,
  state,
  save,
  rangeOf,
  progress,
  finished,
  chunkCount,
}: RunnerEnv): (i: number) => Promise<ChunkDone> {
  const { api, items } = ctx;
  const submitted = new Map<number, Promise<BatchJob>>();
  const submit = (i: number) => {
    if (i >= chunkCount || state.chunks[i]?.done || submitted.has(i)) return;
    const { start, end } = rangeOf(i);
    const p = api
      .request<BatchJob>("POST", "/v1/agency/batches", {
        body: { type: ctx.type.code, items: items.slice(start, end).map((x) => x.item) },
        headers: { "idempotency-key": `issue-batch-${ctx.fileHash.slice(0, 48)}-${ctx.chunkSize}-${i}` },
      })
      .then(({ body }) => {
        // The claim codes are in this answer only (a replay answers without them): kept before anything else.
        const codes = (body.claims ?? []).filter((c) => c.claimCode);
        if (codes.length > 0)
          fs.appendFileSync(
            path.join(ctx.outDir, CLAIM_CODES_FILE),
            codes
              .map((c) => {
                const r = items[start + c.index].row;
                return ctx.csv.csvLine([
                  r.row,
                  ctx.csv.recipientOf(r),
                  c.offerId,
                  c.claimCode,
                  c.claimLink ?? "",
                  c.expiresAt,
                ]);
              })
              .join(""),
          );
        state.chunks[i] = { ...state.chunks[i], batchId: body.batchId };
        save(state);
        return body;
      });
    p.catch(() => undefined); // awaited (and reported) by the chunk's own turn
    submitted.set(i, p);
  };
  // Each chunk is followed until the gateway has built it; then the next one is submitted, whatever this
  // process is writing meanwhile: the gateway always has a chunk to build. At most two chunks ahead of the
  // one being written (one anchoring, one building).
  const sleep = () => new Promise((r) => setTimeout(r, 200));
  const built = new Map<number, Promise<BatchJob>>();
  let current = 0;
  const follow = (i: number) => {
    if (i >= chunkCount || i > current + 2 || built.has(i)) return;
    submit(i);
    const p = (async () => {
      let job = await submitted.get(i)!;
      while (job.state === "building") {
        progress.set("built", rangeOf(i).start + job.built);
        await sleep();
        job = (await api.request<BatchJob>("GET", `/v1/agency/batches/${job.batchId}`)).body;
      }
      if (job.state !== "failed") progress.set("built", rangeOf(i).end);
      return job;
    })();
    p.catch(() => undefined); // awaited (and reported) by the chunk's own turn
    built.set(i, p);
    p.then(
      () => follow(i + 1),
      () => undefined,
    );
  };
  return async (i) => {
    current = i;
    follow(i);
    let job = await built.get(i)!;
    follow(i + 1);
    void built.get(i + 1)?.then(
      () => follow(i + 2),
      () => undefined,
    );
    const claims = (await submitted.get(i)!).claims;
    while (job.state === "anchoring") {
      await sleep();
      job = (await api.request<BatchJob>("GET", `/v1/agency/batches/${job.batchId}`)).body;
    }
    if (job.state === "failed")
      throw new CliError(
        job.error?.code ?? "BATCH_FAILED",
        `Batch ${job.batchId} failed: ${job.error?.message ?? "no reason given"}.`,
      );
    progress.set("anchored", finished() + job.total);
    const fetchPage = (offset: number) => {
      const p = api
        .request<BatchDocuments>("GET", `/v1/agency/batches/${job.batchId}/documents?offset=${offset}&limit=${PAGE}`)
        .then((r) => r.body.items);
      p.catch(() => undefined); // awaited (and reported) in its turn, unless an earlier page failed first
      return p;
    };
    async function* pages() {
      let next = fetchPage(0);
      for (let offset = 0; offset < job.total; offset += PAGE) {
        const page = await next;
        if (offset + PAGE < job.total) next = fetchPage(offset + PAGE);
        yield page;
      }
    }
    return { batchId: job.batchId, root: job.root ?? "", txHash: job.txHash, pages: pages(), claims };
  };
}

/**
 * --keystore: each chunk is built and its root signed here. The signed chunk is written to the output
 * directory before it is sent, so a rerun sends the very same documents (same certIds) again under the
 * same Idempotency-Key rather than signing new ones.
 */
async function signedChunkRunner({
  ctx,
  state,
  save,
  rangeOf,
  progress,
  finished,
}: RunnerEnv): Promise<(i: number) => Promise<ChunkDone>> {
  const { unlockKeystore } = require("./keystore") as typeof import("./keystore");
  const { gatewayInfo, registeredType, signBatch, windowOf } = require("./signed") as typeof import("./signed");
  const { api, items } = ctx;
  const wallet = await unlockKeystore(
    ctx.opts as { keystore: string; passphraseFile?: string },
    `the agency key ${ctx.opts.keystore}`,
  );
  const [info, t] = await Promise.all([gatewayInfo(api), registeredType(api, ctx.type.code)]);
  return async (i) => {
    const { start, end } = rangeOf(i);
    type Signed = Awaited<ReturnType<typeof signBatch>>;
    let signed: Signed;
    const file = state.chunks[i]?.signedFile;
    if (file) signed = JSON.parse(fs.readFileSync(path.join(ctx.outDir, file), "utf8")) as Signed;
    else {
      signed = await signBatch(
        wallet,
        info,
        t,
        items.slice(start, end).map(({ item }) => ({
          holder: item.holder!,
          fields: item.fields,
          ...windowOf(t, item.validFrom, item.validUntil),
        })),
      );
      const name = `.signed-chunk-${i}.json`;
      fs.writeFileSync(path.join(ctx.outDir, name), JSON.stringify(signed));
      state.chunks[i] = { signedFile: name };
      save(state);
    }
    progress.set("built", finished() + end - start);
    const out = (
      await api.request<{ root: string; count: number; txHash: string }>("POST", "/v1/agency/batches/signed", {
        body: {
          root: signed.root,
          documents: signed.documents,
          deadline: signed.deadline,
          signature: signed.signature,
        },
        headers: { "idempotency-key": `issue-batch-signed-${ctx.fileHash.slice(0, 40)}-${ctx.chunkSize}-${i}` },
      })
    ).body;
    progress.set("anchored", finished() + end - start);
    return {
      root: out.root,
      txHash: out.txHash,
      pages: (async function* () {
        yield signed.documents.map((document, k) => ({
          certId: signed.certIds[k],
          holder: items[start + k].item.holder!,
          document: document as unknown as Record<string, unknown>,
        }));
      })(),
    };
  };
}
