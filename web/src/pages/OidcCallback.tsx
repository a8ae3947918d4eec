// The OIDC redirect URI (/auth/callback): completes the sign-in the
// sign-in page started, then goes back where the user was.
import { useEffect, useRef, useState } from 'react';
import { setToken } from '../lib/auth';
import { completeSignIn, type SignedIn } from '../lib/oidc';
import { navigate } from '../lib/router';

// One exchange per callback URL: a code is single-use, and React's strict
// mode runs effects twice in development.
let inflight: { search: string; result: Promise<SignedIn> } | null = null;

function complete(search: string): Promise<SignedIn> {
  if (!inflight || inflight.search !== search) inflight = { search, result: completeSignIn(new URLSearchParams(search)) };
  return inflight.result;
}

interface Props {
  search: string;
  onSignedIn: (token: string) => void;
}

export function OidcCallbackPage({ search, onSignedIn }: Props) {
  const [error, setError] = useState<string | null>(null);
  const signedIn = useRef(onSignedIn);
  signedIn.current = onSignedIn;

  useEffect(() => {
    let live = true;
    complete(search).then(
      (r) => {
        if (!live) return;
        setToken(r.token, r.session);
        navigate(r.returnTo, { replace: true });
        signedIn.current(r.token);
      },
      (err) => {
        if (live) setError(err instanceof Error ? err.message : String(err));
      },
    );
    return () => {
      live = false;
    };
  }, [search]);

  return (
    <main className="signin" id="main">
      <div className="signin-card">
        <h1 className="brand signin-brand">
          <span className="brand-mark" aria-hidden="true">
            ∿
          </span>
          simgraph
        </h1>
        {error ? (
          <>
            <p className="field-error" role="alert">
              {error}
            </p>
            <button type="button" className="primary wide" onClick={() => navigate('/', { replace: true })}>
              Back to sign-in
            </button>
          </>
        ) : (
          <p className="muted" role="status">
            Signing you in…
          </p>
        )}
      </div>
    </main>
  );
}
