import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { ShareInfo } from '../api/sluice';
import { ShareView, type ShareViewProps } from './ShareDialog';

const info: ShareInfo = {
  actions: ['view', 'change', 'run'],
  roles: { viewer: ['view'], runner: ['view', 'run'], editor: ['view', 'change', 'run'] },
  grants: [
    { user: 'bob', permissions: ['view', 'run'] },
    { group: 'claims', permissions: ['view', 'change'] },
    { user: 'gone', permissions: [] },
  ],
};

function render(props: Partial<ShareViewProps>): string {
  return renderToStaticMarkup(
    <ShareView
      info={info}
      drafts={{}}
      busy={false}
      error={null}
      notice={null}
      onDraft={() => undefined}
      onSave={() => undefined}
      onRevoke={() => undefined}
      onAdd={async () => true}
      {...props}
    />,
  );
}

describe('ShareView', () => {
  it('lists each grant with labelled checkboxes, its role, and a labelled Remove', () => {
    const html = render({});
    expect(html).toContain('aria-label="bob may run" checked=""');
    expect(html).toMatch(/aria-label="bob may change"(?! checked)/);
    expect(html).toContain('aria-label="team claims may change" checked=""');
    expect(html).toMatch(/<select[^>]*aria-label="Role of bob"/);
    expect(html).toContain('<option value="runner" selected="">Runner</option>');
    // The team's rights are no role's bundle: a custom set.
    expect(html).toMatch(/aria-label="Role of team claims"[^>]*><option value="" selected="">Custom<\/option>/);
    expect(html).toContain('aria-label="Remove bob"');
    expect(html).toContain('aria-label="Remove team claims"');
    // A principal left with no rights has no access: not listed.
    expect(html).not.toContain('gone');
    // Nothing edited: nothing to save.
    expect(html).not.toContain('Save what');
  });

  it('offers Save and Undo for an edited grant only', () => {
    const html = render({ drafts: { 'user:bob': ['view'] } });
    expect(html).toContain('aria-label="Save what bob may do"');
    expect(html).toContain('aria-label="Undo changes for bob"');
    expect(html).not.toContain('Save what team claims may do');
    expect(html).toContain('<option value="viewer" selected="">Viewer</option>');
  });

  it('has a labelled form to add a person or a team with a role', () => {
    const html = render({});
    expect(html).toMatch(/<form[^>]*aria-label="Add a person or team"/);
    expect(html).toContain('<label class="field__label" for="share-principal">Username</label>');
    expect(html).toMatch(/<input id="share-principal"[^>]*role="combobox"/);
    expect(html).toContain('<option value="viewer" selected="">Viewer (View)</option>');
    expect(html).toMatch(/<button type="submit"[^>]*disabled=""[^>]*>Add<\/button>/);
  });

  it('says when nobody else has access, and shows errors', () => {
    const html = render({ info: { ...info, grants: [] }, error: 'user: no such user' });
    expect(html).toContain('Nobody else has been given access yet.');
    expect(html).toContain('role="alert">user: no such user');
  });

  it('shows the loading state, or the error when loading failed', () => {
    expect(render({ info: null })).toContain('Loading who has access…');
    expect(render({ info: null, error: 'You may not change who has access to this.' })).toContain('role="alert"');
  });
});
