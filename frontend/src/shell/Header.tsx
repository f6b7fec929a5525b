import { Link, NavLink } from 'react-router';
import { SignOutForm } from './SignOutForm';

interface HeaderProps {
  /** null while it is not known yet. */
  username: string | null;
  /** Staff and superusers: the Audit log is in the navigation. */
  canAudit?: boolean;
}

function Logo() {
  return (
    <svg className="brand__mark" viewBox="0 0 24 24" width="24" height="24" aria-hidden="true" focusable="false">
      <rect x="1" y="1" width="22" height="22" rx="6" fill="currentColor" opacity="0.16" />
      <path d="M7 5v14M17 5v14" stroke="currentColor" strokeWidth="2" strokeLinecap="round" />
      <path d="M4 14c2-1.6 4-1.6 6 0s4 1.6 6 0 3-1.2 4-.6" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" />
    </svg>
  );
}

export function Header({ username, canAudit = false }: HeaderProps) {
  return (
    <header className="app-header">
      <div className="app-header__inner">
        <span className="brand">
          <Logo />
          <span className="brand__name">Sluice</span>
        </span>
        <nav className="app-nav" aria-label="Main">
          <NavLink to="/workflows">Workflows</NavLink>
          <NavLink to="/prompts">Prompts</NavLink>
          <NavLink to="/runs">Runs</NavLink>
          <NavLink to="/batches">Batches</NavLink>
          <NavLink to="/reviews">Reviews</NavLink>
          <NavLink to="/credentials">Credentials</NavLink>
          <NavLink to="/models">Models</NavLink>
          <NavLink to="/knowledge">Knowledge</NavLink>
          <NavLink to="/usage">Metrics</NavLink>
          {canAudit && <NavLink to="/audit">Audit</NavLink>}
          <NavLink to="/status">Status</NavLink>
        </nav>
        <div className="app-header__account">
          <span className="app-header__user">
            {username ? (
              <>
                Signed in as{' '}
                <Link to="/account" className="app-header__account-link" title="Your account and API tokens">
                  <strong>{username}</strong>
                </Link>
              </>
            ) : (
              <Link to="/account" className="app-header__account-link">
                Signed in
              </Link>
            )}
          </span>
          <SignOutForm />
        </div>
      </div>
    </header>
  );
}
