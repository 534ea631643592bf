/**
 * The external JSON-RPC nodes the external-chain suites run against, each in its own process: a
 * `hardhat node` (Hardhat's EDR, the same EVM as the embedded chain) and anvil (Foundry's, an
 * independent implementation). Both start with automine on and the same well-known account #0.
 */
import { createServer } from "node:net";
import { startAnvil } from "../../src/chain/anvil";
import { HARDHAT_ACCOUNT_0, startHardhatNode } from "./hardhatNode";

export interface ExternalNode {
  url: string;
  /** Funded account #0's private key (the same public test key on both engines). */
  fundingKey: string;
  stop(): Promise<void>;
}

export interface NodeEngine {
  name: "hardhat node" | "anvil";
  chainId: number;
  start(extraArgs?: string[]): Promise<ExternalNode>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export const HARDHAT_NODE: NodeEngine = {
  name: "hardhat node",
  chainId: 31337,
  async start() {
    const port = await freePort();
    const p = await startHardhatNode(port);
    const exited = new Promise<void>((r) => p.once("exit", () => r()));
    return {
      url: `http://127.0.0.1:${port}`,
      fundingKey: HARDHAT_ACCOUNT_0,
      async stop() {
        if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL");
        await exited;
      },
    };
  },
};

export const ANVIL: NodeEngine = {
  name: "anvil",
  chainId: 31337,
  async start(extraArgs: string[] = []) {
    const node = await startAnvil({ args: extraArgs });
    return { url: node.url, fundingKey: HARDHAT_ACCOUNT_0, stop: () => node.stop("SIGKILL") };
  },
};

/** Both engines: the external-chain suites describe themselves once per engine. */
export const NODE_ENGINES: NodeEngine[] = [HARDHAT_NODE, ANVIL];
