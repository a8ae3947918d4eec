import { useEffect, useId, useState, type FormEvent } from 'react';
import { DevSignInUnavailable, devSignIn, probeDevSignIn, takeSignOutNotice, tokenClaims, tokenExpiresIn } from '../lib/auth';
import { CALLBACK_PATH, beginSignIn, fetchOidcConfig, type OidcConfig } from '../lib/oidc';
import { useLocation } from '../lib/router';
import { OidcCallbackPage } from './OidcCallback';

interface Props {
  notice: string | null;
  onSignedIn: (token: string) => void;
}

export function SignInPage({ notice, onSignedIn }: Props) {
  const { pathname, search } = useLocation();
  // The issuer's redirect comes back to the signed-out app: its callback
  // route is served here.
  if (pathname === CALLBACK_PATH) return <OidcCallbackPage search={search.toString()} onSignedIn={onSignedIn} />;
  return <SignInForm notice={notice} onSignedIn={onSignedIn} />;
}

function SignInForm({ notice, onSignedIn }: Props) {
  const id = useId();
  const [signedOut] = useState(takeSignOutNotice);
  const [oidc, setOidc] = useState<OidcConfig | null>(null);
  const [oidcError, setOidcError] = useState<string | null>(null);
  const [token, setTokenText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [dev, setDev] = useState<'unknown' | 'on' | 'off'>('unknown');
  const [devToken, setDevToken] = useState<{ token: string; at: number } | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    const ac = new AbortController();
    probeDevSignIn(ac.signal).then((t) => {
      if (ac.signal.aborted) return;
      setDev(t ? 'on' : 'off');
      if (t) setDevToken({ token: t, at: Date.now() });
    });
    fetchOidcConfig(ac.signal).then(
      (c) => {
        if (!ac.signal.aborted) setOidc(c);
      },
      (err) => {
        if (!ac.signal.aborted) setOidcError(err instanceof Error ? err.message : String(err));
      },
    );
    return () => ac.abort();
  }, []);

  const signInOidc = async () => {
    if (!oidc) return;
    setBusy(true);
    setError(null);
    try {
      await beginSignIn(oidc);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
      setBusy(false);
    }
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const t = token.trim().replace(/^Bearer\s+/i, '');
    if (t === '') {
      setError('Paste a token first.');
      return;
    }
    if (!tokenClaims(t)) {
      setError('This does not look like a JSON Web Token (three base64url parts separated by dots).');
      return;
    }
    const left = tokenExpiresIn(t);
    if (left !== null && left <= 0) {
      setError('This token has expired. Mint a new one.');
      return;
    }
    onSignedIn(t);
  };

  const signInDev = async () => {
    setBusy(true);
    setError(null);
    try {
      // the token from the probe, unless it is getting old
      onSignedIn(devToken && Date.now() - devToken.at < 5 * 60_000 ? devToken.token : await devSignIn());
    } catch (err) {
      if (err instanceof DevSignInUnavailable) setDev('off');
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="signin" id="main">
      <div className="signin-card">
        <h1 className="brand signin-brand">
          <span className="brand-mark" aria-hidden="true">
            ∿
          </span>
          simgraph
        </h1>
        <p className="muted">Monte Carlo simulation of your spreadsheet models.</p>
        {(notice ?? signedOut) && (
          <p className="notice" role="status">
            {notice ?? signedOut}
          </p>
        )}
        {oidc && (
          <>
            <button type="button" className="primary wide" onClick={signInOidc} disabled={busy}>
              Sign in with {oidc.name}
            </button>
            <div className="divider" role="separator">
              <span>{dev === 'on' ? 'or' : 'or use a token'}</span>
            </div>
          </>
        )}
        {oidcError && (
          <p className="muted small" role="status">
            {oidcError}
          </p>
        )}
        {dev === 'on' && (
          <>
            <button type="button" className={oidc ? 'wide' : 'primary wide'} onClick={signInDev} disabled={busy}>
              {busy ? 'Signing in…' : 'Development sign-in'}
            </button>
            <p className="muted small">This server runs in development mode: sign in as the demo user in one click.</p>
            <div className="divider" role="separator">
              <span>or use a token</span>
            </div>
          </>
        )}
        <form onSubmit={submit} noValidate>
          <div className="field">
            <label htmlFor={`${id}-token`}>Access token</label>
            <textarea
              id={`${id}-token`}
              rows={4}
              value={token}
              spellCheck={false}
              autoComplete="off"
              placeholder="eyJhbGciOi…"
              aria-invalid={error ? true : undefined}
              aria-describedby={`${id}-help${error ? ` ${id}-error` : ''}`}
              onChange={(e) => {
                setTokenText(e.target.value);
                setError(null);
              }}
            />
            <p className="muted small" id={`${id}-help`}>
              A bearer JWT from your identity provider, or from <code>simgraph token --email you@example.com</code>. It stays in this browser
              until you sign out.
            </p>
            {error && (
              <p className="field-error" id={`${id}-error`} role="alert">
                {error}
              </p>
            )}
          </div>
          <button type="submit" className={dev === 'on' || oidc ? 'wide' : 'primary wide'}>
            Sign in with token
          </button>
        </form>
      </div>
    </main>
  );
}
