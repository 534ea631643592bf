/**
 * `certledger backup --out FILE`: asks a running gateway for a consistent backup of its data directory
 * (POST /v1/ops/backup, an authority API key) and keeps it once every file checks against the
 * manifest. `certledger restore FILE --data-dir DIR`: checks the archive the same way and unpacks it
 * into an empty directory, where a gateway starts as the original was at the backup.
 * The archive format is src/wiring/dataBackup.ts's.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Command } from "commander";
import { extract } from "tar-stream";
import {
  BACKUP_FORMAT,
  BACKUP_FORMAT_VERSION,
  DATA_PREFIX,
  MANIFEST_ENTRY,
  isSafeName,
  type BackupManifest,
} from "../wiring/dataBackup";
import { gatewayClient } from "./gateway";
import { CliError, emit } from "./output";

const MAX_MANIFEST_BYTES = 1024 * 1024;

export function registerBackup(program: Command): void {
  program
    .command("backup")
    .description("take a consistent backup of a running gateway (store, chain, keystore, settings) into one file")
    .requiredOption("--out <file>", "the archive to write (must not exist)")
    .option("--gateway <url>", "the gateway (or CERTLEDGER_GATEWAY)")
    .option("--api-key <key>", "an authority API key (or CERTLEDGER_API_KEY)")
    .action(async (opts: { out: string; gateway?: string; apiKey?: string }, cmd: Command) => {
      const out = path.resolve(opts.out);
      if (fs.existsSync(out)) throw new CliError("OUT_FILE_EXISTS", `${out} exists already; name a new file.`, 2);
      const api = gatewayClient(opts, true);
      const partial = `${out}.partial-${process.pid}`;
      try {
        const res = await api.fetchRaw("POST", "/v1/ops/backup");
        if (!res.body) throw new CliError("BAD_RESPONSE", "The gateway answered the backup without a body.");
        try {
          await pipeline(Readable.fromWeb(res.body as never), fs.createWriteStream(partial, { mode: 0o600 }));
        } catch (e) {
          throw new CliError(
            "BACKUP_INCOMPLETE",
            `The gateway's answer broke off before the archive was whole: ${(e as Error).message}.`,
          );
        }
        const manifest = await readBackupArchive(partial);
        const fd = fs.openSync(partial, "r");
        fs.fsyncSync(fd);
        fs.closeSync(fd);
        fs.renameSync(partial, out);
        emit(cmd.optsWithGlobals(), { file: out, bytes: fs.statSync(out).size, manifest }, () =>
          describe(out, manifest),
        );
      } finally {
        fs.rmSync(partial, { force: true });
      }
    });

  program
    .command("restore <file>")
    .description("unpack a backup into an empty data directory, after checking every file against its manifest")
    .requiredOption("--data-dir <dir>", "the data directory to create (absent or empty)")
    .action(async (file: string, opts: { dataDir: string }, cmd: Command) => {
      const dir = path.resolve(opts.dataDir);
      if (!fs.existsSync(file)) throw new CliError("FILE_NOT_FOUND", `${file} does not exist.`, 2);
      const existed = fs.existsSync(dir);
      if (existed && (!fs.statSync(dir).isDirectory() || fs.readdirSync(dir).length > 0))
        throw new CliError(
          "DATA_DIR_NOT_EMPTY",
          `${dir} is not an empty directory: restore only into a new or empty one, so nothing is overwritten.`,
          2,
        );
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      // Unpacked beside the target, moved in only once every file checked out.
      const staging = fs.mkdtempSync(path.join(dir, ".restore-"));
      try {
        const manifest = await readBackupArchive(file, staging);
        for (const f of manifest.files) {
          fs.mkdirSync(path.dirname(path.join(dir, f.name)), { recursive: true });
          fs.renameSync(path.join(staging, f.name), path.join(dir, f.name));
        }
        fs.rmSync(staging, { recursive: true, force: true });
        emit(cmd.optsWithGlobals(), { dataDir: dir, manifest }, () =>
          [
            describe(file, manifest),
            `restored into ${dir}: start the gateway there (CERTLEDGER_DATA_DIR=${dir}) with the keystore passphrase the original used.`,
          ].join("\n"),
        );
      } catch (e) {
        // Leave the directory as it was: empty, or absent.
        if (existed)
          for (const n of fs.readdirSync(dir)) fs.rmSync(path.join(dir, n), { recursive: true, force: true });
        else fs.rmSync(dir, { recursive: true, force: true });
        throw e;
      }
    });
}

function describe(file: string, m: BackupManifest): string {
  const chain =
    m.chain.kind === "embedded"
      ? `embedded chain ${m.chain.chainId} at block ${m.chain.blockAtLeast}${m.chain.blockAtMost !== m.chain.blockAtLeast ? `-${m.chain.blockAtMost}` : ""}`
      : `external chain ${m.chain.chainId} (not in the archive: back the node up on its own)`;
  const bytes = m.files.reduce((s, f) => s + f.bytes, 0);
  return [
    `${file}: certledger ${m.gateway.version} backup taken ${m.createdAt}`,
    `  ${chain}; store indexed to block ${m.store.indexedBlock ?? "none"}`,
    `  ${m.files.length} files, ${bytes} bytes, every SHA-256 checked: ${m.files.map((f) => f.name).join(", ")}`,
  ].join("\n");
}

const invalid = (file: string, why: string) =>
  new CliError("BACKUP_INVALID", `${file} is not a usable certledger backup: ${why}.`);

function parseManifest(file: string, text: string): BackupManifest {
  let m: BackupManifest;
  try {
    m = JSON.parse(text) as BackupManifest;
  } catch {
    throw invalid(file, "its manifest is not JSON");
  }
  if (m?.format !== BACKUP_FORMAT) throw invalid(file, `its manifest's format is not ${BACKUP_FORMAT}`);
  if (typeof m.formatVersion !== "number" || m.formatVersion > BACKUP_FORMAT_VERSION)
    throw new CliError(
      "BACKUP_FORMAT_UNSUPPORTED",
      `${file} is a backup of format version ${m.formatVersion}; this certledger reads up to ${BACKUP_FORMAT_VERSION}: restore it with a newer certledger.`,
    );
  if (!Array.isArray(m.files) || m.files.length === 0) throw invalid(file, "its manifest lists no files");
  const names = new Set<string>();
  for (const f of m.files) {
    if (typeof f?.name !== "string" || !isSafeName(f.name) || names.has(f.name))
      throw invalid(file, `its manifest names a file it may not: ${JSON.stringify(f?.name)}`);
    if (!Number.isSafeInteger(f.bytes) || f.bytes < 0 || !/^[0-9a-f]{64}$/.test(String(f.sha256)))
      throw invalid(file, `its manifest's entry for ${f.name} has no usable size or SHA-256`);
    names.add(f.name);
  }
  return m;
}

/**
 * Reads the whole archive: the manifest first, then every file it lists, each checked for its size and
 * SHA-256. With `into`, the files are written there (names as the manifest gives them).
 */
export async function readBackupArchive(file: string, into?: string): Promise<BackupManifest> {
  let manifest: BackupManifest | undefined;
  const seen = new Set<string>();
  const ex = extract();
  const reading = (async () => {
    for await (const entry of ex) {
      const h = entry.header;
      if (!manifest) {
        if (h.name !== MANIFEST_ENTRY || h.type !== "file" || h.size > MAX_MANIFEST_BYTES)
          throw invalid(file, `it does not start with ${MANIFEST_ENTRY}`);
        const chunks: Buffer[] = [];
        for await (const c of entry) chunks.push(c as Buffer);
        manifest = parseManifest(file, Buffer.concat(chunks).toString("utf8"));
        continue;
      }
      const name = h.name.startsWith(DATA_PREFIX) ? h.name.slice(DATA_PREFIX.length) : "";
      const listed = manifest.files.find((f) => f.name === name);
      if (!listed || seen.has(name) || h.type !== "file")
        throw invalid(file, `it holds ${JSON.stringify(h.name)}, which its manifest does not list`);
      seen.add(name);
      const hash = createHash("sha256");
      let bytes = 0;
      const target = into ? path.join(into, name) : undefined;
      if (target) fs.mkdirSync(path.dirname(target), { recursive: true });
      const sink = target
        ? fs.createWriteStream(target, { mode: 0o600 })
        : new Writable({ write: (_c, _e, cb) => cb() });
      await pipeline(
        entry as unknown as Readable,
        new Writable({
          write(chunk: Buffer, _enc, cb) {
            hash.update(chunk);
            bytes += chunk.length;
            if (sink.write(chunk)) cb();
            else sink.once("drain", () => cb());
          },
          final(cb) {
            sink.end(cb);
          },
        }),
      );
      if (target) {
        const fd = fs.openSync(target, "r");
        fs.fsyncSync(fd);
        fs.closeSync(fd);
      }
      if (bytes !== listed.bytes || hash.digest("hex") !== listed.sha256)
        throw new CliError(
          "BACKUP_HASH_MISMATCH",
          `${file}: ${name} does not match the SHA-256 or size its manifest gives (${bytes} bytes, ${listed.bytes} expected); the archive is damaged.`,
        );
    }
  })();
  try {
    await Promise.all([pipeline(fs.createReadStream(file), ex), reading]);
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw invalid(file, `it cannot be read as a tar archive (${(e as Error).message})`);
  }
  if (!manifest) throw invalid(file, "it is empty");
  const missing = manifest.files.filter((f) => !seen.has(f.name)).map((f) => f.name);
  if (missing.length > 0)
    throw new CliError("BACKUP_INCOMPLETE", `${file} lacks ${missing.join(", ")}, which its manifest lists.`);
  return manifest;
}
