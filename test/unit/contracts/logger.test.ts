import { createLogger } from '../../../src/contracts/logger.ts';

describe('logger', () => {
  it('writes one JSON object per line with timestamp, level and event, above the threshold', () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', sinks: [(l) => lines.push(l)], now: () => new Date(0) });
    logger.debug('hidden');
    logger.info('batch_complete', { batch_id: 'b', duration: 0.1 });
    logger.error('batch_error', { error_code: 'UPSTREAM_5XX' });
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      {
        timestamp: '1970-01-01T00:00:00.000Z',
        level: 'info',
        event: 'batch_complete',
        batch_id: 'b',
        duration: 0.1,
      },
      {
        timestamp: '1970-01-01T00:00:00.000Z',
        level: 'error',
        event: 'batch_error',
        error_code: 'UPSTREAM_5XX',
      },
    ]);
  });
});

describe('error fields (#16: one serialisation for every part)', () => {
  it('writes an error as name, message, stack and its cause chain, with secrets masked', () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', sinks: [(l) => lines.push(l)], secrets: ['tok-secret-1'] });
    const cause = new TypeError('socket closed');
    const looped: Error & { cause?: unknown } = new Error('loop');
    looped.cause = looped;
    logger.child({ bot: 'shop' }).error('reconcile_failed', {
      error: new RangeError('token tok-secret-1 rejected', { cause }),
      other: looped,
    });
    const record = JSON.parse(lines[0] ?? '{}');
    expect(record).toMatchObject({
      level: 'error',
      event: 'reconcile_failed',
      bot: 'shop',
      error: {
        name: 'RangeError',
        message: 'token *** rejected',
        cause: { name: 'TypeError', message: 'socket closed' },
      },
    });
    expect(record.error.stack).toMatch(/^RangeError: token \*\*\* rejected\n/);
    expect(lines[0]).not.toContain('tok-secret-1');
    expect(JSON.stringify(record.other)).toContain('"message":"loop"');
  });
});
