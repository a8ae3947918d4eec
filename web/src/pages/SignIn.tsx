import { useEffect, useId, useState, type FormEvent } from 'react';
import { DevSignInUnavailable, devSignIn, probeDevSignIn, tokenClaims, tokenExpiresIn } from '../lib/auth';

interface Props {
  notice: string | null;
  onSignedIn: (token: string) => void;
}

export function SignInPage({ notice, onSignedIn }: Props) {
  const id = useId();
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
    return () => ac.abort();
  }, []);

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
        {notice && (
          <p className="notice" role="status">
            {notice}
          </p>
        )}
        {dev === 'on' && (
          <>
            <button type="button" className="primary wide" onClick={signInDev} disabled={busy}>
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
          <button type="submit" className={dev === 'on' ? 'wide' : 'primary wide'}>
            Sign in with token
          </button>
        </form>
      </div>
    </main>
  );
}
