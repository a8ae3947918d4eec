export const GRAPHQL_PATH = '/graphql';

export function websocketURL(path = GRAPHQL_PATH): string {
  const { protocol, host } = window.location;
  return `${protocol === 'https:' ? 'wss:' : 'ws:'}//${host}${path}`;
}
