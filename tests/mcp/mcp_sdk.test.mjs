// `ghl mcp` driven by the official MCP TypeScript SDK (@modelcontextprotocol/sdk, pinned in
// package.json) as a real client over stdio, against the in-process sandbox (`--sandbox`) and
// against a separate `ghl sandbox` with a narrow token. `scripts/install-test-tools` installs
// the SDK; without it the test reports skipped (exit 77).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ghlBin, isoDate, loadSdk, scratch } from './sdk_harness.mjs';

const { Client, StdioClientTransport } = await loadSdk();
const GHL = ghlBin();
const { dir, clients } = scratch('ghl-mcp-sdk-');

async function connect(args = [], env = {}) {
  const transport = new StdioClientTransport({
    command: GHL,
    args: ['mcp', '--audit-log', join(dir, 'audit.jsonl'), ...args],
    env: { PATH: process.env.PATH, HOME: dir, ...env },
    stderr: 'pipe',
  });
  const client = new Client({ name: 'ghlkit-sdk-test', version: '1.0.0' });
  await client.connect(transport);
  clients.push(client);
  return client;
}

const sandboxed = await connect(['--sandbox']);

test('initialize: server info, capabilities, instructions, protocol 2025-11-25', async () => {
  assert.equal(sandboxed.getServerVersion().name, 'ghlkit');
  const caps = sandboxed.getServerCapabilities();
  assert.ok(caps.tools);
  assert.ok(caps.prompts);
  assert.ok(caps.logging);
  assert.match(sandboxed.getInstructions(), /find_contact/);
  await sandboxed.ping();
});

test('tools/list: valid names, schemas, annotations, under 12k tokens', async () => {
  const { tools } = await sandboxed.listTools();
  const names = tools.map((t) => t.name);
  for (const n of ['find_contact', 'search_contacts', 'get_free_slots', 'book_appointment',
                   'search_opportunities', 'send_message', 'execute_operation']) {
    assert.ok(names.includes(n), `${n} listed`);
  }
  for (const t of tools) {
    assert.match(t.name, /^[a-zA-Z0-9_-]{1,64}$/);
    assert.ok(t.description.length > 0);
    assert.equal(t.inputSchema.type, 'object');
    assert.equal(typeof t.annotations.readOnlyHint, 'boolean');
  }
  const tokens = JSON.stringify({ tools }).length / 4;
  assert.ok(tokens <= 12000, `tools/list costs ${tokens} tokens`);
});

test('exact lookup by email and by + phone', async () => {
  const byEmail = await sandboxed.callTool({ name: 'find_contact',
                                             arguments: { email: 'Maria.Garcia@example.com' } });
  assert.equal(byEmail.isError, undefined);
  assert.equal(byEmail.structuredContent.found, true);
  assert.equal(byEmail.structuredContent.contact.email.toLowerCase(), 'maria.garcia@example.com');

  const created = await sandboxed.callTool({
    name: 'create_contact',
    arguments: { firstName: 'Plus', email: 'plus.phone@example.com', phone: '+44 20 7946 0958' },
  });
  assert.equal(created.structuredContent.contact.phone, '+442079460958');
  const byPhone = await sandboxed.callTool({ name: 'find_contact',
                                             arguments: { phone: '+442079460958' } });
  assert.equal(byPhone.structuredContent.found, true);
  assert.equal(byPhone.structuredContent.contact.id, created.structuredContent.contact.id);

  const miss = await sandboxed.callTool({ name: 'find_contact',
                                          arguments: { email: 'maria.garcia@example.co' } });
  assert.equal(miss.structuredContent.found, false);
});

test('the stale-deal audit: prompt and its data', async () => {
  const prompt = await sandboxed.getPrompt({ name: 'pipeline_audit', arguments: { days: '21' } });
  assert.match(prompt.messages[0].content.text, /more than 21 days/);
  const { structuredContent } = await sandboxed.callTool({
    name: 'search_opportunities', arguments: { status: 'open', limit: 100 } });
  assert.ok(structuredContent.opportunities.length > 0);
  for (const o of structuredContent.opportunities) assert.equal(o.status, 'open');
});

test('book a free slot', async () => {
  const cals = await sandboxed.callTool({ name: 'list_calendars', arguments: {} });
  const calendarId = cals.structuredContent.calendars[0].id;
  const now = new Date();
  const from = isoDate(new Date(now.getTime() + 86400000));
  const to = isoDate(new Date(now.getTime() + 10 * 86400000));
  const slots = await sandboxed.callTool({
    name: 'get_free_slots',
    arguments: { calendarId, from, to, timezone: 'America/New_York', limit: 3 } });
  assert.equal(slots.isError, undefined, JSON.stringify(slots.content));
  assert.ok(slots.structuredContent.slots.length > 0);
  const contact = await sandboxed.callTool({ name: 'create_contact',
                                             arguments: { email: 'booker.sdk@example.com' } });
  const booked = await sandboxed.callTool({
    name: 'book_appointment',
    arguments: { calendarId, contactId: contact.structuredContent.contact.id,
                 startTime: slots.structuredContent.slots[0].start, title: 'Intro call' } });
  assert.equal(booked.isError, undefined, JSON.stringify(booked.content));
  assert.ok(booked.structuredContent.appointment.id);
  const events = await sandboxed.callTool({ name: 'list_calendar_events',
                                            arguments: { calendarId, from, to } });
  assert.ok(events.structuredContent.events.some(
      (e) => e.id === booked.structuredContent.appointment.id));
});

test('read-only mode does not list writes and refuses them', async () => {
  const ro = await connect(['--sandbox', '--read-only']);
  const { tools } = await ro.listTools();
  const names = tools.map((t) => t.name);
  assert.ok(!names.includes('create_contact'));
  assert.ok(!names.includes('send_message'));
  assert.ok(names.includes('find_contact'));
  const refused = await ro.callTool({ name: 'create_contact',
                                      arguments: { email: 'nope@example.com' } });
  assert.equal(refused.isError, true);
  assert.match(refused.content[0].text, /--read-only/);
  const post = await ro.callTool({ name: 'execute_operation',
                                   arguments: { operationId: 'contacts.create-contact',
                                                body: { email: 'nope@example.com' } } });
  assert.equal(post.isError, true);
});

test('a GHL error comes back as isError with the hint', async () => {
  // A separate `ghl sandbox` and a token with only contacts.readonly: the write gets GHL's 401.
  const sb = spawn(GHL, ['sandbox', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const line = await new Promise((resolve, reject) => {
      let out = '';
      sb.stdout.on('data', (d) => {
        out += d;
        if (out.includes('\n')) resolve(out.split('\n')[0]);
      });
      sb.on('exit', (code) => reject(new Error(`ghl sandbox exited ${code}`)));
    });
    const env = Object.fromEntries(line.split(' ').map((kv) => kv.split('=')));
    const narrow = await connect([], {
      GHL_BASE_URL: env.GHL_BASE_URL,
      GHL_TOKEN: 'pit-sandbox-contacts-readonly',
      GHL_LOCATION_ID: env.GHL_LOCATION_ID,
    });
    const r = await narrow.callTool({ name: 'create_contact',
                                      arguments: { email: 'scope@example.com' } });
    assert.equal(r.isError, true);
    assert.match(r.content[0].text, /HTTP 401/);
    assert.match(r.content[0].text, /hint: .*contacts\.write/);
    // The session goes on: a read works.
    const ok = await narrow.callTool({ name: 'find_contact',
                                       arguments: { email: 'maria.garcia@example.com' } });
    assert.equal(ok.structuredContent.found, true);
  } finally {
    sb.kill('SIGTERM');
  }
});

test('every call is in the audit trail', () => {
  const lines = readFileSync(join(dir, 'audit.jsonl'), 'utf8').trim().split('\n').map(JSON.parse);
  assert.ok(lines.length >= 8);
  assert.ok(lines.some((l) => l.tool === 'book_appointment' && l.outcome === 'ok'));
  assert.ok(lines.some((l) => l.tool === 'create_contact' && l.outcome === 'refused'));
  assert.ok(lines.some((l) => l.outcome === 'error' && l.status === 401));
});
