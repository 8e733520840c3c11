// Starting and stopping the real `ingot serve` on loopback for end-to-end tests, plus small HTTP helpers.
// INGOT_BIN: the ingot binary (ctest passes it); INGOT_SHARED_DIR: ../shared with the test models.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const BIN = process.env.INGOT_BIN ?? path.resolve(here, '../../build/src/cli/ingot');
const SHARED = process.env.INGOT_SHARED_DIR ?? path.resolve(here, '../../../shared');
export const MODEL = path.join(SHARED, 'models', 'stories260K.gguf');

// Starts `ingot serve MODEL --port 0 ...extraArgs` (with extra environment variables), waits for the banner
// and /health 200. Resolves to { url, port, proc, stop(), output() }.
export async function startServer(extraArgs = [], env = {}) {
  if (!existsSync(BIN)) throw new Error(`ingot binary not found at ${BIN} (set INGOT_BIN)`);
  if (!existsSync(MODEL)) throw new Error(`test model not found at ${MODEL} (set INGOT_SHARED_DIR)`);
  const proc = spawn(BIN, ['serve', MODEL, '--host', '127.0.0.1', '--port', '0', ...extraArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let out = '';
  proc.stdout.on('data', (d) => { out += d; });
  proc.stderr.on('data', (d) => { out += d; });
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 30000);
    const check = () => {
      const m = out.match(/listening on http:\/\/127\.0\.0\.1:(\d+)/);
      if (m) { clearTimeout(timer); resolve(Number(m[1])); }
    };
    proc.stdout.on('data', check);
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited with ${code}:\n${out}`)); });
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    const r = await fetch(`${url}/health`).catch(() => null);
    if (r && r.status === 200) break;
    await sleep(50);
  }
  return {
    url,
    port,
    proc,
    output: () => out,
    stop: () => new Promise((resolve) => {
      if (proc.exitCode !== null) return resolve(proc.exitCode);
      proc.on('exit', (code, signal) => resolve(code ?? signal));
      proc.kill('SIGTERM');
    }),
  };
}

export function sleep(ms) { return new Promise((r) => setTimeout(r, ms)); }

export async function postJson(url, body, headers = {}) {
  const r = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await r.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON (SSE) */ }
  return { status: r.status, headers: r.headers, text, json };
}

// Parses a Prometheus text page into { 'name{labels}': value }.
export async function metrics(url, headers = {}) {
  const r = await fetch(`${url}/metrics`, { headers });
  const values = {};
  for (const line of (await r.text()).split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    values[line.slice(0, i)] = Number(line.slice(i + 1));
  }
  return values;
}
