// The signed-in token, kept in localStorage and shared by the app and the
// playground (same origin). Components read it with useToken().
import { useSyncExternalStore } from 'react';

const KEY = 'simgraph.token';
const listeners = new Set<() => void>();

function read(): string | null {
  try {
    return localStorage.getItem(KEY);
  } catch {
    return null;
  }
}

let current: string | null = read();

function emit() {
  for (const l of listeners) l();
}

if (typeof window !== 'undefined') {
  window.addEventListener('storage', (e) => {
    if (e.key === KEY) {
      current = read();
      emit();
    }
  });
}

export function getToken(): string | null {
  return current;
}

export function setToken(token: string | null) {
  current = token && token.trim() !== '' ? token.trim() : null;
  try {
    if (current) localStorage.setItem(KEY, current);
    else localStorage.removeItem(KEY);
  } catch {
    // private mode: keep it in memory only
  }
  emit();
}

export function signOut() {
  setToken(null);
}

export function useToken(): string | null {
  return useSyncExternalStore(
    (cb) => {
      listeners.add(cb);
      return () => listeners.delete(cb);
    },
    () => current,
    () => null,
  );
}

/** Claims of a JWT, unverified: for display only (email, expiry). */
export function tokenClaims(token: string | null): Record<string, unknown> | null {
  if (!token) return null;
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  try {
    const b64 = parts[1].replace(/-/g, '+').replace(/_/g, '/');
    const json = decodeURIComponent(
      atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4))
        .split('')
        .map((c) => '%' + c.charCodeAt(0).toString(16).padStart(2, '0'))
        .join(''),
    );
    return JSON.parse(json);
  } catch {
    return null;
  }
}

/** Seconds until the token expires (negative: expired), or null without exp. */
export function tokenExpiresIn(token: string | null): number | null {
  const exp = tokenClaims(token)?.exp;
  return typeof exp === 'number' ? exp - Date.now() / 1000 : null;
}

export const DEV_SIGN_IN_URL = '/api/dev/sign-in';

export class DevSignInUnavailable extends Error {
  constructor() {
    super('Development sign-in is turned off on this server.');
  }
}

/**
 * POSTs the development sign-in and returns its token. The server answers
 * 404 when it is off (production, or server mode): DevSignInUnavailable.
 */
export async function devSignIn(signal?: AbortSignal): Promise<string> {
  const res = await fetch(DEV_SIGN_IN_URL, { method: 'POST', signal, headers: { Accept: 'application/json' } });
  if (res.status === 404 || res.status === 405) throw new DevSignInUnavailable();
  const text = await res.text();
  let body: { token?: string; error?: string } = {};
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  if (!res.ok || !body.token) throw new Error(body.error || `Development sign-in failed (HTTP ${res.status}).`);
  return body.token;
}

/**
 * Whether the server offers development sign-in: asks it once (the answer is
 * a token, kept in memory for the button; or 404). A GET cannot tell: only
 * POST is routed to the sign-in, every other method falls to the web app.
 */
export async function probeDevSignIn(signal?: AbortSignal): Promise<string | null> {
  try {
    return await devSignIn(signal);
  } catch {
    return null;
  }
}
