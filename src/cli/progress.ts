/**
 * Progress of a long command on stderr, so stdout stays clean for the results: one bar per stage
 * (built, anchored, downloaded...) with its rate and ETA, drawn by cli-progress on a terminal; on
 * anything else (CI logs, pipes, a test's child process) a plain line per stage at each tenth.
 */
import cliProgress from "cli-progress";

export interface StageProgress {
  /** Sets a stage's count of rows done (never moves back). */
  set(stage: string, done: number): void;
  stop(): void;
}

const rate = (done: number, started: number) => {
  const s = (Date.now() - started) / 1000;
  return s > 0 ? Math.round(done / s) : 0;
};

const eta = (done: number, total: number, started: number) => {
  const r = rate(done, started);
  if (done >= total) return "0s";
  if (r === 0) return "-";
  const s = Math.ceil((total - done) / r);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s` : `${s}s`;
};

export function stageProgress(total: number, stages: readonly string[], quiet = false): StageProgress {
  const started = Date.now();
  const done = new Map(stages.map((s) => [s, 0]));
  if (quiet) return { set: (s, n) => void done.set(s, n), stop: () => undefined };
  const width = Math.max(...stages.map((s) => s.length));
  if (process.stderr.isTTY) {
    const multi = new cliProgress.MultiBar(
      {
        stream: process.stderr,
        format: "{stage} [{bar}] {percentage}% {value}/{total} {rate} rows/s ETA {remaining}",
        barsize: 20,
        barCompleteChar: "#",
        barIncompleteChar: "-",
        hideCursor: true,
        clearOnComplete: false,
        fps: 5,
      },
      cliProgress.Presets.legacy,
    );
    const bars = new Map(
      stages.map((s) => [s, multi.create(total, 0, { stage: s.padEnd(width), rate: 0, remaining: "-" })]),
    );
    return {
      set(stage, n) {
        if (n <= (done.get(stage) ?? 0)) return;
        done.set(stage, n);
        bars.get(stage)?.update(n, { rate: rate(n, started), remaining: eta(n, total, started) });
      },
      stop: () => multi.stop(),
    };
  }
  const tenth = new Map(stages.map((s) => [s, -1]));
  return {
    set(stage, n) {
      if (n <= (done.get(stage) ?? 0)) return;
      done.set(stage, n);
      const t = total === 0 ? 10 : Math.floor((10 * n) / total);
      if (t === tenth.get(stage)) return;
      tenth.set(stage, t);
      const pct = total === 0 ? 100 : Math.floor((100 * n) / total);
      process.stderr.write(
        `${stage.padEnd(width)} ${n}/${total} (${pct}%) ${rate(n, started)} rows/s ETA ${eta(n, total, started)}\n`,
      );
    },
    stop: () => undefined,
  };
}
