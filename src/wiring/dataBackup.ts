/**
 * A backup of a running gateway's data directory, taken without stopping it: the SQLite store through
 * SQLite's online backup API, the embedded chain through `EmbeddedChain.backupTo` (a consistent copy
 * between two blocks), and the keystore and settings files. Both copies are taken while the relayer
 * hands nothing to the chain (`Relayer.quiesce`), so they agree: every transaction in the chain copy
 * has its outbox row in the store copy, and a gateway started on the restored directory sends none of
 * them twice. Requests keep being accepted meanwhile; their transactions wait for the copy to end.
 *
 * Why the copies are taken this way: docs/decisions/0014-online-backup-with-a-quiet-relayer.md.
 *
 * The archive is one POSIX tar file: `manifest.json` first, then `data/<name>` for every file the
 * manifest lists with its size and SHA-256 (`certledger restore` checks them before unpacking).
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { pack } from "tar-stream";
import type { Readable } from "node:stream";
import { version } from "../../package.json";
import type { Engine } from "../chain/engine";
import { conflict, DomainError } from "../domain/errors";

export const BACKUP_FORMAT = "certledger-backup";
export const BACKUP_FORMAT_VERSION = 1;
export const MANIFEST_ENTRY = "manifest.json";
/** Where the data files sit inside the archive. */
export const DATA_PREFIX = "data/";
const STORE_FILE = "certledger.sqlite";
const STAGING_PREFIX = ".backup-staging-";

export type BackupFileRole = "store" | "chain" | "keystore" | "settings";

export interface BackupManifest {
  format: typeof BACKUP_FORMAT;
  formatVersion: number;
  /** ISO 8601, when the copies were taken. */
  createdAt: string;
  gateway: { version: string; node: string };
  chain:
    | {
        kind: "embedded";
        chainId: number;
        /** The chain copy holds every block up to `blockAtLeast` and none past `blockAtMost`. */
        blockAtLeast: number;
        blockAtMost: number;
      }
    | { kind: "external"; chainId: number };
  store: { dialect: "sqlite"; indexedBlock: number | null };
  /** Relative to the data directory; POSIX separators. */
  files: { name: string; role: BackupFileRole; bytes: number; sha256: string }[];
}

export interface TakenBackup {
  manifest: BackupManifest;
  /** The archive as a tar stream (manifest first). */
  archive(): Readable;
  /** Removes the staged copies (call once the archive was read or abandoned). */
  discard(): Promise<void>;
}

/** A safe relative name inside the data directory or the archive: no `..`, no absolute path. */
export function isSafeName(name: string): boolean {
  return /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/.test(name) && !name.split("/").some((p) => p === "." || p === "..");
}

export function sha256File(file: string): Promise<string> {
  const h = createHash("sha256");
  return pipeline(fs.createReadStream(file), h).then(() => h.digest("hex"));
}

/** The files besides the store and the chain that a data directory needs: keystore and settings. */
function settingsFiles(dataDir: string): { name: string; role: BackupFileRole }[] {
  const out: { name: string; role: BackupFileRole }[] = [];
  for (const name of fs.readdirSync(dataDir).sort()) {
    if (!fs.statSync(path.join(dataDir, name)).isFile()) continue;
    if (name === "keyring.keystore.json") out.push({ name, role: "keystore" });
    else if (/^deployment-\d+\.json$/.test(name) || /^(demo|authority)-credentials\.json$/.test(name))
      out.push({ name, role: "settings" });
  }
  return out;
}

let running = false;

/**
 * Copies what the gateway of `engine` keeps in `dataDir` into a staging directory beside it and
 * describes the copies. One backup at a time per process.
 */
export async function takeBackup(engine: Engine, dataDir: string): Promise<TakenBackup> {
  const backupStore = engine.store.backupTo;
  if (engine.store.dialect !== "sqlite" || !backupStore)
    throw conflict(
      "BACKUP_NOT_SQLITE",
      "This gateway's store is PostgreSQL: back it up with the database's own tools (pg_dump, pg_basebackup, PITR), and the data directory's keystore and settings files with it (see the README).",
    );
  if (running)
    throw new DomainError("BACKUP_IN_PROGRESS", "A backup is being taken; try again when it ends.", {
      status: 409,
      retryable: true,
    });
  running = true;
  // A staging directory left by a gateway that died in the middle of a backup is of no use.
  for (const name of fs.readdirSync(dataDir))
    if (name.startsWith(STAGING_PREFIX)) fs.rmSync(path.join(dataDir, name), { recursive: true, force: true });
  const staging = fs.mkdtempSync(path.join(dataDir, STAGING_PREFIX));
  let discarded = false;
  const discard = async () => {
    if (discarded) return;
    discarded = true;
    await fs.promises.rm(staging, { recursive: true, force: true });
    running = false;
  };
  try {
    const embedded = engine.embedded;
    const roles = new Map<string, BackupFileRole>([[STORE_FILE, "store"]]);
    let chain: BackupManifest["chain"] = { kind: "external", chainId: engine.chainId };
    await engine.relayer.quiesce(async () => {
      const storeCopy = () => backupStore(path.join(staging, STORE_FILE));
      if (!embedded) await storeCopy();
      else {
        const blockAtLeast = embedded.producer.durableBlock;
        // The store is copied inside the chain copy's pause, after it: no block is made in between, so
        // the store holds no block the chain copy lacks, and (a checkpoint waiting for the index) none
        // older than the chain copy's checkpoint, which a gateway restored from an older store refuses.
        const names = await embedded.backupTo(staging, storeCopy);
        for (const n of names) {
          if (!isSafeName(n) || roles.has(n)) throw new Error(`the chain's backup named an unusable file: ${n}`);
          roles.set(n, "chain");
        }
        chain = {
          kind: "embedded",
          chainId: engine.chainId,
          blockAtLeast,
          blockAtMost: embedded.producer.durableBlock,
        };
      }
    });
    // Written once, atomically (temp file and rename): a plain copy is consistent.
    for (const f of settingsFiles(dataDir)) {
      await fs.promises.copyFile(path.join(dataDir, f.name), path.join(staging, f.name));
      roles.set(f.name, f.role);
    }
    const files: BackupManifest["files"] = [];
    for (const [name, role] of roles) {
      const file = path.join(staging, name);
      files.push({ name, role, bytes: fs.statSync(file).size, sha256: await sha256File(file) });
    }
    const manifest: BackupManifest = {
      format: BACKUP_FORMAT,
      formatVersion: BACKUP_FORMAT_VERSION,
      createdAt: new Date().toISOString(),
      gateway: { version, node: process.version },
      chain,
      store: { dialect: "sqlite", indexedBlock: await indexedBlock(path.join(staging, STORE_FILE)) },
      files,
    };
    return { manifest, archive: () => archiveOf(staging, manifest), discard };
  } catch (e) {
    await discard();
    throw e;
  }
}

/** The index cursor of a store copy (the restored gateway indexes on from there). */
async function indexedBlock(file: string): Promise<number | null> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const BetterSqlite3 = require("better-sqlite3") as typeof import("better-sqlite3");
  const db = new BetterSqlite3(file, { readonly: true });
  try {
    const row = db.prepare("SELECT max(block_number) AS n FROM chain_cursor").get() as { n: number | null };
    return row.n;
  } finally {
    db.close();
  }
}

function archiveOf(staging: string, manifest: BackupManifest): Readable {
  const tar = pack();
  const mtime = new Date(manifest.createdAt);
  void (async () => {
    try {
      tar.entry({ name: MANIFEST_ENTRY, mode: 0o600, mtime }, `${JSON.stringify(manifest, null, 2)}\n`);
      for (const f of manifest.files) {
        await new Promise<void>((resolve, reject) => {
          const entry = tar.entry({ name: DATA_PREFIX + f.name, size: f.bytes, mode: 0o600, mtime }, (err) =>
            err ? reject(err) : resolve(),
          );
          fs.createReadStream(path.join(staging, f.name)).on("error", reject).pipe(entry);
        });
      }
      tar.finalize();
    } catch (e) {
      tar.destroy(e as Error);
    }
  })();
  return tar as unknown as Readable;
}
