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
