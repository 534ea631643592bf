/**
 * The embedded chain's read-only JSON-RPC 2.0 endpoint, so that anyone can check a certificate against
 * the chain itself (chain id, blocks, `eth_call`, `eth_getLogs`, code, storage, receipts) with any
 * client library, without trusting the gateway's index.
 *
 * Only the methods in READ_METHODS reach the node. Everything that sends, signs, mines, impersonates,
 * snapshots or controls the node (hardhat_*, evm_*, debug_*, personal_*, eth_sign*, eth_send*, filters,
 * which the node would keep) is refused before it reaches the node and changes nothing.
 *
 * Readers see the chain up to the last block the journal holds (`head`): a block the producer has mined
 * but not yet made durable, and the transactions waiting in the node's pool, were never acknowledged
 * (src/chain/embeddedChain.ts), so "latest", "pending", "safe" and "finalized" all mean `head`, and a
 * later block, transaction or receipt is answered as not found.
 *
 * On the anvil engine the node keeps the transactions, receipts and logs of recent blocks only
 * (`historyFrom`, docs/decisions/0017): a block older than that is refused with RPC_HISTORY_PRUNED
 * (state reads at the head work whatever the history; a transaction or receipt of an older block is
 * answered as not found).
 */
import type { Rpc } from "./submitter";

/** JSON-RPC 2.0 error codes (the spec's, and EIP-1474's -32004/-32005). */
export const JSON_RPC_ERRORS = {
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL_ERROR: -32603,
  /** geth's "header not found" and friends. */
  RESOURCE_NOT_FOUND: -32000,
  /** geth and viem: a call that reverted, with the revert data in `data`. */
  EXECUTION_REVERTED: 3,
  METHOD_NOT_SUPPORTED: -32004,
  LIMIT_EXCEEDED: -32005,
} as const;

/** A stable reason in `error.data.reason` of every error this endpoint makes itself. */
export type JsonRpcReason =
  | "RPC_PARSE_ERROR"
  | "RPC_INVALID_REQUEST"
  | "RPC_METHOD_NOT_FOUND"
  | "RPC_METHOD_NOT_ALLOWED"
  | "RPC_INVALID_PARAMS"
  | "RPC_BLOCK_NOT_FOUND"
  | "RPC_BATCH_TOO_LONG"
  | "RPC_BODY_TOO_LARGE"
  | "RPC_LOG_RANGE_TOO_LARGE"
  | "RPC_EXTERNAL_CHAIN"
  | "RPC_HISTORY_PRUNED"
  | "RPC_NODE_ERROR";

type Id = string | number | null;

export interface JsonRpcError {
  jsonrpc: "2.0";
  id: Id;
  error: { code: number; message: string; data?: unknown };
}

export interface JsonRpcSuccess {
  jsonrpc: "2.0";
  id: Id;
  result: unknown;
}

export type JsonRpcResponse = JsonRpcSuccess | JsonRpcError;

/** What one HTTP body gets back: a response, a batch of them, or nothing (only notifications). */
export interface JsonRpcAnswer {
  status: number;
  body?: JsonRpcResponse | JsonRpcResponse[];
}

export interface JsonRpcEndpoint {
  /** Answers one HTTP request body (JSON text). Never throws. */
  handle(text: string): Promise<JsonRpcAnswer>;
}

export function jsonRpcError(
  id: Id,
  code: number,
  message: string,
  reason: JsonRpcReason,
  details: Record<string, unknown> = {},
): JsonRpcError {
  return { jsonrpc: "2.0", id, error: { code, message, data: { reason, ...details } } };
}

class RpcFailure extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly reason: JsonRpcReason,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

const invalidParams = (message: string, details: Record<string, unknown> = {}) =>
  new RpcFailure(JSON_RPC_ERRORS.INVALID_PARAMS, message, "RPC_INVALID_PARAMS", details);

/** Methods that reach the node: each only reads, at a block no later than the head. */
export const READ_METHODS = [
  "eth_chainId",
  "net_version",
  "web3_clientVersion",
  "eth_blockNumber",
  "eth_getBlockByNumber",
  "eth_getBlockByHash",
  "eth_call",
  "eth_getLogs",
  "eth_getCode",
  "eth_getStorageAt",
  "eth_getBalance",
  "eth_getTransactionByHash",
  "eth_getTransactionReceipt",
  "eth_getTransactionCount",
  "eth_gasPrice",
  "eth_maxPriorityFeePerGas",
  "eth_feeHistory",
] as const;

/**
 * Known methods that are never served here: they send, sign, mine, control the node, keep state in it
 * (filters, subscriptions), or name its signing accounts. Any other name is unknown (-32601).
 */
const REFUSED_PREFIXES = [
  "hardhat_",
  "evm_",
  "debug_",
  "personal_",
  "eth_sign",
  "eth_send",
  "anvil_",
  "miner_",
  "admin_",
  "txpool_",
  "engine_",
  "eth_submit",
];
const REFUSED_METHODS = new Set([
  "eth_accounts",
  "eth_requestAccounts",
  "eth_coinbase",
  "eth_mining",
  "eth_hashrate",
  "eth_estimateGas",
  "eth_createAccessList",
  "eth_newFilter",
  "eth_newBlockFilter",
  "eth_newPendingTransactionFilter",
  "eth_uninstallFilter",
  "eth_getFilterChanges",
  "eth_getFilterLogs",
  "eth_subscribe",
  "eth_unsubscribe",
  "eth_getProof",
  "eth_syncing",
  "net_listening",
  "net_peerCount",
  "eth_protocolVersion",
  "eth_getBlockReceipts",
  "eth_getUncleByBlockHashAndIndex",
  "eth_getUncleByBlockNumberAndIndex",
  "eth_getUncleCountByBlockHash",
  "eth_getUncleCountByBlockNumber",
  "eth_getBlockTransactionCountByHash",
  "eth_getBlockTransactionCountByNumber",
  "eth_getTransactionByBlockHashAndIndex",
  "eth_getTransactionByBlockNumberAndIndex",
  "eth_blobBaseFee",
]);

export function isRefusedMethod(method: string): boolean {
  return REFUSED_METHODS.has(method) || REFUSED_PREFIXES.some((p) => method.startsWith(p));
}

export interface ReadOnlyRpcOptions {
  /** The embedded node. */
  rpc: Rpc;
  /** The last durable block: nothing later is shown. */
  head: () => number;
  /** The first block whose transactions, receipts and logs the node keeps (default 0: all). */
  historyFrom?: () => number;
  /** Most requests in one batch. */
  maxBatch: number;
  /** Most blocks one eth_getLogs may span. */
  maxLogBlockRange: number;
  /**
   * Most gas one eth_call may burn (a call without gas, or with more, gets this much). The node is
   * shared with the block producer and runs a tight loop at only ~1.3 million gas/s (measured here:
   * 2^24 gas took ~12 s), while a verdict or a status costs well under 100,000 gas.
   */
  maxCallGas: number;
}

const QUANTITY = /^0x(0|[1-9a-f][0-9a-f]*)$/i;
const HASH = /^0x[0-9a-f]{64}$/i;
const hex = (n: number) => `0x${n.toString(16)}`;
const READ = new Set<string>(READ_METHODS);

export function readOnlyRpc(opts: ReadOnlyRpcOptions): JsonRpcEndpoint {
  const { rpc } = opts;

  /** The block a tag or EIP-1898 block parameter names, or undefined when it is past the head. */
  async function blockOf(param: unknown, head: number): Promise<number | undefined> {
    const n = await namedBlock(param, head);
    const floor = opts.historyFrom?.() ?? 0;
    if (n !== undefined && n < floor)
      throw new RpcFailure(
        JSON_RPC_ERRORS.RESOURCE_NOT_FOUND,
        `block ${n} is older than the history this node keeps (blocks ${floor} to ${head}): ` +
          "read the current state at the latest block, or use the gateway's API for a certificate's history",
        "RPC_HISTORY_PRUNED",
        { historyFrom: floor, head },
      );
    return n;
  }

  async function namedBlock(param: unknown, head: number): Promise<number | undefined> {
    if (param === undefined || param === "latest" || param === "pending" || param === "safe" || param === "finalized")
      return head;
    if (param === "earliest") return 0;
    if (typeof param === "string") {
      if (!QUANTITY.test(param)) throw invalidParams(`"${param.slice(0, 80)}" is not a block number or tag.`);
      const n = BigInt(param);
      return n > BigInt(head) ? undefined : Number(n);
    }
    if (param !== null && typeof param === "object" && !Array.isArray(param)) {
      const o = param as Record<string, unknown>;
      if (typeof o.blockNumber === "string" && o.blockHash === undefined) return namedBlock(o.blockNumber, head);
      if (typeof o.blockHash === "string" && o.blockNumber === undefined && HASH.test(o.blockHash)) {
        const b = (await rpc("eth_getBlockByHash", [o.blockHash, false])) as { number: string } | null;
        if (b === null || Number(BigInt(b.number)) > head) return undefined;
        return Number(BigInt(b.number));
      }
    }
    throw invalidParams("A block parameter is a tag, a hex block number, or {blockNumber} or {blockHash}.");
  }

  /** Like blockOf, but a block past the head is an error (for state reads at that block). */
  async function stateBlock(param: unknown, head: number): Promise<string> {
    const n = await blockOf(param, head);
    if (n === undefined)
      throw new RpcFailure(
        JSON_RPC_ERRORS.RESOURCE_NOT_FOUND,
        `header not found: the chain's last block is ${head}`,
        "RPC_BLOCK_NOT_FOUND",
        { head },
      );
    return hex(n);
  }

  const atHead = (r: unknown, head: number) => {
    const n = (r as { blockNumber?: string | null } | null)?.blockNumber;
    return r !== null && typeof n === "string" && Number(BigInt(n)) <= head ? r : null;
  };

  /** State reads: the block parameter at `index` is resolved to a number no later than the head. */
  const stateRead =
    (index: number, maxParams = index + 1) =>
    async (params: unknown[], head: number, method: string) => {
      if (params.length > maxParams)
        throw invalidParams(`${method} takes at most ${maxParams} parameters here (no state overrides).`);
      if (params.length < index) throw invalidParams(`${method} takes ${index + 1} parameters.`);
      const p = params.slice(0, index);
      p[index] = await stateBlock(params[index], head);
      return rpc(method, p);
    };

  const handlers: Record<
    (typeof READ_METHODS)[number],
    (params: unknown[], head: number, method: string) => Promise<unknown>
  > = {
    eth_chainId: () => rpc("eth_chainId"),
    net_version: () => rpc("net_version"),
    web3_clientVersion: () => rpc("web3_clientVersion"),
    eth_gasPrice: () => rpc("eth_gasPrice"),
    eth_maxPriorityFeePerGas: () => rpc("eth_maxPriorityFeePerGas"),
    eth_blockNumber: async (_p, head) => hex(head),
    eth_getBlockByNumber: async (params, head) => {
      const n = await blockOf(params[0], head);
      return n === undefined ? null : rpc("eth_getBlockByNumber", [hex(n), params[1] === true]);
    },
    eth_getBlockByHash: async (params, head) => {
      const b = (await rpc("eth_getBlockByHash", [params[0], params[1] === true])) as { number: string } | null;
      if (b === null || Number(BigInt(b.number)) > head) return null;
      await blockOf(b.number, head);
      return b;
    },
    eth_getTransactionByHash: async (params, head) => atHead(await rpc("eth_getTransactionByHash", [params[0]]), head),
    eth_getTransactionReceipt: async (params, head) =>
      atHead(await rpc("eth_getTransactionReceipt", [params[0]]), head),
    eth_call: async (params, head, method) => {
      const tx = params[0];
      if (tx === null || typeof tx !== "object" || Array.isArray(tx))
        throw invalidParams("eth_call takes a call object and a block.");
      const gas = (tx as { gas?: unknown }).gas;
      if (gas !== undefined && (typeof gas !== "string" || !QUANTITY.test(gas)))
        throw invalidParams("The call's gas is a hex quantity.");
      const cap = BigInt(opts.maxCallGas);
      const capped = gas === undefined || BigInt(gas) > cap ? `0x${cap.toString(16)}` : gas;
      return stateRead(1)([{ ...tx, gas: capped }, ...params.slice(1)], head, method);
    },
    eth_getBalance: stateRead(1),
    eth_getCode: stateRead(1),
    eth_getTransactionCount: stateRead(1),
    eth_getStorageAt: stateRead(2),
    eth_feeHistory: async (params, head) => {
      if (params.length !== 3 && params.length !== 2) throw invalidParams("eth_feeHistory takes 2 or 3 parameters.");
      return rpc("eth_feeHistory", [params[0], await stateBlock(params[1], head), ...params.slice(2)]);
    },
    eth_getLogs: async (params, head) => {
      const f = params[0];
      if (params.length !== 1 || f === null || typeof f !== "object" || Array.isArray(f))
        throw invalidParams("eth_getLogs takes one filter object.");
      const filter = { ...(f as Record<string, unknown>) };
      if (filter.blockHash !== undefined) {
        if (filter.fromBlock !== undefined || filter.toBlock !== undefined)
          throw invalidParams("A filter has either blockHash or fromBlock/toBlock.");
        return (await blockOf({ blockHash: filter.blockHash }, head)) === undefined ? [] : rpc("eth_getLogs", [filter]);
      }
      const from = await blockOf(filter.fromBlock, head);
      if (from === undefined) return [];
      const to = (await blockOf(filter.toBlock, head)) ?? head;
      if (from > to) throw invalidParams(`fromBlock ${from} is after toBlock ${to}.`);
      if (to - from + 1 > opts.maxLogBlockRange)
        throw new RpcFailure(
          JSON_RPC_ERRORS.LIMIT_EXCEEDED,
          `eth_getLogs spans ${to - from + 1} blocks; ask for at most ${opts.maxLogBlockRange} at a time.`,
          "RPC_LOG_RANGE_TOO_LARGE",
          { maxBlocks: opts.maxLogBlockRange },
        );
      return rpc("eth_getLogs", [{ ...filter, fromBlock: hex(from), toBlock: hex(to) }]);
    },
  };

  async function one(req: unknown): Promise<JsonRpcResponse | undefined> {
    if (req === null || typeof req !== "object" || Array.isArray(req))
      return jsonRpcError(null, JSON_RPC_ERRORS.INVALID_REQUEST, "A request is a JSON object.", "RPC_INVALID_REQUEST");
    const r = req as Record<string, unknown>;
    const idValid = r.id === null || typeof r.id === "string" || typeof r.id === "number";
    const id: Id = idValid ? (r.id as Id) : null;
    const notification = !("id" in r);
    if (r.jsonrpc !== "2.0" || typeof r.method !== "string" || ("id" in r && !idValid))
      return jsonRpcError(
        id,
        JSON_RPC_ERRORS.INVALID_REQUEST,
        'A request has "jsonrpc": "2.0", a string "method", and an "id" that is a string, a number or null.',
        "RPC_INVALID_REQUEST",
      );
    // A notification (no id) is answered only when it is not a request at all (above).
    if (r.params !== undefined && !Array.isArray(r.params))
      return notification
        ? undefined
        : jsonRpcError(
            id,
            JSON_RPC_ERRORS.INVALID_PARAMS,
            "Ethereum methods take their parameters as an array.",
            "RPC_INVALID_PARAMS",
          );
    const method = r.method;
    const params = (r.params as unknown[] | undefined) ?? [];
    let response: JsonRpcResponse;
    if (!READ.has(method)) {
      response = isRefusedMethod(method)
        ? jsonRpcError(
            id,
            JSON_RPC_ERRORS.METHOD_NOT_SUPPORTED,
            `${method} is not allowed: this endpoint reads the chain and never sends, signs, mines or controls the node.`,
            "RPC_METHOD_NOT_ALLOWED",
            { method },
          )
        : jsonRpcError(
            id,
            JSON_RPC_ERRORS.METHOD_NOT_FOUND,
            `The method ${method.slice(0, 80)} does not exist here. Served: ${READ_METHODS.join(", ")}.`,
            "RPC_METHOD_NOT_FOUND",
          );
    } else {
      try {
        const result = await handlers[method as (typeof READ_METHODS)[number]](params, opts.head(), method);
        response = { jsonrpc: "2.0", id, result };
      } catch (e) {
        response = { jsonrpc: "2.0", id, error: nodeError(e) };
      }
    }
    return notification ? undefined : response;
  }

  return {
    async handle(text) {
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        return {
          status: 200,
          body: jsonRpcError(null, JSON_RPC_ERRORS.PARSE_ERROR, "The body is not valid JSON.", "RPC_PARSE_ERROR"),
        };
      }
      if (!Array.isArray(body)) {
        const r = await one(body);
        return r ? { status: 200, body: r } : { status: 204 };
      }
      if (body.length === 0)
        return {
          status: 200,
          body: jsonRpcError(
            null,
            JSON_RPC_ERRORS.INVALID_REQUEST,
            "A batch holds at least one request.",
            "RPC_INVALID_REQUEST",
          ),
        };
      if (body.length > opts.maxBatch)
        return {
          status: 200,
          body: jsonRpcError(
            null,
            JSON_RPC_ERRORS.LIMIT_EXCEEDED,
            `A batch holds at most ${opts.maxBatch} requests; this one holds ${body.length}.`,
            "RPC_BATCH_TOO_LONG",
            { maxBatch: opts.maxBatch },
          ),
        };
      const answers = (await Promise.all(body.map(one))).filter((a): a is JsonRpcResponse => a !== undefined);
      return answers.length > 0 ? { status: 200, body: answers } : { status: 204 };
    },
  };
}

/** An error of ours keeps its code; the node's reverts become geth's code 3 with the revert data. */
function nodeError(e: unknown): JsonRpcError["error"] {
  if (e instanceof RpcFailure) return { code: e.code, message: e.message, data: { reason: e.reason, ...e.details } };
  const err = e as { code?: unknown; message?: unknown; data?: unknown };
  const message = typeof err?.message === "string" ? err.message.split("\n")[0] : "The node failed.";
  if (typeof err?.data === "string" && /^0x[0-9a-f]*$/i.test(err.data))
    return { code: JSON_RPC_ERRORS.EXECUTION_REVERTED, message: `execution reverted: ${message}`, data: err.data };
  if (typeof err?.code === "number" && Number.isInteger(err.code)) return { code: err.code, message };
  return { code: JSON_RPC_ERRORS.INTERNAL_ERROR, message, data: { reason: "RPC_NODE_ERROR" } };
}

/** The gateway on an external chain: the chain's own nodes answer JSON-RPC, not the gateway. */
export function externalChainRpc(chainId: number): JsonRpcEndpoint {
  return {
    async handle() {
      return {
        status: 404,
        body: jsonRpcError(
          null,
          JSON_RPC_ERRORS.METHOD_NOT_SUPPORTED,
          `This gateway runs on an external chain (chain id ${chainId}): send JSON-RPC to that chain's nodes; the gateway serves only the embedded chain's.`,
          "RPC_EXTERNAL_CHAIN",
          { chainId },
        ),
      };
    },
  };
}
