/**
 * SQLite WAL checkpoints run on their own thread: what the gateway commits reaches the database file
 * without its committing connection checkpointing (that one only does past a much larger backstop), and
 * closing the store stops the thread and leaves a database that opens with everything in it.
 */
import { expect } from "chai";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "kysely";
import { openStore } from "../../src/store/open";
import { BACKSTOP_CHECKPOINT_PAGES } from "../../src/store/walCheckpointer";

describe("background WAL checkpoints (SQLite file)", function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), "certledger-wal-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("copies committed pages into the database file from another thread, below the committing connection's own checkpoint size", async () => {
    const file = path.join(dir, "store.sqlite");
    const store = await openStore({ url: `sqlite:${file}` });
    const before = statSync(file).size;
    // ~8 MB in 2,000-page transactions: past SQLite's default 1,000-page checkpoint, below the backstop.
    const text = "x".repeat(4_000);
    for (let t = 0; t < 4; t++)
      await store.db.transaction().execute(async (trx) => {
        for (let i = 0; i < 500; i++)
          await sql`insert into batch_inputs (batch_id, body) values (${`b${t}-${i}`}, ${text})`.execute(trx);
      });
    expect(2_000 * 4).to.be.below(BACKSTOP_CHECKPOINT_PAGES);
    const deadline = Date.now() + 20_000;
    while (statSync(file).size - before < 7_000_000 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    expect(statSync(file).size - before).to.be.at.least(7_000_000);
    await store.close();

    const again = await openStore({ url: `sqlite:${file}` });
    const n = await again.db
      .selectFrom("batch_inputs")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirst();
    expect(Number(n?.n)).to.equal(2_000);
    await again.close();
  });
});
