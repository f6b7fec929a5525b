import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { NewTokenView } from './AccountPage';

const token = {
  id: 1,
  name: 'nightly import',
  prefix: 'sl_ab12',
  token: 'sl_ab12.secret-value',
  created_at: '2025-01-01T00:00:00Z',
  expires_at: null,
  last_used_at: null,
  revoked_at: null,
};

describe('NewTokenView', () => {
  it('shows the raw key once, read-only and labelled, with a copy button and a warning', () => {
    const html = renderToStaticMarkup(<NewTokenView token={token} copied={null} onCopy={() => undefined} />);
    expect(html).toContain('role="alert">Copy this key now: it is shown only this once');
    expect(html).toMatch(/<label class="field__label" for="([^"]+)">API token “nightly import”<\/label>/);
    const id = /for="([^"]+)"/.exec(html)?.[1];
    expect(html).toMatch(new RegExp(`<input id="${id}"[^>]*readOnly=""[^>]*value="sl_ab12.secret-value"`));
    expect(html).toMatch(/<button type="button"[^>]*>Copy<\/button>/);
    expect(html).toContain('It does not expire.');
  });

  it('says whether the copy worked', () => {
    expect(renderToStaticMarkup(<NewTokenView token={token} copied onCopy={() => undefined} />)).toContain('Copied to the clipboard.');
    expect(renderToStaticMarkup(<NewTokenView token={token} copied={false} onCopy={() => undefined} />)).toContain(
      'select the key and copy it yourself',
    );
  });
});
