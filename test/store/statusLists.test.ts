/**
 * Status list indices as the store draws them: from the random source (never from the certId), unique
 * within an agency's list of a purpose even when draws collide, drawn once per certificate, and from a
 * list that doubles before it is half full. SQLite and PostgreSQL alike.
 */
import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { openStore, type Store } from "../../src/store/open";
import { STATUS_LIST_MIN_LENGTH } from "../../src/document/statusList";
import { StatusListEntries, statusListLength, type RandomBytes } from "../../src/store/statusLists";
import { freshPostgresDatabase } from "../support/postgres";

const AGENCY = "0x" + "a1".repeat(20);
const OTHER = "0x" + "b2".repeat(20);
const certIds = (n: number, tag: string) =>
  Array.from({ length: n }, (_, i) => ({
    certId: "0x" + Buffer.from(`${tag}:${i}`.padEnd(32, ".")).toString("hex").slice(0, 64),
  }));

const AGENCY_FOR_COLLISIONS = "0x" + "c0".repeat(20);

/** A random source that replays `words` (32-bit big-endian) and then real randomness. */
function scripted(words: number[]): RandomBytes {
  const queue = [...words];
  return (n) => {
    const out = randomBytes(n);
    for (let i = 0; i + 4 <= n && queue.length > 0; i += 4) out.writeUInt32BE(queue.shift()!, i);
    return new Uint8Array(out);
  };
}

function suite(name: string, open: () => Promise<{ store: Store; cleanup(): Promise<void> }>) {
  describe(`status list indices (${name})`, function () {
    this.timeout(120_000);
    let store: Store;
    let cleanup: () => Promise<void>;
    const entries = (random?: RandomBytes) =>
      new StatusListEntries(store.db, { dialect: store.dialect, now: () => 1_800_000_000, random });

    beforeEach(async () => ({ store, cleanup } = await open()));
    afterEach(async () => {
      await store.close();
      await cleanup();
    });

    it("draws again until an index is free, however many rounds a draw collides (a big batch in a half-full list)", async () => {
      const [a] = await entries(scripted([0, 0])).allocate(AGENCY_FOR_COLLISIONS, certIds(1, "first"));
      expect(a.index).to.equal(0);
      // Twenty rounds in which both purposes draw the taken index 0, then real randomness.
      const rows = await entries(scripted(Array.from({ length: 40 }, () => 0))).allocate(
        AGENCY_FOR_COLLISIONS,
        certIds(1, "second"),
      );
      expect(rows).to.have.length(2);
      for (const r of rows) expect(r.index).to.not.equal(0);
    });

    it("takes each index from the random source, not from the certId: other certificates under the same draws get the same indices", async () => {
      const words = [7, 70_000, 131_071, 5, 6, 9];
      const byPurpose = (
        ids: { certId: string }[],
        rows: { certId: string; purpose: string; index: number }[],
        p: string,
      ) => ids.map((c) => rows.find((r) => r.certId === c.certId.toLowerCase() && r.purpose === p)!.index);
      const one = certIds(3, "one");
      const a = await entries(scripted(words)).allocate(AGENCY, one);
      expect(byPurpose(one, a, "revocation")).to.deep.equal([7, 70_000, 131_071]);
      expect(byPurpose(one, a, "suspension")).to.deep.equal([5, 6, 9]);
      // Other certificates (another agency's list) under the same draws: the same indices.
      const two = certIds(3, "two");
      const b = await entries(scripted(words)).allocate(OTHER, two);
      expect(byPurpose(two, b, "revocation")).to.deep.equal([7, 70_000, 131_071]);
      expect(byPurpose(two, b, "suspension")).to.deep.equal([5, 6, 9]);
    });

    it("draws again when an index is taken, so indices stay unique within the agency's list", async () => {
      await entries(scripted([42, 43])).allocate(AGENCY, certIds(1, "first"));
      // Every draw of the second allocation first hits the taken 42 (revocation) and 43 (suspension).
      const rows = await entries(scripted([42, 42, 42, 43, 43, 43])).allocate(AGENCY, certIds(3, "second"));
      const all = [...(await entries().listOf(AGENCY, "revocation"))].map((r) => r.index);
      expect(new Set(all).size).to.equal(4);
      const sus = [...(await entries().listOf(AGENCY, "suspension"))].map((r) => r.index);
      expect(new Set(sus).size).to.equal(4);
      expect(rows.filter((r) => r.purpose === "revocation").map((r) => r.index)).to.not.include(42);
      expect(rows.filter((r) => r.purpose === "suspension").map((r) => r.index)).to.not.include(43);
    });

    it("keeps indices unique across two gateways on one database: a draw of an index the other took since is drawn again", async () => {
      // Gateway B reads its lists (empty) first; gateway A then takes 42 and 43, which B does not know of.
      const b = entries(scripted([1, 2, 42, 43]));
      await b.allocate(AGENCY, certIds(1, "b-first"));
      await entries(scripted([42, 43])).allocate(AGENCY, certIds(1, "a"));
      const rows = await b.allocate(AGENCY, certIds(1, "b-second"));
      expect(rows).to.have.length(2);
      expect(rows.find((r) => r.purpose === "revocation")!.index).to.not.equal(42);
      expect(rows.find((r) => r.purpose === "suspension")!.index).to.not.equal(43);
      for (const purpose of ["revocation", "suspension"] as const) {
        const all = (await entries().listOf(AGENCY, purpose)).map((r) => r.index);
        expect(all).to.have.length(3);
        expect(new Set(all).size).to.equal(3);
      }
    });

    it("gives a certificate its entries once: a retried issuance draws nothing new", async () => {
      const ids = certIds(2, "retry");
      const first = await entries().allocate(AGENCY, ids);
      const again = await entries().allocate(AGENCY, ids);
      const key = (r: { certId: string; purpose: string; index: number }) => `${r.certId}|${r.purpose}|${r.index}`;
      expect(again.map(key).sort()).to.deep.equal(first.map(key).sort());
      expect(first).to.have.length(4);
    });

    it("draws a batch's indices in one go (more than one CSPRNG call's worth), unique and spread over the whole list", async () => {
      const rows = await entries().allocate(
        AGENCY,
        certIds(20_000, "batch").map((c) => ({ ...c, batchRoot: "0x" + "cd".repeat(32) })),
      );
      for (const purpose of ["revocation", "suspension"]) {
        const idx = rows.filter((r) => r.purpose === purpose).map((r) => r.index);
        expect(idx).to.have.length(20_000);
        expect(new Set(idx).size).to.equal(20_000);
        expect(Math.max(...idx)).to.be.below(STATUS_LIST_MIN_LENGTH);
        // Uniform over 131,072 slots: 20,000 draws reach both ends of the list.
        expect(Math.min(...idx)).to.be.below(STATUS_LIST_MIN_LENGTH / 8);
        expect(Math.max(...idx)).to.be.above((STATUS_LIST_MIN_LENGTH * 7) / 8);
      }
      expect(rows.every((r) => r.batchRoot === "0x" + "cd".repeat(32))).to.equal(true);
    });
  });
}

describe("status list length", () => {
  it("is 131,072 entries until half full, then doubles", () => {
    expect(statusListLength(0)).to.equal(131_072);
    expect(statusListLength(65_536)).to.equal(131_072);
    expect(statusListLength(65_537)).to.equal(262_144);
    expect(statusListLength(100_000)).to.equal(262_144);
  });
});

suite("SQLite", async () => {
  const store = await openStore({ url: "sqlite::memory:" });
  return { store, cleanup: async () => undefined };
});

suite("PostgreSQL", async () => {
  const db = await freshPostgresDatabase("sl");
  const store = await openStore({ url: db.url });
  return { store, cleanup: () => db.drop() };
});
