// The one redaction point (#14): a password read from a Secret never reaches a log line (any level)
// or an Event, wherever it appears in the text.
import type { V1Secret } from '@kubernetes/client-node';
import { createLogger } from '../../../src/contracts/logger.ts';
import {
  forgetSecretValues,
  MASK,
  redact,
  rememberingSecretReader,
} from '../../../src/contracts/redaction.ts';

const PASSWORD = 'hunter2-Pa55word';
const secret: V1Secret = {
  data: { url: Buffer.from(`redis://default:${PASSWORD}@redis.shop:6379/0`).toString('base64') },
};

afterEach(forgetSecretValues);

it('masks credentials inside any URL, even ones never read from a Secret', () => {
  expect(redact('redis://user:s3cret@redis:6379/0')).toBe(`redis://user:${MASK}@redis:6379/0`);
  expect(redact('dial rediss://:s3cret@redis:6379 failed')).toBe(`dial rediss://:${MASK}@redis:6379 failed`);
  expect(redact('HTTP://admin:hunter2@erp/api')).toBe(`HTTP://admin:${MASK}@erp/api`);
  expect(redact('redis://redis:6379')).toBe('redis://redis:6379');
});

it('masks a value read from a Secret wherever it appears afterwards, URL or not', async () => {
  const read = rememberingSecretReader(async () => secret);
  expect(redact(`WRONGPASS for ${PASSWORD}`)).toContain(PASSWORD); // not read yet: nothing known
  await read('stores', 'redis');
  expect(redact(`WRONGPASS for ${PASSWORD}`)).toBe(`WRONGPASS for ${MASK}`);
  expect(redact(`password=${encodeURIComponent(PASSWORD)}`)).not.toContain(PASSWORD);
});

it('keeps the password out of every log line at every level, in messages, fields and errors', async () => {
  await rememberingSecretReader(async () => secret)('stores', 'redis');
  const lines: string[] = [];
  const logger = createLogger({ level: 'debug', sinks: [(line) => lines.push(line)] }).child({
    bot: 'stores/shop',
  });
  const url = `redis://default:${PASSWORD}@redis.shop:6379/0`;
  logger.debug(`connecting to ${url}`, { url, nested: { value: PASSWORD, list: [PASSWORD] } });
  logger.info('auth failed', { error: new Error(`AUTH ${PASSWORD} rejected`) });
  logger.warn(PASSWORD);
  logger.error('x', { password: PASSWORD });
  expect(lines).toHaveLength(4);
  for (const line of lines) {
    expect(line).not.toContain(PASSWORD);
    expect(() => JSON.parse(line)).not.toThrow();
  }
  expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ url: `redis://default:${MASK}@redis.shop:6379/0` });
});
