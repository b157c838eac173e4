// A one-line progress bar on stderr (redrawn in place on a terminal, a line per 10% otherwise).

export function renderProgress(
  label: string,
  done: number,
  total: number,
  elapsedMs: number,
  width = 30,
): string {
  const ratio = total > 0 ? Math.min(1, done / total) : 1;
  const filled = Math.round(ratio * width);
  const rate = elapsedMs > 0 ? (done / elapsedMs) * 1000 : 0;
  const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
  return `${label.padEnd(10)} ${bar} ${String(Math.floor(ratio * 100)).padStart(3)}% ${done}/${total} (${rate.toFixed(0)}/s)`;
}

export class ProgressBar {
  readonly #label: string;
  readonly #total: number;
  readonly #stream: NodeJS.WriteStream;
  readonly #started = performance.now();
  #lastDecile = -1;

  constructor(label: string, total: number, stream: NodeJS.WriteStream = process.stderr) {
    this.#label = label;
    this.#total = total;
    this.#stream = stream;
  }

  update(done: number): void {
    const line = renderProgress(this.#label, done, this.#total, performance.now() - this.#started);
    if (this.#stream.isTTY) {
      this.#stream.write(`\r${line}`);
      return;
    }
    const decile = Math.floor((done / Math.max(1, this.#total)) * 10);
    if (decile !== this.#lastDecile) {
      this.#lastDecile = decile;
      this.#stream.write(`${line}\n`);
    }
  }

  finish(done: number = this.#total): void {
    this.update(done);
    if (this.#stream.isTTY) this.#stream.write('\n');
  }
}
