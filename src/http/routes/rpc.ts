/**
 * POST /rpc: the embedded chain's read-only JSON-RPC 2.0 (src/chain/readOnlyRpc.ts), so that a client
 * library can check certificates against the chain without trusting the gateway. The body is read
 * here as text (bounded by the body limit) so that malformed JSON gets a JSON-RPC parse error, not the
 * REST error shape. On an external chain the endpoint answers 404 with an error naming the chain.
 */
import express, { type Router } from "express";
import { z } from "zod";
import type { AppDeps } from "../deps";
import type { RouteEnv } from "../route";
import * as S from "../schemas";

export const RPC_PATH = "/rpc";

export function rpcRouter(deps: AppDeps, env: RouteEnv): Router {
  const r = express.Router();
  const endpoint = deps.jsonRpc;
  if (!endpoint) return r;
  const text = express.text({ type: () => true, limit: deps.settings.bodyLimitBytes, defaultCharset: "utf-8" });
  r.post(RPC_PATH, (req, res, next) => {
    text(req, res, (err?: unknown) => {
      if (err) {
        const e = err as { type?: string; status?: number };
        const tooLarge = e.type === "entity.too.large";
        if (!tooLarge && e.type !== "encoding.unsupported" && e.type !== "charset.unsupported") return next(err);
        res.status(tooLarge ? 413 : 415).json({
          jsonrpc: "2.0",
          id: null,
          error: tooLarge
            ? {
                code: -32600,
                message: `The request body is larger than the limit of ${deps.settings.bodyLimitBytes} bytes.`,
                data: { reason: "RPC_BODY_TOO_LARGE", limitBytes: deps.settings.bodyLimitBytes },
              }
            : { code: -32700, message: "Send the body as UTF-8 JSON.", data: { reason: "RPC_PARSE_ERROR" } },
        });
        return;
      }
      endpoint.handle(typeof req.body === "string" ? req.body : "").then((answer) => {
        if (answer.body === undefined) res.status(answer.status).end();
        else res.status(answer.status).json(answer.body);
      }, next);
    });
  });
  env.registry.registerPath({
    method: "post",
    path: RPC_PATH,
    tags: ["chain"],
    summary: "The embedded chain's read-only JSON-RPC 2.0",
    description:
      "Point ethers, viem or curl here to read the embedded chain without trusting the gateway: eth_chainId, " +
      "net_version, web3_clientVersion, eth_blockNumber, eth_getBlockByNumber, eth_getBlockByHash, eth_call, " +
      "eth_getLogs, eth_getCode, eth_getStorageAt, eth_getBalance, eth_getTransactionByHash, " +
      "eth_getTransactionReceipt, eth_getTransactionCount, eth_gasPrice, eth_maxPriorityFeePerGas, " +
      "eth_feeHistory. Single requests and batches (at most CERTLEDGER_RPC_MAX_BATCH); eth_getLogs spans at " +
      "most CERTLEDGER_RPC_LOG_BLOCK_RANGE blocks; eth_call burns at most CERTLEDGER_RPC_CALL_GAS_CAP gas. Nothing that sends, signs, mines or controls the node is " +
      "served (-32004). The chain is shown up to its last durable block. With an external chain this answers " +
      "404 (RPC_EXTERNAL_CHAIN): ask that chain's nodes.",
    request: {
      body: {
        content: { "application/json": { schema: z.union([S.JsonRpcRequest, z.array(S.JsonRpcRequest)]) } },
      },
    },
    responses: {
      200: {
        description: "The response, or the batch's responses (requests without id get none).",
        content: { "application/json": { schema: z.union([S.JsonRpcResponse, z.array(S.JsonRpcResponse)]) } },
      },
      204: { description: "Every request was a notification (no id): nothing to answer." },
      404: {
        description: "The gateway runs on an external chain (RPC_EXTERNAL_CHAIN).",
        content: { "application/json": { schema: S.JsonRpcResponse } },
      },
      413: {
        description: "The body is larger than CERTLEDGER_BODY_LIMIT_BYTES (RPC_BODY_TOO_LARGE).",
        content: { "application/json": { schema: S.JsonRpcResponse } },
      },
    },
  });
  return r;
}
