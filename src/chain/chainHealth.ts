/**
 * Whether the chain node answers. Every JSON-RPC call of an external chain goes through `wrap`, so the
 * indexer's poll (every 500 ms) is the probe: a call that fails on transport (refused, reset, timed out)
 * marks the node unreachable at once, any answer marks it reachable again. The gateway reads it for
 * /readyz, /metrics and to answer a write that cannot reach the chain as pending (202) instead of making
 * its caller wait or telling it the write failed (it is in the outbox and lands once the node is back).
 * The embedded chain runs in the gateway's process and has no such state.
 */
import { isTransportError, type Rpc } from "./submitter";

export interface ChainHealthView {
  reachable: boolean;
  /** Unix ms of the last answer from the node (undefined: none yet). */
  lastSuccessMs: number | undefined;
  /** Unix ms the node was first seen unreachable in the current outage. */
  downSinceMs: number | undefined;
  /** The last transport failure's message (kept after the node is back, for the log). */
  lastError: string | undefined;
}

export interface ChainHealthOptions {
  /** Called on each change of reachability (error when it goes away, info when it comes back). */
  onChange?: (view: ChainHealthView) => void;
  now?: () => number;
}

export class ChainHealth {
  private state: ChainHealthView = {
    reachable: true,
    lastSuccessMs: undefined,
    downSinceMs: undefined,
    lastError: undefined,
  };
  private readonly waiters = new Set<() => void>();

  constructor(private readonly opts: ChainHealthOptions = {}) {}

  /** The same RPC, with every call's outcome recorded. */
  wrap(rpc: Rpc): Rpc {
    return async (method, params) => {
      try {
        const out = await rpc(method, params);
        this.succeeded();
        return out;
      } catch (e) {
        // A JSON-RPC error (a revert, a refused nonce) is an answer: the node is there.
        if (isTransportError(e)) this.failed(e);
        else this.succeeded();
        throw e;
      }
    };
  }

  view(): ChainHealthView {
    return { ...this.state };
  }

  reachable(): boolean {
    return this.state.reachable;
  }

  /**
   * `work`'s outcome, unless the node is unreachable (now, or before `work` settles): then the error
   * `whenDown` makes. `work` goes on either way.
   */
  race<T>(work: Promise<T>, whenDown: () => Error): Promise<T> {
    if (!this.state.reachable) {
      work.catch(() => undefined);
      return Promise.reject(whenDown());
    }
    return new Promise<T>((resolve, reject) => {
      const down = () => {
        work.catch(() => undefined);
        reject(whenDown());
      };
      this.waiters.add(down);
      work.then(
        (v) => {
          this.waiters.delete(down);
          resolve(v);
        },
        (e) => {
          this.waiters.delete(down);
          reject(e);
        },
      );
    });
  }

  private now(): number {
    return this.opts.now?.() ?? Date.now();
  }

  private succeeded(): void {
    const was = this.state.reachable;
    this.state = { ...this.state, reachable: true, lastSuccessMs: this.now(), downSinceMs: undefined };
    if (!was) this.opts.onChange?.(this.view());
  }

  private failed(e: unknown): void {
    const was = this.state.reachable;
    this.state = {
      ...this.state,
      reachable: false,
      downSinceMs: this.state.downSinceMs ?? this.now(),
      lastError: String((e as Error)?.message ?? e),
    };
    if (!was) {
      this.opts.onChange?.(this.view());
      const waiters = [...this.waiters];
      this.waiters.clear();
      for (const w of waiters) w();
    }
  }
}
