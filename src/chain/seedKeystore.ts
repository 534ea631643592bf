/**
 * The custodial keyring's seed at rest: a Web3 Secret Storage (v3, scrypt) keystore,
 * `<dataDir>/keyring.keystore.json`, exactly as ethers writes and reads it (`encryptKeystoreJson`,
 * `decryptKeystoreJson`): the 32-byte seed is the keystore's "private key". Unlocking costs one scrypt
 * run (~1 s at the standard cost), once per start.
 *
 * The passphrase comes from CERTLEDGER_KEYSTORE_PASSPHRASE, or from the file named by
 * CERTLEDGER_KEYSTORE_PASSPHRASE_FILE, or (the demo, with neither set) from a passphrase file the
 * gateway creates under the user's home, `~/.certledger/keystore-passphrase` (0600 in a 0700
 * directory): outside the data directory, so a copy of the data directory alone unlocks nothing.
 *
 * A data directory of an earlier version holds the seed in plain text (`keyring.seed`): it is encrypted
 * into the keystore on start and the plain file removed.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { computeAddress, decryptKeystoreJson, encryptKeystoreJson, hexlify, isKeystoreJson } from "ethers";
import { writeFileDurably } from "./journal";
import { parseSeed } from "./keyring";

export const KEYSTORE_FILE = "keyring.keystore.json";
/** Where versions before the keystore kept the seed, in plain hex. */
export const PLAIN_SEED_FILE = "keyring.seed";
/** ethers' (and geth's) standard scrypt cost: N = 2^17, r = 8, p = 1. */
export const STANDARD_SCRYPT_N = 1 << 17;

export type KeystoreErrorCode =
  | "KEYSTORE_PASSPHRASE_WRONG"
  | "KEYSTORE_PASSPHRASE_MISSING"
  | "KEYSTORE_PASSPHRASE_FILE_UNREADABLE"
  | "KEYSTORE_INVALID"
  | "KEYSTORE_PLAIN_SEED_INVALID"
  | "KEYSTORE_PLAIN_SEED_MISMATCH";

/** Stops the gateway at start: the message says what to do; no stack trace is shown for it. */
export class KeystoreError extends Error {
  override name = "KeystoreError";
  constructor(
    readonly code: KeystoreErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface SeedKeystoreOptions {
  /** The passphrase itself (CERTLEDGER_KEYSTORE_PASSPHRASE). */
  passphrase?: string;
  /** A file holding the passphrase (CERTLEDGER_KEYSTORE_PASSPHRASE_FILE); a trailing newline is ignored. */
  passphraseFile?: string;
  /** scrypt N for a keystore written now (an existing keystore keeps its own); default the standard 2^17. */
  scryptN?: number;
  /** The demo's passphrase file, used when neither passphrase nor passphraseFile is set. */
  demoPassphraseFile?: string;
  warn?: (msg: string, fields?: Record<string, unknown>) => void;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
}

/** The keystore settings of a validated config (src/config.ts). */
export function seedKeystoreOptions(
  config: { keystorePassphrase?: string; keystorePassphraseFile?: string; keystoreScryptN: number },
  warn: SeedKeystoreOptions["warn"],
): SeedKeystoreOptions {
  return {
    passphrase: config.keystorePassphrase,
    passphraseFile: config.keystorePassphraseFile,
    scryptN: config.keystoreScryptN,
    warn,
  };
}

export function defaultDemoPassphraseFile(): string {
  return path.join(os.homedir(), ".certledger", "keystore-passphrase");
}

/** Opens (or creates, or migrates into) `<dataDir>/keyring.keystore.json` and returns the seed. */
export async function openSeedKeystore(dataDir: string, opts: SeedKeystoreOptions = {}): Promise<Uint8Array> {
  const keystoreFile = path.join(dataDir, KEYSTORE_FILE);
  const plainFile = path.join(dataDir, PLAIN_SEED_FILE);
  const plain = fs.existsSync(plainFile) ? readPlainSeed(plainFile) : undefined;

  if (fs.existsSync(keystoreFile)) {
    const seed = await decryptSeed(keystoreFile, passphraseOf(opts, false));
    if (plain) {
      // A migration stopped between writing the keystore and removing the plain file.
      if (Buffer.compare(Buffer.from(plain), Buffer.from(seed)) !== 0)
        throw new KeystoreError(
          "KEYSTORE_PLAIN_SEED_MISMATCH",
          `${plainFile} and ${keystoreFile} hold different seeds; keep the one that made this data directory and remove the other.`,
        );
      removeDurably(plainFile);
    }
    return seed;
  }

  const passphrase = passphraseOf(opts, true);
  const seed = plain ?? new Uint8Array(crypto.randomBytes(32));
  const seedHex = hexlify(seed);
  let address: string;
  try {
    address = computeAddress(seedHex);
  } catch {
    // Only an old plain seed can be outside secp256k1's scalar range (a random one is, with p ~ 2^-128).
    throw new KeystoreError(
      "KEYSTORE_PLAIN_SEED_INVALID",
      `${plainFile} holds a seed that a keystore cannot hold (not a secp256k1 scalar).`,
    );
  }
  const json = await encryptKeystoreJson({ address, privateKey: seedHex }, passphrase, {
    scrypt: { N: opts.scryptN ?? STANDARD_SCRYPT_N },
  });
  fs.mkdirSync(dataDir, { recursive: true });
  writeFileDurably(keystoreFile, `${specKeyNames(json)}\n`);
  if (plain) {
    removeDurably(plainFile);
    opts.log?.("keyring seed moved from the plain file into the encrypted keystore", { keystore: keystoreFile });
  }
  return seed;
}

/**
 * ethers writes the cipher section as "Crypto" (an old wallets' spelling); the Web3 Secret Storage
 * definition names it "crypto". ethers, geth and the spec's other readers take either: write the spec's.
 */
function specKeyNames(json: string): string {
  const parsed = JSON.parse(json) as Record<string, unknown>;
  return JSON.stringify(Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k === "Crypto" ? "crypto" : k, v])));
}

/** Decrypts a keystore file; a wrong passphrase is KEYSTORE_PASSPHRASE_WRONG. */
export async function decryptSeed(keystoreFile: string, passphrase: string): Promise<Uint8Array> {
  const json = fs.readFileSync(keystoreFile, "utf8");
  if (!isKeystoreJson(json))
    throw new KeystoreError("KEYSTORE_INVALID", `${keystoreFile} is not a Web3 Secret Storage keystore.`);
  try {
    const account = await decryptKeystoreJson(json, passphrase);
    return parseSeed(account.privateKey);
  } catch (e) {
    if ((e as { argument?: string }).argument === "password")
      throw new KeystoreError(
        "KEYSTORE_PASSPHRASE_WRONG",
        `The passphrase does not unlock ${keystoreFile}: check CERTLEDGER_KEYSTORE_PASSPHRASE or CERTLEDGER_KEYSTORE_PASSPHRASE_FILE.`,
      );
    throw new KeystoreError("KEYSTORE_INVALID", `${keystoreFile} cannot be read: ${(e as Error).message}`);
  }
}

function passphraseOf(opts: SeedKeystoreOptions, creating: boolean): string {
  if (opts.passphrase !== undefined) return opts.passphrase;
  if (opts.passphraseFile !== undefined) return readPassphraseFile(opts.passphraseFile, opts);
  const demo = opts.demoPassphraseFile ?? defaultDemoPassphraseFile();
  if (fs.existsSync(demo)) {
    opts.warn?.("demo mode: the keyring's keystore is unlocked by the passphrase file in your home directory", {
      passphraseFile: demo,
    });
    return readPassphraseFile(demo, opts);
  }
  if (!creating)
    throw new KeystoreError(
      "KEYSTORE_PASSPHRASE_MISSING",
      `No passphrase for the keyring's keystore: set CERTLEDGER_KEYSTORE_PASSPHRASE or CERTLEDGER_KEYSTORE_PASSPHRASE_FILE (the demo's file ${demo} does not exist).`,
    );
  try {
    fs.mkdirSync(path.dirname(demo), { recursive: true, mode: 0o700 });
    const passphrase = crypto.randomBytes(32).toString("base64url");
    writeFileDurably(demo, `${passphrase}\n`);
    opts.warn?.(
      "demo mode: created a passphrase file for the keyring's keystore in your home directory; " +
        "set CERTLEDGER_KEYSTORE_PASSPHRASE or CERTLEDGER_KEYSTORE_PASSPHRASE_FILE to choose your own",
      { passphraseFile: demo },
    );
    return passphrase;
  } catch (e) {
    throw new KeystoreError(
      "KEYSTORE_PASSPHRASE_MISSING",
      `Cannot create the demo's passphrase file ${demo} (${(e as Error).message}): set CERTLEDGER_KEYSTORE_PASSPHRASE or CERTLEDGER_KEYSTORE_PASSPHRASE_FILE.`,
    );
  }
}

function readPassphraseFile(file: string, opts: SeedKeystoreOptions): string {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
    if ((fs.statSync(file).mode & 0o077) !== 0)
      opts.warn?.("the keystore passphrase file is readable by other users: chmod 600 it", { passphraseFile: file });
  } catch (e) {
    throw new KeystoreError(
      "KEYSTORE_PASSPHRASE_FILE_UNREADABLE",
      `Cannot read the keystore passphrase file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`,
    );
  }
  const passphrase = text.replace(/\r?\n$/, "");
  if (passphrase.length === 0)
    throw new KeystoreError("KEYSTORE_PASSPHRASE_MISSING", `The keystore passphrase file ${file} is empty.`);
  return passphrase;
}

function readPlainSeed(file: string): Uint8Array {
  try {
    return parseSeed(fs.readFileSync(file, "utf8").trim());
  } catch {
    throw new KeystoreError("KEYSTORE_PLAIN_SEED_INVALID", `${file} does not hold a 32-byte hex seed.`);
  }
}

/** Removes a file and makes its removal durable (fsync of the directory). */
function removeDurably(file: string): void {
  fs.rmSync(file, { force: true });
  const fd = fs.openSync(path.dirname(file), "r");
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
