// The offline GraphQL playground: GraphiQL bundled in the app (no CDN),
// queries and mutations over HTTP, subscriptions over graphql-ws, an editable
// headers editor prefilled with the signed-in token (or, on a development
// server, a development sign-in token).
import 'graphiql/setup-workers/vite';
import 'graphiql/style.css';
import './playground.css';
import { StrictMode, useEffect, useState, type ComponentProps } from 'react';
import { createRoot } from 'react-dom/client';
import { GraphiQL } from 'graphiql';
import { parse, type OperationDefinitionNode } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import { getToken, probeDevSignIn } from '../src/lib/auth';
import { websocketURL, GRAPHQL_PATH } from '../src/lib/endpoints';

type Fetcher = ComponentProps<typeof GraphiQL>['fetcher'];
type Params = Parameters<Fetcher>[0];

const DEFAULT_QUERY = `# simgraph GraphQL playground
#
# Run with Ctrl-Enter. The Headers tab below carries your token.
# Subscriptions run over a websocket (graphql-transport-ws), e.g.:
#
# subscription Progress($id: ID!) {
#   simulationProgress(id: $id) { status percent iterationsDone iterationsTotal etaMs }
# }

query Me {
  me {
    email
    roles
    organization { name tier }
  }
  tenantInfo { tenantId tier databaseTier dedicated }
}
`;

function operationOf(params: Params): OperationDefinitionNode | undefined {
  try {
    const doc = parse(params.query);
    const ops = doc.definitions.filter((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition');
    return params.operationName ? ops.find((o) => o.name?.value === params.operationName) : ops[0];
  } catch {
    return undefined;
  }
}

/** One websocket client per set of headers (they are its connection_init payload). */
let socket: { key: string; client: Client } | null = null;
function socketFor(headers: Record<string, unknown>): Client {
  const key = JSON.stringify(headers);
  if (socket?.key !== key) {
    void socket?.client.dispose();
    socket = { key, client: createClient({ url: websocketURL(), connectionParams: headers, lazy: true, retryAttempts: 0 }) };
  }
  return socket.client;
}

const fetcher: Fetcher = (params, opts) => {
  const headers = (opts?.headers ?? {}) as Record<string, string>;
  const op = operationOf(params);
  if (op?.operation === 'subscription') {
    return socketFor(headers).iterate({ query: params.query, variables: params.variables ?? undefined, operationName: params.operationName ?? undefined }) as ReturnType<Fetcher>;
  }
  return fetch(GRAPHQL_PATH, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/graphql-response+json, application/json;q=0.9', ...headers },
    body: JSON.stringify(params),
  }).then(async (res) => {
    const text = await res.text();
    try {
      return JSON.parse(text);
    } catch {
      return { errors: [{ message: `HTTP ${res.status}: ${text.slice(0, 500)}` }] };
    }
  });
};

// Without a token the Authorization line is a comment (the editor takes
// JSONC): a placeholder sent as a token would be refused as a bad one,
// introspection included, where no token is answered.
function headersFor(token: string | null): string {
  if (!token) return '{\n  // "Authorization": "Bearer <paste a token>"\n}';
  return JSON.stringify({ Authorization: `Bearer ${token}` }, null, 2);
}

function Playground() {
  const [state, setState] = useState<{ token: string | null; source: string } | null>(() => {
    const t = getToken();
    return t ? { token: t, source: 'your signed-in token' } : null;
  });

  useEffect(() => {
    if (state) return;
    let stop = false;
    (async () => {
      const t = await probeDevSignIn();
      if (stop) return;
      setState(t ? { token: t, source: 'a development sign-in token' } : { token: null, source: 'no token: sign in to the app, or paste one' });
    })();
    return () => {
      stop = true;
    };
  }, [state]);

  if (!state) return <div className="pg-loading">Loading the playground…</div>;
  const headers = headersFor(state.token);
  // Shareable links: /playground?query=…&variables=…
  const params = new URLSearchParams(window.location.search);
  const query = params.get('query') ?? DEFAULT_QUERY;
  const variables = params.get('variables') ?? undefined;
  return (
    <div className="pg">
      <header className="pg-bar">
        <a href="/" className="pg-brand">
          ← simgraph
        </a>
        <span className="pg-title">GraphQL playground</span>
        <span className="pg-auth" data-testid="playground-auth">
          Headers prefilled with {state.source}.
        </span>
      </header>
      <div className="pg-main">
        <GraphiQL
          fetcher={fetcher}
          defaultQuery={DEFAULT_QUERY}
          initialQuery={query}
          initialVariables={variables}
          initialHeaders={headers}
          defaultHeaders={headers}
          defaultEditorToolsVisibility="headers"
          shouldPersistHeaders={false}
        />
      </div>
    </div>
  );
}

createRoot(document.getElementById('playground')!).render(
  <StrictMode>
    <Playground />
  </StrictMode>,
);
