#!/usr/bin/env node
// Browser end-to-end test of the GraphQL playground (GraphiQL at
// /playground) against a real `simgraph serve` with the default query
// limits: on load GraphiQL sends graphql-js's standard introspection query
// (getIntrospectionQuery(), deeper than the default depth limit), and its
// Docs pane must show the schema, signed in or not.
//
//   SIMGRAPH_BIN   the simgraph binary (default: `go build` into a temp dir)
//   E2E_SCREENSHOTS where screenshots go (default: web/e2e/screenshots)
//   CHROMIUM       the browser (default: /usr/bin/chromium)
//   E2E_HEADED=1   show the browser (needs a display)
//
// Screenshots: playground-docs.png, playground-docs-anonymous.png.
// It tests the dist/ embedded in the binary. Exits non-zero on failure; the
// last line is "playground e2e: N passed, M failed".
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import { Kind, parse } from 'graphql';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..', '..');
const screenshots = resolve(process.env.E2E_SCREENSHOTS || join(here, 'screenshots'));
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
// SIMGRAPH_MAX_QUERY_DEPTH's default (README, "Query limits"): the server
// runs with it, and the introspection query GraphiQL sends is deeper.
const DEFAULT_MAX_DEPTH = 12;
const budget = Number(process.env.E2E_TIMEOUT_MS || 120_000);
let deadline = Date.now() + budget;

const temps = [];
let server = null;
let serverLog = '';
let context = null;

function log(...a) {
  console.log('[playground e2e]', ...a);
}

function tempDir(prefix) {
  const d = mkdtempSync(join(tmpdir(), prefix));
  temps.push(d);
  return d;
}

function remaining(ms) {
  return Math.max(1000, Math.min(ms, deadline - Date.now()));
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

function simgraphBinary() {
  if (process.env.SIMGRAPH_BIN) return resolve(process.env.SIMGRAPH_BIN);
  const out = join(tempDir('simgraph-playground-bin-'), 'simgraph');
  log('building simgraph (go build) …');
  execFileSync('go', ['build', '-o', out, '.'], { cwd: repoRoot, stdio: ['ignore', 'inherit', 'inherit'] });
  return out;
}

async function startServer(bin) {
  const port = await freePort();
  const dataDir = tempDir('simgraph-playground-data-');
  const env = { ...process.env, SIMGRAPH_ENV: 'development', SIMGRAPH_DATA_DIR: dataDir, SIMGRAPH_LOG_LEVEL: 'info' };
  // Embedded mode with every query limit at its default.
  for (const k of Object.keys(env)) {
    if (/^SIMGRAPH_(POSTGRES|REDIS|.*_DATABASE)_URL$/.test(k) || /^SIMGRAPH_MAX_/.test(k) || k === 'SIMGRAPH_INTROSPECTION') delete env[k];
  }
  const addr = `127.0.0.1:${port}`;
  log(`starting ${bin} serve --addr ${addr}`);
  server = spawn(bin, ['serve', '--addr', addr], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const keep = (chunk) => (serverLog = (serverLog + chunk.toString()).slice(-20000));
  server.stdout.on('data', keep);
  server.stderr.on('data', keep);
  const exited = new Promise((res) => server.once('exit', (code, sig) => res({ code, sig })));
  const base = `http://${addr}`;
  const until = Date.now() + 30_000;
  while (Date.now() < until) {
    const early = await Promise.race([exited, new Promise((r) => setTimeout(() => r(null), 150))]);
    if (early) throw new Error(`simgraph exited before it was ready (${JSON.stringify(early)})`);
    try {
      if ((await fetch(`${base}/readyz`)).ok) return base;
    } catch {
      // not listening yet
    }
  }
  throw new Error('simgraph was not ready within 30 s');
}

async function stopServer() {
  if (!server || server.exitCode !== null || server.signalCode !== null) return;
  const gone = new Promise((res) => server.once('exit', res));
  server.kill('SIGTERM');
  const t = setTimeout(() => server.kill('SIGKILL'), 8000);
  await gone;
  clearTimeout(t);
}

/** The nesting of an operation's selections, fragments spread in place. */
function depth(query) {
  const doc = parse(query);
  const fragments = new Map(doc.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]));
  const walk = (set, seen) => {
    let deepest = 0;
    for (const sel of set?.selections ?? []) {
      if (sel.kind === Kind.FIELD) deepest = Math.max(deepest, 1 + walk(sel.selectionSet, seen));
      else if (sel.kind === Kind.INLINE_FRAGMENT) deepest = Math.max(deepest, walk(sel.selectionSet, seen));
      else if (sel.kind === Kind.FRAGMENT_SPREAD && !seen.has(sel.name.value)) {
        deepest = Math.max(deepest, walk(fragments.get(sel.name.value)?.selectionSet, new Set([...seen, sel.name.value])));
      }
    }
    return deepest;
  };
  const op = doc.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
  return walk(op.selectionSet, new Set());
}

/**
 * Runs action and returns the first introspection exchange the page has
 * while it runs: the query sent, its headers, the status and body it got.
 */
async function introspectionDuring(page, action) {
  let resolveExchange;
  const exchange = new Promise((res) => (resolveExchange = res));
  const onResponse = async (resp) => {
    const req = resp.request();
    if (!req.url().endsWith('/graphql') || req.method() !== 'POST') return;
    let body;
    try {
      body = JSON.parse(req.postData() ?? '');
    } catch {
      return;
    }
    if (!/__schema/.test(body.query ?? '')) return;
    let answer = null;
    try {
      answer = await resp.json();
    } catch {
      // not JSON: reported below
    }
    resolveExchange({ query: body.query, headers: req.headers(), status: resp.status(), answer });
  };
  page.on('response', onResponse);
  try {
    await action();
    const timeout = new Promise((_, rej) => setTimeout(() => rej(new Error('GraphiQL sent no introspection query')), remaining(30_000)));
    return await Promise.race([exchange, timeout]);
  } finally {
    page.off('response', onResponse);
  }
}

/** Opens the playground: GraphiQL introspects the schema on load. */
function openPlayground(page, base) {
  return introspectionDuring(page, async () => {
    await page.goto(base + '/playground');
    await page.locator('.graphiql-container').waitFor({ timeout: remaining(30_000) });
  });
}

/**
 * Clicks GraphiQL's "Re-fetch GraphQL schema": unlike the introspection on
 * load, this one is sent with the headers in the Headers editor.
 */
function refetchSchema(page) {
  return introspectionDuring(page, async () => {
    await page.locator('.graphiql-query-editor .monaco-editor').waitFor({ timeout: remaining(15_000) });
    await page.locator('.graphiql-sidebar button[aria-label^="Re-fetch GraphQL schema"]').click({ timeout: remaining(15_000) });
  });
}

function checkIntrospection(x) {
  const d = depth(x.query);
  if (d <= DEFAULT_MAX_DEPTH) throw new Error(`GraphiQL's introspection query is ${d} levels deep: it no longer tests the depth limit`);
  if (x.status !== 200) throw new Error(`introspection answered HTTP ${x.status}: ${JSON.stringify(x.answer).slice(0, 300)}`);
  if (x.answer?.errors?.length) throw new Error(`introspection answered errors: ${JSON.stringify(x.answer.errors).slice(0, 300)}`);
  const types = x.answer?.data?.__schema?.types ?? [];
  if (types.length < 50) throw new Error(`introspection answered ${types.length} types`);
  log(`introspection query ${d} levels deep answered with ${types.length} types`);
}

// The Docs pane shows "Root Types" once the schema is loaded, "Error
// fetching schema" when introspection was refused.
async function checkDocsPane(page, shot) {
  await page.locator('.graphiql-sidebar button[aria-label="Show Documentation Explorer"]').click({ timeout: remaining(15_000) });
  const docs = page.locator('section.graphiql-doc-explorer');
  await docs.waitFor({ timeout: remaining(15_000) });
  await page.waitForFunction(() => {
    const t = document.querySelector('section.graphiql-doc-explorer')?.textContent ?? '';
    return /Root Types/.test(t) || /Error fetching schema|No GraphQL schema/.test(t);
  }, null, { timeout: remaining(30_000) });
  const text = (await docs.textContent()) ?? '';
  if (!/Root Types/.test(text)) throw new Error(`the Docs pane has no schema: ${text.slice(0, 300)}`);
  await docs.locator('a.graphiql-doc-explorer-type-name', { hasText: /^Query$/ }).first().click();
  await page.waitForFunction(() => {
    const t = document.querySelector('section.graphiql-doc-explorer')?.textContent ?? '';
    return /workbooks/.test(t) && /simulations/.test(t);
  }, null, { timeout: remaining(15_000) });
  // One level further: a type reached from a field of Query.
  await docs.locator('a.graphiql-doc-explorer-type-name', { hasText: /^WorkbookConnection$/ }).first().click();
  await page.waitForFunction(() => /edges/.test(document.querySelector('section.graphiql-doc-explorer')?.textContent ?? ''), null, { timeout: remaining(15_000) });
  log('Docs pane lists Query\'s fields and a type reached from them');
  await page.screenshot({ path: join(screenshots, shot) });
}

// ---- the tests --------------------------------------------------------------------

// On a development server the playground's headers carry a development
// sign-in token.
async function testDocsSignedIn(page, base) {
  checkIntrospection(await openPlayground(page, base));
  const x = await refetchSchema(page);
  if (!/^Bearer ey/.test(x.headers.authorization ?? '')) throw new Error(`introspection sent without the development token: ${x.headers.authorization}`);
  checkIntrospection(x);
  await checkDocsPane(page, 'playground-docs.png');
}

// Without a token to prefill (no sign-in, no development sign-in, as on a
// production server with introspection on), introspection is public: what
// the Headers editor holds must not turn it into a refused bad token.
async function testDocsAnonymous(page, base) {
  await page.route('**/api/dev/sign-in', (route) => route.fulfill({ status: 404, body: 'not found' }));
  await page.goto(base + '/');
  await page.evaluate(() => localStorage.clear());
  try {
    checkIntrospection(await openPlayground(page, base));
    const auth = (await page.getByTestId('playground-auth').textContent()) ?? '';
    if (!/no token/.test(auth)) throw new Error(`the playground says: ${auth}`);
    const x = await refetchSchema(page);
    if (x.headers.authorization) throw new Error(`introspection sent Authorization: ${x.headers.authorization}`);
    checkIntrospection(x);
    await checkDocsPane(page, 'playground-docs-anonymous.png');
  } finally {
    await page.unroute('**/api/dev/sign-in');
  }
}

// ---- main ---------------------------------------------------------------------------

async function main() {
  mkdirSync(screenshots, { recursive: true });
  let passed = 0, failed = 0;
  const consoleErrors = [];
  try {
    const bin = simgraphBinary();
    const base = await startServer(bin);
    log('server ready at', base);
    deadline = Date.now() + budget;
    context = await chromium.launchPersistentContext(tempDir('simgraph-playground-chromium-'), {
      executablePath: chromiumPath,
      headless: !process.env.E2E_HEADED,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'].concat(process.env.E2E_HEADED ? [] : ['--headless']),
      viewport: { width: 1440, height: 1000 },
    });
    const page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(20_000);
    page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
    for (const [name, fn] of [
      ['Docs pane loads the schema (development token)', testDocsSignedIn],
      ['Docs pane loads the schema (no token)', testDocsAnonymous],
    ]) {
      const t0 = Date.now();
      try {
        await fn(page, base);
        passed++;
        log(`PASS ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
      } catch (e) {
        failed++;
        log(`FAIL ${name}: ${e?.stack || e}`);
        try {
          await page.screenshot({ path: join(screenshots, `playground-failure-${passed + failed}.png`), fullPage: true });
        } catch {
          // the page may be gone
        }
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
    await stopServer();
    if (failed > 0 && serverLog) log('server log (tail):\n' + serverLog.split('\n').slice(-40).join('\n'));
    for (const d of temps) rmSync(d, { recursive: true, force: true });
  }
  console.log(`playground e2e: ${passed} passed, ${failed} failed`);
  process.exitCode = failed > 0 ? 1 : 0;
}

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, async () => {
    await stopServer();
    for (const d of temps) rmSync(d, { recursive: true, force: true });
    console.log('playground e2e: 0 passed, 1 failed');
    process.exit(130);
  });
}

await main();
