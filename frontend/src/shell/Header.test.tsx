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
    expect(html).toMatch(/Signed in as <a[^>]*href="\/account"[^>]*><strong>admin<\/strong><\/a>/);
    expect(html).toMatch(/<form[^>]*action="\/accounts\/logout\/" method="post"/);
    expect(html).toContain('<input type="hidden" name="csrfmiddlewaretoken" value="tok+1"/>');
    expect(html).toMatch(/<button type="submit"[^>]*>Sign out<\/button>/);
    expect(html).toContain('<nav class="app-nav" aria-label="Main">');
    expect(html).toMatch(/href="\/workflows"[^>]*>Workflows</);
    expect(html).toMatch(/href="\/credentials"[^>]*>Credentials</);
    expect(html).toMatch(/href="\/models"[^>]*>Models</);
    expect(html).toMatch(/href="\/knowledge"[^>]*>Knowledge</);
    expect(html).toMatch(/href="\/usage"[^>]*>Metrics</);
    // The audit log is for staff and superusers only.
    expect(html).not.toContain('href="/audit"');
  });

  it('links the audit log for those who may read it', () => {
    const html = renderToStaticMarkup(
      <MemoryRouter>
        <Header username="root" canAudit />
      </MemoryRouter>,
    );
    expect(html).toMatch(/href="\/audit"[^>]*>Audit</);
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
