/**
 * Agency and authority keys kept by their owners in Web3 Secret Storage files (scrypt, as ethers reads
 * and writes them): `--keystore FILE`, the passphrase from `--passphrase-file` or asked on the terminal.
 * The key is decrypted in this process only, signs, and is never sent anywhere.
 */
import fs from "node:fs";
import { createInterface } from "node:readline";
import { Writable } from "node:stream";
import { CliError, readTextFile } from "./output";

export interface KeystoreOptions {
  keystore?: string;
  passphraseFile?: string;
}

export function readKeystoreFile(file: string): string {
  const text = readTextFile(file, "the keystore");
  let json: { address?: unknown; crypto?: unknown; Crypto?: unknown };
  try {
    json = JSON.parse(text);
  } catch {
    throw new CliError("KEYSTORE_INVALID", `${file} is not a Web3 Secret Storage keystore (not JSON).`);
  }
  if (typeof json !== "object" || json === null || (!json.crypto && !json.Crypto))
    throw new CliError("KEYSTORE_INVALID", `${file} is not a Web3 Secret Storage keystore (no crypto section).`);
  return text;
}

/** The address a keystore file names (no passphrase needed). */
export async function keystoreAddress(file: string): Promise<string> {
  const text = readKeystoreFile(file);
  const { getAddress } = require("ethers") as typeof import("ethers");
  const a = (JSON.parse(text) as { address?: string }).address;
  if (typeof a !== "string") throw new CliError("KEYSTORE_INVALID", `${file} names no address.`);
  try {
    return getAddress(a.startsWith("0x") ? a : `0x${a}`);
  } catch {
    throw new CliError("KEYSTORE_INVALID", `${file} names no valid address.`);
  }
}

/** The passphrase: the first line of --passphrase-file, else asked on the terminal without echo. */
export async function readPassphrase(opts: KeystoreOptions, what: string): Promise<string> {
  if (opts.passphraseFile) {
    const text = readTextFile(opts.passphraseFile, "the passphrase file");
    const line = text.split(/\r?\n/)[0];
    if (!line) throw new CliError("PASSPHRASE_EMPTY", `The passphrase file ${opts.passphraseFile} is empty.`);
    return line;
  }
  if (!process.stdin.isTTY)
    throw new CliError(
      "PASSPHRASE_REQUIRED",
      `No terminal to ask the passphrase of ${what}: give --passphrase-file <file>.`,
      2,
    );
  const muted = new Writable({ write: (_c, _e, done) => done() });
  const rl = createInterface({ input: process.stdin, output: muted, terminal: true });
  process.stderr.write(`passphrase for ${what}: `);
  try {
    return await new Promise<string>((resolve) => rl.question("", resolve));
  } finally {
    rl.close();
    process.stderr.write("\n");
  }
}

/** Decrypts the keystore (scrypt: about a second on purpose); a wrong passphrase is its own code. */
export async function unlockKeystore(opts: KeystoreOptions & { keystore: string }, what = opts.keystore) {
  const text = readKeystoreFile(opts.keystore);
  const passphrase = await readPassphrase(opts, what);
  const { Wallet } = require("ethers") as typeof import("ethers");
  try {
    const w = await Wallet.fromEncryptedJson(text, passphrase);
    return new Wallet(w.privateKey);
  } catch (e) {
    if (/incorrect password|invalid password/i.test(String((e as Error).message)))
      throw new CliError("KEYSTORE_PASSPHRASE_WRONG", `The passphrase does not unlock ${opts.keystore}.`);
    throw new CliError("KEYSTORE_INVALID", `${opts.keystore} cannot be decrypted: ${(e as Error).message}.`);
  }
}

/**
 * Writes a new encrypted keystore for a fresh random key (never overwriting a file). `scryptN` below the
 * default (2^17) only for tests and slow devices.
 */
export async function createKeystore(
  file: string,
  passphrase: string,
  scryptN?: number,
): Promise<{ address: string; file: string }> {
  if (fs.existsSync(file))
    throw new CliError("FILE_EXISTS", `${file} exists already; a keystore is never overwritten.`);
  if (passphrase.length < 8)
    throw new CliError("PASSPHRASE_TOO_SHORT", "The passphrase must be at least 8 characters.");
  const { Wallet, encryptKeystoreJson } = require("ethers") as typeof import("ethers");
  const w = Wallet.createRandom();
  const json = await encryptKeystoreJson(
    { address: w.address, privateKey: w.privateKey },
    passphrase,
    scryptN ? { scrypt: { N: scryptN } } : undefined,
  );
  fs.writeFileSync(file, `${json}\n`, { mode: 0o600, flag: "wx" });
  return { address: w.address, file };
}
