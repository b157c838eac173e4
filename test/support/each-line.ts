// Calls `fn` with each whole line a child's output stream writes, as it comes (a line split across chunks
// is held until its end), for the harnesses that read a child process's JSON log lines.
import type { Readable } from 'node:stream';

export function eachLine(stream: Readable | null | undefined, fn: (line: string) => void): void {
  let buffered = '';
  stream?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) fn(line);
  });
}
