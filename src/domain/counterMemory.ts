/**
 * An in-memory CounterSessionStore: for unit tests, and for the gateway until the store's
 * repository over `counter_sessions` is wired (sessions live minutes, so losing them on a restart
 * costs an officer one click). Single process only.
 */
import type { CounterResult, CounterSession, CounterSessionStore } from "./counter";

export class MemoryCounterSessionStore implements CounterSessionStore {
  private readonly sessions = new Map<string, CounterSession>();

  async insert(session: CounterSession): Promise<void> {
    if (this.sessions.has(session.id)) throw new Error("counter session id collision");
    this.sessions.set(session.id, structuredClone(session));
    this.prune(session.createdAt);
  }

  async get(id: string): Promise<CounterSession | undefined> {
    const s = this.sessions.get(id);
    return s && structuredClone(s);
  }

  async getMany(ids: string[]): Promise<CounterSession[]> {
    return ids.flatMap((id) => {
      const s = this.sessions.get(id);
      return s ? [structuredClone(s)] : [];
    });
  }

  async claim(id: string, now: number): Promise<boolean> {
    const s = this.sessions.get(id);
    if (!s || s.state !== "OPEN" || now >= s.expiresAt) return false;
    s.state = "ANSWERING";
    return true;
  }

  async complete(id: string, result: CounterResult): Promise<void> {
    const s = this.sessions.get(id);
    if (!s) return;
    s.state = "ANSWERED";
    s.result = structuredClone(result);
  }

  async release(id: string): Promise<void> {
    const s = this.sessions.get(id);
    if (s?.state === "ANSWERING") s.state = "OPEN";
  }

  async decline(id: string, now: number): Promise<boolean> {
    const s = this.sessions.get(id);
    if (!s || s.state !== "OPEN" || now >= s.expiresAt) return false;
    s.state = "DECLINED";
    s.declinedAt = now;
    return true;
  }

  /** Forgets sessions a day past their expiry, so a long-running gateway does not grow. */
  private prune(now: number): void {
    if (this.sessions.size < 1000) return;
    for (const [id, s] of this.sessions) if (s.expiresAt + 86_400 < now) this.sessions.delete(id);
  }
}
