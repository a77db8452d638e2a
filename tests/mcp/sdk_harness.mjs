// Shared by the SDK tests (mcp_sdk*.test.mjs): the pinned @modelcontextprotocol/sdk (skipped with
// exit 77 when scripts/install-test-tools has not installed it), GHL_BIN, a scratch directory whose
// processes and clients end with the run, and a process started until its stdout matches.
import { after } from 'node:test';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/// The SDK's client pieces, or exit 77 (skipped) without them.
export async function loadSdk() {
  try {
    const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
    const { StdioClientTransport } = await import('@modelcontextprotocol/sdk/client/stdio.js');
    const { StreamableHTTPClientTransport } =
      await import('@modelcontextprotocol/sdk/client/streamableHttp.js');
    const { ElicitRequestSchema } = await import('@modelcontextprotocol/sdk/types.js');
    return { Client, StdioClientTransport, StreamableHTTPClientTransport, ElicitRequestSchema };
  } catch {
    console.log('skipped: @modelcontextprotocol/sdk is not installed (run scripts/install-test-tools)');
    process.exit(77);
  }
}

/// The ghl binary under test ($GHL_BIN), or exit 77 (skipped).
export function ghlBin() {
  const ghl = process.env.GHL_BIN;
  if (!ghl) {
    console.log('skipped: GHL_BIN is not set');
    process.exit(77);
  }
  return ghl;
}

/// A scratch directory (with `key` holding `key` when given, mode 0600) and the lists of started
/// processes and connected clients, all cleaned up after the run.
export function scratch(prefix, key) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (key) writeFileSync(join(dir, 'key'), `${key}\n`, { mode: 0o600 });
  const procs = [];
  const clients = [];
  after(async () => {
    for (const c of clients) await c.close().catch(() => {});
    for (const p of procs) p.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });
  return { dir, procs, clients };
}

/// Starts `ghl args` (recorded in `procs`) and resolves with the match once its stdout matches
/// `pattern`; rejects with its stderr when it exits first.
export function startAndWait(ghl, procs, args, pattern, env) {
  const p = spawn(ghl, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  procs.push(p);
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => {
      out += d;
      const m = out.match(pattern);
      if (m) resolve(m);
    });
    p.stderr.on('data', (d) => { err += d; });
    p.on('exit', (code, sig) => reject(new Error(`ghl ${args[0]} exited ${code ?? sig}: ${err}`)));
  });
}

/// "YYYY-MM-DD" of `d` in UTC.
export function isoDate(d) {
  return d.toISOString().slice(0, 10);
}
