/**
 * The claim-code HMAC key (src/domain/claims.ts): 32 random bytes in a file, made 0600 on first start.
 * Kept apart from the database, a copy of the database alone cannot test a single guessed code.
 */
import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";

export async function loadClaimKey(file: string): Promise<Uint8Array> {
  try {
    const key = Buffer.from((await readFile(file, "utf8")).trim(), "hex");
    if (key.length !== 32) throw new Error(`${file} must hold 64 hex digits (a 32-byte key)`);
    return new Uint8Array(key);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  await mkdir(path.dirname(file), { recursive: true });
  try {
    // wx: of two replicas starting at once on a shared file, one writes it and both read that one.
    await writeFile(file, `${randomBytes(32).toString("hex")}\n`, { mode: 0o600, flag: "wx" });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
  }
  return loadClaimKey(file);
}
