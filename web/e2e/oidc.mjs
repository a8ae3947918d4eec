#!/usr/bin/env node
// Browser end-to-end test of sign-in with an OpenID Connect issuer: a fake
// issuer (`go run ./scripts/fakeoidc`) and `simgraph serve` configured with
// it; the browser clicks "Sign in with …", goes through the issuer's
// authorize page, lands signed in, runs a query over HTTP and a websocket,
// sees its token renewed with the refresh token, and signs out.
//
//   SIMGRAPH_BIN   the simgraph binary (default: `go build` into a temp dir)
//   CHROMIUM       the browser (default: /usr/bin/chromium)
//   E2E_HEADED=1   show the browser (needs a display)
//
// It tests the dist/ embedded in the binary. Exits non-zero on failure; the
// last line is "oidc e2e: N passed, M failed".
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..', '..');
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
const CLIENT_ID = 'simgraph-web';
const ISSUER_NAME = 'Fake OIDC';
// Tokens live 90 s: the web app renews them 60-75 s before expiry, 15-30 s
// after sign-in (never within the second, which would give the same token).
const TOKEN_TTL = '90s';

const temps = [];
const children = [];
let context = null;

function log(...a) {
  console.log('[oidc e2e]', ...a);
}

function tempDir(prefix) {
  const d = mkdtempSync(join(tmpdir(), prefix));
  temps.push(d);
  return d;
}

function freePort() {
  return new Promise((res, rej) => {
    const s = net.createServer();
    s.unref();
    s.on('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

/** Starts a process in its own group (`go run` starts a child: both are stopped together). */
function start(name, cmd, args, opts) {
  const p = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const entry = { name, p, log: '' };
  const keep = (chunk) => (entry.log = (entry.log + chunk.toString()).slice(-20000));
  p.stdout.on('data', keep);
  p.stderr.on('data', keep);
  entry.exited = new Promise((res) => p.once('exit', (code, sig) => res({ code, sig })));
  children.push(entry);
  return entry;
}

async function stopAll() {
  for (const c of children.reverse()) {
    if (c.p.exitCode !== null || c.p.signalCode !== null) continue;
    try {
      process.kill(-c.p.pid, 'SIGTERM');
    } catch {
      continue;
    }
    const t = setTimeout(() => {
      try {
        process.kill(-c.p.pid, 'SIGKILL');
      } catch {
        // gone
      }
    }, 8000);
    await c.exited;
    clearTimeout(t);
  }
}

async function waitFor(entry, what, ok, ms) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const early = await Promise.race([entry.exited, new Promise((r) => setTimeout(() => r(null), 200))]);
    if (early) throw new Error(`${entry.name} exited before ${what} (${JSON.stringify(early)}):\n${entry.log}`);
    if (await ok()) return;
  }
  throw new Error(`${entry.name}: no ${what} within ${ms / 1000} s:\n${entry.log}`);
}

function simgraphBinary() {
  if (process.env.SIMGRAPH_BIN) return resolve(process.env.SIMGRAPH_BIN);
  const out = join(tempDir('simgraph-oidc-bin-'), 'simgraph');
  log('building simgraph (go build) …');
  execFileSync('go', ['build', '-o', out, '.'], { cwd: repoRoot, stdio: ['ignore', 'inherit', 'inherit'] });
  return out;
}

async function startIssuer(port, appBase) {
  const entry = start('fakeoidc', 'go', [
    'run', './scripts/fakeoidc',
    '-addr', `127.0.0.1:${port}`, '-client', CLIENT_ID, '-redirect', `${appBase}/auth/callback`,
    '-sub', 'fake|ada', '-email', 'ada@oidc.example', '-org', 'oidc-e2e', '-org-name', 'OIDC E2E', '-roles', 'ORG_ADMIN', '-ttl', TOKEN_TTL,
  ], { cwd: repoRoot, env: process.env });
  // `go run` compiles first: slow on a busy machine.
  await waitFor(entry, 'listening line', async () => /fakeoidc listening on (\S+)/.test(entry.log), 240_000);
  return entry.log.match(/fakeoidc listening on (\S+)/)[1];
}

async function startServer(bin, port, issuer) {
  const dataDir = tempDir('simgraph-oidc-data-');
  const env = {
    ...process.env,
    SIMGRAPH_ENV: 'development',
    SIMGRAPH_DEMO: 'false',
    SIMGRAPH_DATA_DIR: dataDir,
    SIMGRAPH_OIDC_ISSUER: issuer,
    SIMGRAPH_OIDC_CLIENT_ID: CLIENT_ID,
    SIMGRAPH_OIDC_NAME: ISSUER_NAME,
  };
  for (const k of Object.keys(env)) if (/^SIMGRAPH_(POSTGRES|REDIS|.*_DATABASE)_URL$|^SIMGRAPH_JWKS_URL$/.test(k)) delete env[k];
  const base = `http://127.0.0.1:${port}`;
  const entry = start('simgraph', bin, ['serve', '--addr', `127.0.0.1:${port}`], { env });
  await waitFor(entry, 'readiness', async () => {
    try {
      return (await fetch(`${base}/readyz`)).ok;
    } catch {
      return false;
    }
  }, 60_000);
  return base;
}

function claims(token) {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
}

/** Runs `{ me { … } }` from the page with the stored token, over HTTP and over a graphql-transport-ws websocket. */
async function queryAsPage(page) {
  return page.evaluate(async () => {
    const token = localStorage.getItem('simgraph.token');
    const query = '{ me { email roles organization { name personal } } }';
    const http = await fetch('/graphql', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + token },
      body: JSON.stringify({ query }),
    }).then((r) => r.json());
    const ws = await new Promise((res, rej) => {
      const s = new WebSocket(location.origin.replace(/^http/, 'ws') + '/graphql', 'graphql-transport-ws');
      const t = setTimeout(() => rej(new Error('websocket: no answer')), 10_000);
      s.onopen = () => s.send(JSON.stringify({ type: 'connection_init', payload: { Authorization: 'Bearer ' + token } }));
      s.onmessage = (e) => {
        const m = JSON.parse(e.data);
        if (m.type === 'connection_ack') s.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query } }));
        if (m.type === 'next' || m.type === 'error') {
          clearTimeout(t);
          s.close();
          res(m.payload);
        }
      };
      s.onclose = (e) => {
        clearTimeout(t);
        rej(new Error('websocket closed ' + e.code));
      };
    });
    return { token, http, ws };
  });
}

function expectMe(what, result) {
  const me = result?.data?.me;
  if (!me || me.email !== 'ada@oidc.example' || me.organization.name !== 'OIDC E2E' || me.organization.personal || !me.roles.includes('ORG_ADMIN')) {
    throw new Error(`${what}: unexpected answer ${JSON.stringify(result)}`);
  }
}

// ---- the tests --------------------------------------------------------------------

async function testSignIn(page, base, issuer) {
  await page.goto(base + '/simulations');
  const button = page.getByRole('button', { name: `Sign in with ${ISSUER_NAME}` });
  await button.waitFor({ state: 'visible', timeout: 20_000 });
  await button.click();
  await page.waitForURL((u) => u.href.startsWith(issuer + '/authorize'), { timeout: 20_000 });
  const q = new URL(page.url()).searchParams;
  for (const [k, want] of [['client_id', CLIENT_ID], ['response_type', 'code'], ['code_challenge_method', 'S256'], ['redirect_uri', base + '/auth/callback']]) {
    if (q.get(k) !== want) throw new Error(`authorization request: ${k}=${q.get(k)}, want ${want}`);
  }
  await page.getByRole('button', { name: 'Continue as fake|ada' }).click();
  // Back through /auth/callback to where the user was.
  await page.getByRole('heading', { name: 'Simulations', level: 1 }).waitFor({ timeout: 20_000 });
  if (new URL(page.url()).pathname !== '/simulations') throw new Error(`landed on ${page.url()}, want /simulations`);
  await page.getByText('ada@oidc.example').first().waitFor({ timeout: 10_000 });
  const r = await queryAsPage(page);
  const c = claims(r.token);
  if (c.iss !== issuer || c.aud !== CLIENT_ID || !c.nonce) throw new Error(`stored token is not the issuer's ID token: ${JSON.stringify(c)}`);
  expectMe('HTTP', r.http);
  expectMe('websocket', r.ws);
  const pending = await page.evaluate(() => sessionStorage.getItem('simgraph.oidc.pending'));
  if (pending !== null) throw new Error('the pending sign-in (verifier, state, nonce) outlived the callback');
  log('signed in with the issuer; query over HTTP and websocket as', r.http.data.me.email);
  return r.token;
}

async function testRefresh(page, first) {
  await page.waitForFunction((t) => {
    const now = localStorage.getItem('simgraph.token');
    return now && now !== t;
  }, first, { timeout: 40_000, polling: 500 });
  const r = await queryAsPage(page);
  expectMe('HTTP after renewal', r.http);
  expectMe('websocket after renewal', r.ws);
  if (claims(r.token).exp <= claims(first).exp) throw new Error('the renewed token does not outlive the first');
  await page.getByRole('button', { name: 'Sign out' }).waitFor({ timeout: 5000 });
  log('token renewed with the refresh token; still signed in');
}

async function testSignOut(page) {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('button', { name: `Sign in with ${ISSUER_NAME}` }).waitFor({ timeout: 10_000 });
  const left = await page.evaluate(() => [localStorage.getItem('simgraph.token'), localStorage.getItem('simgraph.oidc.session')]);
  if (left.some((v) => v !== null)) throw new Error(`sign-out left ${JSON.stringify(left)}`);
  log('signed out: token and session cleared');
}

async function testForgedCallback(page, base) {
  await page.goto(base + '/auth/callback?code=stolen&state=forged');
  await page.getByRole('alert').filter({ hasText: /Sign in again/ }).waitFor({ timeout: 10_000 });
  if (await page.evaluate(() => localStorage.getItem('simgraph.token'))) throw new Error('a forged callback signed in');
  log('a callback this tab did not start is refused');
}

// ---- main ---------------------------------------------------------------------------

async function main() {
  let passed = 0, failed = 0;
  const consoleErrors = [];
  try {
    const bin = simgraphBinary();
    const [issuerPort, appPort] = [await freePort(), await freePort()];
    const issuer = await startIssuer(issuerPort, `http://127.0.0.1:${appPort}`);
    log('issuer at', issuer);
    const base = await startServer(bin, appPort, issuer);
    log('server ready at', base);
    context = await chromium.launchPersistentContext(tempDir('simgraph-oidc-chromium-'), {
      executablePath: chromiumPath,
      headless: !process.env.E2E_HEADED,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'].concat(process.env.E2E_HEADED ? [] : ['--headless']),
      viewport: { width: 1280, height: 900 },
    });
    const page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(20_000);
    page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
    page.on('pageerror', (e) => consoleErrors.push(String(e)));

    let first = null;
    for (const [name, fn] of [
      ['sign in with the issuer (PKCE), query over HTTP and websocket', async () => (first = await testSignIn(page, base, issuer))],
      ['renewal with the refresh token', () => testRefresh(page, first)],
      ['sign out', () => testSignOut(page)],
      ['forged callback refused', () => testForgedCallback(page, base)],
    ]) {
      const t0 = Date.now();
      try {
        await fn();
        passed++;
        log(`PASS ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
      } catch (e) {
        failed++;
        log(`FAIL ${name}: ${e?.stack || e}`);
        if (consoleErrors.length) log('browser console errors:\n  ' + consoleErrors.slice(-15).join('\n  '));
      }
    }
  } catch (e) {
    failed++;
    log(`FAIL setup: ${e?.stack || e}`);
  } finally {
    try {
      await context?.close();
    } catch {
      // already closed
    }
    await stopAll();
    if (failed > 0) for (const c of children) log(`${c.name} log (tail):\n` + c.log.split('\n').slice(-30).join('\n'));
    for (const d of temps) rmSync(d, { recursive: true, force: true });
  }
  console.log(`oidc e2e: ${passed} passed, ${failed} failed`);
  process.exitCode = failed > 0 ? 1 : 0;
}

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, async () => {
    await stopAll();
    for (const d of temps) rmSync(d, { recursive: true, force: true });
    console.log('oidc e2e: 0 passed, 1 failed');
    process.exit(130);
  });
}

await main();
