/**
 * POST /rpc: the embedded chain's read-only JSON-RPC. Client libraries (ethers and viem) pointed at it
 * read the chain and compute a certificate's verdict from the document alone, with the document
 * library and the ledger's own `verdict`/`getStatus` views: no gateway index, no gateway verification.
 * Nothing that writes, signs, mines or controls the node gets through, and the chain stays unchanged.
 */
import { expect } from "chai";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Contract, JsonRpcProvider, Transaction, Wallet, ZeroHash, id as ethersId } from "ethers";
import { createPublicClient, http as viemHttp, parseAbiItem, type Hex as ViemHex } from "viem";
import ledgerArtifact from "../../artifacts/contracts/interfaces/ICertificateLedger.sol/ICertificateLedger.json";
import registryArtifact from "../../artifacts/contracts/interfaces/IAuthorityRegistry.sol/IAuthorityRegistry.json";
import { verifyDocumentIntegrity } from "../../src/document";
import { readOnlyRpc } from "../../src/chain/readOnlyRpc";
import { RELAYER_LABEL } from "../../src/chain/keyring";
import { sampleFields } from "../../src/domain/catalog";
import { bearer, getFront, issue, type Front } from "../support/frontGateway";

/** ICertificateLedger.Verdict */
const VERDICT = { Valid: 0, Revoked: 2 } as const;
/** ICertificateLedger.Status */
const STATUS_REVOKED = 2;

/** The CertRef the ledger's views take, from the document alone (its integrity checked by the library). */
function certRefOf(document: unknown) {
  const v = verifyDocumentIntegrity(document);
  if (v.code !== "OK") throw new Error(`document not intact: ${v.code}`);
  return {
    integrity: v,
    ref: {
      certId: v.certId! as ViemHex,
      batchRoot: (v.batch?.root ?? ZeroHash) as ViemHex,
      validFrom: BigInt(v.batch ? v.validFrom! : 0),
      validUntil: BigInt(v.batch ? v.validUntil! : 0),
      proof: (v.batch?.proof ?? []) as ViemHex[],
    },
  };
}

describe("POST /rpc: the embedded chain's read-only JSON-RPC", function () {
  this.timeout(120_000);
  let f: Front;
  let server: Server;
  let url: string;

  const post = (body: unknown, raw = false) =>
    f.http
      .post("/rpc")
      .set("content-type", "application/json")
      .send(raw ? (body as string) : JSON.stringify(body));
  const call = async (method: string, params: unknown[] = []) =>
    (await post({ jsonrpc: "2.0", id: 1, method, params }).expect(200)).body;
  const node = (method: string, params: unknown[] = []) => f.gw.engine.rpc(method, params);

  before(async () => {
    f = await getFront();
    server = await new Promise((resolve) => {
      const s = f.gw.app.listen(0, "127.0.0.1", () => resolve(s));
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/rpc`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  describe("client libraries verify a certificate from the document alone", () => {
    it("ethers JsonRpcProvider: chain id, block number, the ledger's code, the issue's log, verdict and status", async () => {
      // Logs are asked from a block the client saw before it wrote: the embedded chain keeps recent
      // blocks' logs only, and refuses older ranges (RPC_HISTORY_PRUNED, tested below).
      const since = Number(BigInt((await call("eth_blockNumber")).result));
      const c = await issue(f);
      const { integrity, ref } = certRefOf(c.document);
      const provider = new JsonRpcProvider(url);
      try {
        const network = await provider.getNetwork();
        expect(network.chainId).to.equal(BigInt(integrity.chainId!));
        const block = await provider.getBlockNumber();
        expect(block).to.equal(f.gw.engine.embedded!.producer.durableBlock);
        const head = await provider.getBlock(block);
        expect(head!.hash).to.equal(
          ((await node("eth_getBlockByNumber", [`0x${block.toString(16)}`, false])) as { hash: string }).hash,
        );

        const code = await provider.getCode(integrity.ledger!);
        expect(code).to.equal(await node("eth_getCode", [integrity.ledger, "latest"]));
        expect(code.length).to.be.greaterThan(1000);

        const ledger = new Contract(integrity.ledger!, ledgerArtifact.abi, provider);
        const logs = await ledger.queryFilter(ledger.filters.CertificateIssued(ref.certId), since, "latest");
        expect(logs).to.have.length(1);
        const issued = ledger.interface.parseLog(logs[0])!;
        expect(issued.args.validFrom).to.equal(BigInt(integrity.validFrom!));
        expect(issued.args.validUntil).to.equal(BigInt(integrity.validUntil!));
        const receipt = await provider.getTransactionReceipt(logs[0].transactionHash);
        expect(receipt!.status).to.equal(1);

        expect(await ledger.verdict(ref)).to.equal(BigInt(VERDICT.Valid));
        const status = await ledger.getStatus(ref);
        expect(status.exists).to.equal(true);
        expect(status.issuerKey.toLowerCase()).to.equal(integrity.issuer!.toLowerCase());

        await f.http
          .post(`/v1/agency/certificates/${c.certId}/revoke`)
          .set(bearer(f.keys.agencyA))
          .send({ reason: "ISSUED_IN_ERROR" })
          .expect(200);
        expect(await ledger.verdict(ref)).to.equal(BigInt(VERDICT.Revoked));
        expect((await ledger.getStatus(ref)).status).to.equal(BigInt(STATUS_REVOKED));
        const revoked = await ledger.queryFilter(ledger.filters.CertificateRevoked(ref.certId), since);
        expect(revoked).to.have.length(1);
      } finally {
        provider.destroy();
      }
    });

    it("ethers decodes a reverted eth_call's custom error from the revert data", async () => {
      const info = (await f.http.get("/v1/public/info").expect(200)).body;
      const provider = new JsonRpcProvider(url);
      try {
        const registry = new Contract(info.contracts.registry, registryArtifact.abi, provider);
        const stranger = Wallet.createRandom().address;
        try {
          await registry.checkIssuer(stranger, 1);
          expect.fail("checkIssuer of an unknown key should revert");
        } catch (e) {
          const err = e as { code?: string; revert?: { name: string; args: unknown[] } };
          expect(err.code).to.equal("CALL_EXCEPTION");
          expect(err.revert?.name).to.match(/^Registry/);
        }
      } finally {
        provider.destroy();
      }
    });

    it("viem: chain id, block number, the ledger's code, the batch's log, verdict of a batch member", async () => {
      const since = BigInt((await call("eth_blockNumber")).result);
      const items = [1, 2, 3].map(() => {
        const i = f.nextIndex();
        return { holder: f.wallet.address(i), fields: sampleFields("diploma", i) };
      });
      const batch = await f.http
        .post("/v1/agency/batches?wait=true")
        .set(bearer(f.keys.agencyA))
        .set("idempotency-key", `rpc-batch-${Date.now()}`)
        .send({ type: "diploma", items })
        .expect(201);
      const docs = await f.http
        .get(`/v1/agency/batches/${batch.body.batchId}/documents?limit=10`)
        .set(bearer(f.keys.agencyA))
        .expect(200);
      const { integrity, ref } = certRefOf(docs.body.items[1].document);
      expect(ref.batchRoot).to.equal(batch.body.root);
      expect(ref.proof.length).to.be.greaterThan(0);

      const client = createPublicClient({ transport: viemHttp(url) });
      expect(await client.getChainId()).to.equal(integrity.chainId);
      expect(Number(await client.getBlockNumber({ cacheTime: 0 }))).to.equal(
        f.gw.engine.embedded!.producer.durableBlock,
      );
      const ledger = integrity.ledger! as ViemHex;
      expect(await client.getCode({ address: ledger })).to.equal(await node("eth_getCode", [ledger, "latest"]));

      const anchored = await client.getLogs({
        address: ledger,
        event: parseAbiItem("event BatchAnchored(bytes32 indexed root, uint32 keyId, uint32 typeId, uint32 count)"),
        args: { root: ref.batchRoot },
        fromBlock: since,
      });
      expect(anchored).to.have.length(1);
      expect(anchored[0].args.count).to.equal(3);

      const verdict = await client.readContract({
        address: ledger,
        abi: ledgerArtifact.abi,
        functionName: "verdict",
        args: [ref],
      });
      expect(verdict).to.equal(VERDICT.Valid);
      const status = (await client.readContract({
        address: ledger,
        abi: ledgerArtifact.abi,
        functionName: "getStatus",
        args: [ref],
      })) as { exists: boolean; batched: boolean; validUntil: bigint };
      expect(status.exists).to.equal(true);
      expect(status.batched).to.equal(true);
      expect(status.validUntil).to.equal(BigInt(integrity.validUntil!));

      // A tampered proof: the ledger itself says the certificate was not issued.
      const forged = { ...ref, proof: [ethersId("not a sibling") as ViemHex, ...ref.proof.slice(1)] };
      expect(
        await client.readContract({
          address: ledger,
          abi: ledgerArtifact.abi,
          functionName: "verdict",
          args: [forged],
        }),
      ).to.equal(1);
    });
  });

  describe("refuses everything that is not a read, and changes nothing", () => {
    it("answers -32004 RPC_METHOD_NOT_ALLOWED to every forbidden method; block, state and the node's pool stay as they were", async () => {
      const info = (await f.http.get("/v1/public/info").expect(200)).body;
      const ledger: string = info.contracts.ledger;
      const relayer = f.gw.engine.relayerAddress;
      const target = Wallet.createRandom().address;
      const relayerKey = f.gw.engine.keyring.privateKeyOf(RELAYER_LABEL);
      const nonce = Number(BigInt((await node("eth_getTransactionCount", [relayer, "pending"])) as string));
      // A transaction the node would accept: the relayer's own key, its next nonce.
      const signedTx = await new Wallet(relayerKey).signTransaction({
        to: target,
        value: 1n,
        nonce,
        gasLimit: 21_000n,
        chainId: 31337n,
        type: 2,
        maxFeePerGas: 10n ** 9n,
        maxPriorityFeePerGas: 0n,
      });
      const snapshot = async () => ({
        block: await node("eth_blockNumber"),
        head: ((await node("eth_getBlockByNumber", ["latest", false])) as { hash: string }).hash,
        pending: await node("eth_getTransactionCount", [relayer, "pending"]),
        balance: await node("eth_getBalance", [target, "latest"]),
        relayerBalance: await node("eth_getBalance", [relayer, "latest"]),
        code: await node("eth_getCode", [ledger, "latest"]),
        slot0: await node("eth_getStorageAt", [ledger, "0x0", "latest"]),
        accounts: await node("eth_accounts"),
      });
      const before = await snapshot();
      const tx = { from: relayer, to: target, value: "0x1" };
      const forbidden: [string, unknown[]][] = [
        ["eth_sendRawTransaction", [signedTx]],
        ["eth_sendTransaction", [tx]],
        ["eth_sign", [relayer, "0x1234"]],
        ["eth_signTransaction", [tx]],
        ["eth_signTypedData_v4", [relayer, "{}"]],
        ["personal_sign", ["0x1234", relayer]],
        ["personal_unlockAccount", [relayer, "", 0]],
        ["eth_accounts", []],
        ["eth_estimateGas", [tx]],
        ["evm_mine", []],
        ["evm_increaseTime", [3600]],
        ["evm_setNextBlockTimestamp", [4_000_000_000]],
        ["evm_snapshot", []],
        ["evm_revert", ["0x1"]],
        ["evm_setAutomine", [true]],
        ["hardhat_mine", ["0x10"]],
        ["hardhat_setBalance", [target, "0xffff"]],
        ["hardhat_setCode", [ledger, "0x00"]],
        ["hardhat_setStorageAt", [ledger, "0x0", ZeroHash]],
        ["hardhat_setNonce", [relayer, "0xffff"]],
        ["hardhat_impersonateAccount", [relayer]],
        ["hardhat_reset", []],
        ["hardhat_dropTransaction", [ZeroHash]],
        ["debug_traceTransaction", [ZeroHash]],
        ["anvil_setBalance", [target, "0xffff"]],
        ["miner_start", []],
        ["eth_newFilter", [{}]],
        ["eth_newBlockFilter", []],
        ["eth_subscribe", ["newHeads"]],
      ];
      const answers = (
        await post(forbidden.map(([method, params], i) => ({ jsonrpc: "2.0", id: i, method, params }))).expect(200)
      ).body;
      expect(answers).to.have.length(forbidden.length);
      for (const [i, [method]] of forbidden.entries()) {
        const a = answers.find((x: { id: number }) => x.id === i);
        expect(a.result, method).to.equal(undefined);
        expect(a.error.code, method).to.equal(-32004);
        expect(a.error.data.reason, method).to.equal("RPC_METHOD_NOT_ALLOWED");
        expect(a.error.message, method).to.include(method);
      }
      // The same one by one (a batch and a single request take one path, but prove it).
      for (const [method, params] of forbidden.slice(0, 3))
        expect((await call(method, params)).error.code, method).to.equal(-32004);
      expect(await snapshot()).to.deep.equal(before);
      expect(await node("eth_getTransactionByHash", [Transaction.from(signedTx).hash])).to.equal(null);
    });

    it("caps an eth_call's gas: an endless loop runs out of gas at the cap, whatever gas it asks for", async () => {
      // JUMPDEST PUSH1 0 JUMP: loops until the gas is gone.
      const loop = "0x5b600056";
      const capped = readOnlyRpc({
        rpc: f.gw.engine.embedded!.rpc,
        head: () => f.gw.engine.embedded!.producer.durableBlock,
        maxBatch: 10,
        maxLogBlockRange: 10,
        maxCallGas: 100_000,
      });
      const traced: unknown[] = [];
      const spy = readOnlyRpc({
        rpc: (method, params) => (traced.push(params?.[0]), f.gw.engine.embedded!.rpc(method, params)),
        head: () => f.gw.engine.embedded!.producer.durableBlock,
        maxBatch: 10,
        maxLogBlockRange: 10,
        maxCallGas: 100_000,
      });
      for (const gas of [undefined, "0xffffffffff", "0xf000"]) {
        const body = JSON.stringify({
          jsonrpc: "2.0",
          id: 1,
          method: "eth_call",
          params: [{ data: loop, gas }, "latest"],
        });
        const r = (await capped.handle(body)).body as { result?: unknown; error: { message: string } };
        expect(r.result, JSON.stringify(r)).to.equal(undefined);
        // EDR says "out of gas", anvil "OutOfGas".
        expect(r.error.message).to.match(/out ?of ?gas/i);
        await spy.handle(body);
      }
      expect(traced.map((t) => (t as { gas: string }).gas)).to.deep.equal(["0x186a0", "0x186a0", "0xf000"]);
      expect((await call("eth_call", [{ data: loop, gas: 12 }, "latest"])).error.code).to.equal(-32602);
    });

    it("answers -32601 to a method that does not exist", async () => {
      const r = await call("eth_doesNotExist");
      expect(r.error.code).to.equal(-32601);
      expect(r.error.data.reason).to.equal("RPC_METHOD_NOT_FOUND");
    });
  });

  describe("JSON-RPC 2.0: batches, ids and malformed requests", () => {
    it("answers a batch in order, echoes string, number and null ids, and answers no notification", async () => {
      const r = await post([
        { jsonrpc: "2.0", id: "a", method: "eth_chainId" },
        { jsonrpc: "2.0", id: 7, method: "eth_blockNumber", params: [] },
        { jsonrpc: "2.0", method: "eth_chainId" },
        { jsonrpc: "2.0", id: null, method: "net_version" },
        { jsonrpc: "2.0", id: 9, method: "evm_mine" },
        { id: 10, method: "eth_chainId" },
        1,
      ]).expect(200);
      expect(r.body).to.have.length(6);
      expect(r.body[0]).to.deep.equal({ jsonrpc: "2.0", id: "a", result: "0x7a69" });
      expect(r.body[1].id).to.equal(7);
      expect(Number(BigInt(r.body[1].result))).to.equal(f.gw.engine.embedded!.producer.durableBlock);
      expect(r.body[2]).to.deep.equal({ jsonrpc: "2.0", id: null, result: "31337" });
      expect(r.body[3].error.code).to.equal(-32004);
      expect(r.body[4]).to.include({ id: 10 });
      expect(r.body[4].error.code).to.equal(-32600);
      expect(r.body[5]).to.include({ id: null });
      expect(r.body[5].error.code).to.equal(-32600);
    });

    it("answers 204 with no body to a batch of notifications only", async () => {
      const r = await post([{ jsonrpc: "2.0", method: "eth_chainId" }]).expect(204);
      expect(r.text).to.equal("");
    });

    it("answers -32700 to malformed JSON and -32600 to an empty batch or a request that is not one", async () => {
      const parse = (await post('{"jsonrpc":"2.0","id":1,"method":"eth_chainId"', true).expect(200)).body;
      expect(parse).to.deep.include({ jsonrpc: "2.0", id: null });
      expect(parse.error.code).to.equal(-32700);
      expect(parse.error.data.reason).to.equal("RPC_PARSE_ERROR");
      expect((await post([]).expect(200)).body.error.code).to.equal(-32600);
      expect((await post("eth_chainId").expect(200)).body.error.code).to.equal(-32600);
      const badId = (await post({ jsonrpc: "2.0", id: { x: 1 }, method: "eth_chainId" }).expect(200)).body;
      expect(badId.id).to.equal(null);
      expect(badId.error.code).to.equal(-32600);
      const wrongVersion = (await post({ jsonrpc: "1.0", id: 3, method: "eth_chainId" }).expect(200)).body;
      expect(wrongVersion).to.deep.include({ id: 3 });
      expect(wrongVersion.error.code).to.equal(-32600);
      const named = await call("eth_getBalance", { address: ZeroHash } as unknown as unknown[]);
      expect(named.error.code).to.equal(-32602);
    });

    it("refuses a batch longer than the limit and a body over the body limit, with their codes", async () => {
      const long = Array.from({ length: 101 }, (_, i) => ({ jsonrpc: "2.0", id: i, method: "eth_chainId" }));
      const r = (await post(long).expect(200)).body;
      expect(r.error.code).to.equal(-32005);
      expect(r.error.data).to.deep.equal({ reason: "RPC_BATCH_TOO_LONG", maxBatch: 100 });
      expect((await post(long.slice(0, 100)).expect(200)).body).to.have.length(100);

      const huge = { jsonrpc: "2.0", id: 1, method: "eth_call", params: [{ data: `0x${"00".repeat(600_000)}` }] };
      const big = await post(huge).expect(413);
      expect(big.body.error.code).to.equal(-32600);
      expect(big.body.error.data.reason).to.equal("RPC_BODY_TOO_LARGE");
    });

    it("bounds eth_getLogs by a block range and shows nothing past the last durable block", async () => {
      const embedded = f.gw.engine.embedded!;
      const head = embedded.producer.durableBlock;
      const latest = (await node("eth_getBlockByNumber", [`0x${head.toString(16)}`, false])) as {
        hash: string;
        transactions: string[];
      };
      const short = readOnlyRpc({
        rpc: embedded.rpc,
        head: () => head - 1,
        maxBatch: 10,
        maxLogBlockRange: 5,
        maxCallGas: 1_000_000,
      });
      const ask = async (method: string, params: unknown[]) => {
        const a = await short.handle(JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }));
        return a.body as { result?: unknown; error?: { code: number; data: { reason: string; maxBlocks?: number } } };
      };
      const range = await ask("eth_getLogs", [{ fromBlock: "0x0", toBlock: "latest" }]);
      expect(range.error!.code).to.equal(-32005);
      expect(range.error!.data).to.deep.equal({ reason: "RPC_LOG_RANGE_TOO_LARGE", maxBlocks: 5 });
      expect((await ask("eth_getLogs", [{ fromBlock: `0x${(head - 3).toString(16)}` }])).result).to.be.an("array");

      // The reader's head is one block behind: that block, its hash and its receipts are not shown.
      expect((await ask("eth_blockNumber", [])).result).to.equal(`0x${(head - 1).toString(16)}`);
      expect((await ask("eth_getBlockByNumber", [`0x${head.toString(16)}`, false])).result).to.equal(null);
      expect((await ask("eth_getBlockByHash", [latest.hash, false])).result).to.equal(null);
      const onTop = (await ask("eth_getBlockByNumber", ["latest", false])).result as { number: string };
      expect(Number(BigInt(onTop.number))).to.equal(head - 1);
      if (latest.transactions.length > 0)
        expect((await ask("eth_getTransactionReceipt", [latest.transactions[0]])).result).to.equal(null);
      const future = await ask("eth_getCode", [ZeroHash.slice(0, 42), `0x${head.toString(16)}`]);
      expect(future.error!.code).to.equal(-32000);
      expect(future.error!.data.reason).to.equal("RPC_BLOCK_NOT_FOUND");
      const logsAfter = await ask("eth_getLogs", [{ fromBlock: `0x${head.toString(16)}` }]);
      expect(logsAfter.result).to.deep.equal([]);
    });

    it("refuses blocks older than the history the node keeps with RPC_HISTORY_PRUNED, and still reads the head", async () => {
      const embedded = f.gw.engine.embedded!;
      const head = embedded.producer.durableBlock;
      const pruned = readOnlyRpc({
        rpc: embedded.rpc,
        head: () => head,
        historyFrom: () => head - 1,
        maxBatch: 10,
        maxLogBlockRange: 5,
        maxCallGas: 1_000_000,
      });
      const ask = async (method: string, params: unknown[]) => {
        const a = await pruned.handle(JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }));
        return a.body as { result?: unknown; error?: { code: number; data: Record<string, unknown> } };
      };
      const old = `0x${(head - 2).toString(16)}`;
      const oldHash = ((await node("eth_getBlockByNumber", [old, false])) as { hash: string }).hash;
      for (const [method, params] of [
        ["eth_getLogs", [{ fromBlock: old, toBlock: "latest" }]],
        ["eth_getLogs", [{ fromBlock: "earliest", toBlock: old }]],
        ["eth_getBlockByNumber", [old, false]],
        ["eth_getBlockByHash", [oldHash, false]],
        ["eth_getBalance", [ZeroHash.slice(0, 42), old]],
      ] as [string, unknown[]][]) {
        const a = await ask(method, params);
        expect(a.error?.code, method).to.equal(-32000);
        expect(a.error?.data, method).to.deep.equal({ reason: "RPC_HISTORY_PRUNED", historyFrom: head - 1, head });
      }
      expect((await ask("eth_getLogs", [{ fromBlock: `0x${(head - 1).toString(16)}` }])).result).to.be.an("array");
      const code = await ask("eth_getCode", [f.gw.engine.addresses.ledger, "latest"]);
      expect(code.result).to.match(/^0x[0-9a-f]{100,}$/);
    });

    it("is in /openapi.json", async () => {
      const doc = (await f.http.get("/openapi.json").expect(200)).body;
      expect(doc.paths["/rpc"].post.tags).to.deep.equal(["chain"]);
      expect(doc.components.schemas).to.have.property("JsonRpcRequest");
    });
  });
});
