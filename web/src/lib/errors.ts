// GraphQL errors as a person should read them: the server's message, its
// extensions.code, and what to do about the common codes.
import { CombinedGraphQLErrors, ServerError } from '@apollo/client/errors';

export interface GraphQLErrorLike {
  message: string;
  extensions?: Record<string, unknown>;
  path?: readonly (string | number)[];
}

export interface ProblemItem {
  message: string;
  code?: string;
  extensions?: Record<string, unknown>;
}

export interface Problem {
  items: ProblemItem[];
  /** HTTP status, for transport errors. */
  status?: number;
  network?: boolean;
}

export class GraphQLRequestError extends Error {
  readonly errors: GraphQLErrorLike[];
  readonly status?: number;
  constructor(errors: GraphQLErrorLike[], status?: number) {
    super(errors.map((e) => e.message).join('\n'));
    this.errors = errors;
    this.status = status;
  }
}

function fromGraphQLErrors(errors: readonly GraphQLErrorLike[]): ProblemItem[] {
  return errors.map((e) => ({
    message: e.message,
    code: typeof e.extensions?.code === 'string' ? (e.extensions.code as string) : undefined,
    extensions: e.extensions,
  }));
}

/** Any error thrown by Apollo, fetch or the upload, as a Problem. */
export function toProblem(err: unknown): Problem {
  if (!err) return { items: [] };
  if (err instanceof GraphQLRequestError) return { items: fromGraphQLErrors(err.errors), status: err.status };
  if (CombinedGraphQLErrors.is(err)) return { items: fromGraphQLErrors(err.errors as GraphQLErrorLike[]) };
  if (ServerError.is(err)) {
    try {
      const body = JSON.parse(err.bodyText);
      if (Array.isArray(body?.errors) && body.errors.length > 0) return { items: fromGraphQLErrors(body.errors), status: err.statusCode };
    } catch {
      // not JSON
    }
    return { items: [{ message: `The server answered HTTP ${err.statusCode}.` }], status: err.statusCode };
  }
  if (err instanceof TypeError && /fetch|network/i.test(err.message)) {
    return { items: [{ message: 'The server could not be reached. Check your connection and try again.' }], network: true };
  }
  if (err instanceof Error) return { items: [{ message: err.message }] };
  return { items: [{ message: String(err) }] };
}

export function hasCode(err: unknown, code: string): boolean {
  return toProblem(err).items.some((i) => i.code === code);
}

/** A sentence that tells what to do about a code. */
export function adviceFor(item: ProblemItem): string | null {
  switch (item.code) {
    case 'UNAUTHENTICATED':
      return 'Your session has expired or the token is not valid: sign in again.';
    case 'FORBIDDEN':
      return 'Your role does not allow this.';
    case 'QUOTA_EXCEEDED': {
      const limit = item.extensions?.limit;
      return limit !== undefined
        ? `Your organization's plan allows ${typeof limit === 'number' ? limit.toLocaleString('en-US') : String(limit)} here. Ask an administrator to upgrade the tier.`
        : "Your organization's plan does not allow this; ask an administrator to upgrade the tier.";
    }
    case 'RATE_LIMITED':
      return 'Too many requests: wait a moment and try again.';
    case 'UNAVAILABLE':
      return 'A service is temporarily unavailable: try again shortly.';
    case 'INTERNAL':
      return 'Something went wrong on the server. It has been logged.';
    default:
      return null;
  }
}
