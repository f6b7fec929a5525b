/** Name of Django's CSRF cookie (settings.CSRF_COOKIE_NAME). */
export const CSRF_COOKIE_NAME = 'csrftoken';

function currentCookies(): string {
  return typeof document === 'undefined' ? '' : document.cookie;
}

/**
 * Returns the value of the cookie called `name`, or null when it is not set.
 * `cookieString` defaults to `document.cookie` (format "a=1; b=2").
 */
export function readCookie(name: string, cookieString: string = currentCookies()): string | null {
  for (const part of cookieString.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    const raw = part.slice(eq + 1).trim();
    try {
      return decodeURIComponent(raw);
    } catch {
      return raw;
    }
  }
  return null;
}

/** The CSRF token Django expects in X-CSRFToken / csrfmiddlewaretoken ('' if missing). */
export function getCsrfToken(cookieString?: string): string {
  return readCookie(CSRF_COOKIE_NAME, cookieString) ?? '';
}
