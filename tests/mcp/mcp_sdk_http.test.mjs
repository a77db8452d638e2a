// `ghl serve --mcp` driven by the official MCP TypeScript SDK (@modelcontextprotocol/sdk, pinned
// in package.json) as a real client over streamable HTTP (StreamableHTTPClientTransport), against
// the embedded sandbox (`--sandbox`) and against a separate `ghl sandbox` with a narrow token.
// The client sends our bearer key; GHL's token stays in the server. Without the SDK the test
// reports skipped (exit 77).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ghlBin, isoDate, loadSdk, scratch, startAndWait } from './sdk_harness.mjs';

const { Client, StreamableHTTPClientTransport } = await loadSdk();
const GHL = ghlBin();
const KEY = 'sdk-http-test-key-5f2a9c';
const { dir, procs, clients } = scratch('ghl-mcp-http-', KEY);

let serves = 0;
// `ghl serve --mcp` with these extra args; resolves with the /mcp URL.
async function serve(args, env = {}) {
  const n = ++serves;
  const m = await startAndWait(
    GHL, procs, ['serve', '--port', '0', '--mcp', '--mcp-key-file', join(dir, 'key'),
     '--events-db', join(dir, `events-${n}.db`), '--mcp-audit-log', join(dir, 'audit.jsonl'),
     ...args],
    /MCP: +(http:\/\/\S+\/mcp)/, { PATH: process.env.PATH, HOME: dir, ...env });
  return new URL(m[1]);
}

async function connect(url, key = KEY) {
  const transport = new StreamableHTTPClientTransport(url, {
    requestInit: { headers: { Authorization: `Bearer ${key}` } },
  });
  const client = new Client({ name: 'ghlkit-sdk-http-test', version: '1.0.0' });
  await client.connect(transport);
  clients.push(client);
  return { client, transport };
}

const url = await serve(['--sandbox']);
const { client: sandboxed, transport } = await connect(url);

test('initialize over HTTP: session id, server info, protocol 2025-11-25', async () => {
  assert.match(transport.sessionId, /^[0-9a-f]{64}$/);
  assert.equal(transport.protocolVersion, '2025-11-25');
  assert.equal(sandboxed.getServerVersion().name, 'ghlkit');
  assert.ok(sandboxed.getServerCapabilities().tools);
  await sandboxed.ping();
});

test('tools/list over HTTP', async () => {
  const { tools } = await sandboxed.listTools();
  const names = tools.map((t) => t.name);
  for (const n of ['find_contact', 'get_free_slots', 'book_appointment', 'execute_operation']) {
    assert.ok(names.includes(n), `${n} listed`);
  }
});

test('exact lookup by email and by + phone', async () => {
  const byEmail = await sandboxed.callTool({ name: 'find_contact',
                                             arguments: { email: 'Maria.Garcia@example.com' } });
  assert.equal(byEmail.structuredContent.found, true);
  assert.equal(byEmail.structuredContent.contact.email.toLowerCase(), 'maria.garcia@example.com');
  const created = await sandboxed.callTool({
    name: 'create_contact',
    arguments: { firstName: 'Http', email: 'http.phone@example.com', phone: '+44 20 7946 0959' },
  });
  assert.equal(created.structuredContent.contact.phone, '+442079460959');
  const byPhone = await sandboxed.callTool({ name: 'find_contact',
                                             arguments: { phone: '+442079460959' } });
  assert.equal(byPhone.structuredContent.found, true);
  assert.equal(byPhone.structuredContent.contact.id, created.structuredContent.contact.id);
});

test('book a free slot over HTTP', async () => {
  const cals = await sandboxed.callTool({ name: 'list_calendars', arguments: {} });
  const calendarId = cals.structuredContent.calendars[0].id;
  const now = new Date();
  const from = isoDate(new Date(now.getTime() + 86400000));
  const to = isoDate(new Date(now.getTime() + 10 * 86400000));
  const slots = await sandboxed.callTool({
    name: 'get_free_slots', arguments: { calendarId, from, to, limit: 3 } });
  assert.ok(slots.structuredContent.slots.length > 0);
  const contact = await sandboxed.callTool({ name: 'create_contact',
                                             arguments: { email: 'booker.http@example.com' } });
  const booked = await sandboxed.callTool({
    name: 'book_appointment',
    arguments: { calendarId, contactId: contact.structuredContent.contact.id,
                 startTime: slots.structuredContent.slots[0].start } });
  assert.equal(booked.isError, undefined, JSON.stringify(booked.content));
  assert.ok(booked.structuredContent.appointment.id);
});

test('a wrong key is refused with 401 and opens no session', async () => {
  await assert.rejects(connect(url, 'not-the-key'), /401|Unauthorized/);
});

test('read-only over HTTP does not list writes and refuses them', async () => {
  const roUrl = await serve(['--sandbox', '--mcp-read-only']);
  const { client: ro } = await connect(roUrl);
  const names = (await ro.listTools()).tools.map((t) => t.name);
  assert.ok(!names.includes('create_contact'));
  const refused = await ro.callTool({ name: 'create_contact',
                                      arguments: { email: 'nope.http@example.com' } });
  assert.equal(refused.isError, true);
  assert.match(refused.content[0].text, /--read-only/);
});

test('a GHL error comes back as isError with the hint; the session goes on', async () => {
  // A separate `ghl sandbox`; `ghl serve` holds a token with only contacts.readonly.
  const m = await startAndWait(GHL, procs, ['sandbox', '--port', '0'], /^(GHL_BASE_URL=\S+).*\n/,
                                 { PATH: process.env.PATH, HOME: dir });
  const env = Object.fromEntries(m[0].trim().split(' ').map((kv) => kv.split('=')));
  const narrowUrl = await serve(['--upstream', env.GHL_BASE_URL], {
    GHL_TOKEN: 'pit-sandbox-contacts-readonly', GHL_LOCATION_ID: env.GHL_LOCATION_ID });
  const { client: narrow } = await connect(narrowUrl);
  const r = await narrow.callTool({ name: 'create_contact',
                                    arguments: { email: 'scope.http@example.com' } });
  assert.equal(r.isError, true);
  assert.match(r.content[0].text, /HTTP 401/);
  assert.match(r.content[0].text, /hint: .*contacts\.write/);
  const ok = await narrow.callTool({ name: 'find_contact',
                                     arguments: { email: 'maria.garcia@example.com' } });
  assert.equal(ok.structuredContent.found, true);
});

test('DELETE ends the session: its id then gets 404', async () => {
  const { transport: t } = await connect(url);
  const ended = t.sessionId;
  await t.terminateSession();
  const r = await fetch(url, {
    method: 'POST',
    headers: { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json',
               Accept: 'application/json, text/event-stream', 'Mcp-Session-Id': ended },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
  });
  assert.equal(r.status, 404);
});

test('without --mcp-key-file a key is generated, printed once, and works', async () => {
  const m = await startAndWait(
    GHL, procs, ['serve', '--sandbox', '--port', '0', '--mcp', '--events-db', join(dir, 'events-gen.db'),
     '--mcp-audit-log', 'none'],
    /MCP: +(http:\/\/\S+\/mcp)[^\n]*\nMCP key: +([0-9a-f]{64}) /,
    { PATH: process.env.PATH, HOME: dir });
  const { client } = await connect(new URL(m[1]), m[2]);
  await client.ping();
  await assert.rejects(connect(new URL(m[1]), KEY), /401|Unauthorized/);
});

test('--mcp-no-auth is refused beyond loopback', async () => {
  const p = spawn(GHL, ['serve', '--host', '0.0.0.0', '--port', '0', '--mcp', '--mcp-no-auth',
                        '--events-db', join(dir, 'events-noauth.db')],
                  { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  p.stderr.on('data', (d) => { err += d; });
  const code = await new Promise((resolve) => p.on('exit', resolve));
  assert.equal(code, 2);
  assert.match(err, /--mcp-no-auth is refused with --host 0\.0\.0\.0/);
});

test('the audit trail has the HTTP calls, never the key', () => {
  const text = readFileSync(join(dir, 'audit.jsonl'), 'utf8');
  const lines = text.trim().split('\n').map(JSON.parse);
  assert.ok(lines.some((l) => l.tool === 'book_appointment' && l.outcome === 'ok'));
  assert.ok(lines.some((l) => l.client === 'ghlkit-sdk-http-test'));
  assert.ok(!text.includes(KEY));
});
