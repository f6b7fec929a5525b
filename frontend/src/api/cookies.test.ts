import { afterEach, describe, expect, it, vi } from 'vitest';
import { getCsrfToken, readCookie } from './cookies';

describe('readCookie', () => {
  it('finds a cookie among several, ignoring surrounding spaces', () => {
    expect(readCookie('csrftoken', 'sessionid=s1;  csrftoken=abc123 ; theme=dark')).toBe('abc123');
  });

  it('returns null when the cookie is absent or the string is empty', () => {
    expect(readCookie('csrftoken', 'sessionid=s1')).toBeNull();
    expect(readCookie('csrftoken', '')).toBeNull();
  });

  it('matches the whole name, not a prefix or suffix', () => {
    expect(readCookie('csrftoken', 'xcsrftoken=wrong; csrftoken2=wrong')).toBeNull();
    expect(readCookie('csrf', 'csrftoken=abc')).toBeNull();
  });

  it('keeps "=" inside the value and URI-decodes it', () => {
    expect(readCookie('data', 'data=a=b%20c')).toBe('a=b c');
  });

  it('returns the raw value when it is not valid URI encoding', () => {
    expect(readCookie('bad', 'bad=100%')).toBe('100%');
  });

  it('returns an empty string for a cookie set to nothing', () => {
    expect(readCookie('empty', 'empty=; other=1')).toBe('');
  });
});

describe('getCsrfToken', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('reads csrftoken from document.cookie by default', () => {
    vi.stubGlobal('document', { cookie: 'sessionid=s1; csrftoken=tok-from-document' });
    expect(getCsrfToken()).toBe('tok-from-document');
  });

  it('returns an empty string when there is no token (or no document)', () => {
    expect(getCsrfToken('sessionid=s1')).toBe('');
    expect(getCsrfToken()).toBe('');
  });
});
