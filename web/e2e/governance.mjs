#!/usr/bin/env node
// Browser end-to-end test of the Governance page against a real
// `simgraph serve`: the administrator reads the audit log of a workbook
// upload and a simulation and filters it by action, creates a READ API key
// (its secret shown once) that then answers a query and is refused a
// mutation, revokes it (refused from then on), creates a webhook, and in
// the model library renames a saved model and restores its version 1.
//
//   SIMGRAPH_BIN   the simgraph binary (default: `go build` into a temp dir)
//   E2E_WORKBOOK   the workbook to upload (default: ../shared/workbooks/project-dcf.xlsx
//                  beside the repository)
//   CHROMIUM       the browser (default: /usr/bin/chromium)
//   E2E_HEADED=1   show the browser (needs a display)
//
// It tests the dist/ embedded in the binary. Exits non-zero on failure; the
// last line is "governance e2e: N passed, M failed".
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..', '..');
const screenshots = resolve(process.env.E2E_SCREENSHOTS || join(here, 'screenshots'));
const workbookPath = resolve(process.env.E2E_WORKBOOK || join(repoRoot, '..', 'shared', 'workbooks', 'project-dcf.xlsx'));
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
const budget = Number(process.env.E2E_TIMEOUT_MS || 120_000);
let deadline = Date.now() + budget;

// A small model of the e2e workbook; version 2 differs by its iterations.
const definition = (iterations) => ({
  inputs: [{ cell: 'Inputs!B2', distribution: { type: 'TRIANGULAR', min: 100, mode: 120, max: 150 } }],
  outputs: ['Summary!B2'],
  iterations,
  seed: 7,
});

const temps = [];
let server = null;
let serverLog = '';
let context = null;

function log(...a) {
  console.log('[governance e2e]', ...a);
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

function simgraphBinary() {
  if (process.env.SIMGRAPH_BIN) return resolve(process.env.SIMGRAPH_BIN);
  const out = join(tempDir('simgraph-gov-bin-'), 'simgraph');
  log('building simgraph (go build) …');
  execFileSync('go', ['build', '-o', out, '.'], { cwd: repoRoot, stdio: ['ignore', 'inherit', 'inherit'] });
  return out;
}

async function startServer(bin) {
  const port = await freePort();
  const env = {
    ...process.env,
    SIMGRAPH_ENV: 'development',
    SIMGRAPH_DEMO: 'true',
    SIMGRAPH_DATA_DIR: tempDir('simgraph-gov-data-'),
    SIMGRAPH_LOG_LEVEL: process.env.SIMGRAPH_LOG_LEVEL || 'info',
  };
  for (const k of Object.keys(env)) if (/^SIMGRAPH_(POSTGRES|REDIS|.*_DATABASE)_URL$|^SIMGRAPH_JWKS_URL$/.test(k)) delete env[k];
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

function remaining(ms) {
  return Math.max(1000, Math.min(ms, deadline - Date.now()));
}

/** A GraphQL request as a program makes it: the answer's JSON, whatever the HTTP status. */
async function gql(base, token, query, variables = {}) {
  const r = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return r.json();
}

async function gqlData(base, token, query, variables) {
  const body = await gql(base, token, query, variables);
  if (body.errors?.length) throw new Error(`${query.slice(0, 60)}…: ${JSON.stringify(body.errors)}`);
  return body.data;
}

const codeOf = (body) => body.errors?.[0]?.extensions?.code ?? '';

async function upload(base, token, file) {
  const form = new FormData();
  form.append('operations', JSON.stringify({ query: 'mutation($file: Upload!) { uploadWorkbook(file: $file) { id } }', variables: { file: null } }));
  form.append('map', JSON.stringify({ 0: ['variables.file'] }));
  form.append('0', new Blob([readFileSync(file)]), file.split('/').pop());
  const r = await fetch(`${base}/graphql`, { method: 'POST', headers: { Authorization: `Bearer ${token}` }, body: form });
  const body = await r.json();
  if (body.errors?.length) throw new Error(`upload: ${JSON.stringify(body.errors)}`);
  return body.data.uploadWorkbook.id;
}

async function signIn(page, base) {
  await page.goto(base + '/');
  const dev = page.getByRole('button', { name: 'Development sign-in' });
  await dev.waitFor({ state: 'visible', timeout: remaining(15_000) });
  await dev.click();
  await page.getByRole('heading', { name: 'Workbooks', level: 1 }).waitFor({ timeout: remaining(15_000) });
  const token = await page.evaluate(() => localStorage.getItem('simgraph.token'));
  if (!token) throw new Error('no token stored after development sign-in');
  return token;
}

/** Opens the Governance page from the navigation. */
async function openGovernance(page) {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Governance' }).click();
  await page.getByRole('heading', { name: 'Governance', level: 1 }).waitFor({ timeout: remaining(15_000) });
}

const auditPanel = (page) => page.getByRole('region', { name: 'Audit log' });

/** The actions of the audit log's rows. */
async function auditActions(page) {
  return page.locator('[data-testid="audit-log"] tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-action')));
}

/** Refreshes the audit log until every action in want is there (entries are recorded shortly after the change). */
async function waitForActions(page, want) {
  const until = Date.now() + remaining(20_000);
  let got = [];
  while (Date.now() < until) {
    got = await auditActions(page);
    if (want.every((a) => got.includes(a))) return got;
    await auditPanel(page).getByRole('button', { name: 'Refresh' }).click();
    await page.waitForTimeout(500);
  }
  throw new Error(`audit log has ${JSON.stringify(got)}, not all of ${JSON.stringify(want)}`);
}

async function testAuditLog(page, base, state) {
  await openGovernance(page);
  const got = await waitForActions(page, ['workbook.uploaded', 'simulation.created', 'model.created', 'model.updated']);
  log('audit actions:', got.join(', '));
  const uploaded = page.locator('[data-testid="audit-log"] tbody tr[data-action="workbook.uploaded"]').first();
  const href = await uploaded.getByRole('link').getAttribute('href');
  if (href !== `/workbooks/${state.workbookId}`) throw new Error(`the upload's entry links to ${href}, not the workbook`);

  const action = auditPanel(page).getByLabel('Action');
  await action.selectOption('simulation.');
  await page.waitForFunction(() => {
    const rows = [...document.querySelectorAll('[data-testid="audit-log"] tbody tr')].map((r) => r.getAttribute('data-action'));
    return rows.length > 0 && rows.every((a) => a.startsWith('simulation.'));
  }, null, { timeout: remaining(10_000) });
  await action.selectOption('workbook.uploaded');
  await page.waitForFunction(() => {
    const rows = [...document.querySelectorAll('[data-testid="audit-log"] tbody tr')].map((r) => r.getAttribute('data-action'));
    return rows.length > 0 && rows.every((a) => a === 'workbook.uploaded');
  }, null, { timeout: remaining(10_000) });
  await auditPanel(page).getByLabel('Object').selectOption('model');
  await auditPanel(page).getByText('No entries match these filters').waitFor({ timeout: remaining(10_000) });
  await action.selectOption('');
  await auditPanel(page).getByLabel('Object').selectOption('');
}

async function testApiKey(page, base) {
  const panel = page.getByRole('region', { name: 'API keys' });
  await panel.getByLabel('Key name').fill('e2e reader');
  await panel.getByLabel('Scope').selectOption('READ');
  await panel.getByRole('button', { name: 'Create key' }).click();
  const secretEl = panel.getByTestId('secret');
  await secretEl.waitFor({ timeout: remaining(10_000) });
  const secret = (await secretEl.textContent())?.trim() ?? '';
  if (!secret.startsWith('sgk_')) throw new Error(`the secret shown is ${JSON.stringify(secret)}`);
  await panel.getByRole('button', { name: 'Done' }).click();
  await secretEl.waitFor({ state: 'detached', timeout: remaining(5_000) });
  await page.reload();
  await page.getByRole('heading', { name: 'Governance', level: 1 }).waitFor({ timeout: remaining(15_000) });
  const row = page.getByRole('region', { name: 'API keys' }).getByRole('row', { name: /e2e reader/ });
  await row.waitFor({ timeout: remaining(10_000) });
  if ((await page.content()).includes(secret)) throw new Error('the secret is shown again after a reload');

  const me = await gql(base, secret, '{ me { id } }');
  if (!me.data?.me?.id) throw new Error(`the READ key did not answer { me { id } }: ${JSON.stringify(me)}`);
  const write = await gql(base, secret, 'mutation { createModel(input: { workbookId: "00000000-0000-0000-0000-000000000000", name: "x", definition: { inputs: [], outputs: [], iterations: 1 } }) { id } }');
  if (codeOf(write) !== 'FORBIDDEN') throw new Error(`a READ key's mutation answered ${JSON.stringify(write)}, not FORBIDDEN`);

  await row.getByRole('button', { name: 'Revoke' }).click();
  const dialog = page.getByRole('dialog', { name: 'Revoke this API key?' });
  await dialog.getByRole('button', { name: 'Revoke' }).click();
  await row.getByText(/Revoked/).waitFor({ timeout: remaining(10_000) });
  const after = await gql(base, secret, '{ me { id } }');
  if (codeOf(after) !== 'UNAUTHENTICATED') throw new Error(`a revoked key answered ${JSON.stringify(after)}, not UNAUTHENTICATED`);
}

async function testWebhook(page) {
  const panel = page.getByRole('region', { name: 'Webhooks' });
  const url = 'https://hooks.example.com/simgraph-e2e';
  await panel.getByLabel('Webhook URL').fill(url);
  await panel.getByRole('button', { name: 'Create webhook' }).click();
  const secret = panel.getByTestId('secret');
  await secret.waitFor({ timeout: remaining(10_000) });
  if (!((await secret.textContent()) ?? '').trim()) throw new Error('no signing secret shown');
  await panel.getByTestId('webhook').filter({ hasText: url }).waitFor({ timeout: remaining(10_000) });
  await panel.getByRole('button', { name: 'Done' }).click();
}

async function testModelLibrary(page, base, state) {
  const panel = page.getByRole('region', { name: 'Model library' });
  await panel.getByRole('button', { name: 'Refresh' }).click();
  const item = panel.locator(`[data-model="${state.modelId}"]`);
  await item.waitFor({ timeout: remaining(10_000) });
  await item.getByRole('button', { name: 'Rename' }).click();
  await item.getByLabel('New name').fill('e2e plan, renamed');
  await item.getByRole('button', { name: 'Save name' }).click();
  await item.getByRole('heading', { name: /e2e plan, renamed/ }).waitFor({ timeout: remaining(10_000) });
  await item.getByRole('button', { name: 'History' }).click();
  await item.getByTestId('model-versions').waitFor({ timeout: remaining(10_000) });
  await item.getByRole('button', { name: 'Restore v1' }).click();
  await item.getByText('Version 1 restored as version 3.').waitFor({ timeout: remaining(10_000) });
  const { model } = await gqlData(base, state.token, 'query($id: ID!) { model(id: $id) { name version current { iterations } } }', { id: state.modelId });
  if (model.name !== 'e2e plan, renamed' || model.version !== 3 || model.current.iterations !== 1000) {
    throw new Error(`after the rename and the restore the model is ${JSON.stringify(model)}`);
  }
  await page.screenshot({ path: join(screenshots, 'governance.png'), fullPage: true });
}

async function main() {
  mkdirSync(screenshots, { recursive: true });
  let passed = 0,
    failed = 0;
  const consoleErrors = [];
  try {
    const bin = simgraphBinary();
    const base = await startServer(bin);
    log('server ready at', base);
    deadline = Date.now() + budget;
    context = await chromium.launchPersistentContext(tempDir('simgraph-gov-chromium-'), {
      executablePath: chromiumPath,
      headless: !process.env.E2E_HEADED,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'].concat(
        process.env.E2E_HEADED ? [] : ['--headless'],
      ),
      viewport: { width: 1440, height: 1000 },
    });
    const page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(20_000);
    page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
    page.on('pageerror', (e) => consoleErrors.push(String(e)));

    // The changes the log is to show, made as the signed-in administrator.
    const state = { token: await signIn(page, base) };
    state.workbookId = await upload(base, state.token, workbookPath);
    await gqlData(base, state.token, 'mutation($in: SimulationInput!) { createSimulation(input: $in) { id } }', {
      in: { workbookId: state.workbookId, name: 'audited run', ...definition(1000) },
    });
    const created = await gqlData(base, state.token, 'mutation($in: CreateModelInput!) { createModel(input: $in) { id } }', {
      in: { workbookId: state.workbookId, name: 'e2e plan', definition: definition(1000) },
    });
    state.modelId = created.createModel.id;
    await gqlData(base, state.token, 'mutation($id: ID!, $in: UpdateModelInput!) { updateModel(id: $id, expectedVersion: 1, input: $in) { version } }', {
      id: state.modelId,
      in: { definition: definition(2000) },
    });

    for (const [name, fn] of [
      ['audit log: upload and simulation entries, filters', testAuditLog],
      ['API key: secret once, READ answers, mutation FORBIDDEN, revoked UNAUTHENTICATED', testApiKey],
      ['webhook: created, secret shown once', testWebhook],
      ['model library: rename, restore version 1', testModelLibrary],
    ]) {
      const t0 = Date.now();
      try {
        await fn(page, base, state);
        passed++;
        log(`PASS ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
      } catch (e) {
        failed++;
        log(`FAIL ${name}: ${e?.stack || e}`);
        try {
          await page.screenshot({ path: join(screenshots, `governance-failure-${passed + failed}.png`), fullPage: true });
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
  console.log(`governance e2e: ${passed} passed, ${failed} failed`);
  process.exitCode = failed > 0 ? 1 : 0;
}

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, async () => {
    await stopServer();
    for (const d of temps) rmSync(d, { recursive: true, force: true });
    console.log('governance e2e: 0 passed, 1 failed');
    process.exit(130);
  });
}

await main();
