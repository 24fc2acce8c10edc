/**
 * The signed-in session: the bearer token and who it is for. Kept in memory
 * and in sessionStorage only, so a reload keeps the session, closing the tab
 * ends it, and no other tab or later visit sees it. The token never goes
 * into a URL, a cookie or localStorage.
 */
export interface Session {
  token: string;
  userId: string;
  username: string;
}

const KEY = 'feedmesh.session';

let current: Session | undefined;

export function loadSession(): Session | undefined {
  if (current) return current;
  try {
    const raw = sessionStorage.getItem(KEY);
    const parsed: unknown = raw ? JSON.parse(raw) : undefined;
    if (isSession(parsed)) current = parsed;
  } catch {
    // Storage refused (a privacy mode) or garbled: start signed out.
  }
  return current;
}

export function saveSession(session: Session): void {
  current = session;
  try {
    sessionStorage.setItem(KEY, JSON.stringify(session));
  } catch {
    // Without storage the session lives until the page is reloaded.
  }
}

export function clearSession(): void {
  current = undefined;
  try {
    sessionStorage.removeItem(KEY);
  } catch {
    // Nothing was kept.
  }
}

function isSession(value: unknown): value is Session {
  if (typeof value !== 'object' || value === null) return false;
  const s = value as Record<string, unknown>;
  return typeof s.token === 'string' && typeof s.userId === 'string' && typeof s.username === 'string';
}
