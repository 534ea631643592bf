/**
 * The embedded chain's write-ahead journal: one line per mined block, `{"n":…,"ts":…,"txs":[raw…]}`,
 * appended and fdatasync'ed BEFORE any transaction of the block is acknowledged. The genesis (chain
 * id, engine, accounts, start date) sits in its own file, written once. Replaying the journal into a
 * fresh network with the same genesis reproduces every block bit for bit (same hashes: measured).
 * On the anvil engine a checkpoint of the state (src/chain/embeddedAnvil.ts) covers every block up to
 * its own, and the journal then holds only the blocks after it (`truncate`, once the checkpoint is
 * durable); a start skips journal blocks the checkpoint already holds.
 *
 * A torn last line (a crash in the middle of an append) was never acknowledged: it is dropped and the
 * file truncated back to the last whole line.
 */
import fs from "node:fs";
import path from "node:path";

export interface JournalBlock {
  /** Block number (replay checks that the network agrees). */
  n: number;
  /** Block timestamp, unix seconds. */
  ts: number;
  /** The block's signed transactions, in block order. */
  txs: string[];
  /** Block hash, checked on replay. */
  h?: string;
}

export interface GenesisSpec {
  chainId: number;
  /** Unix seconds of the genesis block. */
  initialTimestamp: number;
  /** Pre-funded accounts (private keys derived from the keyring seed, never written here). */
  accounts: { address: string; balanceWei: string }[];
  hardfork: string;
  blockGasLimit: number;
  /** The EVM engine that made this chain (absent: "edr", the only one before anvil was added). */
  engine?: "edr" | "anvil";
}

export class BlockJournal {
  private fd: number | undefined;
  private waiting: { line: Buffer; resolve: () => void; reject: (e: Error) => void }[] = [];
  private writing: Promise<void> | undefined;
  private failed: Error | undefined;

  /** The write error that stopped the journal, if one did (nothing more can be acknowledged). */
  get failure(): Error | undefined {
    return this.failed;
  }

  constructor(readonly dir: string) {}

  get file(): string {
    return path.join(this.dir, "chain-journal.jsonl");
  }

  get genesisFile(): string {
    return path.join(this.dir, "chain-genesis.json");
  }

  readGenesis(): GenesisSpec | undefined {
    if (!fs.existsSync(this.genesisFile)) return undefined;
    return JSON.parse(fs.readFileSync(this.genesisFile, "utf8")) as GenesisSpec;
  }

  /** Writes the genesis once, atomically (temp file, fsync, rename, fsync of the directory). */
  writeGenesis(spec: GenesisSpec): void {
    fs.mkdirSync(this.dir, { recursive: true });
    writeFileDurably(this.genesisFile, JSON.stringify(spec, null, 2));
  }

  /** Reads every whole block; truncates a torn tail. */
  readAll(): JournalBlock[] {
    if (!fs.existsSync(this.file)) return [];
    const buf = fs.readFileSync(this.file);
    const blocks: JournalBlock[] = [];
    let start = 0;
    let goodEnd = 0;
    for (let i = buf.indexOf(0x0a); i !== -1; i = buf.indexOf(0x0a, i + 1)) {
      const line = buf.subarray(start, i).toString("utf8");
      start = i + 1;
      if (line.length === 0) {
        goodEnd = start;
        continue;
      }
      try {
        blocks.push(JSON.parse(line) as JournalBlock);
        goodEnd = start;
      } catch {
        break;
      }
    }
    if (goodEnd < buf.length) fs.truncateSync(this.file, goodEnd);
    return blocks;
  }

  open(): void {
    fs.mkdirSync(this.dir, { recursive: true });
    this.fd = fs.openSync(this.file, "a");
  }

  /**
   * Appends one block; resolves once it is on disk (fdatasync). Appends land in call order, and the
   * blocks appended while a write is in flight go to disk together with one fdatasync (group commit).
   * After a failed write every later append fails too: a journal with a gap could not be replayed.
   */
  append(block: JournalBlock): Promise<void> {
    if (this.failed) return Promise.reject(this.failed);
    const line = Buffer.from(JSON.stringify(block) + "\n", "utf8");
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ line, resolve, reject });
      if (!this.writing) this.writing = this.drain();
    });
  }

  /** Settles once every append made so far is on disk (or failed). */
  async idle(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private async drain(): Promise<void> {
    while (this.waiting.length > 0) {
      const group = this.waiting.splice(0);
      try {
        if (this.failed) throw this.failed;
        await this.writeSync(Buffer.concat(group.map((g) => g.line)));
        for (const g of group) g.resolve();
      } catch (e) {
        this.failed ??= e instanceof Error ? e : new Error(String(e));
        for (const g of group) g.reject(this.failed);
      }
    }
    this.writing = undefined;
  }

  private async writeSync(buf: Buffer): Promise<void> {
    if (this.fd === undefined) throw new Error("journal is not open");
    const fd = this.fd;
    for (let off = 0; off < buf.length;) {
      const n = await new Promise<number>((resolve, reject) =>
        fs.write(fd, buf, off, buf.length - off, null, (err, written) => (err ? reject(err) : resolve(written))),
      );
      off += n;
    }
    await new Promise<void>((resolve, reject) => fs.fdatasync(fd, (err) => (err ? reject(err) : resolve())));
  }

  /**
   * Empties the journal (every block it holds is in a durable checkpoint), durably. Waits for the
   * writes in flight; the caller makes sure no block is appended meanwhile.
   */
  async truncate(): Promise<void> {
    await this.writing;
    if (this.fd !== undefined) {
      fs.ftruncateSync(this.fd, 0);
      fs.fsyncSync(this.fd);
    } else if (fs.existsSync(this.file)) {
      const fd = fs.openSync(this.file, "r+");
      try {
        fs.ftruncateSync(fd, 0);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
    }
  }

  /** Size of the journal file, bytes. */
  size(): number {
    return fs.existsSync(this.file) ? fs.statSync(this.file).size : 0;
  }

  async close(): Promise<void> {
    await this.writing;
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }
}

export function writeFileDurably(file: string, content: string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = fs.openSync(tmp, "w", 0o600);
  fs.writeSync(fd, content);
  fs.fsyncSync(fd);
  fs.closeSync(fd);
  fs.renameSync(tmp, file);
  const dfd = fs.openSync(path.dirname(file), "r");
  try {
    fs.fsyncSync(dfd);
  } finally {
    fs.closeSync(dfd);
  }
}
