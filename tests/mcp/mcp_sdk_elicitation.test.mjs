// Confirming a write by elicitation, with the official MCP TypeScript SDK as the client, over
// stdio (`ghl mcp --sandbox`) and streamable HTTP (`ghl serve --sandbox --mcp`): a server without
// --allow-writes lists the destructive tools to a client that declared `elicitation`, asks its
// user (elicitation/create, in the middle of the tool call) before each such call, and runs it
// only on accept; a client without elicitation keeps the refusal. Skipped (77) without the SDK.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ghlBin, loadSdk, scratch, startAndWait } from './sdk_harness.mjs';

const { Client, StdioClientTransport, StreamableHTTPClientTransport, ElicitRequestSchema } =
  await loadSdk();
const GHL = ghlBin();
const KEY = 'sdk-elicitation-test-key-81c3';
const { dir, procs, clients } = scratch('ghl-mcp-elicit-', KEY);

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
    const m = await startAndWait(
      GHL, procs, ['serve', '--sandbox', '--port', '0', '--mcp', '--mcp-key-file',
                   join(dir, 'key'), '--events-db', join(dir, 'events.db'),
                   '--mcp-audit-log', 'none'],
      /MCP: +(http:\/\/\S+\/mcp)/, env);
    httpUrl = new URL(m[1]);
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
