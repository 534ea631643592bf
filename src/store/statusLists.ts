/**
 * Where each certificate sits in its agency's Bitstring Status Lists: one random index per purpose
 * (revocation, suspension), drawn at issuance from a CSPRNG, unique within the agency's list and
 * unrelated to the certId, so a list's positions say nothing about which certificate is where.
 *
 * A list holds 131,072 entries (the specification's herd) and doubles whenever an agency's
 * certificates would fill more than half of it: indices are drawn from the length at the time, so an
 * index drawn earlier stays inside every later, longer list. Uniqueness is the database's (a unique
 * index on agency, purpose and index). Draws are checked against a bitmap of the list's taken indices,
 * read once; one that collides with another replica's newer draw is skipped by the insert and drawn again.
 */
import { sql, type Kysely } from "kysely";
import type { Database } from "./schema";
import type { GroupCommit } from "./groupCommit";
import { ZERO_ROOT } from "./schema";
import { STATUS_LIST_MIN_LENGTH, STATUS_PURPOSES, type StatusPurpose } from "../document/statusList";

export interface StatusListRow {
  certId: string;
  purpose: StatusPurpose;
  agency: string;
  index: number;
  batchRoot: string;
}

/** The length of a list that holds `count` entries at most half full (131,072 × a power of two). */
export function statusListLength(count: number): number {
  let n = STATUS_LIST_MIN_LENGTH;
  while (n < 2 * count) n *= 2;
  return n;
}

/** The length of the list whose largest index is `maxIndex`. */
export function statusListLengthCovering(maxIndex: number): number {
  let n = STATUS_LIST_MIN_LENGTH;
  while (n <= maxIndex) n *= 2;
  return n;
}

export type RandomBytes = (n: number) => Uint8Array;
/** The CSPRNG, in the 65,536-byte pieces getRandomValues allows (a batch of 100,000 draws 400,000 bytes). */
const cryptoRandom: RandomBytes = (n) => {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 65_536) globalThis.crypto.getRandomValues(out.subarray(i, Math.min(n, i + 65_536)));
  return out;
};

export class StatusListEntries {
  /**
   * The indices taken in each agency|purpose list, read from the store once and kept as a bitmap, so a
   * draw is checked in memory instead of by inserting and reading back. Another replica's draws are not
   * in it: an insert that collides with one is skipped by the unique index, and the bitmap is read again.
   */
  private readonly taken = new Map<string, TakenIndices>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly opts: {
      dialect: "sqlite" | "postgres";
      now: () => number;
      random?: RandomBytes;
      /** Shares the commit of a single issuance's two rows with the other requests of the moment. */
      writes?: GroupCommit;
    },
  ) {}

  /**
   * Gives each certificate an index in `agency`'s lists, once: a certificate that has its entries keeps
   * them (a retried issuance draws nothing new). Returns the rows of every certificate asked about.
   */
  async allocate(agency: string, certs: { certId: string; batchRoot?: string }[]): Promise<StatusListRow[]> {
    const a = agency.toLowerCase();
    const wanted = new Map(certs.map((c) => [c.certId.toLowerCase(), (c.batchRoot ?? ZERO_ROOT).toLowerCase()]));
    const ids = [...wanted.keys()];
    const createdAt = this.opts.now();
    // Every certificate and purpose is drawn and inserted; rows that conflict are skipped by the store (a
    // certificate that had its entries keeps them; an index another replica took is drawn again).
    let missing: { certId: string; purpose: StatusPurpose }[] = ids.flatMap((certId) =>
      STATUS_PURPOSES.map((purpose) => ({ certId, purpose })),
    );
    for (let attempt = 0; ; attempt++) {
      const rows: StatusListRow[] = [];
      for (const purpose of STATUS_PURPOSES) {
        const of = missing.filter((m) => m.purpose === purpose);
        if (of.length === 0) continue;
        const taken = await this.takenIn(a, purpose);
        const indices = this.draw(of.length, statusListLength(taken.count + of.length), taken);
        of.forEach((m, k) =>
          rows.push({ certId: m.certId, purpose, agency: a, index: indices[k], batchRoot: wanted.get(m.certId)! }),
        );
      }
      const inserted = await this.insert(a, createdAt, rows);
      // Nothing skipped (the usual case): the rows are what was drawn, no need to read them back.
      if (attempt === 0 && inserted === rows.length) return rows;
      if (inserted < rows.length) {
        // The bitmap marks indices that were not stored (or misses another replica's): read it again.
        for (const purpose of STATUS_PURPOSES) this.taken.delete(`${a}|${purpose}`);
        const got = new Set(
          (await this.rowsOf([...new Set(missing.map((m) => m.certId))])).map((r) => `${r.certId}|${r.purpose}`),
        );
        missing = missing.filter((m) => !got.has(`${m.certId}|${m.purpose}`));
      } else missing = [];
      if (missing.length === 0) return this.rowsOf(ids);
      // Only an index taken by another replica since the bitmap was read can collide again, so a round
      // leaves few missing; 64 rounds without progress means the store refuses the rows for another reason.
      if (attempt >= 63) throw new Error(`could not draw free status list indices for ${missing.length} entries`);
    }
  }

  /**
   * Inserts the rows in one statement (their values as one JSON or array parameter each: no per-row
   * parameters to bind or compile), skipping those that conflict. Returns how many were inserted.
   */
  private async insert(agency: string, createdAt: number, rows: StatusListRow[]): Promise<number> {
    if (rows.length === 0) return 0;
    // In index order: the unique index on (agency, purpose, index) is then written front to back.
    rows.sort((x, y) => (x.purpose === y.purpose ? x.index - y.index : x.purpose < y.purpose ? -1 : 1));
    const statement =
      this.opts.dialect === "postgres"
        ? sql`insert into status_list_entries (cert_id, purpose, agency, list_index, batch_root, created_at)
            select r.cert_id, r.purpose, ${agency}::text, r.list_index, r.batch_root, ${createdAt}::bigint
            from unnest(${rows.map((r) => r.certId)}::text[], ${rows.map((r) => r.purpose)}::text[],
              ${rows.map((r) => r.index)}::bigint[], ${rows.map((r) => r.batchRoot)}::text[])
              as r(cert_id, purpose, list_index, batch_root)
            on conflict do nothing`
        : sql`insert into status_list_entries (cert_id, purpose, agency, list_index, batch_root, created_at)
            select json_extract(value, '$[0]'), json_extract(value, '$[1]'), ${agency},
              json_extract(value, '$[2]'), json_extract(value, '$[3]'), ${createdAt}
            from json_each(${JSON.stringify(rows.map((r) => [r.certId, r.purpose, r.index, r.batchRoot]))})
            where true
            on conflict do nothing`;
    const run = async (db: Kysely<Database>) => Number((await statement.execute(db)).numAffectedRows ?? 0);
    // A single issuance's two rows share the commit of the moment's other writes.
    return rows.length <= 2 && this.opts.writes ? this.opts.writes.run(run) : run(this.db);
  }

  /** The indices taken in an agency's list of `purpose`, read from the store on first use. */
  private async takenIn(agency: string, purpose: StatusPurpose): Promise<TakenIndices> {
    const key = `${agency}|${purpose}`;
    const known = this.taken.get(key);
    if (known) return known;
    const rows = await this.db
      .selectFrom("status_list_entries")
      .select("list_index")
      .where("agency", "=", agency)
      .where("purpose", "=", purpose)
      .execute();
    const taken = new TakenIndices();
    for (const r of rows) taken.add(Number(r.list_index));
    // Another call may have read it meanwhile and drawn against it: keep that one.
    const again = this.taken.get(key);
    if (again) return again;
    this.taken.set(key, taken);
    return taken;
  }

  /** A certificate's entries (none when the gateway did not issue it). */
  async entriesOf(certId: string): Promise<StatusListRow[]> {
    return this.rowsOf([certId.toLowerCase()]);
  }

  /** The entries of these certificates. */
  async rowsOf(certIds: string[], purpose?: StatusPurpose): Promise<StatusListRow[]> {
    const out: StatusListRow[] = [];
    for (let i = 0; i < certIds.length; i += 5_000) {
      let q = this.db
        .selectFrom("status_list_entries")
        .selectAll()
        .where("cert_id", "in", certIds.slice(i, i + 5_000));
      if (purpose) q = q.where("purpose", "=", purpose);
      for (const r of await q.execute()) out.push(rowOf(r));
    }
    return out;
  }

  /** Every entry of an agency's list of `purpose`: index, certificate and its batch. */
  async listOf(agency: string, purpose: StatusPurpose): Promise<StatusListRow[]> {
    const rows = await this.db
      .selectFrom("status_list_entries")
      .selectAll()
      .where("agency", "=", agency.toLowerCase())
      .where("purpose", "=", purpose)
      .execute();
    return rows.map(rowOf);
  }

  /**
   * Every index of an agency's list of `purpose` with the status the index holds for its certificate
   * (its single issue's row, or its override inside its batch; none: ACTIVE), read in one statement so
   * the entries and the statuses are of one moment.
   */
  async listWithStatuses(agency: string, purpose: StatusPurpose): Promise<{ index: number; status: string }[]> {
    const rows = await this.db
      .selectFrom("status_list_entries as e")
      .leftJoin("certificates as c", (j) =>
        j.onRef("c.cert_id", "=", "e.cert_id").onRef("c.batch_root", "=", "e.batch_root"),
      )
      .select(["e.list_index", "c.status"])
      .where("e.agency", "=", agency.toLowerCase())
      .where("e.purpose", "=", purpose)
      .execute();
    return rows.map((r) => ({ index: Number(r.list_index), status: r.status ?? "ACTIVE" }));
  }

  /** The largest index drawn in an agency's list of `purpose` (-1: none), from the unique index. */
  async maxIndex(agency: string, purpose: StatusPurpose): Promise<number> {
    const r = await this.db
      .selectFrom("status_list_entries")
      .select((eb) => eb.fn.max("list_index").as("m"))
      .where("agency", "=", agency.toLowerCase())
      .where("purpose", "=", purpose)
      .executeTakeFirst();
    return r?.m === null || r?.m === undefined ? -1 : Number(r.m);
  }

  /**
   * `n` distinct uniform indices below `length` (a power of two times 131,072) that `taken` does not
   * hold, marked taken. Drawing again on a taken index keeps each one uniform over the free indices.
   */
  private draw(n: number, length: number, taken: TakenIndices): number[] {
    const random = this.opts.random ?? cryptoRandom;
    taken.cover(length);
    const picked: number[] = [];
    while (picked.length < n) {
      const bytes = random(4 * (n - picked.length));
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      for (let i = 0; i + 4 <= bytes.length && picked.length < n; i += 4) {
        // length is a power of two: masking a uniform 32-bit word keeps it uniform.
        const index = view.getUint32(i) & (length - 1);
        if (taken.has(index)) continue;
        taken.add(index);
        picked.push(index);
      }
    }
    return picked;
  }
}

/** A growable bitmap of the indices taken in one list, with their count. */
class TakenIndices {
  private bits = new Uint8Array(STATUS_LIST_MIN_LENGTH / 8);
  count = 0;

  /** Makes room for indices below `length`. */
  cover(length: number): void {
    if (length <= this.bits.length * 8) return;
    const grown = new Uint8Array(length / 8);
    grown.set(this.bits);
    this.bits = grown;
  }

  has(index: number): boolean {
    return index < this.bits.length * 8 && (this.bits[index >>> 3] & (1 << (index & 7))) !== 0;
  }

  add(index: number): void {
    if (this.has(index)) return;
    this.cover(statusListLengthCovering(index));
    this.bits[index >>> 3] |= 1 << (index & 7);
    this.count++;
  }
}

function rowOf(r: {
  cert_id: string;
  purpose: string;
  agency: string;
  list_index: number | string;
  batch_root: string;
}): StatusListRow {
  return {
    certId: r.cert_id,
    purpose: r.purpose as StatusPurpose,
    agency: r.agency,
    index: Number(r.list_index),
    batchRoot: r.batch_root,
  };
}
