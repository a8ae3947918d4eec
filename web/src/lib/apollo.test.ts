import { describe, expect, it } from 'vitest';
import { CombinedGraphQLErrors, ServerError } from '@apollo/client/errors';
import { CLOSE_FORBIDDEN, CLOSE_UNAUTHORIZED, isUnauthenticated, shouldRetryClose } from './apollo';

describe('shouldRetryClose', () => {
  it.each([
    ['unauthorized', { code: CLOSE_UNAUTHORIZED }, false],
    ['forbidden', { code: CLOSE_FORBIDDEN }, false],
    ['going away', { code: 1001 }, true],
    ['abnormal', { code: 1006 }, true],
    ['not a close event', new Error('network'), true],
  ])('%s', (_name, event, want) => {
    expect(shouldRetryClose(event)).toBe(want);
  });
});

const refusal = JSON.stringify({ errors: [{ message: 'invalid or expired token', extensions: { code: 'UNAUTHENTICATED' } }] });

function serverError(status: number): ServerError {
  return new ServerError(`Response not successful: Received status code ${status}`, {
    response: new Response(refusal, { status, headers: { 'Content-Type': 'application/json' } }),
    bodyText: refusal,
  });
}

describe('isUnauthenticated', () => {
  it.each([
    ['401 refusal', serverError(401), true],
    ['500', serverError(500), false],
    ['UNAUTHENTICATED field', new CombinedGraphQLErrors({ errors: [{ message: 'sign in', extensions: { code: 'UNAUTHENTICATED' } }] }), true],
    ['FORBIDDEN field', new CombinedGraphQLErrors({ errors: [{ message: 'no', extensions: { code: 'FORBIDDEN' } }] }), false],
    ['network', new Error('offline'), false],
  ])('%s', (_name, error, want) => {
    expect(isUnauthenticated(error)).toBe(want);
  });
});
