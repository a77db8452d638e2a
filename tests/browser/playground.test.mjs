// Browser test of the playground (`ghl serve --sandbox`), driving Debian's chromium through
// playwright-core: paste the sandbox token, run POST /contacts/search and see contacts, run a
// call that fails with 422 and see the explanation, and check the token never reaches the URL,
// a share link, the history, storage or a copied curl command (even when typed into a field).
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

// Starts `ghl serve --sandbox --port 0` and reads the playground URL, token and location id
// from what it prints.
function startServe() {
  return new Promise((resolve, reject) => {
    const child = spawn(ghlBin, ['serve', '--sandbox', '--port', '0'], {stdio: ['ignore', 'pipe', 'pipe']});
    let out = '';
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error('ghl serve printed no URL in 20 s:\n' + out)); }, 20000);
    const onData = (chunk) => {
      out += chunk.toString();
      const url = /Playground: (http:\/\/\S+)/.exec(out);
      const token = /GHL_TOKEN=(\S+)/.exec(out);
      const loc = /GHL_LOCATION_ID=(\S+)/.exec(out);
      if (url && token && loc) {
        clearTimeout(timer);
        resolve({child, url: url[1], token: token[1], location: loc[1], output: () => out});
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error('ghl serve exited with ' + code + ':\n' + out));
    });
  });
}

let serve, context, page, profileDir;
const problems = [];  // console errors, CSP violations, failed requests

before(async () => {
  serve = await startServe();
  profileDir = mkdtempSync(path.join(tmpdir(), 'ghl-browser-'));
  context = await launchChromium(profileDir);
  page = context.pages()[0] || await context.newPage();
  page.on('console', (msg) => { if (msg.type() === 'error') problems.push('console: ' + msg.text()); });
  page.on('pageerror', (err) => problems.push('page error: ' + err.message));
  page.on('requestfailed', (req) => problems.push('request failed: ' + req.url()));
});

after(async () => {
  if (context) await context.close();
  if (serve) serve.child.kill('SIGTERM');
  if (profileDir) rmSync(profileDir, {recursive: true, force: true});
});

async function pickEndpoint(method, apiPath, search) {
  await page.fill('#endpoint-search', search);
  await page.click(`.ep[data-method="${method}"][data-path="${apiPath}"]`);
  await page.waitForFunction(([m, p]) => document.querySelector('#endpoint-method').textContent === m &&
                                         document.querySelector('#endpoint-path').textContent === p, [method, apiPath]);
}

async function sendAndWait() {
  await page.click('#send');
  await page.waitForFunction(() => {
    const s = document.querySelector('#status');
    return s && !s.classList.contains('pending');
  }, null, {timeout: 15000});
  return (await page.textContent('#status')).trim();
}

test('the page loads with the whole catalog and no CSP or script errors', async () => {
  await page.goto(serve.url);
  await page.waitForSelector('body[data-ready="1"]', {timeout: 15000});
  const count = await page.locator('#endpoint-list .ep').count();
  assert.equal(count, 576);
  assert.match(await page.textContent('#endpoint-count'), /576 endpoints/);
  assert.match(await page.textContent('#upstream'), /sandbox/);
  assert.equal(await page.inputValue('#location'), serve.location, 'location pre-filled from the sandbox');
  assert.deepEqual(problems, []);
});

test('the search box finds an operation by what it does, best first', async () => {
  await page.fill('#endpoint-search', 'send sms');
  await page.waitForFunction(() => /best matches/.test(document.querySelector('#endpoint-count').textContent));
  const first = page.locator('#endpoint-list .ep').first();
  assert.equal(await first.getAttribute('data-method'), 'POST');
  assert.equal(await first.getAttribute('data-path'), '/conversations/messages');
  assert.match(await first.textContent(), /Send a message/);
  await page.fill('#endpoint-search', 'list contacts');
  await page.waitForFunction(() => document.querySelector('#endpoint-list .ep')?.dataset.path === '/contacts/search');
  await page.click('.ep[data-method="GET"][data-path="/contacts/"]');
  assert.match(await page.textContent('#endpoint-deprecated'), /deprecated by GHL: use POST \/contacts\/search/);
  await page.fill('#endpoint-search', '');
  await page.waitForFunction(() => document.querySelectorAll('#endpoint-list .ep').length === 576);
});

test('POST /contacts/search with the pasted sandbox token shows contacts', async () => {
  await page.fill('#token', serve.token);
  await pickEndpoint('POST', '/contacts/search', 'contacts search');
  assert.equal(await page.inputValue('#version'), '2021-07-28');
  const body = JSON.parse(await page.inputValue('#body'));
  assert.equal(body.locationId, serve.location, 'locationId filled from the location box');
  const status = await sendAndWait();
  assert.match(status, /^200/, 'status: ' + status + '\n' + await page.textContent('#explanation'));
  const response = await page.textContent('#response');
  assert.match(response, /"contacts"/);
  assert.match(response, /@/, 'contact emails are shown');
  assert.match(await page.textContent('#time'), /\d+(\.\d+)? ms/);
  assert.match(await page.textContent('#rate-limit'), /burst \d+\/\d+/);
  assert.equal(await page.isVisible('#explanation'), false);
  await page.screenshot({path: path.join(shotDir, 'ghl-playground-search.png')});
});

test('a call that fails with 422 shows the explanation', async () => {
  await pickEndpoint('POST', '/contacts/', 'post contacts');
  await page.fill('#body', JSON.stringify({locationId: serve.location, email: 'x@example.com', notAField: 1}, null, 2));
  const status = await sendAndWait();
  assert.match(status, /^422/, 'status: ' + status);
  assert.equal(await page.isVisible('#explanation'), true);
  const explanation = await page.textContent('#explanation');
  assert.match(explanation, /422/);
  assert.match(explanation, /notAField/, 'GHL\'s message names the field: ' + explanation);
  await page.screenshot({path: path.join(shotDir, 'ghl-playground-422.png')});
});

test('the token never reaches the URL, a share link, the history or storage', async () => {
  const token = serve.token;
  await pickEndpoint('POST', '/contacts/search', 'contacts search');
  await page.click('#share-link');
  const share = await page.inputValue('#share-url');
  assert.match(share, /e=contacts\./);
  assert.ok(!share.includes(token), 'share link carries the token: ' + share);
  assert.ok(!page.url().includes(token), 'URL carries the token');
  const storage = await page.evaluate(() => JSON.stringify({local: {...localStorage}, session: {...sessionStorage}}));
  assert.match(storage, /contacts\/search/, 'history was stored');
  assert.ok(!storage.includes(token), 'storage carries the token: ' + storage);
  await page.click('#tab-history');
  assert.ok((await page.locator('#history .hist').count()) >= 2);
  assert.ok(!(await page.textContent('#history')).includes(token));

  // "remember in this tab" is opt-in and uses sessionStorage only.
  await page.check('#remember-token');
  assert.equal(await page.evaluate(() => sessionStorage.getItem('ghl.playground.token')), token);
  await page.uncheck('#remember-token');
  assert.equal(await page.evaluate(() => sessionStorage.getItem('ghl.playground.token')), null);

  // A share link opened in a fresh tab restores the call but not the token.
  const other = await context.newPage();
  await other.goto(share);
  await other.waitForSelector('body[data-ready="1"]');
  assert.equal(await other.textContent('#endpoint-path'), '/contacts/search');
  assert.equal(await other.inputValue('#token'), '');
  assert.equal(JSON.parse(await other.inputValue('#body')).locationId, serve.location);
  await other.close();
  assert.deepEqual(problems, []);
});

// Reads what "Copy as curl" copies (the clipboard is replaced by a recorder).
async function copiedCurl() {
  await page.evaluate(() => {
    window.__copied = undefined;
    Object.defineProperty(navigator, 'clipboard', {
      configurable: true, value: {writeText: async (text) => { window.__copied = text; }}});
  });
  await page.click('#copy-curl');
  await page.waitForFunction(() => typeof window.__copied === 'string');
  return page.evaluate(() => window.__copied);
}

test('copy as curl never carries the token, even typed into a field or the body', async () => {
  const token = serve.token;
  await page.click('#tab-endpoints');  // the test before left the history tab open
  assert.equal(await page.isChecked('#include-token'), false);

  await pickEndpoint('POST', '/contacts/search', 'contacts search');
  await page.fill('#body', JSON.stringify({locationId: serve.location, pageLimit: 1, query: token}));
  let curl = await copiedCurl();
  assert.ok(!curl.includes(token), 'copied curl carries the token: ' + curl);
  assert.match(curl, /-H "Authorization: Bearer \$GHL_TOKEN"/);
  assert.ok(curl.includes(`"query":"'"$GHL_TOKEN"'"`), curl);

  await pickEndpoint('GET', '/contacts/search/duplicate', 'duplicate');
  await page.fill('#query-params input[data-name="email"]', token);
  curl = await copiedCurl();
  assert.ok(!curl.includes(token), 'copied curl carries the token: ' + curl);
  assert.ok(curl.includes(`email='"$GHL_TOKEN"'`), curl);
  // Still runnable as is: the shell puts $GHL_TOKEN back where it was typed.
  let curlRan = false;
  try { execFileSync('curl', ['--version'], {stdio: 'ignore'}); curlRan = true; } catch (_) { /* no curl CLI */ }
  if (curlRan) {
    const out = execFileSync('bash', ['-c', curl], {env: {...process.env, GHL_TOKEN: token}, timeout: 10000});
    assert.deepEqual(JSON.parse(out.toString()), {contact: null}, 'the copied command ran: ' + out);
  }

  // Asked for, the token is in the command (the toast says so).
  await page.check('#include-token');
  assert.ok((await copiedCurl()).includes(token));
  await page.uncheck('#include-token');
  assert.deepEqual(problems, []);
});
