// End-to-end gateway tests: the real `ingot gateway` on loopback in front of scriptable fake upstreams
// (ingot_fake_upstream), a real `ingot serve` on stories260K and an on-demand local model, driven by the official
// openai client and raw HTTP: chat and streaming, role routing, fallback when an upstream dies, route and target
// headers, 429 with Retry-After, deprecation headers, error attribution, the admin API, hot reload on SIGHUP
// and `ingot serve --config` with several local models.
// Run: INGOT_BIN=... INGOT_FAKE_UPSTREAM=... node --test gateway.e2e.js (ctest: gateway_e2e). Named *.e2e.js so
// that the server suite's `node --test` does not pick it up.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BIN, MODEL, startServer, postJson, metrics, sleep } from './helpers.js';

const FAKE = process.env.INGOT_FAKE_UPSTREAM ?? path.resolve(path.dirname(BIN), '../gateway/ingot_fake_upstream');

// A child process until it printed what `pattern` matches (first group returned) in its stdout or stderr.
function startChild(bin, args, pattern, what) {
  const proc = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not start:\n${out}`)), 30000);
    const check = (d) => {
      out += d;
      const m = out.match(pattern);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    };
    proc.stdout.on('data', check);
    proc.stderr.on('data', check);
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`${what} exited with ${code}:\n${out}`)); });
  });
  const stop = () => new Promise((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
    proc.on('exit', () => resolve());
    proc.kill('SIGTERM');
  });
  return { proc, ready, stop, output: () => out };
}

async function startFake(name, extra = []) {
  const child = startChild(FAKE, ['--name', name, ...extra], /^(\d+)\n/, `fake upstream ${name}`);
  const port = await child.ready;
  return { ...child, url: `http://127.0.0.1:${port}` };
}

let serve, fakeA, fakeB, fakeDying, fakeSlow, gateway, gatewayConfig, url, client;
const children = [];

before(async () => {
  if (!existsSync(FAKE)) throw new Error(`ingot_fake_upstream not found at ${FAKE} (set INGOT_FAKE_UPSTREAM)`);
  [serve, fakeA, fakeB, fakeDying, fakeSlow] = await Promise.all([
    startServer(['--alias', 'stories']),
    startFake('a'), startFake('b'), startFake('dying'), startFake('slow', ['--delay', '1']),
  ]);
  children.push(fakeA, fakeB, fakeDying, fakeSlow);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ingot-gw-e2e-'));
  const config = path.join(dir, 'gateway.yaml');
  gatewayConfig = config;
  writeFileSync(config, `
listen: {host: 127.0.0.1, port: 0}
admin_key: adm
health_interval: 0
circuit_breaker: {failures: 1, open_seconds: 60}
models:
  stories: {upstream: {base_url: '${serve.url}/v1', model: stories}}
  stories-local: {local: {path: '${MODEL}', ctx: 256}, memory: 100MiB}
  fake-a: {upstream: {base_url: '${fakeA.url}/v1', model: real-a}}
  fake-b: {upstream: {base_url: '${fakeB.url}'}}
  fake-dying: {upstream: {base_url: '${fakeDying.url}', connect_timeout: 1}}
  fake-slow: {upstream: {base_url: '${fakeSlow.url}'}, max_concurrent: 1, max_queue: 0}
routes:
  default-chat:
    aliases: [gpt-4o-mini]
    targets: [stories]
    defaults: {chat_template_kwargs: {enable_thinking: false}}
    max_tokens: 16
  priority-chat: {targets: [fake-a, fake-b]}
  sturdy-chat: {targets: [fake-dying, fake-b]}
  old-chat: {targets: [fake-b], deprecated: {replacement: default-chat, sunset: '2026-12-31'}}
  slow-chat: {targets: [fake-slow]}
clients:
  - {name: e2e, api_key: sk-e2e}
  - {name: limited, api_key: sk-limited, routes: [priority-chat], rpm: 2}
`);
  gateway = startChild(BIN, ['gateway', '--config', config], /listening on http:\/\/127\.0\.0\.1:(\d+)/, 'gateway');
  children.push(gateway);
  url = `http://127.0.0.1:${await gateway.ready}`;
  client = new OpenAI({ apiKey: 'sk-e2e', baseURL: `${url}/v1`, maxRetries: 0 });
});

after(async () => {
  await Promise.all(children.map((c) => c.stop()));
  await serve?.stop();
});

const messages = [{ role: 'user', content: 'Once upon a time' }];
const auth = { Authorization: 'Bearer sk-e2e' };

test('chat through the gateway to a real ingot serve, with route and target headers', async () => {
  const { data, response } = await client.chat.completions
    .create({ model: 'default-chat', messages, temperature: 0 })
    .withResponse();
  assert.equal(response.headers.get('x-ingot-route'), 'default-chat');
  assert.equal(response.headers.get('x-ingot-target'), 'stories');
  assert.equal(data.object, 'chat.completion');
  assert.equal(data.model, 'stories');
  assert.equal(typeof data.choices[0].message.content, 'string');
  assert.ok(data.usage.completion_tokens > 0 && data.usage.completion_tokens <= 16);  // the route's cap
});

test('streaming through the gateway, by alias', async () => {
  const stream = await client.chat.completions.create({
    model: 'gpt-4o-mini', messages, max_tokens: 8, temperature: 0, stream: true,
    stream_options: { include_usage: true },
  });
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);
  const withChoices = chunks.filter((c) => c.choices.length > 0);
  assert.ok(withChoices.length >= 2);
  assert.ok(['stop', 'length'].includes(withChoices[withChoices.length - 1].choices[0].finish_reason));
  assert.ok(chunks[chunks.length - 1].usage.completion_tokens > 0);
});

test('roles route to their models; the upstream gets its own model name', async () => {
  const { data, response } = await client.chat.completions
    .create({ model: 'priority-chat', messages })
    .withResponse();
  assert.equal(response.headers.get('x-ingot-target'), 'fake-a');
  assert.equal(data.choices[0].message.content, 'hello from a');
  assert.equal(data.model, 'real-a');
});

test('a dead upstream falls back to the next target, then its circuit opens', async () => {
  const first = await postJson(`${url}/v1/chat/completions`, { model: 'sturdy-chat', messages }, auth);
  assert.equal(first.status, 200);
  assert.equal(first.headers.get('x-ingot-target'), 'fake-dying');
  await fakeDying.stop();
  const { data, response } = await client.chat.completions
    .create({ model: 'sturdy-chat', messages, stream: true })
    .withResponse();
  assert.equal(response.headers.get('x-ingot-target'), 'fake-b');
  let text = '';
  for await (const chunk of data) text += chunk.choices[0]?.delta?.content ?? '';
  assert.equal(text, 'tok0 tok1 tok2 ');
  const m = await metrics(url);
  assert.equal(m['ingot_gateway_fallback_total{model_name="fake-dying"}'], 1);
  assert.equal(m['ingot_gateway_circuit_state{model_name="fake-dying"}'], 1);  // open
  const again = await postJson(`${url}/v1/chat/completions`, { model: 'sturdy-chat', messages }, auth);
  assert.equal(again.headers.get('x-ingot-target'), 'fake-b');  // skipped without trying
});

test('429 with Retry-After: client rate limit and a full model queue', async () => {
  const limited = new OpenAI({ apiKey: 'sk-limited', baseURL: `${url}/v1`, maxRetries: 0 });
  await limited.chat.completions.create({ model: 'priority-chat', messages });
  await limited.chat.completions.create({ model: 'priority-chat', messages });
  await assert.rejects(limited.chat.completions.create({ model: 'priority-chat', messages }), (e) => {
    assert.equal(e.status, 429);
    assert.equal(e.error.type, 'rate_limit_error');
    assert.ok(Number(e.headers.get('retry-after')) >= 1);
    return true;
  });
  await assert.rejects(limited.chat.completions.create({ model: 'default-chat', messages }), (e) => e.status === 403);

  const [slow, rejected] = await Promise.all([
    postJson(`${url}/v1/chat/completions`, { model: 'slow-chat', messages }, auth),
    sleep(200).then(() => postJson(`${url}/v1/chat/completions`, { model: 'slow-chat', messages }, auth)),
  ]);
  assert.equal(slow.status, 200);
  assert.equal(rejected.status, 429);
  assert.equal(rejected.json.error.type, 'rate_limit_error');
  assert.equal(rejected.headers.get('retry-after'), '1');
});

test('a deprecated route is served with Deprecation, Sunset and Link headers', async () => {
  const r = await postJson(`${url}/v1/chat/completions`, { model: 'old-chat', messages }, auth);
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('deprecation'), 'true');
  assert.equal(r.headers.get('sunset'), 'Thu, 31 Dec 2026 00:00:00 GMT');
  assert.match(r.headers.get('link'), /<default-chat>; rel="successor-version"/);
  const models = await (await fetch(`${url}/v1/models`, { headers: auth })).json();
  const old = models.data.find((m) => m.id === 'old-chat');
  assert.equal(old.status, 'deprecated');
  assert.equal(old.replacement, 'default-chat');
});

test('errors name the failing layer', async () => {
  const missing = await postJson(`${url}/v1/chat/completions`, { model: 'nope', messages }, auth);
  assert.equal(missing.status, 404);
  assert.equal(missing.json.error.type, 'not_found_error');
  const noKey = await postJson(`${url}/v1/chat/completions`, { model: 'default-chat', messages });
  assert.equal(noKey.status, 401);
  // The upstream's own 4xx passes through, marked as the upstream's.
  const bad = await postJson(`${url}/v1/chat/completions`, { model: 'default-chat', messages: 'x' }, auth);
  assert.equal(bad.status, 400);
  assert.equal(bad.headers.get('x-ingot-error-source'), 'upstream');
  assert.equal(bad.headers.get('x-ingot-target'), 'stories');
});

test('admin API: list, drain and resume an upstream, load and unload a local model', async () => {
  const admin = { Authorization: 'Bearer adm' };
  assert.equal((await fetch(`${url}/admin/models`, { headers: auth })).status, 401);
  let list = await (await fetch(`${url}/admin/models`, { headers: admin })).json();
  const local = () => list.models.find((m) => m.model === 'stories-local');
  assert.equal(local().state, 'unloaded');
  assert.equal(local().kind, 'local');

  assert.equal((await postJson(`${url}/admin/models/fake-a/drain`, '', admin)).status, 200);
  const drained = await postJson(`${url}/v1/chat/completions`, { model: 'priority-chat', messages }, auth);
  assert.equal(drained.headers.get('x-ingot-target'), 'fake-b');
  assert.equal((await postJson(`${url}/admin/models/fake-a/resume`, '', admin)).status, 200);
  const resumed = await postJson(`${url}/v1/chat/completions`, { model: 'priority-chat', messages }, auth);
  assert.equal(resumed.headers.get('x-ingot-target'), 'fake-a');

  // A request for the cold local model waits while it loads (no 502), then it can be unloaded.
  const r = await client.chat.completions.create({ model: 'stories-local', messages, max_tokens: 4 });
  assert.equal(typeof r.choices[0].message.content, 'string');
  list = await (await fetch(`${url}/admin/models`, { headers: admin })).json();
  assert.equal(local().state, 'loaded');
  assert.equal((await postJson(`${url}/admin/models/stories-local/unload`, '', admin)).status, 200);
  list = await (await fetch(`${url}/admin/models`, { headers: admin })).json();
  assert.equal(local().state, 'unloaded');
});

test('SIGHUP reloads the file; an invalid file keeps the old configuration', async () => {
  const routes = async () => (await (await fetch(`${url}/v1/models`, { headers: auth })).json()).data.map((m) => m.id);
  const original = readFileSync(gatewayConfig, 'utf8');
  writeFileSync(gatewayConfig, original.replace('routes:\n', 'routes:\n  extra-chat: {targets: [fake-b]}\n'));
  gateway.proc.kill('SIGHUP');
  for (let i = 0; i < 100 && !(await routes()).includes('extra-chat'); i++) await sleep(20);
  const r = await postJson(`${url}/v1/chat/completions`, { model: 'extra-chat', messages }, auth);
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('x-ingot-target'), 'fake-b');

  writeFileSync(gatewayConfig, 'models: [not, a, mapping');
  gateway.proc.kill('SIGHUP');
  for (let i = 0; i < 100 && !gateway.output().includes('reload rejected'); i++) await sleep(20);
  assert.match(gateway.output(), /reload rejected, keeping the old configuration/);
  assert.ok((await routes()).includes('extra-chat'));
});

test('ingot serve --config node.yaml serves several local models on one node', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ingot-node-e2e-'));
  const config = path.join(dir, 'node.yaml');
  writeFileSync(config, `
models:
  tale-a: {local: {path: '${MODEL}', ctx: 256}}
  tale-b: {local: {path: '${MODEL}', ctx: 256, kv_type: f32}, pinned: true}
`);
  const node = startChild(BIN, ['serve', '--config', config, '--port', '0'], /listening on http:\/\/127\.0\.0\.1:(\d+)/,
    'serve --config');
  children.push(node);
  const local = new OpenAI({ apiKey: 'unused', baseURL: `http://127.0.0.1:${await node.ready}/v1`, maxRetries: 0 });
  for (const model of ['tale-a', 'tale-b']) {
    const r = await local.chat.completions.create({ model, messages, max_tokens: 4 });
    assert.equal(r.model, model);
  }
  const models = await local.models.list();
  assert.deepEqual(models.data.map((m) => m.id).sort(), ['tale-a', 'tale-b']);
  assert.ok(models.data.every((m) => m.status === 'loaded'));
  await node.stop();
});
