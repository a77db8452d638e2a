// Browser test of the KPI dashboard (`ghl serve --sync-db` → /dashboard), driving Debian's
// chromium through playwright-core: `ghl sync` copies a seeded `ghl sandbox` into a SQLite file,
// the page shows the figures `ghl kpi --json` prints for the same file and period, draws both
// charts (canvas with painted pixels), links the stale deals, follows a period change, and says
// "run ghl sync" when the database is missing. A screenshot is saved to GHL_SCREENSHOT_DIR.
//
// Env: GHL_BIN (the built ghl binary, required), CHROMIUM (default /usr/bin/chromium),
// GHL_SCREENSHOT_DIR (default the OS temp dir). Exits 77 (CTest: skipped) when playwright-core
// or chromium is missing — `scripts/install-test-tools` installs the former.
import {execFileSync, spawn} from 'node:child_process';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {after, before, test} from 'node:test';
import assert from 'node:assert/strict';

import {ghlBin, launchChromium, shotDir} from './harness.mjs';

// Starts `ghl ARGS...` and resolves once `pattern` matches what it printed (stdout + stderr).
function startAndRead(args, pattern, env = process.env) {
  return new Promise((resolve, reject) => {
    const child = spawn(ghlBin, args, {stdio: ['ignore', 'pipe', 'pipe'], env, cwd: workDir});
    let out = '';
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`ghl ${args[0]} printed nothing usable in 20 s:\n` + out)); }, 20000);
    const onData = (chunk) => {
      out += chunk.toString();
      const m = pattern.exec(out);
      if (m) { clearTimeout(timer); resolve({child, match: m, output: () => out}); }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`ghl ${args[0]} exited with ${code}:\n` + out)); });
  });
}

function ghlJson(args, env) {
  return JSON.parse(execFileSync(ghlBin, args, {env, cwd: workDir, encoding: 'utf8'}));
}

let workDir, sandbox, serve, missingServe, context, page, syncEnv, dbPath;
const problems = [];

before(async () => {
  workDir = mkdtempSync(path.join(tmpdir(), 'ghl-dashboard-'));
  dbPath = path.join(workDir, 'sync.db');
  sandbox = await startAndRead(['sandbox', '--port', '0'], /GHL_BASE_URL=(\S+) GHL_TOKEN=(\S+) GHL_LOCATION_ID=(\S+)/);
  const [, baseUrl, token, location] = sandbox.match;
  syncEnv = {...process.env, GHL_BASE_URL: baseUrl, GHL_TOKEN: token, GHL_LOCATION_ID: location};
  execFileSync(ghlBin, ['sync', '--db', dbPath, '--no-pacing'], {env: syncEnv, cwd: workDir, stdio: 'pipe'});
  serve = await startAndRead(['serve', '--port', '0', '--sync-db', dbPath,
                              '--events-db', path.join(workDir, 'events.db')], /Dashboard:\s+(http:\/\/\S+)/);
  missingServe = await startAndRead(['serve', '--port', '0', '--sync-db', path.join(workDir, 'none.db'),
                                     '--events-db', path.join(workDir, 'events2.db')], /Dashboard:\s+(http:\/\/\S+)/);
  context = await launchChromium(path.join(workDir, 'profile'), {width: 1440, height: 1000});
  page = context.pages()[0] || await context.newPage();
  page.on('console', (msg) => { if (msg.type() === 'error') problems.push('console: ' + msg.text()); });
  page.on('pageerror', (err) => problems.push('page error: ' + err.message));
  page.on('request', (req) => { if (!req.url().startsWith('http://127.0.0.1')) problems.push('off-host request: ' + req.url()); });
});

after(async () => {
  if (context) await context.close();
  for (const p of [serve, missingServe, sandbox]) if (p) p.child.kill('SIGTERM');
  if (workDir) rmSync(workDir, {recursive: true, force: true});
});

// The tile values the page shows (data-value holds the raw number the text was formatted from).
async function tiles() {
  return page.evaluate(() => {
    const v = (id) => { const s = document.querySelector(id).dataset.value; return s === '' ? null : Number(s); };
    return {winRate: v('#kpi-win-rate'), revenueWon: v('#kpi-revenue-won'), openValue: v('#kpi-open-value'),
            median: v('#kpi-response-median'), p90: v('#kpi-response-p90'), leads: v('#kpi-leads')};
  });
}

async function waitForLoad(minLoads) {
  await page.waitForFunction((n) => Number(document.body.dataset.loads || 0) >= n &&
                                    document.body.dataset.state === 'ready', minLoads, {timeout: 15000});
}

// Painted (non-transparent) pixels of a canvas.
function painted(id) {
  return page.evaluate((sel) => {
    const c = document.querySelector(sel);
    if (!c || !c.width || !c.height) return 0;
    const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) n++;
    return n;
  }, id);
}

test('the dashboard shows what ghl kpi --json prints for the default period (30d)', async () => {
  await page.goto(serve.match[1]);
  await waitForLoad(1);
  const expected = ghlJson(['kpi', '--json', '--db', dbPath, '--period', '30d'], syncEnv);
  const got = await tiles();
  assert.equal(got.revenueWon, expected.revenueWon);
  assert.equal(got.openValue, expected.openValue);
  assert.equal(got.leads, expected.leads);
  assert.equal(await page.inputValue('#location'), syncEnv.GHL_LOCATION_ID);
  // The picker and the header show the location's name (synced locations table), the id in
  // the tooltip.
  const names = ghlJson(['api', 'GET', `/locations/${syncEnv.GHL_LOCATION_ID}`], syncEnv);
  const name = names.location.name;
  assert.ok(name && name !== syncEnv.GHL_LOCATION_ID);
  assert.equal((await page.textContent('#location option:checked')).trim(), name);
  assert.equal(await page.getAttribute('#location option:checked', 'title'), syncEnv.GHL_LOCATION_ID);
  assert.equal((await page.textContent('#where')).trim(), name);
  assert.equal(await page.getAttribute('#where', 'title'), syncEnv.GHL_LOCATION_ID);
});

test('period "all": the seeded figures, both charts drawn, stale deals linked', async () => {
  await page.selectOption('#period', 'all');
  await page.waitForFunction(() => /start \.\. now/.test(document.querySelector('#updated').textContent), null, {timeout: 15000});
  const k = ghlJson(['kpi', '--json', '--db', dbPath, '--period', 'all'], syncEnv);
  assert.ok(k.openValue > 0 && k.revenueWon > 0 && k.leads > 0, 'the seed has figures to show');
  const got = await tiles();
  assert.deepEqual(got, {winRate: k.winRate, revenueWon: k.revenueWon, openValue: k.openValue,
                         median: k.firstResponse.medianSeconds, p90: k.firstResponse.p90Seconds, leads: k.leads});
  assert.equal((await page.textContent('#kpi-revenue-won')).trim(),
               k.revenueWon.toLocaleString('en-US', {minimumFractionDigits: 2, maximumFractionDigits: 2}));
  assert.equal((await page.textContent('#kpi-win-rate')).trim(), (k.winRate * 100).toFixed(1) + '%');
  // Charts: Chart.js instances hold the stage values and sources, and the canvases are painted.
  const chartData = await page.evaluate(() => ({
    stages: Chart.getChart(document.querySelector('#chart-stages')).data.datasets[0].data,
    sources: Chart.getChart(document.querySelector('#chart-sources')).data.labels,
  }));
  assert.deepEqual(chartData.stages, k.openByStage.map((s) => s.openValue));
  assert.deepEqual(chartData.sources, k.leadsBySource.map((s) => s.source));
  assert.ok(await painted('#chart-stages') > 1000, 'pipeline chart painted');
  assert.ok(await painted('#chart-sources') > 1000, 'sources chart painted');
  // Stage conversion: one row per stage with the funnel's counts.
  const conv = await page.$$eval('#conversion tbody tr', (trs) => trs.map((tr) =>
    [...tr.children].slice(1, 3).map((td) => Number(td.textContent))));
  assert.deepEqual(conv, k.stageConversion.map((c) => [c.reached, c.advanced]));
  assert.ok(conv.length > 0);
  // The link to this view names the location and period (and nothing secret).
  assert.equal(new URL(page.url()).search, `?location=${syncEnv.GHL_LOCATION_ID}&period=all`);
  // Stale deals: one row per deal, linked to the playground's GET /opportunities/{id} call and
  // to the contact in GHL's web app.
  const rows = await page.locator('#stale tbody tr').count();
  assert.equal(rows, k.staleDeals.length);
  assert.ok(rows > 0);
  const first = k.staleDeals[0];
  const href = await page.getAttribute(`#stale tr[data-id="${first.id}"] a.deal`, 'href');
  assert.equal(href, '/#e=opportunities.get-opportunity&p.id=' + first.id);
  assert.equal(await page.getAttribute(`#stale tr[data-id="${first.id}"] a.contact`, 'href'),
               `https://app.gohighlevel.com/v2/location/${k.locationId}/contacts/detail/${first.contactId}`);
  const shot = path.join(shotDir, 'dashboard.png');
  await page.screenshot({path: shot, fullPage: true});
  console.log('screenshot: ' + shot);
});

test('live refresh polls /api/kpi every few seconds', async () => {
  const before = Number(await page.evaluate(() => document.body.dataset.loads));
  await waitForLoad(before + 1);
});

test('no script errors and nothing requested beyond this server (before the 503 page below)', async () => {
  assert.deepEqual(problems, []);
});

test('a missing sync database says to run ghl sync', async () => {
  await page.goto(missingServe.match[1]);
  await page.waitForFunction(() => document.body.dataset.state === 'notice', null, {timeout: 15000});
  const notice = await page.textContent('#notice');
  assert.match(notice, /run `?ghl sync/i);
  assert.ok(await page.isHidden('#content'));
});
