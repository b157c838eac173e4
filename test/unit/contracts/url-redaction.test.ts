import { redactText, redactUrl, urlSecrets } from '../../../src/contracts/redaction.ts';

describe('redaction (issue 11: no secret in logs, errors or labels)', () => {
  it('hides URL passwords, any scheme, anywhere in a text', () => {
    expect(redactUrl('redis://:s3cret@h:6379/0')).toBe('redis://:***@h:6379/0');
    expect(redactUrl('rediss://user:p%40ss@h')).toBe('rediss://user:***@h');
    expect(redactUrl('cannot reach Redis at redis://u:pw@h:1 now')).toBe(
      'cannot reach Redis at redis://u:***@h:1 now',
    );
    expect(redactUrl('https://a:b@erp.example/x')).toBe('https://a:***@erp.example/x');
    expect(redactUrl('redis://h:6379')).toBe('redis://h:6379');
  });

  it('knows the secrets of a URL, raw and decoded, and removes them from free text', () => {
    expect(urlSecrets('redis://u:p%40ss@h')).toEqual(['p%40ss', 'p@ss']);
    expect(urlSecrets('redis://h')).toEqual([]);
    expect(redactText('auth p@ss failed; token tok-123', ['p@ss', 'tok-123'])).toBe(
      'auth *** failed; token ***',
    );
  });
});
