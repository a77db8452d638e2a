// Confirming a write by elicitation, with the official MCP TypeScript SDK as the client, over
// stdio (`ghl mcp --sandbox`) and streamable HTTP (`ghl serve --sandbox --mcp`): a server without
// --allow-writes lists the destructive tools to a client that declared `elicitation`, asks its
// user (elicitation/create, in the middle of the tool call) before each such call, and runs it
// only on accept; a client without elicitation keeps the refusal. Skipped (77) without the SDK.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let Client, StdioClientTransport, StreamableHTTPClientTransport, ElicitRequestSchema;
try {
  ({ Client } = await import('@modelcontextprotocol/sdk/client/index.js'));
  ({ StdioClientTransport } = await import('@modelcontextprotocol/sdk/client/stdio.js'));
  ({ StreamableHTTPClientTransport } =
    await import('@modelcontextprotocol/sdk/client/streamableHttp.js'));
  ({ ElicitRequestSchema } = await import('@modelcontextprotocol/sdk/types.js'));
} catch {
  console.log('skipped: @modelcontextprotocol/sdk is not installed (run scripts/install-test-tools)');
  process.exit(77);
}

const GHL = process.env.GHL_BIN;
if (!GHL) {
  console.log('skipped: GHL_BIN is not set');
  process.exit(77);
}

const dir = mkdtempSync(join(tmpdir(), 'ghl-mcp-elicit-'));
const KEY = 'sdk-elicitation-test-key-81c3';
writeFileSync(join(dir, 'key'), `${KEY}\n`, { mode: 0o600 });
const procs = [];
const clients = [];
after(async () => {
  for (const c of clients) await c.close().catch(() => {});
  for (const p of procs) p.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

const env = { PATH: process.env.PATH, HOME: dir };

// A client; with `answer` it declares elicitation and answers each request with answer(request).
function newClient(answer) {
  const client = new Client({ name: 'ghlkit-elicitation-test', version: '1.0.0' },
                            answer ? { capabilities: { elicitation: {} } } : {});
  const asked = [];
  if (answer) {
    client.setRequestHandler(ElicitRequestSchema, async (request) => {
      asked.push(request.params);
      return answer(request.params);
    });
  }
  clients.push(client);
  return { client, asked };
}

async function stdioClient(answer) {
  const c = newClient(answer);
  await c.client.connect(new StdioClientTransport({
    command: GHL, args: ['mcp', '--sandbox', '--audit-log', 'none'], env, stderr: 'pipe' }));
  return c;
}

let httpUrl;
async function httpClient(answer) {
  if (!httpUrl) {
    const p = spawn(GHL, ['serve', '--sandbox', '--port', '0', '--mcp', '--mcp-key-file',
                          join(dir, 'key'), '--events-db', join(dir, 'events.db'),
                          '--mcp-audit-log', 'none'],
                    { stdio: ['ignore', 'pipe', 'pipe'], env });
    procs.push(p);
    httpUrl = await new Promise((resolve, reject) => {
      let out = '';
      p.stdout.on('data', (d) => {
        out += d;
        const m = out.match(/MCP: +(http:\/\/\S+\/mcp)/);
        if (m) resolve(new URL(m[1]));
      });
      p.on('exit', (code, sig) => reject(new Error(`ghl serve exited ${code ?? sig}`)));
    });
  }
  const c = newClient(answer);
  await c.client.connect(new StreamableHTTPClientTransport(httpUrl, {
    requestInit: { headers: { Authorization: `Bearer ${KEY}` } } }));
  return c;
}

async function contactId(client, email) {
  const r = await client.callTool({ name: 'find_contact', arguments: { email } });
  assert.ok(!r.isError, JSON.stringify(r));
  return r.structuredContent.contact.id;
}

for (const [transport, connect] of [['stdio', stdioClient], ['HTTP', httpClient]]) {
  test(`${transport}: the user accepts → the destructive tool runs`, async () => {
    const { client, asked } = await connect(() => ({ action: 'accept', content: { confirm: true } }));
    const tools = (await client.listTools()).tools.map((t) => t.name);
    assert.ok(tools.includes('update_contact'), tools.join(','));
    const id = await contactId(client, 'maria.garcia@example.com');
    const r = await client.callTool({ name: 'update_contact',
                                      arguments: { contactId: id, lastName: `Confirmed${transport}` } });
    assert.ok(!r.isError, JSON.stringify(r));
    assert.equal(r.structuredContent.contact.lastName, `Confirmed${transport}`);
    assert.equal(asked.length, 1);
    assert.match(asked[0].message, /update_contact/);
    assert.match(asked[0].message, new RegExp(`Confirmed${transport}`));
    assert.equal(asked[0].requestedSchema.properties.confirm.type, 'boolean');
  });

  test(`${transport}: the user declines → nothing changes, the tool says so`, async () => {
    const { client, asked } = await connect(() => ({ action: 'decline' }));
    const id = await contactId(client, 'maria.garcia@example.com');
    const r = await client.callTool({ name: 'update_contact',
                                      arguments: { contactId: id, lastName: 'Declined' } });
    assert.equal(r.isError, true);
    assert.match(r.content[0].text, /did not confirm.*decline.*--allow-writes/s);
    assert.equal(asked.length, 1);
    const after = await client.callTool({ name: 'find_contact',
                                          arguments: { email: 'maria.garcia@example.com' } });
    assert.notEqual(after.structuredContent.contact.lastName, 'Declined');
  });

  test(`${transport}: execute_operation on a write asks too`, async () => {
    const { client, asked } = await connect(() => ({ action: 'accept', content: { confirm: true } }));
    const id = await contactId(client, 'maria.garcia@example.com');
    const r = await client.callTool({ name: 'execute_operation',
                                      arguments: { operationId: 'update-contact',
                                                   pathParams: { contactId: id },
                                                   body: { lastName: `Op${transport}` } } });
    assert.ok(!r.isError, JSON.stringify(r));
    assert.equal(asked.length, 1);
    assert.match(asked[0].message, /PUT \/contacts\/\{contactId\}/);
  });

  test(`${transport}: a client without elicitation keeps the refusal`, async () => {
    const { client } = await connect(null);
    const tools = (await client.listTools()).tools.map((t) => t.name);
    assert.ok(!tools.includes('update_contact'));
    const id = await contactId(client, 'maria.garcia@example.com');
    const r = await client.callTool({ name: 'update_contact',
                                      arguments: { contactId: id, lastName: 'Refused' } });
    assert.equal(r.isError, true);
    assert.match(r.content[0].text, /--allow-writes/);
  });
}
