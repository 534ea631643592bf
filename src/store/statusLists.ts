/**
 * Where each certificate sits in its agency's Bitstring Status Lists: one random index per purpose
 * (revocation, suspension), drawn at issuance from a CSPRNG, unique within the agency's list and
 * unrelated to the certId, so a list's positions say nothing about which certificate is where.
 *
 * A list holds 131,072 entries (the specification's herd) and doubles whenever an agency's
 * certificates would fill more than half of it: indices are drawn from the length at the time, so an
 * index drawn earlier stays inside every later, longer list. Uniqueness is the database's (a unique
 * index on agency, purpose and index): a draw that collides, here or on another replica, is drawn again.
 */
import type { Kysely } from "kysely";
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
  /** Entries per agency|purpose as last counted here (another replica's draws show up at the next count). */
  private readonly counts = new Map<string, number>();

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
    // First round: insert for every certificate and purpose; read back only if some were skipped. One that had its
    // entries keeps them (its rows conflict on the key and are skipped); a taken index is drawn again.
    let missing: { certId: string; purpose: StatusPurpose }[] = ids.flatMap((certId) =>
      STATUS_PURPOSES.map((purpose) => ({ certId, purpose })),
    );
    for (let attempt = 0; ; attempt++) {
      const rows: Database["status_list_entries"][] = [];
      for (const purpose of STATUS_PURPOSES) {
        const of = missing.filter((m) => m.purpose === purpose);
        if (of.length === 0) continue;
        const indices = this.draw(of.length, statusListLength((await this.count(a, purpose)) + of.length));
        of.forEach((m, k) =>
          rows.push({
            cert_id: m.certId,
            purpose,
            agency: a,
            list_index: indices[k],
            batch_root: wanted.get(m.certId)!,
            created_at: this.opts.now(),
          }),
        );
        this.counts.set(`${a}|${purpose}`, (this.counts.get(`${a}|${purpose}`) ?? 0) + of.length);
      }
      // Stay under each engine's bound-parameter limit (6 per row).
      const chunk = this.opts.dialect === "postgres" ? 5_000 : 2_000;
      const insert = (db: Kysely<Database>, part: Database["status_list_entries"][]) =>
        db
          .insertInto("status_list_entries")
          .values(part)
          .onConflict((oc) => oc.doNothing())
          .executeTakeFirst()
          .then((r) => Number(r.numInsertedOrUpdatedRows ?? 0));
      let inserted = 0;
      if (rows.length <= chunk && this.opts.writes) inserted = await this.opts.writes.run((db) => insert(db, rows));
      else
        await this.db.transaction().execute(async (trx) => {
          for (let i = 0; i < rows.length; i += chunk) inserted += await insert(trx, rows.slice(i, i + chunk));
        });
      // Nothing skipped (the usual case): the rows are what was drawn, no need to read them back.
      if (attempt === 0 && inserted === rows.length) return rows.map(rowOf);
      if (inserted < rows.length) {
        const got = new Set(
          (await this.rowsOf([...new Set(missing.map((m) => m.certId))])).map((r) => `${r.certId}|${r.purpose}`),
        );
        missing = missing.filter((m) => !got.has(`${m.certId}|${m.purpose}`));
      } else missing = [];
      if (missing.length === 0) return this.rowsOf(ids);
      // A list is at most half full, so each entry's draw collides with probability ≤ 1/2 and the missing
      // shrink by half or more a round: 10,000 certificates need ~15 rounds, and one entry colliding 64
      // times running (2^-64) means the store refuses it for another reason.
      if (attempt >= 63) throw new Error(`could not draw free status list indices for ${missing.length} entries`);
    }
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

  private async count(agency: string, purpose: StatusPurpose): Promise<number> {
    const key = `${agency}|${purpose}`;
    const known = this.counts.get(key);
    if (known !== undefined) return known;
    const r = await this.db
      .selectFrom("status_list_entries")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("agency", "=", agency)
      .where("purpose", "=", purpose)
      .executeTakeFirst();
    const n = Number(r?.n ?? 0);
    this.counts.set(key, n);
    return n;
  }

  /** `n` distinct uniform indices below `length` (a power of two times 131,072). */
  private draw(n: number, length: number): number[] {
    const random = this.opts.random ?? cryptoRandom;
    const picked = new Set<number>();
    while (picked.size < n) {
      const bytes = random(4 * (n - picked.size));
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      // length is a power of two: masking a uniform 32-bit word keeps it uniform.
      for (let i = 0; i + 4 <= bytes.length && picked.size < n; i += 4) picked.add(view.getUint32(i) & (length - 1));
    }
    return [...picked];
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
