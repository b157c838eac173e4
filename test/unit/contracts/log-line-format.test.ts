// formatLogLine skips JSON.stringify's replacer when it would change nothing (#12: a line per batch): the
// text must be the same as with the replacer always on. The reference below is that earlier formatting.
import { formatLogLine, serializeError, type LogFields } from '../../../src/contracts/log-line.ts';

function before(fields: LogFields, mask: (text: string) => string): string {
  const { timestamp: _t, level: _l, event: _e, ...rest } = fields;
  return JSON.stringify(
    { timestamp: new Date(0).toISOString(), level: 'info', event: 'e', ...rest },
    (_key, value: unknown) => {
      if (value instanceof Error) return serializeError(value);
      if (typeof value === 'string') return mask(value);
      return value;
    },
  );
}

const mask = (text: string) => text.split('s3cret').join('***');
const withProto = JSON.parse('{"__proto__": {"x": "y"}, "a": 1}') as LogFields;

const CASES: Record<string, LogFields> = {
  'a batch line': {
    batch_id: 'b-1',
    warehouse: null,
    items: 10,
    duration: 0.0123,
    outcome: 'success',
    attempts: 1,
    retries: 0,
    item_outcomes: { applied: 9, deduplicated: 1 },
    stream_id: '1-0',
  },
  'a secret at the top': { error: 'token s3cret rejected' },
  'a secret deep in arrays and objects': { a: [1, { b: ['x', { c: 'the s3cret' }] }] },
  'an error, nested': { error: new Error('boom'), list: [new TypeError('t')] },
  'a date (toJSON)': { at: new Date(5), nested: { at: new Date(6) } },
  'schema fields in the fields': { timestamp: 'x', level: 'debug', event: 'other', kept: true },
  'a field named __proto__': { ...withProto },
  'undefined, functions, holes and numeric keys': {
    u: undefined,
    f: () => 1,
    // eslint-disable-next-line no-sparse-arrays
    holes: [1, , 3],
    2: 'two',
    nan: Number.NaN,
  },
  'deep nesting': { a: { b: { c: { d: { e: { f: { g: { h: { i: { j: 's3cret' } } } } } } } } } },
};

describe('formatLogLine (#12: no replacer unless it changes something)', () => {
  it.each(Object.entries(CASES))('writes the same text as with the replacer: %s', (_name, fields) => {
    expect(formatLogLine('info', 'e', fields, new Date(0), mask)).toBe(before(fields, mask));
  });

  it('reports a cycle as JSON.stringify does', () => {
    const cyclic: LogFields = { a: 1 };
    cyclic.self = cyclic;
    expect(() => formatLogLine('info', 'e', cyclic, new Date(0), mask)).toThrow(TypeError);
  });
});
