import { createHash } from 'node:crypto';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { authorizationURL, codeChallenge, completeSignIn, jwtPayload, randomString, refreshSession, type OidcConfig } from './oidc';

const config: OidcConfig = {
  issuer: 'https://id.example',
  name: 'Example ID',
  authorizationEndpoint: 'https://id.example/authorize?prompt=login',
  tokenEndpoint: 'https://id.example/token',
  clientId: 'simgraph-web',
  scopes: ['openid', 'email'],
  token: 'id_token',
};

const b64url = (s: string) => Buffer.from(s).toString('base64url');
/** An unsigned JWT: the browser never verifies signatures, the server does. */
const jwt = (claims: Record<string, unknown>) => `${b64url('{"alg":"RS256"}')}.${b64url(JSON.stringify(claims))}.sig`;
const idClaims = (extra: Record<string, unknown> = {}) => ({
  iss: config.issuer,
  aud: config.clientId,
  sub: 'u1',
  exp: Math.floor(Date.now() / 1000) + 3600,
  ...extra,
});

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

/** A token endpoint that checks the PKCE verifier against the challenge of the authorization request. */
function tokenEndpoint(challenge: string, answer: (nonce: string) => Record<string, unknown>, nonce: string) {
  return vi.fn(async (url: RequestInfo | URL, init?: RequestInit) => {
    expect(String(url)).toBe(config.tokenEndpoint);
    const form = new URLSearchParams(String(init?.body));
    expect(form.get('client_secret')).toBeNull();
    const sent = createHash('sha256').update(form.get('code_verifier') ?? '').digest('base64url');
    if (sent !== challenge) return json({ error: 'invalid_grant', error_description: 'code_verifier mismatch' }, 400);
    return json(answer(nonce));
  });
}

async function start() {
  const url = new URL(await authorizationURL(config, '/workbooks/42'));
  return { url, q: url.searchParams };
}

beforeEach(() => sessionStorage.clear());

describe('PKCE helpers', () => {
  it('makes verifiers of 43 unreserved characters, all different', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const v = randomString();
      expect(v).toMatch(/^[A-Za-z0-9_-]{43}$/);
      seen.add(v);
    }
    expect(seen.size).toBe(50);
    expect(randomString(96)).toHaveLength(128);
  });

  it('derives the S256 challenge: base64url(sha256(verifier))', async () => {
    // RFC 7636, Appendix B.
    expect(await codeChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
    for (let i = 0; i < 10; i++) {
      const v = randomString(32 + i * 7);
      expect(await codeChallenge(v)).toBe(createHash('sha256').update(v).digest('base64url'));
    }
  });

  it('refuses verifiers RFC 7636 does not allow', async () => {
    await expect(codeChallenge('too-short')).rejects.toThrow(/43 to 128/);
    await expect(codeChallenge('a'.repeat(129))).rejects.toThrow(/43 to 128/);
    await expect(codeChallenge('a'.repeat(42) + '=')).rejects.toThrow(/43 to 128/);
  });

  it('reads a JWT payload, and nothing from what is not one', () => {
    expect(jwtPayload(jwt({ sub: 'ü' }))).toEqual({ sub: 'ü' });
    expect(jwtPayload('not-a-jwt')).toBeNull();
    expect(jwtPayload('a.b.c')).toBeNull();
  });
});

describe('authorization request', () => {
  it('asks for a code with PKCE, state and nonce, keeping the issuer URL’s own parameters', async () => {
    const { url, q } = await start();
    expect(url.origin + url.pathname).toBe('https://id.example/authorize');
    expect(q.get('prompt')).toBe('login');
    expect(q.get('response_type')).toBe('code');
    expect(q.get('client_id')).toBe('simgraph-web');
    expect(q.get('redirect_uri')).toBe(window.location.origin + '/auth/callback');
    expect(q.get('scope')).toBe('openid email');
    expect(q.get('code_challenge_method')).toBe('S256');
    expect(q.get('audience')).toBeNull();
    const pending = JSON.parse(sessionStorage.getItem('simgraph.oidc.pending')!);
    expect(q.get('state')).toBe(pending.state);
    expect(q.get('nonce')).toBe(pending.nonce);
    expect(q.get('code_challenge')).toBe(await codeChallenge(pending.verifier));
    expect(pending.state).not.toBe(pending.nonce);
    expect(pending.returnTo).toBe('/workbooks/42');
  });

  it('asks for the API audience when there is one', async () => {
    const url = new URL(await authorizationURL({ ...config, audience: 'https://api.example', token: 'access_token' }));
    expect(url.searchParams.get('audience')).toBe('https://api.example');
  });

  it('returns only to a path of this app', async () => {
    for (const bad of ['https://evil.example/', '//evil.example/x', '/auth/callback?code=1']) {
      await authorizationURL(config, bad);
      expect(JSON.parse(sessionStorage.getItem('simgraph.oidc.pending')!).returnTo).toBe('/');
    }
  });
});

describe('callback', () => {
  it('exchanges the code with the verifier and returns the ID token', async () => {
    const { q } = await start();
    const idToken = jwt(idClaims({ nonce: q.get('nonce') }));
    const fetchFn = tokenEndpoint(q.get('code_challenge')!, () => ({ id_token: idToken, access_token: 'opaque', refresh_token: 'r1' }), q.get('nonce')!);
    const done = await completeSignIn(new URLSearchParams({ code: 'c1', state: q.get('state')! }), fetchFn);
    expect(done.token).toBe(idToken);
    expect(done.returnTo).toBe('/workbooks/42');
    expect(done.session).toMatchObject({ refreshToken: 'r1', token: idToken, tokenEndpoint: config.tokenEndpoint, use: 'id_token' });
    const form = new URLSearchParams(String(fetchFn.mock.calls[0][1]?.body));
    expect(Object.fromEntries(form)).toMatchObject({ grant_type: 'authorization_code', code: 'c1', client_id: 'simgraph-web', redirect_uri: q.get('redirect_uri') });
  });

  it('rejects a state it did not send, without calling the issuer', async () => {
    const { q } = await start();
    const fetchFn = vi.fn();
    await expect(completeSignIn(new URLSearchParams({ code: 'c1', state: 'forged' }), fetchFn)).rejects.toThrow(/state mismatch/);
    await expect(completeSignIn(new URLSearchParams({ code: 'c1', state: q.get('state')! }), fetchFn)).rejects.toThrow(/No sign-in was started/);
    expect(fetchFn).not.toHaveBeenCalled();
  });

  it('rejects a callback with no sign-in started', async () => {
    await expect(completeSignIn(new URLSearchParams({ code: 'c1', state: 's' }), vi.fn())).rejects.toThrow(/No sign-in was started/);
  });

  it('rejects an ID token with another nonce, issuer or audience', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ nonce: 'replayed' }, /nonce mismatch/],
      [{ nonce: undefined }, /nonce mismatch/],
      [{ iss: 'https://evil.example' }, /another issuer/],
      [{ aud: 'other-client' }, /another client/],
    ];
    for (const [claims, want] of cases) {
      const { q } = await start();
      const fetchFn = tokenEndpoint(q.get('code_challenge')!, (nonce) => ({ id_token: jwt(idClaims({ nonce, ...claims })) }), q.get('nonce')!);
      await expect(completeSignIn(new URLSearchParams({ code: 'c', state: q.get('state')! }), fetchFn)).rejects.toThrow(want);
    }
  });

  it('reports the issuer’s refusal', async () => {
    let { q } = await start();
    await expect(
      completeSignIn(new URLSearchParams({ error: 'access_denied', error_description: 'User cancelled', state: q.get('state')! }), vi.fn()),
    ).rejects.toThrow(/User cancelled/);
    ({ q } = await start());
    const wrongVerifier = tokenEndpoint('not-the-challenge', () => ({}), '');
    await expect(completeSignIn(new URLSearchParams({ code: 'c', state: q.get('state')! }), wrongVerifier)).rejects.toThrow(/code_verifier mismatch/);
  });

  it('sends the access token when the API has its own audience', async () => {
    const { q } = await start();
    sessionStorage.setItem(
      'simgraph.oidc.pending',
      JSON.stringify({ ...JSON.parse(sessionStorage.getItem('simgraph.oidc.pending')!), config: { ...config, token: 'access_token' } }),
    );
    const access = jwt({ iss: config.issuer, aud: 'https://api.example' });
    const fetchFn = tokenEndpoint(q.get('code_challenge')!, (nonce) => ({ id_token: jwt(idClaims({ nonce })), access_token: access }), q.get('nonce')!);
    expect((await completeSignIn(new URLSearchParams({ code: 'c', state: q.get('state')! }), fetchFn)).token).toBe(access);
  });
});

describe('refresh', () => {
  it('renews the token and takes a rotated refresh token', async () => {
    const fresh = jwt(idClaims());
    const fetchFn = vi.fn(async (_url: RequestInfo | URL, init?: RequestInit) => {
      const form = new URLSearchParams(String(init?.body));
      expect(Object.fromEntries(form)).toEqual({ grant_type: 'refresh_token', refresh_token: 'r1', client_id: 'simgraph-web' });
      return json({ id_token: fresh, refresh_token: 'r2' });
    });
    const s = { issuer: config.issuer, name: 'Example ID', tokenEndpoint: config.tokenEndpoint, clientId: config.clientId, use: 'id_token' as const, refreshToken: 'r1', token: 'old' };
    expect(await refreshSession(s, fetchFn)).toMatchObject({ token: fresh, refreshToken: 'r2' });
    await expect(refreshSession({ ...s, refreshToken: undefined }, fetchFn)).rejects.toThrow(/No refresh token/);
  });
});
