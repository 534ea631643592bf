// @ts-check
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      "node_modules/",
      "artifacts/",
      "cache/",
      "typechain-types/",
      "coverage/",
      "dist/",
      "data/",
      "test-results/",
      "**/.prof/",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-unused-expressions": "off", // chai's `expect(x).to.be.true`
    },
  },
  {
    // Modules loaded only when needed (a CLI command's own, exceljs for a workbook, Hardhat for the EDR
    // chain) are required where they are used: the CLI runs under tsx's CommonJS hook only (bin/certledger),
    // where import() would be Node's own ESM loader, which cannot load TypeScript.
    files: ["src/cli/**/*.ts", "src/intake/table.ts", "src/chain/embeddedChain.ts"],
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
);
