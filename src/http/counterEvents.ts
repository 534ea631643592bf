/**
 * One watcher for every counter event stream of this process: a single timer reads all watched sessions
 * in one query per tick and hands each stream its session, instead of each stream re-reading its API key
 * and its session every half second. Streams authenticate once, when they open. A change made by this
 * process (an answer, a decline) is handed to its streams at once through `changed`; the ticks carry
 * what other replicas change and the expiries.
 */
import type { CounterSession, CounterSessionStore } from "../domain/counter";

type Listener = (session: CounterSession | undefined) => void;

export class CounterWatcher {
  private readonly listeners = new Map<string, Set<Listener>>();
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  /** Reads made (one per tick, whatever the number of streams): the test and /metrics may look. */
  readonly stats = { ticks: 0, reads: 0 };

  constructor(
    private readonly sessions: CounterSessionStore,
    private readonly pollMs: number,
  ) {}

  /** Calls `listener` with the session at every tick until the returned function is called. */
  watch(id: string, listener: Listener): () => void {
    let set = this.listeners.get(id);
    if (!set) this.listeners.set(id, (set = new Set()));
    set.add(listener);
    this.timer ??= setInterval(() => void this.tick(), this.pollMs);
    return () => {
      const s = this.listeners.get(id);
      s?.delete(listener);
      if (s && s.size === 0) this.listeners.delete(id);
      if (this.listeners.size === 0 && this.timer) {
        clearInterval(this.timer);
        this.timer = undefined;
      }
    };
  }

  /** This process just changed session `id`: its streams get the new state now, not at the next tick. */
  changed(id: string): void {
    if (!this.listeners.has(id)) return;
    this.stats.reads++;
    this.sessions.get(id).then(
      (s) => {
        for (const l of [...(this.listeners.get(id) ?? [])]) l(s);
      },
      () => undefined, // the store is unreachable for now: the next tick tries again
    );
  }

  private async tick(): Promise<void> {
    if (this.running || this.listeners.size === 0) return;
    this.running = true;
    try {
      const ids = [...this.listeners.keys()];
      this.stats.ticks++;
      this.stats.reads++;
      const found = await this.read(ids);
      for (const id of ids) for (const l of [...(this.listeners.get(id) ?? [])]) l(found.get(id));
    } catch {
      // The store is unreachable for now: the streams keep their last state until the next tick.
    } finally {
      this.running = false;
    }
  }

  private async read(ids: string[]): Promise<Map<string, CounterSession>> {
    const list = this.sessions.getMany
      ? await this.sessions.getMany(ids)
      : (await Promise.all(ids.map((id) => this.sessions.get(id)))).filter((s): s is CounterSession => !!s);
    return new Map(list.map((s) => [s.id, s]));
  }
}
