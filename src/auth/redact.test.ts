import { describe, expect, it } from 'vitest';
import { redact, redactError } from './redact.ts';

// A fake, unsigned token built at run time, so no JWT-shaped string is committed.
const b64url = (s: string) => Buffer.from(s).toString('base64url');
const JWT = [b64url('{"alg":"RS256","kid":"1"}'), b64url('{"email":"ping"}'), 'QmFkU2lnbmF0dXJlX19f-_'].join('.');

describe('redact', () => {
  it.each([
    [`Invalid token signature: ${JWT}`, 'Invalid token signature: [redacted]'],
    [`{"authorization":"Bearer ${JWT}"}`, '{"authorization":"Bearer [redacted]"}'],
    ['Authorization: Bearer opaque-access-token', 'Authorization: Bearer [redacted]'],
    ['header only eyJhbGciOiJub25lIn0.eyJ4IjoxfQ.', 'header only [redacted]'],
    ['nothing secret here', 'nothing secret here'],
    // Our own help text names the header's shape; a placeholder is not a credential.
    ['missing Authorization: Bearer <ID token>', 'missing Authorization: Bearer <ID token>'],
    ['Authorization is not "Bearer <ID token>"', 'Authorization is not "Bearer <ID token>"'],
    ['curl -H "Authorization: Bearer <token>"', 'curl -H "Authorization: Bearer <token>"'],
    ['Bearer [redacted]', 'Bearer [redacted]'],
    ['Bearer x<y', 'Bearer [redacted]'],
  ])('%s', (input, expected) => {
    expect(redact(input)).toBe(expected);
  });

  it('gives one redacted line for anything thrown', () => {
    expect(redactError(new Error(`line one\n  Wrong number of segments in token: ${JWT}`))).toBe(
      'line one Wrong number of segments in token: [redacted]',
    );
    expect(redactError(`plain ${JWT}`)).toBe('plain [redacted]');
  });
});
