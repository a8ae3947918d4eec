#!/usr/bin/env node
// Browser end-to-end test of the embedded web app against a real
// `simgraph serve`, driven by playwright-core and Debian's chromium.
//
//   SIMGRAPH_BIN      the simgraph binary (default: `go build` into a temp dir)
//   E2E_SCREENSHOTS   where screenshots go (default: web/e2e/screenshots)
//   E2E_WORKBOOK      the workbook to upload (default: ../shared/workbooks/project-dcf.xlsx
//                     beside the repository)
//   E2E_RISK_WORKBOOK an @RISK workbook with its model in its cells (default:
//                     written by `go run ./scripts/e2eworkbook -risk`)
//   CHROMIUM          the browser (default: /usr/bin/chromium)
//   E2E_HEADED=1      show the browser (needs a display)
//
// Screenshots: results.png, scenarios.png, incell.png, compare.png, organization.png, notifications.png, playground.png,
// playground-docs.png.
// It builds nothing of the web app: it tests the dist/ embedded in the
// binary. Exits non-zero on failure; the last line is "e2e: N passed, M failed".
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, readFileSync, existsSync, createWriteStream, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const webDir = resolve(here, '..');
const repoRoot = resolve(webDir, '..');
const screenshots = resolve(process.env.E2E_SCREENSHOTS || join(here, 'screenshots'));
const workbookPath = resolve(process.env.E2E_WORKBOOK || join(repoRoot, '..', 'shared', 'workbooks', 'project-dcf.xlsx'));
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
// The browser part's budget, counted from when the server is ready (a cold
// `go build` before it does not eat into it).
const budget = Number(process.env.E2E_TIMEOUT_MS || 300_000);
let deadline = Date.now() + budget;

const INPUTS = [
  { ref: 'Inputs!B2', type: 'TRIANGULAR', fields: { Minimum: '100', 'Most likely': '120', Maximum: '150' } },
  { ref: 'Inputs!B3', type: 'NORMAL', fields: { Mean: '10000', 'Standard deviation': '1500' } },
  { ref: 'Inputs!B4', type: 'UNIFORM', fields: { Minimum: '0.03', Maximum: '0.12' } },
  { ref: 'Inputs!B5', type: 'TRIANGULAR', fields: { Minimum: '60', 'Most likely': '70', Maximum: '90' } },
  { ref: 'Inputs!B7', type: 'UNIFORM', fields: { Minimum: '0.08', Maximum: '0.12' } },
];
const OUTPUTS = ['Summary!B2', 'Summary!B3'];
const ITERATIONS = 10000;

const temps = [];
let server = null;
let serverLog = '';
let context = null;

function log(...a) {
  console.log('[e2e]', ...a);
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
  const out = join(tempDir('simgraph-e2e-bin-'), 'simgraph');
  log('building simgraph (go build) …');
  execFileSync('go', ['build', '-o', out, '.'], { cwd: repoRoot, stdio: ['ignore', 'inherit', 'inherit'] });
  return out;
}

function riskWorkbookPath() {
  if (process.env.E2E_RISK_WORKBOOK) return resolve(process.env.E2E_RISK_WORKBOOK);
  const dir = tempDir('simgraph-e2e-risk-');
  const out = join(dir, 'risk-model.xlsx');
  execFileSync('go', ['run', './scripts/e2eworkbook', '-rows', '1', '-o', join(dir, 'unused.xlsx'), '-risk', out], { cwd: repoRoot, stdio: ['ignore', 'inherit', 'inherit'] });
  return out;
}

async function startServer(bin) {
  const port = await freePort();
  const dataDir = tempDir('simgraph-e2e-data-');
  const env = {
    ...process.env,
    SIMGRAPH_ENV: 'development',
    SIMGRAPH_DEMO: 'true',
    SIMGRAPH_DATA_DIR: dataDir,
    SIMGRAPH_LOG_LEVEL: process.env.SIMGRAPH_LOG_LEVEL || 'info',
  };
  for (const k of Object.keys(env)) if (/^SIMGRAPH_(POSTGRES|REDIS|.*_DATABASE)_URL$/.test(k)) delete env[k];
  const addr = `127.0.0.1:${port}`;
  log(`starting ${bin} serve --addr ${addr}`);
  const logFile = createWriteStream(join(dataDir, 'server.log'));
  server = spawn(bin, ['serve', '--addr', addr], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: false });
  const keep = (chunk) => {
    serverLog = (serverLog + chunk.toString()).slice(-20000);
    logFile.write(chunk);
  };
  server.stdout.on('data', keep);
  server.stderr.on('data', keep);
  const exited = new Promise((res) => server.once('exit', (code, sig) => res({ code, sig })));
  const base = `http://${addr}`;
  const until = Date.now() + 30_000;
  while (Date.now() < until) {
    const early = await Promise.race([exited, new Promise((r) => setTimeout(() => r(null), 150))]);
    if (early) throw new Error(`simgraph exited before it was ready (${JSON.stringify(early)})`);
    try {
      const r = await fetch(`${base}/readyz`);
      if (r.ok) return base;
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

// ---- the tests --------------------------------------------------------------------

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

async function uploadByDrop(page, file) {
  const bytes = readFileSync(file).toString('base64');
  const name = file.split('/').pop();
  await page.getByTestId('dropzone').waitFor();
  await page.evaluate(
    ({ bytes, name }) => {
      const bin = Uint8Array.from(atob(bytes), (c) => c.charCodeAt(0));
      const f = new File([bin], name, { type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' });
      const dt = new DataTransfer();
      dt.items.add(f);
      const zone = document.querySelector('[data-testid="dropzone"]');
      for (const type of ['dragenter', 'dragover', 'drop']) zone.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: dt }));
    },
    { bytes, name },
  );
}

function cell(page, ref) {
  return page.locator(`td[data-ref="${ref}"]`);
}

async function openSheet(page, ref) {
  const sheet = ref.split('!')[0];
  const tab = page.getByRole('tab', { name: new RegExp(`^${sheet}\\b`) });
  if ((await tab.getAttribute('aria-selected')) !== 'true') await tab.click();
  await page.getByRole('grid', { name: `Sheet ${sheet}` }).waitFor({ timeout: remaining(15_000) });
  await cell(page, ref).waitFor({ timeout: remaining(10_000) });
}

async function makeInput(page, { ref, type, fields }) {
  await openSheet(page, ref);
  await cell(page, ref).click();
  const form = page.getByRole('form', { name: `Distribution of ${ref}` });
  await form.waitFor({ timeout: remaining(10_000) });
  await form.getByLabel('Distribution', { exact: true }).selectOption(type);
  for (const [label, value] of Object.entries(fields)) await form.getByLabel(label, { exact: true }).fill(value);
  await form.getByTestId('density-preview').waitFor({ timeout: 5000 });
  await form.getByRole('button', { name: 'Make input' }).click();
  await page.getByRole('list', { name: 'Inputs' }).getByRole('button', { name: ref, exact: true }).waitFor({ timeout: 5000 });
}

async function makeOutput(page, ref) {
  await openSheet(page, ref);
  await cell(page, ref).click();
  await page.getByRole('button', { name: 'Make output' }).click();
  await page.getByRole('list', { name: 'Outputs' }).getByRole('button', { name: ref, exact: true }).waitFor({ timeout: 5000 });
}

async function testApp(page, base, state) {
  state.token = await signIn(page, base);
  log('signed in with the development sign-in');

  if (!existsSync(workbookPath)) throw new Error(`workbook not found: ${workbookPath}`);
  await uploadByDrop(page, workbookPath);
  await page.waitForURL(/\/workbooks\/[^/]+$/, { timeout: remaining(30_000) });
  state.workbookId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop());
  log('uploaded', workbookPath, '->', state.workbookId);

  for (const input of INPUTS) await makeInput(page, input);
  for (const ref of OUTPUTS) await makeOutput(page, ref);
  log(`model: ${INPUTS.length} inputs, ${OUTPUTS.length} outputs`);

  const run = page.getByRole('region', { name: 'Run' });
  await run.getByLabel('Iterations').fill(String(ITERATIONS));
  await run.getByLabel('Monte Carlo').check();

  // Record every value the progress bar takes, from before the run starts.
  await page.evaluate(() => {
    const seen = [];
    window.__progressValues = seen;
    const record = () => {
      for (const el of document.querySelectorAll('[role="progressbar"]')) {
        const v = Number(el.getAttribute('aria-valuenow'));
        if (seen[seen.length - 1] !== v) seen.push(v);
      }
    };
    new MutationObserver(record).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['aria-valuenow'] });
  });
  await run.getByRole('button', { name: /^Run 10,000 iterations$/ }).click();
  await page.waitForURL(/\/simulations\/[^/]+$/, { timeout: remaining(20_000) });
  state.simulationId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop());
  log('simulation', state.simulationId);

  const bar = page.getByRole('progressbar', { name: 'Simulation progress' });
  await bar.waitFor({ timeout: remaining(20_000) });
  for (const attr of ['aria-valuemin', 'aria-valuemax']) if ((await bar.getAttribute(attr)) === null) throw new Error(`progress bar has no ${attr}`);
  await page.waitForFunction(() => document.querySelector('[role="progressbar"]')?.getAttribute('aria-valuenow') === '100', null, { timeout: remaining(90_000) });
  const values = await page.evaluate(() => window.__progressValues);
  log('progress values:', values.join(' → '));
  if (!values.some((v) => v > 0 && v < 100)) throw new Error(`the progress bar took no intermediate value: ${values.join(', ')}`);

  await page.getByTestId('stats-table').waitFor({ timeout: remaining(30_000) });
  for (const id of ['histogram', 's-curve', 'tornado']) {
    const fig = page.getByTestId(id);
    await fig.locator('svg.recharts-surface').first().waitFor({ timeout: remaining(15_000) });
  }
  await page.waitForFunction(
    () => document.querySelectorAll('[data-testid="histogram"] .recharts-bar-rectangle').length > 0 && document.querySelectorAll('[data-testid="tornado"] .recharts-bar-rectangle').length > 0,
    null,
    { timeout: remaining(15_000) },
  );
  const status = await page.locator('h1 .status').textContent();
  if (status?.trim() !== 'Completed') throw new Error(`status is ${status}, not Completed`);
  log('results: histogram, S-curve and tornado rendered');
  await page.mouse.move(0, 0); // no chart tooltip in the picture
  await page.screenshot({ path: join(screenshots, 'results.png'), fullPage: true });
}

// The analyst's workflow on the DCF model of testApp: save the model, edit
// it into version 2 with three scenarios (a constant price, another unit
// cost distribution, the worst 10% of growth), run that version, read each
// scenario's results in the workbook's number formats, move a delimiter,
// compare with the first run, and download the .xlsx report, checked
// against the API's values by scripts/checkreport.
async function testScenarios(page, base, state) {
  if (!state.workbookId || !state.simulationId) throw new Error('no model to build on (the app test failed)');
  await page.goto(`${base}/workbooks/${encodeURIComponent(state.workbookId)}`);
  const saved = page.getByRole('region', { name: 'Saved models' });
  await saved.getByLabel('Model name', { exact: true }).fill('DCF e2e');
  await saved.getByRole('button', { name: 'Save as new model' }).click();
  await saved.getByRole('button', { name: 'Save as version 2' }).waitFor({ timeout: remaining(15_000) });
  log('saved the model as version 1');

  // Version 2: a wider price and three scenarios.
  await openSheet(page, 'Inputs!B2');
  await cell(page, 'Inputs!B2').click();
  const price = page.getByRole('form', { name: 'Distribution of Inputs!B2' });
  await price.waitFor({ timeout: remaining(10_000) });
  await price.getByLabel('Maximum', { exact: true }).fill('160');
  await price.getByRole('button', { name: 'Save input' }).click();
  const run = page.getByRole('region', { name: 'Run', exact: true });
  await run.getByLabel('Iterations').fill('2000');
  const scenarios = [
    { name: 'Low price', cell: 'Inputs!B2', kind: 'value', fill: async (g) => g.getByLabel('Value', { exact: true }).fill('100') },
    {
      name: 'High cost',
      cell: 'Inputs!B5',
      kind: 'distribution',
      fill: async (g) => {
        const form = g.getByRole('form', { name: 'Distribution of Inputs!B5' });
        await form.getByLabel('Distribution', { exact: true }).selectOption('TRIANGULAR');
        for (const [label, v] of Object.entries({ Minimum: '80', 'Most likely': '90', Maximum: '110' })) await form.getByLabel(label, { exact: true }).fill(v);
      },
    },
    {
      name: 'Worst growth',
      cell: 'Inputs!B4',
      kind: 'percentile',
      fill: async (g) => {
        await g.getByLabel('From percentile', { exact: true }).fill('0');
        await g.getByLabel('To percentile', { exact: true }).fill('10');
      },
    },
  ];
  for (const [i, sc] of scenarios.entries()) {
    await run.getByRole('button', { name: 'Add scenario' }).click();
    const g = run.getByRole('group', { name: `Scenario ${i + 1}`, exact: true });
    await g.getByLabel('Scenario name', { exact: true }).fill(sc.name);
    await g.getByLabel('Input', { exact: true }).selectOption(sc.cell);
    await g.getByLabel('Override with', { exact: true }).selectOption(sc.kind);
    await sc.fill(g);
    await g.getByRole('button', { name: 'Add override' }).click();
    await g.getByRole('list', { name: `Overrides of ${sc.name}` }).getByText(sc.cell).waitFor({ timeout: 5000 });
  }
  await saved.getByRole('button', { name: 'Save as version 2' }).click();
  await saved.getByRole('button', { name: 'Save as version 3' }).waitFor({ timeout: remaining(15_000) });
  await expectText(run.getByText(/^Runs saved version/), /^Runs saved version 2 of “DCF e2e”\.$/, 'saved version to run');
  log('saved version 2 with 3 scenarios');

  await run.getByRole('button', { name: /^Run 2,000 iterations × 4 scenarios$/ }).click();
  const id = await waitCompleted(page);
  state.scenarioRun = id;
  log('ran version 2 with its scenarios:', id);

  const sim = await graphql(base, state.token, `query($id: ID!) { simulation(id: $id) { modelVersion
    results { cell name numberFormat iterations mean stdDev percentiles { p value } }
    scenarios { index name results { cell name numberFormat iterations mean stdDev percentiles { p value } } impacts { output meanDifference } } } }`, { id });
  if (sim.modelVersion !== 2) throw new Error(`ran model version ${sim.modelVersion}, expected 2`);
  const names = sim.scenarios.map((s) => s.name).join('|');
  if (names !== 'Base|Low price|High cost|Worst growth') throw new Error(`scenarios: ${names}`);
  const formats = sim.results.map((r) => r.numberFormat).join('|');
  if (formats !== '$#,##0|0.0%') throw new Error(`output number formats: ${formats}`);

  const table = page.getByTestId('scenario-table');
  await table.waitFor({ timeout: remaining(15_000) });
  const rowNames = (await table.locator('tbody th').allTextContents()).join('|');
  if (rowNames !== names) throw new Error(`scenario rows: ${rowNames}`);
  // Each row's change against the base points the way the API's impact on
  // the NPV does (same random numbers, so the sign is the scenario's).
  const npv = sim.results[0];
  for (const sc of scenarios) {
    const row = table.locator(`tbody tr[data-scenario="${sc.name}"]`);
    const impact = sim.scenarios.find((s) => s.name === sc.name)?.impacts.find((i) => i.output === npv.cell || i.output === npv.name);
    if (!impact) throw new Error(`${sc.name}: no impact on ${npv.cell} in ${JSON.stringify(sim.scenarios)}`);
    const want = impact.meanDifference > 0 ? 'num diff up' : impact.meanDifference < 0 ? 'num diff down' : 'num';
    const got = await row.locator('td').nth(4).getAttribute('class');
    if (got !== want) throw new Error(`${sc.name}: change cell is "${got}", the API's mean difference ${impact.meanDifference} wants "${want}": ${await row.textContent()}`);
    await expectText(row.locator('td').first(), /^−?\$\d{1,3}(,\d{3})*$/, `${sc.name} mean NPV in the workbook's format`);
  }
  await page.getByRole('combobox', { name: 'Scenario output' }).selectOption('Summary!B3');
  const irr = sim.scenarios[0].results.find((r) => r.cell === 'Summary!B3');
  const irrText = `${(irr.mean * 100).toFixed(1).replace('-', '−')}%`;
  await expectText(table.locator('tbody tr[data-scenario="Base"] td').first(), new RegExp(`^${irrText.replace('.', '\\.')}$`), 'base mean IRR as the workbook shows it');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="scenario-cdf"] .recharts-line').length === 4, null, { timeout: remaining(15_000) });
  await expectText(page.getByTestId('stats-table').locator('tr', { hasText: 'Mean' }).first().locator('td'), /^−?\$\d{1,3}(,\d{3})*$/, 'mean NPV in the statistics');
  log(`per-scenario results read: base mean IRR ${irrText}, 4 CDFs overlaid`);

  // The delimiter at the base's median: about half the NPVs lie above it.
  const median = sim.results[0].percentiles.find((p) => p.p === 50).value;
  await page.getByRole('textbox', { name: 'Upper delimiter', exact: true }).fill(String(median));
  await expectText(page.getByTestId('prob-above'), /(4[5-9]|5[0-5])\.\d%$/, 'probability above the median NPV');
  const before = await page.getByTestId('prob-below').textContent();
  const lower = page.getByRole('slider', { name: 'Lower delimiter line' }).first();
  await lower.focus();
  for (let i = 0; i < 5; i++) await page.keyboard.press('PageUp');
  await page.waitForFunction((b) => document.querySelector('[data-testid="prob-below"]')?.textContent !== b, before, { timeout: remaining(5000) });
  const after = await expectText(page.getByTestId('prob-below'), /\d+\.\d%$/, 'probability below the moved delimiter');
  log(`delimiter moved: "${before}" -> "${after}"`);
  await page.mouse.move(0, 0);
  await page.screenshot({ path: join(screenshots, 'scenarios.png'), fullPage: true });

  // The report, checked against the API.
  const dir = tempDir('simgraph-e2e-report-');
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: remaining(30_000) }), page.getByRole('button', { name: 'Excel report' }).click()]);
  const reportPath = join(dir, 'report.xlsx');
  await download.saveAs(reportPath);
  const simPath = join(dir, 'simulation.json');
  writeFileSync(simPath, JSON.stringify({ results: sim.results, scenarios: sim.scenarios.slice(1) }));
  const out = execFileSync('go', ['run', './scripts/checkreport', '-report', reportPath, '-simulation', simPath], { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  log(out.trim());

  // Against the first run on the compare page.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Compare' }).click();
  await page.waitForURL(/\/compare/, { timeout: remaining(10_000) });
  // The picker labels a run by its name (a saved model's runs carry the
  // model's), else by the end of its ID.
  for (const run of [state.simulationId, id]) {
    const { name } = await graphql(base, state.token, `query($id: ID!) { simulation(id: $id) { name } }`, { id: run });
    const label = name || `Run ${run.slice(-6)}`;
    await page.getByRole('checkbox', { name: new RegExp(label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) }).first().check();
  }
  const diffs = page.getByRole('table', { name: 'Percentiles against the first run' });
  await diffs.waitFor({ timeout: remaining(20_000) });
  if ((await diffs.locator('.diff').count()) !== 8) throw new Error('expected a difference per statistic against the first run');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="compare-cdf"] .recharts-line').length === 2, null, { timeout: remaining(15_000) });
  log('compared the scenario run with the first run');
}

async function graphql(base, token, query, variables) {
  const r = await fetch(`${base}/graphql`, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` }, body: JSON.stringify({ query, variables }) });
  const body = await r.json();
  if (body.errors?.length) throw new Error(`GraphQL: ${JSON.stringify(body.errors)}`);
  return body.data.simulation;
}

async function waitCompleted(page) {
  await page.waitForURL(/\/simulations\/[^/]+$/, { timeout: remaining(20_000) });
  const id = decodeURIComponent(new URL(page.url()).pathname.split('/').pop());
  await page.getByTestId('stats-table').waitFor({ timeout: remaining(60_000) });
  const status = await page.locator('h1 .status').textContent();
  if (status?.trim() !== 'Completed') throw new Error(`status is ${status}, not Completed`);
  return id;
}

async function expectText(locator, re, what) {
  const t = ((await locator.textContent()) ?? '').replace(/\s+/g, ' ').trim();
  if (!re.test(t)) throw new Error(`${what}: "${t}" does not match ${re}`);
  return t;
}

// An @RISK workbook: its in-cell inputs and outputs are detected, it runs
// with nothing marked, and a detected input is overridden for a second run.
async function testInCell(page, base, state) {
  if (!state.token) state.token = await signIn(page, base);
  const file = state.riskWorkbook;
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Workbooks' }).click();
  await page.waitForURL(/\/workbooks$/, { timeout: remaining(10_000) });
  await uploadByDrop(page, file);
  await page.waitForURL(/\/workbooks\/[^/]+$/, { timeout: remaining(30_000) });

  const panel = page.getByTestId('detected-model');
  const table = panel.getByRole('table', { name: 'Detected inputs' });
  await table.waitFor({ timeout: remaining(15_000) });
  const rows = (await table.locator('tbody tr').allTextContents()).map((t) => t.replace(/\s+/g, ' '));
  const want = [
    [/Model!B1/, /Revenue/, /Normal/i, /RiskNormal/],
    [/Model!B2/, /Uniform/i, /RiskUniform/],
    [/Model!B3/, /Triangular/i, /RiskTriang/],
  ];
  if (rows.length !== want.length) throw new Error(`detected inputs: ${JSON.stringify(rows)}`);
  want.forEach((res, i) => res.forEach((re) => {
    if (!re.test(rows[i])) throw new Error(`detected input ${i + 1} "${rows[i]}" does not match ${re}`);
  }));
  const outputs = (await panel.getByRole('list', { name: 'Detected outputs' }).getByRole('listitem').allTextContents()).map((t) => t.trim());
  if (outputs.join('|') !== 'Model!B5 Margin|Model!B6 Profit') throw new Error(`detected outputs: ${JSON.stringify(outputs)}`);
  log(`detected ${rows.length} inputs and ${outputs.length} outputs`);

  const run = page.getByRole('region', { name: 'Run', exact: true });
  await expectText(run.getByTestId('run-scope'), /^Runs the workbook's 3 inputs; the workbook's 2 outputs\.$/, 'run scope');
  await run.getByLabel('Iterations').fill('5000');
  await run.getByRole('button', { name: /^Run 5,000 iterations$/ }).click();
  const first = await waitCompleted(page);
  log('ran the workbook\'s own model:', first);

  const tabs = page.getByRole('tablist', { name: 'Outputs' });
  await expectText(tabs, /Margin \(Model!B5\).*Profit \(Model!B6\)/, 'output tabs');
  await page.locator('[data-testid="histogram"] .recharts-bar-rectangle').first().waitFor({ timeout: remaining(15_000) });
  // Delimiters start at P5 and P95; typed ones move the probabilities.
  const between = page.getByTestId('prob-between');
  await expectText(between, /^between (8[5-9]|9[0-5])\.\d%$/, 'probability between P5 and P95');
  const sliders = await page.getByRole('slider', { name: 'Lower delimiter line' }).count();
  if (sliders !== 2) throw new Error(`${sliders} lower delimiter lines, expected one per chart`);
  await page.getByRole('textbox', { name: 'Upper delimiter', exact: true }).fill('10');
  await expectText(page.getByTestId('prob-above'), /^above 10 0\.0%$/, 'probability above a margin of 10 (1,000%)');
  await page.mouse.move(0, 0);
  await page.screenshot({ path: join(screenshots, 'incell.png'), fullPage: true });

  // Back to the workbook: override the cost, run again.
  await page.locator('.page-head a[href^="/workbooks/"]').click();
  await page.getByTestId('detected-model').getByRole('button', { name: 'Override Model!B2' }).click();
  const form = page.getByRole('form', { name: 'Distribution of Model!B2' });
  await form.waitFor({ timeout: remaining(10_000) });
  await form.getByLabel('Maximum', { exact: true }).fill('800');
  await form.getByRole('button', { name: 'Save input' }).click();
  await expectText(run.getByTestId('run-scope'), /^Runs the workbook's 2 inputs, 1 overridden; the workbook's 2 outputs\.$/, 'run scope after the override');
  await run.getByRole('button', { name: /^Run 5,000 iterations$/ }).click();
  const second = await waitCompleted(page);
  log('ran with Model!B2 overridden:', second);
  state.riskRuns = [first, second];
}

// The two runs of the @RISK workbook, compared: Uniform(500, 800) costs more
// than Uniform(500, 700), so the margin falls.
async function testCompare(page, base, state) {
  if (!state.token) state.token = await signIn(page, base);
  if (!state.riskRuns) throw new Error('no runs to compare (the in-cell test failed)');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Compare' }).click();
  await page.waitForURL(/\/compare/, { timeout: remaining(10_000) });
  for (const id of state.riskRuns) await page.getByRole('checkbox', { name: new RegExp(`Run ${id.slice(-6)}`) }).check();
  await page.waitForURL((u) => u.searchParams.get('ids') === state.riskRuns.join(','), { timeout: remaining(10_000) });
  const table = page.getByRole('table', { name: 'Percentiles against the first run' });
  await table.waitFor({ timeout: remaining(20_000) });
  const heads = (await table.locator('tbody th').allTextContents()).join(' ');
  if (heads !== 'Mean P5 P10 P25 P50 P75 P90 P95') throw new Error(`differences rows: ${heads}`);
  const meanRow = table.locator('tbody tr').first();
  if ((await meanRow.locator('.diff.down').count()) !== 1) throw new Error(`the margin's mean should fall: ${await meanRow.textContent()}`);
  if ((await table.locator('.diff').count()) !== 8) throw new Error('expected a difference per statistic for the second run');
  const output = page.getByRole('combobox', { name: 'Output' });
  if ((await output.inputValue()) !== 'Margin') throw new Error(`compared output ${await output.inputValue()}, expected Margin`);
  for (const id of ['compare-histogram', 'compare-cdf']) {
    await page.waitForFunction((t) => document.querySelectorAll(`[data-testid="${t}"] .recharts-line`).length === 2, id, { timeout: remaining(15_000) });
  }
  const tornadoes = await page.locator('.tornadoes [data-testid="tornado"]').count();
  if (tornadoes !== 2) throw new Error(`${tornadoes} tornadoes, expected 2`);
  await output.selectOption('Profit');
  await page.waitForURL((u) => u.searchParams.get('output') === 'Profit', { timeout: remaining(10_000) });
  await page.getByRole('table', { name: 'Percentiles against the first run' }).locator('tbody tr').first().locator('.diff.down').waitFor({ timeout: remaining(15_000) });
  log('compared two runs: overlaid histogram and CDF, differences, two tornadoes');
  await page.mouse.move(0, 0);
  await page.screenshot({ path: join(screenshots, 'compare.png'), fullPage: true });
}

async function testOrganization(page, base, state) {
  if (!state.token) state.token = await signIn(page, base);
  // Through the app's navigation (no reload: the header's notification
  // subscription stays open for the next test).
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Organization' }).click();
  await page.waitForURL(/\/organization$/, { timeout: remaining(10_000) });
  await page.getByRole('heading', { level: 1, name: 'Demo Organization' }).waitFor({ timeout: remaining(15_000) });

  const data = page.getByRole('region', { name: "Your organization's data" });
  const total = data.getByTestId('simulations-total');
  await total.waitFor({ timeout: remaining(15_000) });
  const n = Number((await total.textContent())?.replace(/,/g, ''));
  if (!(n >= 1)) throw new Error(`userDataSummary shows ${await total.textContent()} simulations, expected at least 1`);
  if (state.simulationId) await data.locator(`a[href="/simulations/${encodeURIComponent(state.simulationId)}"]`).waitFor({ timeout: remaining(5000) });
  log(`data summary: ${n} simulation(s)`);

  const quota = page.getByRole('region', { name: 'Quota' });
  await quota.getByRole('meter').first().waitFor({ timeout: remaining(10_000) });
  const meters = await quota.getByRole('meter').count();
  if (meters < 3) throw new Error(`quota shows ${meters} meters, expected 3`);

  // The development sign-in user is ORG_ADMIN: services and metrics show.
  const services = page.getByTestId('services-table');
  await services.waitFor({ timeout: remaining(15_000) });
  const rows = await services.locator('tbody tr').count();
  if (rows < 1) throw new Error('the services table has no row');
  const unhealthy = await services.locator('.status-down').count();
  if (unhealthy > 0) throw new Error(`${unhealthy} service(s) reported down`);
  await page.getByTestId('metrics').locator('tbody tr').first().waitFor({ timeout: remaining(10_000) });
  const refresh = page.getByRole('region', { name: 'Services' }).getByRole('button', { name: 'Refresh' });
  await refresh.click();
  await page.waitForFunction(() => {
    const b = [...document.querySelectorAll('button')].find((x) => x.textContent === 'Refresh');
    return b && !b.disabled;
  }, null, { timeout: remaining(10_000) });
  if ((await page.getByRole('region', { name: 'Migrations' }).count()) !== 0) throw new Error('the migrate panel shows to an ORG_ADMIN');
  log(`organization: ${rows} services, ${meters} quota meters, metrics rendered`);
  await page.mouse.move(0, 0);
  await page.evaluate(() => window.scrollTo(0, 0)); // the sticky header at the top of the picture
  await page.screenshot({ path: join(screenshots, 'organization.png'), fullPage: true });
}

async function testNotifications(page, base, state) {
  if (!state.token) state.token = await signIn(page, base);
  // The run's simulation.completed notification reaches the bell through
  // notificationAdded (the page was not reloaded since sign-in).
  const bell = page.getByRole('banner').getByRole('button', { name: /^Notifications/ });
  await bell.waitFor({ timeout: remaining(10_000) });
  await bell.click();
  const panel = page.getByRole('region', { name: 'Notifications' });
  const item = panel.getByRole('listitem').filter({ hasText: 'Simulation completed' }).first();
  await item.waitFor({ timeout: remaining(20_000) });
  const label = (await bell.getAttribute('aria-label')) ?? '';
  const before = Number(label.match(/(\d+) unread/)?.[1] ?? 0);
  if (!(before >= 1)) throw new Error(`the bell says "${label}" with an unread notification listed`);
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(screenshots, 'notifications.png') });
  await item.getByRole('button', { name: /^Mark .* as read$/ }).click();
  await page.waitForFunction(
    (b) => {
      const m = (document.querySelector('.bell-button')?.getAttribute('aria-label') ?? '').match(/(\d+) unread/);
      return (m ? Number(m[1]) : 0) < b;
    },
    before,
    { timeout: remaining(10_000) },
  );
  await page.keyboard.press('Escape');
  if ((await bell.getAttribute('aria-expanded')) !== 'false') throw new Error('Escape did not close the notifications');
  log(`notifications: ${before} unread, "Simulation completed" listed and marked read`);
}

async function responseText(page) {
  return page.evaluate(() => {
    const el = document.querySelector('.graphiql-response');
    return el ? el.textContent.replace(/\u00a0/g, ' ') : '';
  });
}

async function runInPlayground(page, base, query, variables, expect) {
  const url = `${base}/playground?query=${encodeURIComponent(query)}${variables ? `&variables=${encodeURIComponent(JSON.stringify(variables))}` : ''}`;
  await page.goto(url);
  await page.locator('.graphiql-container').waitFor({ timeout: remaining(30_000) });
  const run = page.getByRole('button', { name: /Execute query/ });
  await run.waitFor({ timeout: remaining(15_000) });
  // the schema is introspected first; wait for the editor to be ready
  await page.locator('.graphiql-query-editor .monaco-editor').waitFor({ timeout: remaining(15_000) });
  await run.click();
  await page.waitForFunction((texts) => {
    const el = document.querySelector('.graphiql-response');
    const t = el ? el.textContent.replace(/\u00a0/g, ' ') : '';
    return texts.every((x) => t.includes(x));
  }, expect, { timeout: remaining(30_000) });
  return responseText(page);
}

async function testPlayground(page, base, state) {
  if (!state.token) state.token = await signIn(page, base);
  await page.goto(base + '/playground');
  const auth = page.getByTestId('playground-auth');
  await auth.waitFor({ timeout: remaining(30_000) });
  if (!/signed-in token/.test((await auth.textContent()) ?? '')) throw new Error(`headers not prefilled from the signed-in token: ${await auth.textContent()}`);

  const q = await runInPlayground(page, base, '{ me { email } tenantInfo { tenantId tier } }', null, ['"tenantInfo"', '"tenantId"']);
  if (/"errors"/.test(q)) throw new Error(`query answered errors: ${q.slice(0, 400)}`);
  log('playground query answered');

  if (!state.simulationId) throw new Error('no simulation to subscribe to (the app test failed)');
  const sub = await runInPlayground(
    page,
    base,
    'subscription Progress($id: ID!) {\n  simulationProgress(id: $id) {\n    status\n    percent\n    iterationsDone\n  }\n}',
    { id: state.simulationId },
    ['"simulationProgress"', 'COMPLETED'],
  );
  if (/"errors"/.test(sub)) throw new Error(`subscription answered errors: ${sub.slice(0, 400)}`);
  log('playground subscription answered');
  await page.screenshot({ path: join(screenshots, 'playground.png') });
}

// GraphiQL introspects the schema on load with graphql-js's standard
// introspection query (15 levels deep, deeper than the default depth limit):
// the Docs pane shows the root types once that query is answered, "Error
// fetching schema" when it is refused.
async function testPlaygroundDocs(page, base, state) {
  if (!state.token) state.token = await signIn(page, base);
  await page.goto(base + '/playground');
  await page.locator('.graphiql-container').waitFor({ timeout: remaining(30_000) });
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
  log('playground Docs pane lists the Query type\'s fields');
  await page.screenshot({ path: join(screenshots, 'playground-docs.png') });
}

// ---- main ---------------------------------------------------------------------------

async function main() {
  mkdirSync(screenshots, { recursive: true });
  let passed = 0, failed = 0;
  const consoleErrors = [];
  try {
    const bin = simgraphBinary();
    const riskWorkbook = riskWorkbookPath();
    const base = await startServer(bin);
    log('server ready at', base);
    deadline = Date.now() + budget;
    context = await chromium.launchPersistentContext(tempDir('simgraph-e2e-chromium-'), {
      executablePath: chromiumPath,
      headless: !process.env.E2E_HEADED,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'].concat(process.env.E2E_HEADED ? [] : ['--headless']),
      viewport: { width: 1440, height: 1000 },
    });
    const page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(20_000);
    page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
    page.on('pageerror', (e) => consoleErrors.push(String(e)));

    const state = { riskWorkbook };
    for (const [name, fn] of [
      ['app: sign in, upload, model, run, results', testApp],
      ['scenarios: save, version 2 with 3 scenarios, per-scenario results, delimiter, report, compare', testScenarios],
      ['in-cell model: @RISK workbook detected, run as it is and overridden, delimiters', testInCell],
      ['compare: two runs overlaid, differences, tornadoes', testCompare],
      ['organization: data summary, quota, services, metrics', testOrganization],
      ['notifications: bell fed by notificationAdded, mark as read', testNotifications],
      ['playground: query and subscription', testPlayground],
      ['playground: Docs pane loads the schema', testPlaygroundDocs],
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
          await page.screenshot({ path: join(screenshots, `failure-${passed + failed}.png`), fullPage: true });
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
  console.log(`e2e: ${passed} passed, ${failed} failed`);
  process.exitCode = failed > 0 ? 1 : 0;
}

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, async () => {
    await stopServer();
    for (const d of temps) rmSync(d, { recursive: true, force: true });
    console.log('e2e: 0 passed, 1 failed');
    process.exit(130);
  });
}

await main();
