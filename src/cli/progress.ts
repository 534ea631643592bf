/**
 * A text progress bar on stderr, so stdout stays clean for the results. On a terminal it redraws one
 * line; otherwise (CI logs, pipes) it prints a line at each state change and each tenth.
 */
export interface ProgressBar {
  update(done: number, label: string): void;
  finish(label: string): void;
}

export function progressBar(total: number, quiet = false): ProgressBar {
  const tty = Boolean(process.stderr.isTTY);
  const width = 30;
  let lastLine = "";
  let lastTenth = -1;
  let lastLabel = "";
  const render = (done: number, label: string) => {
    const frac = total === 0 ? 1 : Math.min(1, done / total);
    const filled = Math.round(frac * width);
    return `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${String(Math.floor(frac * 100)).padStart(3)}% ${done}/${total} ${label}`;
  };
  return {
    update(done, label) {
      if (quiet) return;
      const line = render(done, label);
      if (tty) {
        if (line !== lastLine) process.stderr.write(`\r${line}\x1b[K`);
      } else {
        const tenth = total === 0 ? 10 : Math.floor((10 * done) / total);
        if (tenth !== lastTenth || label !== lastLabel) process.stderr.write(`${line}\n`);
        lastTenth = tenth;
        lastLabel = label;
      }
      lastLine = line;
    },
    finish(label) {
      if (quiet) return;
      const line = render(total, label);
      process.stderr.write(tty ? `\r${line}\x1b[K\n` : `${line}\n`);
    },
  };
}
