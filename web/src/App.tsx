import { useEffect, useMemo, useState } from 'react';
import { ApolloProvider, useQuery } from '@apollo/client/react';
import { createClients } from './lib/apollo';
import { setToken, signOut, tokenClaims, useToken } from './lib/auth';
import { Link, match, navigate, useLocation } from './lib/router';
import { ME } from './graphql/operations';
import { SignInPage } from './pages/SignIn';
import { WorkbooksPage } from './pages/Workbooks';
import { WorkbookPage } from './pages/Workbook';
import { SimulationPage } from './pages/Simulation';
import { SimulationsPage } from './pages/Simulations';
import { OrganizationPage } from './pages/Organization';
import { ComparePage } from './pages/Compare';
import { GovernancePage } from './pages/Governance';
import { NotificationBell } from './components/NotificationBell';

export function App() {
  const token = useToken();
  const [expired, setExpired] = useState(false);
  const clients = useMemo(
    () =>
      createClients(token, () => {
        setExpired(true);
        signOut();
      }),
    [token],
  );
  useEffect(() => () => clients.dispose(), [clients]);

  if (!token) {
    return (
      <SignInPage
        notice={expired ? 'Your session has expired or the token was refused. Sign in again.' : null}
        onSignedIn={(t) => {
          setExpired(false);
          setToken(t);
        }}
      />
    );
  }
  return (
    <ApolloProvider client={clients.apollo}>
      <Shell token={token} />
    </ApolloProvider>
  );
}

const NAV = [
  { to: '/workbooks', label: 'Workbooks' },
  { to: '/simulations', label: 'Simulations' },
  { to: '/compare', label: 'Compare' },
  { to: '/organization', label: 'Organization' },
  { to: '/governance', label: 'Governance' },
];

function Shell({ token }: { token: string }) {
  const { pathname } = useLocation();
  const me = useQuery(ME, { fetchPolicy: 'cache-first' });
  const email = me.data?.me.email ?? (tokenClaims(token)?.email as string | undefined) ?? '';
  const org = me.data?.me.organization;

  useEffect(() => {
    if (pathname === '/' || pathname === '') navigate('/workbooks', { replace: true });
  }, [pathname]);

  let page;
  let params;
  if ((params = match('/workbooks/:id', pathname))) page = <WorkbookPage id={params.id} />;
  else if (match('/workbooks', pathname) || pathname === '/') page = <WorkbooksPage />;
  else if ((params = match('/simulations/:id', pathname))) page = <SimulationPage id={params.id} />;
  else if (match('/simulations', pathname)) page = <SimulationsPage />;
  else if (match('/compare', pathname)) page = <ComparePage />;
  else if (match('/organization', pathname)) page = <OrganizationPage />;
  else if (match('/governance', pathname)) page = <GovernancePage />;
  else page = <NotFound />;

  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link to="/workbooks" className="brand" aria-label="simgraph home">
          <span className="brand-mark" aria-hidden="true">
            ∿
          </span>
          simgraph
        </Link>
        <nav aria-label="Main">
          <ul>
            {NAV.map((n) => (
              <li key={n.to}>
                <Link to={n.to} aria-current={pathname.startsWith(n.to) ? 'page' : undefined}>
                  {n.label}
                </Link>
              </li>
            ))}
            <li>
              <a href="/playground">Playground</a>
            </li>
          </ul>
        </nav>
        <div className="account">
          <NotificationBell />
          <span className="account-who" title={email}>
            {email}
            {org && <span className="muted"> · {org.name}</span>}
          </span>
          <button type="button" onClick={() => signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {page}
      </main>
    </div>
  );
}

function NotFound() {
  return (
    <div className="page">
      <h1>Page not found</h1>
      <p>
        There is nothing at this address. <Link to="/workbooks">Go to your workbooks</Link>.
      </p>
    </div>
  );
}
