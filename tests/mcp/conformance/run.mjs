// Runs the official MCP conformance suite (@modelcontextprotocol/conformance, pinned in
// ../package.json) against a server this script starts, and exits with the suite's verdict.
//   node run.mjs product  GHL_BIN      `ghl serve --sandbox --mcp --mcp-no-auth`: the protocol
//                                       scenarios a product server must pass, each one run
//   node run.mjs fixtures FIXTURE_BIN  the test-only fixture server: `--suite active` with the
//                                       committed baseline (expected-failures.yml)
// Exit 77 (skipped) when the suite is not installed (scripts/install-test-tools).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, '..', 'node_modules', '@modelcontextprotocol', 'conformance', 'dist',
                 'index.js');
if (!existsSync(cli)) {
  console.log('skipped: @modelcontextprotocol/conformance is not installed ' +
              '(run scripts/install-test-tools)');
  process.exit(77);
}
const [mode, bin] = process.argv.slice(2);
if (!['product', 'fixtures'].includes(mode) || !bin) {
  console.error('usage: node run.mjs product|fixtures BINARY');
  process.exit(2);
}

// The product scenarios (issue 7): protocol, not fixtures.
const PRODUCT = ['server-initialize', 'tools-list', 'ping', 'logging-set-level',
                 'dns-rebinding-protection', 'server-sse-multiple-streams'];

const dir = mkdtempSync(join(tmpdir(), 'ghl-mcp-conformance-'));
const args = mode === 'product'
  ? ['serve', '--sandbox', '--mcp', '--mcp-no-auth', '--port', '0', '--events-db',
     join(dir, 'events.db'), '--mcp-audit-log', 'none']
  : [];
const server = spawn(bin, args, { stdio: ['ignore', 'pipe', 'inherit'] });
const url = await new Promise((resolve, reject) => {
  let out = '';
  server.stdout.on('data', (d) => {
    out += d;
    const m = out.match(/(?:MCP: +|URL=)(http:\/\/\S+\/mcp)/);
    if (m) resolve(m[1]);
  });
  server.on('exit', (code) => reject(new Error(`${bin} exited ${code} before serving`)));
  server.on('error', reject);
});
server.stdout.resume();

// The suite on Node 20 needs the globSync shim (see node20-shim.mjs).
function conformance(extra) {
  const r = spawnSync(process.execPath,
                      ['--import', join(here, 'node20-shim.mjs'), cli, 'server', '--url', url,
                       ...extra],
                      { stdio: 'inherit', timeout: 120000 });
  return r.status ?? 1;
}

let status = 0;
try {
  if (mode === 'product') {
    const failed = [];
    for (const scenario of PRODUCT) {
      if (conformance(['--scenario', scenario]) !== 0) failed.push(scenario);
    }
    console.log(`\nProduct scenarios: ${PRODUCT.length - failed.length}/${PRODUCT.length} passed` +
                (failed.length ? `; failed: ${failed.join(', ')}` : ''));
    status = failed.length ? 1 : 0;
  } else {
    status = conformance(['--suite', 'active', '--expected-failures',
                          join(here, 'expected-failures.yml')]);
  }
} finally {
  server.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
process.exit(status);
