/**
 * Which chain the store belongs to. On an external chain the gateway records, at its first start, the
 * node's chain id, its genesis block hash, the contracts' addresses and the hash of the block that
 * deployed them. On every start, periodically, before the indexer rewinds and when the node answers
 * again after failing, it compares the node with that record. A node that came back empty (restarted
 * without its state), another network, or a wrong contract address is a mismatch: the gateway says so
 * (an error-level log, `/readyz`, CHAIN_MISMATCH on writes) and keeps its index as it is, instead of
 * rewinding it to nothing and answering NOT_ISSUED for everything it issued (docs/decisions/0011).
 */
import type { Kysely } from "kysely";
import { DomainError } from "../domain/errors";
import type { Database } from "../store/schema";
import type { ContractAddresses } from "./contracts";
import { isTransportError, type Rpc } from "./submitter";

const IDENTITY_NAME = "certledger";

export interface ChainIdentity {
  chainId: number;
  genesisHash: string;
  contracts: ContractAddresses;
  deployBlock: number;
  deployBlockHash: string;
}

/** Why the node is not the chain recorded, in the order they are checked. */
export type ChainMismatchCause = "CHAIN_ID" | "GENESIS" | "NO_CODE" | "DEPLOYMENT_BLOCK";

export interface ChainMismatch {
  cause: ChainMismatchCause;
  /** A sentence naming what differs, for the log, /readyz and the refused write. */
  message: string;
  expected: string;
  found: string;
}

export async function readChainIdentity(db: Kysely<Database>): Promise<ChainIdentity | undefined> {
  const r = await db.selectFrom("chain_identity").selectAll().where("name", "=", IDENTITY_NAME).executeTakeFirst();
  if (!r) return undefined;
  return {
    chainId: Number(r.chain_id),
    genesisHash: r.genesis_hash,
    contracts: { registry: r.registry, ledger: r.ledger, consent: r.consent },
    deployBlock: Number(r.deploy_block),
    deployBlockHash: r.deploy_block_hash,
  };
}

/** Records what the node is now (first start, or a store from before the record existed). */
export async function recordChainIdentity(
  db: Kysely<Database>,
  rpc: Rpc,
  contracts: ContractAddresses,
  deployBlock: number,
): Promise<ChainIdentity> {
  const id: ChainIdentity = {
    chainId: Number(BigInt((await rpc("eth_chainId")) as string)),
    genesisHash: (await blockHash(rpc, 0)) ?? "",
    contracts,
    deployBlock,
    deployBlockHash: (await blockHash(rpc, deployBlock)) ?? "",
  };
  await db
    .insertInto("chain_identity")
    .values({
      name: IDENTITY_NAME,
      chain_id: id.chainId,
      genesis_hash: id.genesisHash,
      registry: contracts.registry,
      ledger: contracts.ledger,
      consent: contracts.consent,
      deploy_block: deployBlock,
      deploy_block_hash: id.deployBlockHash,
      recorded_ms: Date.now(),
    })
    .onConflict((oc) => oc.column("name").doNothing())
    .execute();
  // Another replica may have recorded first: what is stored is the record.
  return (await readChainIdentity(db)) ?? id;
}

/** Compares the node with the record; undefined when it is the same chain. Transport errors propagate. */
export async function compareChainIdentity(rpc: Rpc, recorded: ChainIdentity): Promise<ChainMismatch | undefined> {
  const chainId = Number(BigInt((await rpc("eth_chainId")) as string));
  if (chainId !== recorded.chainId)
    return mismatch(
      "CHAIN_ID",
      `the node serves chain id ${chainId}, not ${recorded.chainId}: it is another network`,
      recorded.chainId,
      chainId,
    );
  const genesis = (await blockHash(rpc, 0)) ?? "none";
  if (genesis !== recorded.genesisHash)
    return mismatch(
      "GENESIS",
      `the node's genesis block is ${genesis}, not ${recorded.genesisHash}: it is another chain (or the node was restarted without its state)`,
      recorded.genesisHash,
      genesis,
    );
  for (const [name, address] of Object.entries(recorded.contracts)) {
    const code = (await rpc("eth_getCode", [address, "latest"])) as string;
    if (!code || code === "0x")
      return mismatch(
        "NO_CODE",
        `the node has no code at the ${name} address ${address}: the contracts are not on this chain (a wrong address, or the node lost its state)`,
        address,
        "no code",
      );
  }
  const deployed = (await blockHash(rpc, recorded.deployBlock)) ?? "none";
  if (deployed !== recorded.deployBlockHash)
    return mismatch(
      "DEPLOYMENT_BLOCK",
      `the node's block ${recorded.deployBlock} is ${deployed}, not the block ${recorded.deployBlockHash} that deployed the contracts: it is another chain`,
      recorded.deployBlockHash,
      deployed,
    );
  return undefined;
}

/** The refusal of a write while the node is not the recorded chain. */
export function chainMismatchError(m: ChainMismatch): DomainError {
  return new DomainError(
    "CHAIN_MISMATCH",
    `The chain node is not the chain this gateway's records belong to (${m.cause}): ${m.message}. Nothing was sent; the operator must reconnect the gateway to its chain.`,
    { status: 503, details: { cause: m.cause, expected: m.expected, found: m.found } },
  );
}

export interface ChainGuardOptions {
  /** Called once when a mismatch is found (and again if its cause changes). */
  onMismatch?: (m: ChainMismatch) => void;
  /** Called when the node is the recorded chain again after a mismatch. */
  onRestored?: () => void;
}

/** The current verdict on the node, and the checks that renew it. */
export class ChainGuard {
  private found: ChainMismatch | undefined;
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<ChainMismatch | undefined> | undefined;
  private stopped = false;
  readonly stats = { checks: 0, mismatches: 0 };

  constructor(
    private readonly rpc: Rpc,
    readonly recorded: ChainIdentity,
    private readonly opts: ChainGuardOptions = {},
  ) {}

  /** The mismatch last found, if the node has not been found right since. */
  get mismatch(): ChainMismatch | undefined {
    return this.found;
  }

  /** Throws CHAIN_MISMATCH while the node is not the recorded chain. */
  assertSameChain(): void {
    if (this.found) throw chainMismatchError(this.found);
  }

  /**
   * Asks the node now (one check at a time). A node that cannot be reached changes nothing: the last
   * verdict stands until the node answers.
   */
  check(): Promise<ChainMismatch | undefined> {
    this.checking ??= this.run().finally(() => (this.checking = undefined));
    return this.checking;
  }

  private async run(): Promise<ChainMismatch | undefined> {
    let m: ChainMismatch | undefined;
    try {
      m = await compareChainIdentity(this.rpc, this.recorded);
    } catch (e) {
      if (isTransportError(e)) return this.found;
      throw e;
    }
    this.stats.checks++;
    const before = this.found;
    this.found = m;
    if (m && m.cause !== before?.cause) {
      this.stats.mismatches++;
      this.opts.onMismatch?.(m);
    } else if (!m && before) {
      this.opts.onRestored?.();
    }
    return m;
  }

  /** Checks every `intervalMs` until stopped. */
  start(intervalMs: number): void {
    this.stopped = false;
    const tick = () => {
      if (this.stopped) return;
      this.timer = setTimeout(
        () =>
          void this.check()
            .catch(() => undefined)
            .finally(tick),
        intervalMs,
      );
      this.timer.unref();
    };
    tick();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

function mismatch(cause: ChainMismatchCause, message: string, expected: unknown, found: unknown): ChainMismatch {
  return { cause, message, expected: String(expected), found: String(found) };
}

async function blockHash(rpc: Rpc, n: number): Promise<string | undefined> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const b = (await rpc("eth_getBlockByNumber", ["0x" + n.toString(16), false])) as any;
  return b?.hash ?? undefined;
}
