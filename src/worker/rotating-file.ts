// A log file rotated daily (one file per UTC day: worker-2025-01-31.log) with the oldest pruned. A sink
// of the one logger (contracts/logger.ts). Not winston-daily-rotate-file (#16, tried): it prunes only
// files listed in its own audit file (never ones an earlier worker wrote), takes no clock to test
// midnight with, and writes asynchronously, so shutdown would have to await its flush.
import { closeSync, mkdirSync, openSync, readdirSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';

const day = (date: Date) => date.toISOString().slice(0, 10);

/** `/var/log/worker.log` on 2025-01-31 → `/var/log/worker-2025-01-31.log`. */
export function datedFileName(path: string, date: Date): string {
  const ext = extname(path);
  return join(dirname(path), `${basename(path, ext)}-${day(date)}${ext}`);
}

/** File names (in the log's directory) of days older than `retentionDays` before today. */
export function expiredFiles(
  path: string,
  names: readonly string[],
  today: Date,
  retentionDays: number,
): string[] {
  const ext = extname(path);
  const stem = basename(path, ext);
  const pattern = new RegExp(`^${escape(stem)}-(\\d{4}-\\d{2}-\\d{2})${escape(ext)}$`);
  const cutoff = Date.parse(day(today)) - (retentionDays - 1) * 86_400_000;
  return names.filter((name) => {
    const match = pattern.exec(name);
    return match !== null && Date.parse(match[1] as string) < cutoff;
  });
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export class DailyRotatingFile {
  readonly #path: string;
  readonly #retentionDays: number;
  readonly #now: () => Date;
  #day = '';
  #fd: number | undefined;

  constructor(path: string, options: { retentionDays?: number; now?: () => Date } = {}) {
    this.#path = path;
    this.#retentionDays = options.retentionDays ?? 7;
    this.#now = options.now ?? (() => new Date());
    mkdirSync(dirname(path), { recursive: true });
  }

  write(line: string): void {
    const now = this.#now();
    if (day(now) !== this.#day) this.#rotate(now);
    writeSync(this.#fd as number, line.endsWith('\n') ? line : `${line}\n`);
  }

  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }

  #rotate(now: Date): void {
    this.close();
    this.#day = day(now);
    this.#fd = openSync(datedFileName(this.#path, now), 'a');
    const dir = dirname(this.#path);
    for (const name of expiredFiles(this.#path, readdirSync(dir), now, this.#retentionDays)) {
      rmSync(join(dir, name), { force: true });
    }
  }
}
