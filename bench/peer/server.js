// Peer reference for bench_ingest: the webhook receiver people deploy today, written the way
// GHL integration guides do it. One Node.js process with Express; for each POST /webhooks/ghl:
// keep the raw body, verify its X-GHL-Signature (Ed25519, node:crypto) against the public key,
// parse the JSON, INSERT one row per event into PostgreSQL through a `pg` pool (dedup on the
// webhookId), and answer 200 only after the INSERT returned. Not a test: bench_ingest starts it.
//
// Environment:
//   PEER_PUBLIC_KEY  base64 DER SubjectPublicKeyInfo of the Ed25519 key (what `ghl` prints)
//   PEER_PG_URL      postgresql://… of the database to write to
//   PEER_PG_SCHEMA   schema for the peer's table (created when missing)
//   PEER_POOL_SIZE   pg pool size (default 10, pg's default)
// Prints `PORT=<n>` on stdout once it listens on 127.0.0.1 (an ephemeral port).
'use strict';

const crypto = require('node:crypto');
const express = require('express');
const { Pool } = require('pg');

function required(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`peer: ${name} is not set`);
    process.exit(2);
  }
  return value;
}

const publicKey = crypto.createPublicKey({
  key: Buffer.from(required('PEER_PUBLIC_KEY'), 'base64'),
  format: 'der',
  type: 'spki',
});
const schema = required('PEER_PG_SCHEMA').replace(/[^a-z0-9_]/gi, '');
const pool = new Pool({
  connectionString: required('PEER_PG_URL'),
  max: Number(process.env.PEER_POOL_SIZE || 10),
});

async function createTable() {
  await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  await pool.query(`CREATE TABLE IF NOT EXISTS ${schema}.webhook_events (
    id BIGSERIAL PRIMARY KEY,
    webhook_id TEXT UNIQUE,
    type TEXT NOT NULL,
    location_id TEXT,
    payload JSONB NOT NULL,
    received_at TIMESTAMPTZ NOT NULL DEFAULT now())`);
}

const app = express();
app.post('/webhooks/ghl', express.raw({ type: '*/*', limit: '1mb' }), async (req, res) => {
  const signature = req.get('x-ghl-signature');
  const raw = req.body;
  if (!signature || !Buffer.isBuffer(raw) ||
      !crypto.verify(null, raw, publicKey, Buffer.from(signature, 'base64'))) {
    return res.status(401).json({ error: 'invalid signature' });
  }
  let event;
  try {
    event = JSON.parse(raw.toString('utf8'));
  } catch {
    return res.status(400).json({ error: 'body is not JSON' });
  }
  try {
    await pool.query(
      `INSERT INTO ${schema}.webhook_events (webhook_id, type, location_id, payload)
       VALUES ($1, $2, $3, $4) ON CONFLICT (webhook_id) DO NOTHING`,
      [event.webhookId || null, event.type || 'unknown', event.locationId || null, event]);
  } catch (err) {
    console.error(`peer: insert failed: ${err.message}`);
    return res.status(500).json({ error: 'store failed' });
  }
  res.status(200).json({ status: 'accepted' });
});
app.get('/warm-up', (req, res) => res.status(200).send('ok'));

createTable().then(() => {
  const server = app.listen(0, '127.0.0.1', () => {
    process.stdout.write(`PORT=${server.address().port}\n`);
  });
  server.keepAliveTimeout = 60000;
  const stop = () => server.close(() => pool.end().then(() => process.exit(0)));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}).catch((err) => {
  console.error(`peer: cannot prepare PostgreSQL: ${err.message}`);
  process.exit(1);
});
