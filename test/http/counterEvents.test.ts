import { expect } from "chai";
import type { CounterSession } from "../../src/domain/counter";
import { MemoryCounterSessionStore } from "../../src/domain/counterMemory";
import { CounterWatcher } from "../../src/http/counterEvents";

const session = (id: string): CounterSession => ({
  id,
  verifier: "0x00000000000000000000000000000000000000aa",
  types: ["resident-id-card"],
  purpose: "open-bank-account",
  nonce: "1",
  createdAt: 1_000,
  expiresAt: 1_000_000_000_000,
  state: "OPEN",
});

describe("the counter's event watcher", () => {
  it("hands a change made by this process to the session's streams at once, without waiting for a tick", async () => {
    const store = new MemoryCounterSessionStore();
    await store.insert(session("a"));
    await store.insert(session("b"));
    // A tick a minute away: whatever arrives before it came through `changed`.
    const watcher = new CounterWatcher(store, 60_000);
    const seen: { id: string; state?: string }[] = [];
    const stopA = watcher.watch("a", (s) => seen.push({ id: "a", state: s?.state }));
    const stopB = watcher.watch("b", (s) => seen.push({ id: "b", state: s?.state }));
    try {
      await store.decline("a", 2_000);
      watcher.changed("a");
      watcher.changed("nobody-watches-this");
      await new Promise((r) => setImmediate(r));
      expect(seen).to.deep.equal([{ id: "a", state: "DECLINED" }]);
      expect(watcher.stats.ticks).to.equal(0);
    } finally {
      stopA();
      stopB();
    }
  });

  it("still tells every stream what changed elsewhere, at the next tick", async () => {
    const store = new MemoryCounterSessionStore();
    await store.insert(session("c"));
    const watcher = new CounterWatcher(store, 20);
    const states: (string | undefined)[] = [];
    const stop = watcher.watch("c", (s) => states.push(s?.state));
    try {
      await store.decline("c", 2_000); // as another replica would, without calling `changed`
      for (let i = 0; i < 100 && !states.includes("DECLINED"); i++) await new Promise((r) => setTimeout(r, 10));
      expect(states).to.include("DECLINED");
      expect(watcher.stats.ticks).to.be.greaterThan(0);
    } finally {
      stop();
    }
  });
});
