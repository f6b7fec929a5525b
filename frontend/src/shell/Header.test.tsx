import { renderToStaticMarkup } from 'react-dom/server';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemoryRouter } from 'react-router';
import { Header } from './Header';

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('Header', () => {
  it('shows the product, the user and a POST sign-out form carrying the CSRF token', () => {
    vi.stubGlobal('document', { cookie: 'sessionid=s; csrftoken=tok%2B1' });
    const html = renderToStaticMarkup(
      <MemoryRouter>
        <Header username="admin" />
      </MemoryRouter>,
    );

    expect(html).toMatch(/^<header/);
    expect(html).toContain('Sluice');
    expect(html).toContain('Signed in as <strong>admin</strong>');
    expect(html).toMatch(/<form[^>]*action="\/accounts\/logout\/" method="post"/);
    expect(html).toContain('<input type="hidden" name="csrfmiddlewaretoken" value="tok+1"/>');
    expect(html).toMatch(/<button type="submit"[^>]*>Sign out<\/button>/);
    expect(html).toContain('<nav class="app-nav" aria-label="Main">');
    expect(html).toMatch(/href="\/workflows"[^>]*>Workflows</);
  });

  it('does not invent a username', () => {
    const html = renderToStaticMarkup(
      <MemoryRouter>
        <Header username={null} />
      </MemoryRouter>,
    );
    expect(html).toContain('Signed in');
    expect(html).not.toContain('<strong>');
  });
});
