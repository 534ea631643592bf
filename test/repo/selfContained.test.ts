/**
 * The repository explains itself: code, tests, contracts, scripts and documentation point only at files
 * inside it (docs/architecture.md, docs/decisions/, README.md), never at a design document or style guide
 * kept elsewhere, and every such pointer leads to a file and heading that exist.
 */
import { expect } from "chai";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

const ROOT = path.resolve(__dirname, "../..");
const SCANNED = ["src", "test", "contracts", "scripts", "docs", "README.md", ".ci", "hardhat.config.ts"];
const SKIPPED_DIRS = new Set(["node_modules", "artifacts", "cache", "typechain-types", "dist", "coverage"]);
const TEXT = /\.(ts|js|mjs|cjs|sol|md|sh|json)$|^run$/;

function files(p: string): string[] {
  const abs = path.join(ROOT, p);
  if (!existsSync(abs)) return [];
  if (!statSync(abs).isDirectory()) return [p];
  return readdirSync(abs).flatMap((f) => (SKIPPED_DIRS.has(f) ? [] : files(path.join(p, f))));
}

/** Citations of documents that do not live in this repository. */
const OUTSIDE: { what: string; re: RegExp }[] = [
  { what: "a DESIGN section", re: /\bDESIGN(?:\.md)?(?:\s+(?:section|§))?\s*§?\s*\d/ },
  { what: "the DESIGN document", re: /\bDESIGN\.md\b/ },
  { what: "a STYLE habit", re: /\bSTYLE(?:\.md)?\s+(?:habit|section|§)?\s*\d|\bSTYLE\.md\b/ },
  { what: "a path outside the repository", re: /(?:\.\.\/)+shared\/|\/work\/shared\b/ },
];

/** Findings of `text` (a file at `file`, relative to the root) that cite something outside the repository. */
export function outsideCitations(file: string, text: string): string[] {
  const out: string[] = [];
  text.split("\n").forEach((line, i) => {
    for (const { what, re } of OUTSIDE) if (re.test(line)) out.push(`${file}:${i + 1} cites ${what}: ${line.trim()}`);
  });
  return out;
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
export function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
}

function anchorsOf(markdownFile: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const m of readFileSync(markdownFile, "utf8").matchAll(/^#{1,6}\s+(.+)$/gm)) {
    const base = slug(m[1]);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

/** Where `target` (a repository path with an optional #anchor) fails to lead, or undefined when it leads somewhere. */
function brokenTarget(target: string): string | undefined {
  const [file, anchor] = target.split("#");
  const abs = path.resolve(ROOT, file);
  if (path.relative(ROOT, abs).startsWith("..")) return "outside the repository";
  if (!existsSync(abs)) return "no such file";
  if (anchor && abs.endsWith(".md") && !anchorsOf(abs).has(anchor)) return `no heading #${anchor}`;
  return undefined;
}

/** Pointers into docs/ or README.md written in code comments and strings (repository-relative). */
function codePointers(text: string): string[] {
  return [...text.matchAll(/(?<![\w./-])((?:docs\/[\w./-]+\.md|README\.md)(?:#[\w-]+)?)/g)].map((m) => m[1]);
}

/** Relative links of a markdown file, as repository paths (with their anchors). */
function markdownLinks(file: string, text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
    const href = m[1];
    if (/^[a-z][a-z+.-]*:/i.test(href)) continue; // http:, https:, mailto:
    const [p, anchor] = href.split("#");
    const target = p === "" ? file : path.relative(ROOT, path.resolve(ROOT, path.dirname(file), p));
    out.push(anchor ? `${target}#${anchor}` : target);
  }
  return out;
}

describe("the repository is self-contained", () => {
  const self = path.relative(ROOT, __filename);
  const all = SCANNED.flatMap(files).filter((f) => f !== self && TEXT.test(path.basename(f)));

  it("scans the code, the tests, the contracts and the documentation", () => {
    for (const dir of ["src/", "test/", "contracts/", "scripts/", "docs/"])
      expect(
        all.some((f) => f.startsWith(dir)),
        dir,
      ).to.equal(true);
    expect(all).to.include("README.md");
    expect(all).to.include("docs/architecture.md");
  });

  it("cites no design section, style guide or path outside the repository", () => {
    const found = all.flatMap((f) => outsideCitations(f, readFileSync(path.join(ROOT, f), "utf8")));
    expect(found).to.deep.equal([]);
  });

  it("the scan catches each kind of outside citation", () => {
    const samples = [
      "// see DESIGN 4.4",
      " * Online sharing (DESIGN section 2).",
      "/// first rule of DESIGN §4.4",
      "read /work/shared/notes.txt first",
      "(STYLE habit 5)",
      "import x from '../../shared/notes'",
    ];
    for (const s of samples) expect(outsideCitations("x.ts", s), s).to.have.length(1);
    expect(outsideCitations("x.ts", "// see docs/architecture.md#layers and the DESIGNATED key")).to.deep.equal([]);
  });

  it("every pointer to docs/ or README.md from code leads to an existing file and heading", () => {
    const broken: string[] = [];
    for (const f of all.filter((x) => !x.endsWith(".md"))) {
      for (const t of codePointers(readFileSync(path.join(ROOT, f), "utf8"))) {
        const why = brokenTarget(t);
        if (why) broken.push(`${f} → ${t}: ${why}`);
      }
    }
    expect(broken).to.deep.equal([]);
  });

  it("every relative link in the documentation leads to an existing file and heading inside the repository", () => {
    const broken: string[] = [];
    for (const f of all.filter((x) => x.endsWith(".md"))) {
      for (const t of markdownLinks(f, readFileSync(path.join(ROOT, f), "utf8"))) {
        const why = brokenTarget(t);
        if (why) broken.push(`${f} → ${t}: ${why}`);
      }
    }
    expect(broken).to.deep.equal([]);
  });

  it("anchors follow GitHub's headings", () => {
    expect(slug("Counter: scan to verdict")).to.equal("counter-scan-to-verdict");
    expect(slug("Leases (batch jobs)")).to.equal("leases-batch-jobs");
    expect(slug("External chain and PostgreSQL")).to.equal("external-chain-and-postgresql");
    expect(brokenTarget("docs/architecture.md#no-such-heading")).to.equal("no heading #no-such-heading");
    expect(brokenTarget("../shared/DESIGN.md")).to.equal("outside the repository");
  });
});
