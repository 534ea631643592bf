/**
 * The gateway's engine room in one call: store, keyring, chain (embedded or external), contracts
 * (deployed on first start), indexer with its in-memory index, relayer with its outbox.
 *
 *   const engine = await startEngine({ dataDir: config.dataDir, databaseUrl: config.databaseUrl,
 *                                      rpcUrl: config.rpcUrl, contracts: config.contracts,
 *                                      confirmations: config.confirmations });
 *   deps = { index: engine.index, chain: engine.chain, keyring: engine.keyring,
 *            principals: engine.principals, idempotency: engine.idempotency, replay: engine.replay, ... }
 *   ...
 *   await engine.close();
 *
 * Start order matters for exactly-once: the chain is replayed (embedded) or reached (external), the
 * indexer catches up with it, and only then are unfinished outbox rows settled (`recover`), so that
 * "is it already on chain?" is answered from a complete index. `startEngine` resolves after all that.
 *
 * Data directory: certledger.sqlite (store, unless databaseUrl), chain-genesis.json + chain-journal.jsonl
 * (+ chain-checkpoint.json on the anvil engine: the embedded chain), keyring.keystore.json (the keyring seed, encrypted; unless seed is given),
 * deployment-<chainId>.json (addresses, first block, code hash of the build that deployed).
 *
 * Measured here (2 cores shared with other jobs, load ~9; test/bench/engine.ts): 50 concurrent single
 * issues → one issueMany per block of ~50, ~140-230 issues/s, bounded by EDR executing ~2-3 ms per
 * issue; ~9-13 MB RSS per 1,000 single issues; a 100,000-member batch anchored and indexed in ~9 s;
 * journal replay runs at the same EVM speed (10,000 single issues: ~50 s under that load).
 *
 * Limits: two replicas share the index safely (cursor check) but each keeps its own outbox recovery and
 * its own copy of gateway-written facts (agency names, type labels, batch members, verifiers), which
 * another replica loads at its next start; on an external chain a transaction still unmined after 30 s
 * is re-broadcast (same bytes), and one whose nonce another sender took is settled only at restart.
 */
import fs from "node:fs";
import path from "node:path";
import { AbiCoder, concat, getCreateAddress, keccak256 } from "ethers";
import { IndexCache } from "../indexer/indexCache";
import { Indexer } from "../indexer/indexer";
import { StatusListProjection, custodialAgencyKey } from "../indexer/statusLists";
import { StatusListEntries } from "../store/statusLists";
import {
  SqlCounterSessions,
  SqlIdempotencyStore,
  SqlIdempotentRequests,
  SqlPrincipalStore,
  SqlReplayGuard,
} from "../store/gatewayStores";
import { GroupCommit } from "../store/groupCommit";
import { openStore, type Store } from "../store/open";
import { OutboxRepository } from "../store/outbox";
import { EngineChainWriter, workKinds } from "./chainWriter";
import { ChainHealth } from "./chainHealth";
import { bytecode, registryIface, type ContractAddresses } from "./contracts";
import { ChainGuard, readChainIdentity, recordChainIdentity, type ChainIdentity } from "./chainIdentity";
import { openEmbeddedChain, type EmbeddedChain, type EmbeddedChainOptions, type ReplayStats } from "./embeddedChain";
import { writeFileDurably } from "./journal";
import { AUTHORITY_LABEL, CustodialKeyring, RELAYER_LABEL, parseSeed } from "./keyring";
import { openSeedKeystore, type SeedKeystoreOptions } from "./seedKeystore";
import { Relayer } from "./relayer";
import { RpcSubmitter, httpRpc } from "./rpcChain";
import type { Rpc, TxSubmitter } from "./submitter";

export interface EngineOptions {
  /** Holds the SQLite store, the chain journal, the keyring seed and the deployment addresses. */
  dataDir: string;
  /** Default `sqlite:<dataDir>/certledger.sqlite`; a postgres:// URL switches to PostgreSQL. */
  databaseUrl?: string;
  /** Unset: the embedded chain. Otherwise an EVM JSON-RPC URL. */
  rpcUrl?: string;
  /** With rpcUrl: contracts deployed already (else they are deployed on first start). */
  contracts?: ContractAddresses;
  /** With contracts: the block to index from (default 0). */
  fromBlock?: number;
  /** Certificates and grants the index keeps in memory (each; default INDEX_CACHE_ENTRIES). */
  indexCacheEntries?: number;
  /** Blocks on top of a transaction before it counts (external chain; the embedded one never reorgs). */
  confirmations?: number;
  /** External chain: one gas price for every transaction (0 on a zero-gas-price network); default the node's fees. */
  gasPriceWei?: bigint;
  /** 32-byte hex keyring seed (tests); default: the keystore `<dataDir>/keyring.keystore.json`. */
  seed?: string;
  /** How the keystore is unlocked (and the scrypt cost of a new one). */
  keystore?: SeedKeystoreOptions;
  /**
   * External chain: private key of a funded account that pays for the custodial keys' gas (e.g. a
   * `hardhat node` account). On the embedded chain the relayer and authority keys are funded at genesis.
   */
  fundingPrivateKey?: string;
  /** External chain with given contracts: the authority admin's private key (the contracts' owner). */
  authorityPrivateKey?: string;
  /**
   * custodial (default): the keyring derives the authority's and the agencies' keys. external: it holds
   * the relayer's key (and verifiers', which have no role in the registry or the ledger) and nothing
   * else; the registry's admin is `authorityAddress`, whose key the gateway never sees.
   */
  keyCustody?: "custodial" | "external";
  /** External custody, contracts deployed here: the registry's admin and pauser. */
  authorityAddress?: string;
  /** Indexer poll interval on an external chain, ms (default 500). */
  pollMs?: number;
  /** Group-commit wait of the relayer and the block producer, ms (default 2). */
  lingerMs?: number;
  /** External chain: how often the node is compared with the chain the store recorded, ms (default 30,000). */
  chainCheckMs?: number;
  /** Unix seconds now (tests). */
  now?: () => number;
  /** Embedded chain: engine of a new data directory, checkpoint policy, test hooks. */
  embeddedChain?: Pick<EmbeddedChainOptions, "engine" | "checkpoints" | "checkpointHook" | "maxTxPerBlock">;
  /** Log lines; `level` is "info" unless said otherwise (the chain's troubles are "warn" or "error"). */
  log?: (msg: string, fields?: Record<string, unknown>, level?: "info" | "warn" | "error") => void;
  /** Errors an operator must act on (the node is not our chain); default `log` at error level. */
  logError?: (msg: string, fields?: Record<string, unknown>) => void;
}

export interface Engine {
  store: Store;
  keyring: CustodialKeyring;
  chain: EngineChainWriter;
  index: IndexCache;
  indexer: Indexer;
  /** The agencies' Bitstring Status Lists, kept by the indexer (src/indexer/statusLists.ts). */
  statusLists: StatusListProjection;
  relayer: Relayer;
  outbox: OutboxRepository;
  principals: SqlPrincipalStore;
  idempotency: SqlIdempotencyStore;
  requests: SqlIdempotentRequests;
  replay: SqlReplayGuard;
  sessions: SqlCounterSessions;
  rpc: Rpc;
  /** External chain: whether its node answers (undefined on the embedded chain, which always does). */
  health?: ChainHealth;
  chainId: number;
  addresses: ContractAddresses;
  /** The authority admin's address (custodial: a keyring key; external: the registry's owner) and the relayer's. */
  authority: string;
  keyCustody: "custodial" | "external";
  relayerAddress: string;
  embedded?: EmbeddedChain;
  /** External chain: the record of which chain the store belongs to, and the node's standing against it. */
  chainGuard?: ChainGuard;
  startup: {
    replay?: ReplayStats;
    recovered: number;
    ms: number;
    deployed: boolean;
    /** Where the start's time went, ms: keystore and store, chain (with its replay), index load, catch-up, outbox. */
    phases: StartPhases;
  };
  stats(): Record<string, unknown>;
  close(): Promise<void>;
}

const GENESIS_BALANCE = 10n ** 30n;
const EMBEDDED_FUNDING = 10n ** 20n;

export interface StartPhases {
  store: number;
  chain: number;
  contracts: number;
  indexLoad: number;
  indexSync: number;
  recover: number;
}

export async function startEngine(opts: EngineOptions): Promise<Engine> {
  const t0 = Date.now();
  let lap = t0;
  const phase = () => -lap + (lap = Date.now());
  const phases: StartPhases = { store: 0, chain: 0, contracts: 0, indexLoad: 0, indexSync: 0, recover: 0 };
  const log = opts.log ?? (() => undefined);
  const logError = opts.logError ?? log;
  const now = opts.now ?? (() => Math.floor(Date.now() / 1000));
  fs.mkdirSync(opts.dataDir, { recursive: true });
  // Unlocked before anything else is opened: a wrong passphrase stops the start and changes nothing.
  const seed = opts.seed ? parseSeed(opts.seed) : await openSeedKeystore(opts.dataDir, { log, ...opts.keystore });
  const store = await openStore({
    url: opts.databaseUrl ?? `sqlite:${path.join(opts.dataDir, "certledger.sqlite")}`,
    onIdleConnectionError: (e) => log("PostgreSQL closed an idle connection", { err: e.message }, "warn"),
  });
  const db = store.db;
  try {
    const external = opts.keyCustody === "external";
    if (external && opts.authorityPrivateKey)
      throw new Error("external key custody: the gateway must not be given the authority's private key");
    const keyring = new CustodialKeyring(seed, db, external ? externalCustodyLabels : undefined);
    await keyring.load();
    const relayerAddress = await keyring.create(RELAYER_LABEL);
    // External custody: the admin named by config (a fresh deployment) or by the registry (given contracts).
    let authority = external ? (opts.authorityAddress ?? "").toLowerCase() : await keyring.create(AUTHORITY_LABEL);
    if (opts.authorityPrivateKey) authority = keyring.importKey("imported:authority", opts.authorityPrivateKey);
    const funder = opts.fundingPrivateKey ? keyring.importKey("imported:funder", opts.fundingPrivateKey) : undefined;

    phases.store = phase();
    // ---- chain
    let rpc: Rpc;
    let chainId: number;
    let submitter: TxSubmitter;
    let embedded: EmbeddedChain | undefined;
    let health: ChainHealth | undefined;
    // The embedded chain wakes the indexer after each block; the indexer exists only once the chain does.
    const wake: { indexer?: Indexer; relayer?: Relayer } = {};
    // External chain: which chain the store belongs to (recorded at the first start) and the guard that
    // compares the node with it; a mismatch keeps the index and refuses writes.
    let recorded: ChainIdentity | undefined;
    let guard: ChainGuard | undefined;
    const newGuard = (id: ChainIdentity) =>
      new ChainGuard(rpc, id, {
        onMismatch: (m) =>
          logError("the chain node is not the chain this gateway's store belongs to: index kept, writes refused", {
            cause: m.cause,
            reason: m.message,
            expected: m.expected,
            found: m.found,
          }),
        onRestored: () => {
          log("the chain node is this gateway's chain again: indexing and writes resume");
          void wake.indexer?.poke();
          void wake.relayer?.recover().catch((e) => log("outbox recovery failed", { error: (e as Error).message }));
        },
      });
    if (!opts.rpcUrl) {
      embedded = await openEmbeddedChain({
        dataDir: opts.dataDir,
        genesisAccounts: (external ? [RELAYER_LABEL] : [RELAYER_LABEL, AUTHORITY_LABEL]).map((l) => ({
          address: keyring.addressOf(l),
          privateKey: keyring.privateKeyOf(l),
          balanceWei: GENESIS_BALANCE,
        })),
        signer: (a) => keyring.signer(a),
        lingerMs: opts.lingerMs,
        onBlock: (header, logs) => void wake.indexer?.noteBlock(header, logs),
        now,
        // A restart starts the chain from its checkpoint: the index must hold every block up to it, and
        // every outbox row settled by hash must be marked (the checkpoint keeps few receipts).
        beforeCheckpoint: async (head) => {
          if (!wake.indexer || !wake.relayer) throw new Error("the index and the outbox do not follow the chain yet");
          await wake.indexer.waitFor(head);
          await wake.relayer.settledThrough(head, 10_000);
        },
        log,
        ...opts.embeddedChain,
      });
      rpc = embedded.rpc;
      chainId = embedded.chainId;
      submitter = embedded.producer;
      log("embedded chain replayed", { ...embedded.replay });
    } else {
      health = new ChainHealth({
        onChange: (v) =>
          v.reachable
            ? log(
                "chain node reachable again",
                { downSeconds: Math.round((Date.now() - (v.downSinceMs ?? Date.now())) / 1000) },
                "warn",
              )
            : log(
                "chain node unreachable: writes are answered pending, reads come from the index",
                { error: v.lastError },
                "error",
              ),
      });
      rpc = health.wrap(httpRpc(opts.rpcUrl));
      recorded = await readChainIdentity(db);
      // Another network's chain id must not pick another deployment file (and deploy anew): the record rules.
      chainId = recorded?.chainId ?? Number(BigInt((await rpc("eth_chainId")) as string));
      submitter = new RpcSubmitter(rpc, chainId, (a) => keyring.signer(a), {
        confirmations: opts.confirmations ?? 0,
        gasPriceWei: opts.gasPriceWei,
      });
      if (recorded) {
        guard = newGuard(recorded);
        await guard.check();
      }
      if (funder && !guard?.mismatch) {
        for (const a of external ? [relayerAddress] : [relayerAddress, authority]) {
          const bal = BigInt((await rpc("eth_getBalance", [a, "latest"])) as string);
          if (bal === 0n)
            await submitter.submit({ from: funder, to: a, data: "0x", gasLimit: 21_000n, value: 10n ** 19n });
        }
      }
    }

    phases.chain = phase();
    // ---- contracts
    const deployFile = path.join(opts.dataDir, `deployment-${chainId}.json`);
    let deployed = false;
    let addresses: ContractAddresses;
    let fromBlock: number;
    if (recorded) {
      addresses = recorded.contracts;
      fromBlock = recorded.deployBlock;
      if (opts.contracts && JSON.stringify(lower(opts.contracts)) !== JSON.stringify(addresses))
        throw new Error(
          `the store belongs to the contracts ${JSON.stringify(addresses)}, not the configured ${JSON.stringify(lower(opts.contracts))}; ` +
            `give the recorded addresses or start with an empty store`,
        );
    } else if (opts.contracts) {
      addresses = lower(opts.contracts);
      fromBlock = opts.fromBlock ?? 0;
      if (external) authority = await registryOwner(rpc, addresses.registry);
    } else if (fs.existsSync(deployFile)) {
      const d = JSON.parse(fs.readFileSync(deployFile, "utf8"));
      if (d.codeHash && d.codeHash !== codeHash()) {
        // The journal replays the old bytecode faithfully, but this build's ABI may not match it.
        throw new Error(
          `the contracts deployed in ${opts.dataDir} were built from other sources than this build's; ` +
            `start with an empty data directory (or keep the build that made it)`,
        );
      }
      addresses = lower(d);
      fromBlock = d.fromBlock;
    } else {
      if (external && !/^0x[0-9a-f]{40}$/.test(authority))
        throw new Error("external key custody: give the authority's address to deploy the contracts with");
      // External custody: the relayer deploys (it only pays), the authority is admin and pauser from the start.
      ({ addresses, fromBlock } = await deploy(rpc, submitter, external ? relayerAddress : authority, authority));
      writeFileDurably(
        deployFile,
        JSON.stringify({ chainId, ...addresses, fromBlock, codeHash: codeHash() }, null, 2) + "\n",
      );
      deployed = true;
      log("contracts deployed", { ...addresses });
    }

    if (opts.rpcUrl && !recorded) {
      recorded = await recordChainIdentity(db, rpc, addresses, fromBlock);
      guard = newGuard(recorded);
    }
    if (external && !guard?.mismatch) {
      authority = await registryOwner(rpc, addresses.registry);
      await requireRoleless(rpc, addresses.registry, funder ?? relayerAddress);
    }

    phases.contracts = phase();
    // The per-request writes (outbox rows, idempotency claims, status list entries) of concurrent requests share commits.
    const writes = new GroupCommit(db, store.dialect === "sqlite");

    // ---- index
    const cache = new IndexCache(db, now, opts.indexCacheEntries);
    if (embedded) cache.followsInProcessChain();
    await cache.load();
    phases.indexLoad = phase();
    const statusLists = new StatusListProjection(
      new StatusListEntries(db, { dialect: store.dialect, now, writes }),
      cache,
      {
        chainId,
        now,
        agencyKey: external ? async () => undefined : custodialAgencyKey(cache, keyring, now),
      },
    );
    const indexer = new Indexer(db, rpc, addresses, cache, {
      confirmations: opts.rpcUrl ? (opts.confirmations ?? 0) : 0,
      fromBlock,
      dialect: store.dialect,
      guard,
      // The embedded chain never reorgs (a test's evm_revert is not a reorg to re-send after).
      onRewind: opts.rpcUrl
        ? (block) => {
            log("chain reorganised: index rewound", { block });
            void wake.relayer
              ?.reconcile(block)
              .catch((e) => log("re-sending writes a reorg dropped failed", { error: (e as Error).message }));
          }
        : undefined,
      onError: indexerErrorLog(log),
      projection: statusLists,
    });
    wake.indexer = indexer;
    // A lookup that misses catches up first: another replica may have just written what is asked for.
    if (opts.rpcUrl) cache.catchUpWith(() => indexer.poke(), 2_000);
    if (embedded) {
      // Never let the index skip blocks whose logs the chain no longer has: stop with what to do.
      const cursor = await indexer.cursorBlock();
      const floor = embedded.replay.fromBlock;
      if (floor > 0 && cursor < floor)
        throw new Error(
          `the index ends at block ${cursor} but the chain starts from its checkpoint at block ${floor}: ` +
            "the store is older than the chain (restore the store and the chain files from the same backup)",
        );
      const kept = embedded.historyFrom();
      if (cursor + 1 < kept && cursor < embedded.producer.durableBlock)
        throw new Error(
          `the index ends at block ${cursor} but the chain keeps logs from block ${kept} on: start again with ` +
            `CERTLEDGER_CHAIN_KEEP_BLOCKS=${embedded.producer.durableBlock - cursor + 1} or more`,
        );
    }
    if (!guard?.mismatch) await indexer.sync();
    phases.indexSync = phase();

    // ---- relayer
    const outbox = new OutboxRepository(db, writes);
    const ix = indexer;
    const base = {
      db,
      rpc,
      cache,
      addresses,
      chainId,
      relayerAddress: funder ?? relayerAddress,
      authorityAddress: authority,
      fundingWei: embedded ? EMBEDDED_FUNDING : funder ? 10n ** 18n : 0n,
      agencySigner: (a: string) => keyring.signer(a),
      now,
      dialect: store.dialect,
      statusLists,
    };
    const relayer = new Relayer(outbox, submitter, rpc, (n) => ix.waitFor(n), workKinds(base), {
      lingerMs: opts.lingerMs,
      health,
      ensureSigner: (a) => keyring.ensureKnown(a),
      guard,
    });
    wake.relayer = relayer;
    const writer = new EngineChainWriter({ ...base, relayer });
    const w = writer;
    keyring.onCreated = (a) => w.fund(a);
    const { rows: recovered } = guard?.mismatch ? { rows: 0 } : await relayer.recover();
    if (recovered > 0) log("outbox recovered", { rows: recovered });
    phases.recover = phase();
    // External custody on the embedded chain: the authority sends the registry transactions it signs
    // through the gateway (src/http/routes/authority.ts), so its account needs gas on this chain.
    if (external && embedded) await writer.fund(authority);
    if (opts.rpcUrl) indexer.start(opts.pollMs ?? 500);
    guard?.start(opts.chainCheckMs ?? 30_000);

    log("engine started", { ms: Date.now() - t0, ...phases });
    const engine: Engine = {
      store,
      keyring,
      chain: writer,
      index: cache,
      indexer,
      statusLists,
      relayer,
      outbox,
      principals: new SqlPrincipalStore(db),
      idempotency: new SqlIdempotencyStore(db, writes),
      requests: new SqlIdempotentRequests(db, writes),
      replay: new SqlReplayGuard(db, now),
      sessions: new SqlCounterSessions(db),
      rpc,
      health,
      chainId,
      addresses,
      authority,
      keyCustody: external ? "external" : "custodial",
      relayerAddress: funder ?? relayerAddress,
      embedded,
      chainGuard: guard,
      startup: { replay: embedded?.replay, recovered, ms: Date.now() - t0, deployed, phases },
      stats: () => ({
        relayer: { ...relayer.stats },
        indexer: { ...ix.stats },
        producer: embedded ? { ...embedded.producer.stats } : undefined,
        chain: guard ? { ...guard.stats, mismatch: guard.mismatch?.cause ?? null } : undefined,
        index: cache.sizes(),
      }),
      async close() {
        relayer.close();
        guard?.stop();
        // The embedded chain first: its closing checkpoint waits for the index to apply the head.
        if (embedded) await embedded.close();
        await ix.stop();
        if (!embedded) await submitter.close();
        await store.close();
      },
    };
    return engine;
  } catch (e) {
    await store.close().catch(() => undefined);
    throw e;
  }
}

/**
 * The indexer's errors at warn level: a node that is away fails every poll (twice a second), so the same
 * message is logged once per 10 s with the number of times it was seen.
 */
function indexerErrorLog(log: NonNullable<EngineOptions["log"]>): (e: unknown) => void {
  let last: { message: string; at: number; repeated: number } | undefined;
  return (e) => {
    const message = (e as Error)?.message ?? String(e);
    const now = Date.now();
    if (last && last.message === message && now - last.at < 10_000) {
      last.repeated++;
      return;
    }
    log("indexer error", { error: message, ...(last?.repeated ? { repeatedBefore: last.repeated } : {}) }, "warn");
    last = { message, at: now, repeated: 0 };
  };
}

/** Identifies the contracts' build: a data directory only works with the build that deployed into it. */
function codeHash(): string {
  return keccak256(concat([bytecode.registry, bytecode.ledger, bytecode.consent]));
}

function lower(a: ContractAddresses): ContractAddresses {
  return { registry: a.registry.toLowerCase(), ledger: a.ledger.toLowerCase(), consent: a.consent.toLowerCase() };
}

/** The keys an externally custodied gateway may hold: the relayer's and verifiers' (no role on chain). */
function externalCustodyLabels(label: string): boolean {
  return label === RELAYER_LABEL || label.startsWith("verifier:");
}

async function registryOwner(rpc: Rpc, registry: string): Promise<string> {
  const out = (await rpc("eth_call", [
    { to: registry, data: registryIface.encodeFunctionData("owner") },
    "latest",
  ])) as string;
  return (registryIface.decodeFunctionResult("owner", out)[0] as string).toLowerCase();
}

/**
 * External custody rests on the relayer being only a payer: refuse to start when the registry makes it
 * the admin, the pauser or an agency's signing key.
 */
async function requireRoleless(rpc: Rpc, registry: string, relayer: string): Promise<void> {
  const read = async (fn: string, args: unknown[] = []) =>
    registryIface.decodeFunctionResult(
      fn,
      (await rpc("eth_call", [{ to: registry, data: registryIface.encodeFunctionData(fn, args) }, "latest"])) as string,
    )[0];
  const roles: string[] = [];
  if (String(await read("owner")).toLowerCase() === relayer.toLowerCase()) roles.push("admin");
  if (String(await read("pauser")).toLowerCase() === relayer.toLowerCase()) roles.push("pauser");
  if (Number(await read("keyIdOf", [relayer])) !== 0) roles.push("an agency's signing key");
  if (roles.length > 0)
    throw new Error(
      `external key custody: the relayer ${relayer} is the registry's ${roles.join(" and ")}; ` +
        "it must only pay for gas (give the registry another admin, pauser or key)",
    );
}

/** Deploys registry, ledger and consent from `deployer`, with `admin` as the registry's admin and pauser. */
async function deploy(
  rpc: Rpc,
  submitter: TxSubmitter,
  deployer: string,
  admin: string,
): Promise<{ addresses: ContractAddresses; fromBlock: number }> {
  const coder = AbiCoder.defaultAbiCoder();
  const nonce = Number(BigInt((await rpc("eth_getTransactionCount", [deployer, "pending"])) as string));
  const registry = getCreateAddress({ from: deployer, nonce }).toLowerCase();
  const ledger = getCreateAddress({ from: deployer, nonce: nonce + 1 }).toLowerCase();
  const consent = getCreateAddress({ from: deployer, nonce: nonce + 2 }).toLowerCase();
  const gas = 15_000_000n;
  const txs = submitter.submitAll([
    {
      from: deployer,
      to: null,
      gasLimit: gas,
      data: bytecode.registry + coder.encode(["address", "address"], [admin, admin]).slice(2),
    },
    {
      from: deployer,
      to: null,
      gasLimit: gas,
      data: bytecode.ledger + coder.encode(["address"], [registry]).slice(2),
    },
    { from: deployer, to: null, gasLimit: gas, data: bytecode.consent + coder.encode(["address"], [ledger]).slice(2) },
  ]);
  const mined = await Promise.all(txs);
  const got = mined.map((m) => m.contractAddress?.toLowerCase());
  if (mined.some((m) => m.status !== 1) || got[0] !== registry || got[1] !== ledger || got[2] !== consent) {
    throw new Error(
      `deploying the contracts failed: ${JSON.stringify(mined.map((m) => ({ status: m.status, address: m.contractAddress })))}`,
    );
  }
  return { addresses: { registry, ledger, consent }, fromBlock: mined[0].blockNumber };
}
