import { expect } from "chai";
import { certificateOnLedger, grantOnLedger } from "../../src/domain/lookups";
import type { CertificateView, GrantView, IndexReader } from "../../src/domain/ports";
import { IndexCache } from "../../src/indexer/indexCache";

const ID = `0x${"1".repeat(64)}` as const;
const GID = `0x${"2".repeat(64)}` as const;
const CERT = { certId: ID } as CertificateView;
const GRANT = { grantId: GID } as GrantView;

/** An index that holds what `held` names, and learns `later` when it catches up. */
function index(held: string[], later: string[], withCatchUp = true) {
  const known = new Set(held);
  const calls = { catchUp: 0 };
  const reader = {
    certificate: (id: string) => (known.has(id) ? CERT : undefined),
    grant: (id: string) => (known.has(id) ? GRANT : undefined),
    ...(withCatchUp
      ? {
          async catchUp() {
            calls.catchUp++;
            for (const k of later) known.add(k);
          },
        }
      : {}),
  } as unknown as IndexReader;
  return { reader, calls };
}

describe("index lookups that another replica's fresh write must not miss", function () {
  it("answers a hit from the index without catching up", async function () {
    const { reader, calls } = index([ID, GID], []);
    expect(await certificateOnLedger(reader, ID)).to.equal(CERT);
    expect(await grantOnLedger(reader, GID)).to.equal(GRANT);
    expect(calls.catchUp).to.equal(0);
  });

  it("catches up once on a miss and finds what the chain had (ids in any case)", async function () {
    const { reader, calls } = index([], [ID, GID]);
    expect(await certificateOnLedger(reader, ID.toUpperCase().replace("0X", "0x") as typeof ID)).to.equal(CERT);
    expect(calls.catchUp).to.equal(1);
    // The same catch-up brought the grant: found at the first look.
    expect(await grantOnLedger(reader, GID)).to.equal(GRANT);
    expect(calls.catchUp).to.equal(1);
  });

  it("answers a miss after catching up when the chain does not have it either", async function () {
    const { reader, calls } = index([], []);
    expect(await certificateOnLedger(reader, ID)).to.equal(undefined);
    expect(calls.catchUp).to.equal(1);
  });

  it("answers a miss at once from an index that cannot catch up", async function () {
    const { reader } = index([], [ID], false);
    expect(await certificateOnLedger(reader, ID)).to.equal(undefined);
  });

  describe("IndexCache.catchUp", function () {
    const cache = () => new IndexCache({} as never, () => 0);

    it("runs the sync it was given", async function () {
      const c = cache();
      let ran = 0;
      c.catchUpWith(async () => void ran++, 1_000);
      await c.catchUp();
      expect(ran).to.equal(1);
    });

    it("gives up waiting after its limit, and never throws what the sync throws", async function () {
      const c = cache();
      c.catchUpWith(() => new Promise(() => undefined), 50);
      const t0 = Date.now();
      await c.catchUp();
      expect(Date.now() - t0).to.be.below(1_000);
      c.catchUpWith(() => Promise.reject(new Error("node away")), 1_000);
      await c.catchUp();
    });

    it("does nothing for a chain in this process (its blocks are applied as they are made)", async function () {
      const c = cache();
      let ran = 0;
      c.catchUpWith(async () => void ran++, 1_000);
      c.followsInProcessChain();
      await c.catchUp();
      expect(ran).to.equal(0);
    });
  });
});
