// Browser sign-in with an OpenID Connect issuer: the authorization code
// flow with PKCE (RFC 7636, S256) as a public client, no secret. The
// server says whether it is on and where the issuer's endpoints are
// (GET /api/auth/config); this module builds the authorization request,
// checks the callback (state, then the ID token's nonce) and exchanges or
// refreshes tokens at the issuer's token endpoint. It keeps nothing itself
// beyond the pending request in sessionStorage: auth.ts stores the token.

export const AUTH_CONFIG_URL = '/api/auth/config';
export const CALLBACK_PATH = '/auth/callback';
const PENDING_KEY = 'simgraph.oidc.pending';

/** The server's browser sign-in settings (server/auth.BrowserSignIn). */
export interface OidcConfig {
  issuer: string;
  name: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  endSessionEndpoint?: string;
  clientId: string;
  scopes: string[];
  audience?: string;
  /** Which token the API is sent: the ID token, or the access token when an API audience is configured. */
  token: 'id_token' | 'access_token';
}

/** What a refresh needs, kept with the token it belongs to (auth.ts). */
export interface OidcSession {
  issuer: string;
  name: string;
  tokenEndpoint: string;
  clientId: string;
  use: OidcConfig['token'];
  refreshToken?: string;
  /** The token this session issued: a token set any other way drops the session. */
  token: string;
}

/** A sign-in that has been started and not yet completed (sessionStorage). */
interface Pending {
  state: string;
  nonce: string;
  verifier: string;
  redirectUri: string;
  returnTo: string;
  config: OidcConfig;
}

export class OidcError extends Error {}

function base64url(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * A random URL-safe string of `bytes` random bytes from
 * crypto.getRandomValues: 32 bytes give 43 characters, the shortest code
 * verifier RFC 7636 allows, with 256 bits of entropy.
 */
export function randomString(bytes = 32): string {
  const b = new Uint8Array(bytes);
  crypto.getRandomValues(b);
  return base64url(b);
}

/** The S256 code challenge of a verifier: BASE64URL(SHA256(ASCII(verifier))). */
export async function codeChallenge(verifier: string): Promise<string> {
  if (!/^[A-Za-z0-9\-._~]{43,128}$/.test(verifier)) {
    throw new OidcError('A PKCE code verifier is 43 to 128 unreserved characters.');
  }
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}

/** The payload of a JWT, unverified (the server verifies; the browser only reads nonce, iss, aud, exp). */
export function jwtPayload(token: string): Record<string, unknown> | null {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  try {
    const b64 = parts[1].replace(/-/g, '+').replace(/_/g, '/');
    const bin = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
    const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
    const v = JSON.parse(new TextDecoder().decode(bytes));
    return v && typeof v === 'object' ? v : null;
  } catch {
    return null;
  }
}

/** Asks the server whether browser sign-in with an issuer is on (null: off). */
export async function fetchOidcConfig(signal?: AbortSignal, fetchFn: typeof fetch = fetch): Promise<OidcConfig | null> {
  const res = await fetchFn(AUTH_CONFIG_URL, { signal, headers: { Accept: 'application/json' } });
  if (res.status === 404) return null; // a server without the endpoint
  let body: { oidc?: OidcConfig | null; error?: string } = {};
  try {
    body = await res.json();
  } catch {
    // not JSON
  }
  if (!res.ok) throw new OidcError(body.error || `Sign-in settings unavailable (HTTP ${res.status}).`);
  return body.oidc ?? null;
}

function redirectUri(): string {
  return window.location.origin + CALLBACK_PATH;
}

/**
 * The authorization request's URL; the pending sign-in (verifier, state,
 * nonce) goes to sessionStorage: it survives the round trip to the issuer
 * in this tab and no other.
 */
export async function authorizationURL(config: OidcConfig, returnTo = '/'): Promise<string> {
  const pending: Pending = {
    state: randomString(),
    nonce: randomString(),
    verifier: randomString(),
    redirectUri: redirectUri(),
    returnTo: returnTo.startsWith('/') && !returnTo.startsWith('//') && !returnTo.startsWith(CALLBACK_PATH) ? returnTo : '/',
    config,
  };
  const url = new URL(config.authorizationEndpoint);
  const q = url.searchParams;
  q.set('response_type', 'code');
  q.set('client_id', config.clientId);
  q.set('redirect_uri', pending.redirectUri);
  q.set('scope', config.scopes.join(' '));
  q.set('state', pending.state);
  q.set('nonce', pending.nonce);
  q.set('code_challenge', await codeChallenge(pending.verifier));
  q.set('code_challenge_method', 'S256');
  if (config.audience) q.set('audience', config.audience);
  sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending));
  return url.toString();
}

/** Starts a sign-in: off to the issuer's authorization endpoint. */
export async function beginSignIn(config: OidcConfig, returnTo = window.location.pathname + window.location.search) {
  window.location.assign(await authorizationURL(config, returnTo));
}

interface TokenResponse {
  id_token?: string;
  access_token?: string;
  refresh_token?: string;
  error?: string;
  error_description?: string;
}

async function tokenRequest(endpoint: string, form: Record<string, string>, fetchFn: typeof fetch): Promise<TokenResponse> {
  let res: Response;
  try {
    res = await fetchFn(endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: new URLSearchParams(form).toString(),
    });
  } catch {
    throw new OidcError('The identity provider cannot be reached.');
  }
  let body: TokenResponse = {};
  try {
    body = await res.json();
  } catch {
    // not JSON
  }
  if (!res.ok || body.error) {
    throw new OidcError(`The identity provider refused the sign-in: ${body.error_description || body.error || `HTTP ${res.status}`}.`);
  }
  return body;
}

function audienceIncludes(aud: unknown, clientId: string): boolean {
  return aud === clientId || (Array.isArray(aud) && aud.includes(clientId));
}

/**
 * The token the API is sent, from a token response: the ID token is
 * checked (issuer, audience, and the nonce when one was sent) before
 * either token is used.
 */
function bearerOf(body: TokenResponse, config: OidcConfig | OidcSession, nonce: string | null): string {
  const clientId = config.clientId;
  const idToken = body.id_token ? jwtPayload(body.id_token) : null;
  // A refreshed ID token (nonce null here) may carry the original nonce or
  // none (OIDC Core §12.2): only the sign-in's is checked.
  if (nonce !== null) {
    if (!idToken) throw new OidcError('The identity provider sent no ID token.');
    if (idToken.nonce !== nonce) throw new OidcError('The ID token does not answer this sign-in (nonce mismatch). Sign in again.');
  }
  if (idToken && (idToken.iss !== config.issuer || !audienceIncludes(idToken.aud, clientId))) {
    throw new OidcError('The ID token was issued by another issuer or for another client.');
  }
  const use = 'use' in config ? config.use : config.token;
  const token = use === 'access_token' ? body.access_token : body.id_token;
  if (!token || !jwtPayload(token)) throw new OidcError(`The identity provider sent no usable ${use === 'access_token' ? 'access' : 'ID'} token.`);
  return token;
}

/** The result of a completed sign-in. */
export interface SignedIn {
  token: string;
  session: OidcSession;
  returnTo: string;
}

/**
 * Completes a sign-in on the callback route: the state must be the one
 * this tab sent (else the callback is refused: it could be an attacker's
 * code), then the code is exchanged with the PKCE verifier and the ID
 * token's nonce checked. The pending sign-in is used once, whatever the
 * outcome.
 */
export async function completeSignIn(search: URLSearchParams, fetchFn: typeof fetch = fetch): Promise<SignedIn> {
  const raw = sessionStorage.getItem(PENDING_KEY);
  sessionStorage.removeItem(PENDING_KEY);
  let pending: Pending | null = null;
  try {
    pending = raw ? JSON.parse(raw) : null;
  } catch {
    pending = null;
  }
  if (!pending) throw new OidcError('No sign-in was started in this tab, or it was already completed. Sign in again.');
  if (search.get('state') !== pending.state) {
    throw new OidcError('This sign-in response does not match the request sent (state mismatch). Sign in again.');
  }
  const error = search.get('error');
  if (error) {
    throw new OidcError(`The identity provider did not sign you in: ${search.get('error_description') || error}.`);
  }
  const code = search.get('code');
  if (!code) throw new OidcError('The identity provider sent no authorization code.');
  const { config } = pending;
  const body = await tokenRequest(
    config.tokenEndpoint,
    {
      grant_type: 'authorization_code',
      code,
      redirect_uri: pending.redirectUri,
      client_id: config.clientId,
      code_verifier: pending.verifier,
    },
    fetchFn,
  );
  const token = bearerOf(body, config, pending.nonce);
  return {
    token,
    returnTo: pending.returnTo,
    session: {
      issuer: config.issuer,
      name: config.name,
      tokenEndpoint: config.tokenEndpoint,
      clientId: config.clientId,
      use: config.token,
      refreshToken: body.refresh_token,
      token,
    },
  };
}

/** Exchanges the session's refresh token for a new token (and, if rotated, a new refresh token). */
export async function refreshSession(session: OidcSession, fetchFn: typeof fetch = fetch): Promise<OidcSession> {
  if (!session.refreshToken) throw new OidcError('No refresh token.');
  const body = await tokenRequest(
    session.tokenEndpoint,
    { grant_type: 'refresh_token', refresh_token: session.refreshToken, client_id: session.clientId },
    fetchFn,
  );
  const token = bearerOf(body, session, null);
  return { ...session, token, refreshToken: body.refresh_token ?? session.refreshToken };
}
