/** In-memory ShareStore, for unit tests (the gateway uses shareStoreOverPorts). */
import type { ShareRecord, ShareStore } from "./share";

export class MemoryShareStore implements ShareStore {
  private readonly shares = new Map<string, ShareRecord>();

  async insert(share: ShareRecord): Promise<void> {
    if (this.shares.has(share.id)) throw new Error("share id collision");
    this.shares.set(share.id, { ...share });
  }

  async get(id: string): Promise<ShareRecord | undefined> {
    const s = this.shares.get(id);
    return s && { ...s };
  }
}
