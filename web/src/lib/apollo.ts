// The Apollo client: HTTP for queries and mutations, graphql-ws for
// subscriptions (connectionParams carry the bearer token). It signs out on
// 401 / UNAUTHENTICATED over HTTP and on the websocket's 4401 close (no, bad or
// expired token); neither 4401 nor 4403 (forbidden) is retried, since the
// same token would be refused again.
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from '@apollo/client';
import { CombinedGraphQLErrors, ServerError } from '@apollo/client/errors';
import { ErrorLink } from '@apollo/client/link/error';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { createClient, type Client } from 'graphql-ws';
import { getMainDefinition, relayStylePagination } from '@apollo/client/utilities';
import { OperationTypeNode } from 'graphql';

import { GRAPHQL_PATH, websocketURL } from './endpoints';

export interface Clients {
  apollo: ApolloClient;
  ws: Client;
  dispose: () => void;
}

/** Close codes the server refuses a websocket with (graphql-ws convention). */
export const CLOSE_UNAUTHORIZED = 4401;
export const CLOSE_FORBIDDEN = 4403;

function closeCode(e: unknown): number | undefined {
  return e && typeof e === 'object' && 'code' in e && typeof (e as CloseEvent).code === 'number'
    ? (e as CloseEvent).code
    : undefined;
}

/** Whether a websocket close is worth retrying with the same token. */
export function shouldRetryClose(e: unknown): boolean {
  const code = closeCode(e);
  return code !== CLOSE_UNAUTHORIZED && code !== CLOSE_FORBIDDEN;
}

/**
 * Whether an HTTP error means the token was refused: the server answers a
 * missing, bad or expired token with 401 and an UNAUTHENTICATED error body.
 * Apollo reads that body as GraphQL errors when it comes as
 * application/graphql-response+json (what Apollo asks for), and surfaces it
 * as a ServerError when it comes as application/json.
 */
export function isUnauthenticated(error: unknown): boolean {
  if (CombinedGraphQLErrors.is(error)) {
    return error.errors.some((e) => e.extensions?.code === 'UNAUTHENTICATED');
  }
  return ServerError.is(error) && error.statusCode === 401;
}

export function createClients(token: string | null, onUnauthenticated: () => void): Clients {
  const ws = createClient({
    url: websocketURL(),
    lazy: true,
    connectionParams: () => (token ? { Authorization: 'Bearer ' + token } : {}),
    retryAttempts: 5,
    shouldRetry: shouldRetryClose,
    on: {
      closed: (e) => {
        if (closeCode(e) === CLOSE_UNAUTHORIZED) onUnauthenticated();
      },
    },
  });

  const auth = new ApolloLink((operation, forward) => {
    operation.setContext(({ headers = {} }: { headers?: Record<string, string> }) => ({
      headers: token ? { ...headers, Authorization: `Bearer ${token}` } : headers,
    }));
    return forward(operation);
  });

  const errors = new ErrorLink(({ error }) => {
    if (isUnauthenticated(error)) {
      onUnauthenticated();
    }
  });

  const http = new HttpLink({ uri: GRAPHQL_PATH });
  const link = ApolloLink.split(
    ({ query }) => {
      const def = getMainDefinition(query);
      return def.kind === 'OperationDefinition' && def.operation === OperationTypeNode.SUBSCRIPTION;
    },
    new GraphQLWsLink(ws),
    ApolloLink.from([errors, auth, http]),
  );

  const apollo = new ApolloClient({
    link,
    cache: new InMemoryCache({
      typePolicies: {
        Query: {
          fields: {
            workbooks: relayStylePagination(),
            simulations: relayStylePagination(['status', 'orderBy']),
          },
        },
        Workbook: {
          fields: {
            simulations: relayStylePagination(),
          },
        },
      },
    }),
    defaultOptions: {
      watchQuery: { fetchPolicy: 'cache-and-network' },
    },
  });

  return {
    apollo,
    ws,
    dispose: () => {
      void ws.dispose();
      apollo.stop();
    },
  };
}
