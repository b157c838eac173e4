import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DailyRotatingFile, datedFileName, expiredFiles } from '../../../src/worker/rotating-file.ts';

describe('rotating log file', () => {
  it('names files per UTC day', () => {
    expect(datedFileName('/var/log/worker.log', new Date('2025-01-31T23:00:00Z'))).toBe(
      '/var/log/worker-2025-01-31.log',
    );
  });

  it('expires files older than the retention, and only its own', () => {
    const names = [
      'worker-2025-01-24.log',
      'worker-2025-01-25.log',
      'worker-2025-01-31.log',
      'other-2025-01-01.log',
      'worker.log',
    ];
    expect(expiredFiles('/x/worker.log', names, new Date('2025-01-31T12:00:00Z'), 7)).toEqual([
      'worker-2025-01-24.log',
    ]);
  });

  it('rotates at midnight and keeps 7 days', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rotating-'));
    try {
      writeFileSync(join(dir, 'worker-2025-01-20.log'), 'old\n');
      writeFileSync(join(dir, 'worker-2025-01-26.log'), 'kept\n');
      let now = new Date('2025-01-31T23:59:59Z');
      const file = new DailyRotatingFile(join(dir, 'worker.log'), { now: () => now });
      file.write('{"a":1}');
      now = new Date('2025-02-01T00:00:01Z');
      file.write('{"b":2}\n');
      file.close();
      expect(readdirSync(dir).sort()).toEqual([
        'worker-2025-01-26.log',
        'worker-2025-01-31.log',
        'worker-2025-02-01.log',
      ]);
      expect(readFileSync(join(dir, 'worker-2025-01-31.log'), 'utf8')).toBe('{"a":1}\n');
      expect(readFileSync(join(dir, 'worker-2025-02-01.log'), 'utf8')).toBe('{"b":2}\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
