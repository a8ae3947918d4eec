import { afterEach, describe, expect, it, vi } from 'vitest';
import { dispositionName, downloadFile } from './download';
import { setToken } from './auth';

describe('dispositionName', () => {
  it.each([
    ['attachment; filename="plan-report.xlsx"', 'plan-report.xlsx'],
    ['attachment; filename=plain.csv', 'plain.csv'],
    [null, 'fallback.csv'],
    ['attachment', 'fallback.csv'],
  ])('%s gives %s', (header, want) => {
    expect(dispositionName(header, 'fallback.csv')).toBe(want);
  });
});

describe('downloadFile', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    setToken(null);
  });

  it('sends the bearer token and rejects with the server message', async () => {
    setToken('tok');
    const fetchMock = vi.fn().mockResolvedValue(
      new Response(JSON.stringify({ errors: [{ message: 'simulation x did not keep its samples', extensions: { code: 'BAD_USER_INPUT' } }] }), { status: 400 }),
    );
    vi.stubGlobal('fetch', fetchMock);
    await expect(downloadFile('/api/simulations/x/samples.csv', 'x.csv')).rejects.toThrow('did not keep its samples');
    expect(fetchMock).toHaveBeenCalledWith('/api/simulations/x/samples.csv', { headers: { Authorization: 'Bearer tok' } });
  });
});
