import { describe, expect, it } from 'vitest';
import { CLOSE_FORBIDDEN, CLOSE_UNAUTHORIZED, shouldRetryClose } from './apollo';

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
