// The signed-in token, kept in localStorage and shared by the app and the
// playground (same origin). Components read it with useToken().
//
// A token from the OIDC issuer comes with its session (oidc.ts), kept
// beside it: before the token expires it is renewed with the refresh token
// if there is one, otherwise the user is signed out at expiry with a
// notice the sign-in page shows (takeSignOutNotice). A token set any other
// way (development sign-in, pasted) drops the session.
import { useSyncExternalStore } from 'react';
import { refreshSession, type OidcSession } from './oidc';

const KEY = 'simgraph.token';
const SESSION_KEY = 'simgraph.oidc.session';
const listeners = new Set<() => void>();

/** Renew this long before expiry (plus up to RENEW_JITTER_S, so that of several tabs one goes first). */
const RENEW_BEFORE_S = 60;
const RENEW_JITTER_S = 15;

function read(): string | null {
  try {
    return localStorage.getItem(KEY);
  } catch {
    return null;
  }
}

function readSession(token: string | null): OidcSession | null {
  try {
    const s = JSON.parse(localStorage.getItem(SESSION_KEY) || 'null') as OidcSession | null;
    return s && token && s.token === token ? s : null;
  } catch {
    return null;
  }
}

let current: string | null = read();
let session: OidcSession | null = readSession(current);
let notice: string | null = null;
let timer: ReturnType<typeof setTimeout> | undefined;

function emit() {
  for (const l of listeners) l();
}

if (typeof window !== 'undefined') {
  window.addEventListener('storage', (e) => {
    if (e.key === KEY || e.key === SESSION_KEY) {
      current = read();
      session = readSession(current);
      schedule();
      emit();
    }
  });
}

export function getToken(): string | null {
  return current;
}

/** The OIDC session of the current token, if it came from the issuer. */
export function getSession(): OidcSession | null {
  return session;
}

export function setToken(token: string | null, newSession?: OidcSession | null) {
  current = token && token.trim() !== '' ? token.trim() : null;
  if (newSession !== undefined) session = newSession;
  if (session && session.token !== current) session = null;
  try {
    if (current) localStorage.setItem(KEY, current);
    else localStorage.removeItem(KEY);
    if (session) localStorage.setItem(SESSION_KEY, JSON.stringify(session));
    else localStorage.removeItem(SESSION_KEY);
  } catch {
    // private mode: keep it in memory only
  }
  if (current) notice = null;
  schedule();
  emit();
}

/** Signs out (token and OIDC session); reason, if given, is shown on the sign-in page. */
export function signOut(reason?: string) {
  setToken(null, null);
  notice = reason ?? null;
}

/** The reason of the last automatic sign-out, once. */
export function takeSignOutNotice(): string | null {
  const n = notice;
  notice = null;
  return n;
}

/** Arms the renewal (or the sign-out at expiry) of an OIDC session's token. */
function schedule() {
  clearTimeout(timer);
  timer = undefined;
  const s = session;
  const left = s ? tokenExpiresIn(s.token) : null;
  if (!s || left === null) return;
  const after = s.refreshToken ? left - RENEW_BEFORE_S - Math.random() * RENEW_JITTER_S : left;
  timer = setTimeout(() => void (s.refreshToken ? renew(s) : expire(s)), Math.min(Math.max(after, 0) * 1000, 2 ** 31 - 1));
}

function expire(s: OidcSession) {
  if (current === s.token) signOut(`Your session with ${s.name} has expired. Sign in again.`);
}

async function renew(s: OidcSession) {
  try {
    const next = await refreshSession(s);
    if (current === s.token) setToken(next.token, next);
  } catch {
    // Another tab may have renewed it first (a refresh token is often
    // single-use): take its token if so.
    const stored = read();
    if (stored && stored !== s.token && readSession(stored)) {
      current = stored;
      session = readSession(stored);
      schedule();
      emit();
      return;
    }
    if (current === s.token) {
      const left = tokenExpiresIn(s.token) ?? 0;
      if (left > 5) {
        // Keep the token until it expires, signed out then.
        session = { ...s, refreshToken: undefined };
        schedule();
        return;
      }
      signOut(`Your session with ${s.name} could not be renewed. Sign in again.`);
    }
  }
}

schedule();

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
