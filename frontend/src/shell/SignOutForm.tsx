import { useRef } from 'react';
import { getCsrfToken } from '../api/cookies';

export const LOGOUT_URL = '/accounts/logout/';

/** Django's LogoutView only accepts POST with the CSRF token. */
export function SignOutForm() {
  const tokenRef = useRef<HTMLInputElement>(null);

  // Read the cookie again on submit: Django rotates the token on login.
  const refreshToken = () => {
    if (tokenRef.current) tokenRef.current.value = getCsrfToken();
  };

  return (
    <form className="sign-out" method="post" action={LOGOUT_URL} onSubmit={refreshToken}>
      <input ref={tokenRef} type="hidden" name="csrfmiddlewaretoken" defaultValue={getCsrfToken()} />
      <button type="submit" className="button button--small button--on-dark">
        Sign out
      </button>
    </form>
  );
}
