// End-to-end API tests: the real `ingot serve` on stories260K driven by the official openai client and raw
// HTTP: response shapes, streaming, usage chunk, stop strings, max_tokens, every error status, API keys.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, postJson, metrics } from './helpers.js';

let server;
let client;

before(async () => {
  server = await startServer(['--metrics', '--alias', 'stories']);
  client = new OpenAI({ apiKey: 'unused', baseURL: `${server.url}/v1`, maxRetries: 0 });
});
after(async () => { await server?.stop(); });

const messages = [{ role: 'user', content: 'Once upon a time' }];

test('health and models', async () => {
  const health = await fetch(`${server.url}/health`);
  assert.equal(health.status, 200);
  assert.deepEqual(await health.json(), { status: 'ok' });
  const models = await client.models.list();
  assert.equal(models.data[0].id, 'stories');
});

test('chat completion, non-streaming', async () => {
  const r = await client.chat.completions.create({ model: 'stories', messages, max_tokens: 8, temperature: 0 });
  assert.match(r.id, /^chatcmpl-/);
  assert.equal(r.object, 'chat.completion');
  assert.equal(r.model, 'stories');
  assert.equal(typeof r.created, 'number');
  assert.equal(r.choices[0].message.role, 'assistant');
  assert.equal(typeof r.choices[0].message.content, 'string');
  assert.ok(['stop', 'length'].includes(r.choices[0].finish_reason));
  assert.ok(r.usage.prompt_tokens > 0);
  assert.ok(r.usage.completion_tokens > 0 && r.usage.completion_tokens <= 8);
  assert.equal(r.usage.total_tokens, r.usage.prompt_tokens + r.usage.completion_tokens);
  assert.equal(typeof r.usage.prompt_tokens_details.cached_tokens, 'number');
});

test('chat completion, streaming with usage chunk', async () => {
  const stream = await client.chat.completions.create({
    model: 'stories', messages, max_tokens: 8, temperature: 0, stream: true,
    stream_options: { include_usage: true },
  });
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);
  assert.equal(chunks[0].choices[0].delta.role, 'assistant');
  const withChoices = chunks.filter((c) => c.choices.length > 0);
  const last = withChoices[withChoices.length - 1];
  assert.ok(['stop', 'length'].includes(last.choices[0].finish_reason));
  for (const c of withChoices.slice(0, -1)) assert.equal(c.choices[0].finish_reason, null);
  const usage = chunks[chunks.length - 1];
  assert.deepEqual(usage.choices, []);
  assert.ok(usage.usage.completion_tokens > 0);
  const text = withChoices.map((c) => c.choices[0].delta.content ?? '').join('');
  const whole = await client.chat.completions.create({ model: 'stories', messages, max_tokens: 8, temperature: 0 });
  assert.equal(text, whole.choices[0].message.content);
});

test('raw SSE framing ends with [DONE]', async () => {
  const r = await postJson(`${server.url}/v1/chat/completions`,
    { messages, max_tokens: 3, temperature: 0, stream: true });
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /text\/event-stream/);
  const events = r.text.split('\n\n').filter((e) => e.length > 0);
  for (const e of events) assert.match(e, /^data: /);
  assert.equal(events[events.length - 1], 'data: [DONE]');
});

test('max_tokens ends with length', async () => {
  const r = await client.completions.create({
    model: 'stories', prompt: 'Once upon a time', max_tokens: 4, temperature: 0, ignore_eos: true,
  });
  assert.equal(r.object, 'text_completion');
  assert.equal(r.choices[0].finish_reason, 'length');
  assert.equal(r.usage.completion_tokens, 4);
});

test('stop strings end with stop and are not emitted', async () => {
  const base = await client.completions.create({
    model: 'stories', prompt: 'Once upon a time', max_tokens: 40, temperature: 0, ignore_eos: true,
  });
  const text = base.choices[0].text;
  const words = text.trim().split(/\s+/);
  assert.ok(words.length > 4, `need some text: ${text}`);
  const stop = ` ${words[3]}`;
  const cut = text.indexOf(stop);
  assert.ok(cut >= 0);
  const r = await client.completions.create({
    model: 'stories', prompt: 'Once upon a time', max_tokens: 40, temperature: 0, ignore_eos: true, stop: [stop],
  });
  assert.equal(r.choices[0].finish_reason, 'stop');
  assert.equal(r.choices[0].text, text.slice(0, cut));
});

test('n choices: sampled ones differ, greedy ones agree, streaming tags each index', async () => {
  const sampled = await client.chat.completions.create({
    model: 'stories', messages, max_tokens: 16, temperature: 1, seed: 7, n: 3,
  });
  assert.deepEqual(sampled.choices.map((c) => c.index), [0, 1, 2]);
  const texts = new Set(sampled.choices.map((c) => c.message.content));
  assert.ok(texts.size >= 2, `expected different samples, got ${[...texts]}`);
  assert.ok(sampled.usage.completion_tokens > 16 && sampled.usage.completion_tokens <= 48);

  const one = await client.chat.completions.create({ model: 'stories', messages, max_tokens: 12, temperature: 0 });
  const greedy = await client.chat.completions.create({
    model: 'stories', messages, max_tokens: 12, temperature: 0, n: 2,
  });
  assert.equal(greedy.choices[0].message.content, one.choices[0].message.content);
  assert.equal(greedy.choices[1].message.content, one.choices[0].message.content);

  const stream = await client.chat.completions.create({
    model: 'stories', messages, max_tokens: 12, temperature: 0, n: 2, stream: true,
    stream_options: { include_usage: true },
  });
  const text = ['', ''];
  const finishes = [0, 0];
  let usage;
  for await (const chunk of stream) {
    if (chunk.usage) usage = chunk.usage;
    for (const c of chunk.choices) {
      text[c.index] += c.delta.content ?? '';
      if (c.finish_reason) finishes[c.index] += 1;
    }
  }
  assert.deepEqual(text, [one.choices[0].message.content, one.choices[0].message.content]);
  assert.deepEqual(finishes, [1, 1]);
  assert.equal(usage.completion_tokens, 2 * one.usage.completion_tokens);

  const tooMany = await postJson(`${server.url}/v1/chat/completions`, { messages, n: 17 });
  assert.equal(tooMany.status, 400);
  assert.equal(tooMany.json.error.param, 'n');
});

test('errors carry the OpenAI shape and the right status', async () => {
  const url = `${server.url}/v1/chat/completions`;
  const malformed = await postJson(url, '{"messages": [');
  assert.equal(malformed.status, 400);
  for (const k of ['message', 'type', 'param', 'code']) assert.ok(k in malformed.json.error, k);

  const invalid = await postJson(url, { messages, temperature: 'warm' });
  assert.equal(invalid.status, 400);
  assert.equal(invalid.json.error.param, 'temperature');

  const tools = await postJson(url, { messages, tools: [{ type: 'function', function: { name: 'f' } }] });
  assert.equal(tools.status, 400);
  assert.equal(tools.json.error.param, 'tools');

  const schema = await postJson(url, { messages, response_format: { type: 'json_schema', json_schema: {} } });
  assert.equal(schema.status, 400);
  assert.equal(schema.json.error.param, 'response_format');

  await assert.rejects(
    client.chat.completions.create({ model: 'gpt-4o', messages }),
    (e) => e.status === 404 && e.error?.code === 'model_not_found');

  const long = 'once upon a time there was a little dog '.repeat(400);
  const tooLong = await postJson(url, { messages: [{ role: 'user', content: long }] });
  assert.equal(tooLong.status, 413);
  assert.equal(tooLong.json.error.code, 'context_length_exceeded');

  const huge = await postJson(url, { messages: [{ role: 'user', content: 'x'.repeat(9 << 20) }] });
  assert.equal(huge.status, 413);

  const route = await fetch(`${server.url}/v1/nothing`);
  assert.equal(route.status, 404);
});

test('tokenize, detokenize and apply-template', async () => {
  const tok = await postJson(`${server.url}/tokenize`, { content: 'Once upon a time' });
  assert.equal(tok.status, 200);
  assert.ok(tok.json.tokens.length > 0);
  const detok = await postJson(`${server.url}/detokenize`, { tokens: tok.json.tokens });
  assert.equal(detok.json.content.trim(), 'Once upon a time');
  const tmpl = await postJson(`${server.url}/apply-template`, { messages });
  assert.equal(tmpl.status, 200);
  assert.ok(tmpl.json.prompt.includes('Once upon a time'));
});

test('API key: 401 without it, 200 with it, /health open', async () => {
  const keyed = await startServer(['--api-key', 'sekrit']);
  try {
    const health = await fetch(`${keyed.url}/health`);
    assert.equal(health.status, 200);
    const bad = new OpenAI({ apiKey: 'wrong', baseURL: `${keyed.url}/v1`, maxRetries: 0 });
    await assert.rejects(bad.models.list(), (e) => e.status === 401);
    const none = await fetch(`${keyed.url}/v1/models`);
    assert.equal(none.status, 401);
    const good = new OpenAI({ apiKey: 'sekrit', baseURL: `${keyed.url}/v1`, maxRetries: 0 });
    const r = await good.chat.completions.create({ messages, max_tokens: 2, model: 'stories260K.gguf' });
    assert.equal(r.object, 'chat.completion');
  } finally {
    await keyed.stop();
  }
});

test('a repeated prompt reuses the prefix cache (usage and /metrics)', async () => {
  const prompt = 'Once upon a time there was a little girl named Lily who loved to play in the park with her dog';
  const first = await client.completions.create({ model: 'stories', prompt, max_tokens: 2, temperature: 0 });
  const second = await client.completions.create({ model: 'stories', prompt, max_tokens: 2, temperature: 0 });
  assert.ok(second.usage.prompt_tokens_details.cached_tokens > 0, JSON.stringify(second.usage));
  assert.equal(second.usage.prompt_tokens, first.usage.prompt_tokens);
  const m = await metrics(server.url);
  assert.ok(m.ingot_prefix_cache_hits_tokens_total > 0);
});

test('apply-template shows the prompt, tools included', async () => {
  const r = await postJson(`${server.url}/apply-template`,
    { messages, tools: [{ type: 'function', function: { name: 'f' } }] });
  assert.equal(r.status, 200);
  assert.equal(typeof r.json.prompt, 'string');
});

test('settings from a config file and from environment variables', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ingot-e2e-'));
  const config = path.join(dir, 'serve.toml');
  writeFileSync(config, 'alias = "from-config"\nmetrics = true\n');
  const fromConfig = await startServer(['--config', config]);
  try {
    const models = await (await fetch(`${fromConfig.url}/v1/models`)).json();
    assert.equal(models.data[0].id, 'from-config');
    assert.equal((await fetch(`${fromConfig.url}/metrics`)).status, 200);
  } finally {
    await fromConfig.stop();
  }
  const fromEnv = await startServer([], { INGOT_ALIAS: 'from-env' });
  try {
    const models = await (await fetch(`${fromEnv.url}/v1/models`)).json();
    assert.equal(models.data[0].id, 'from-env');
    assert.equal((await fetch(`${fromEnv.url}/metrics`)).status, 404);
  } finally {
    await fromEnv.stop();
  }
});

test('logprobs and embeddings through the openai client', async () => {
  const r = await client.chat.completions.create({
    model: 'stories', messages, max_tokens: 3, temperature: 0, logprobs: true, top_logprobs: 2,
  });
  const content = r.choices[0].logprobs.content;
  assert.equal(content.length, r.usage.completion_tokens);
  for (const item of content) {
    assert.ok(item.logprob <= 0);
    assert.equal(item.top_logprobs.length, 2);
  }
  const e = await client.embeddings.create({ model: 'stories', input: ['a cat', 'a dog'], encoding_format: 'float' });
  assert.equal(e.data.length, 2);
  const norm = Math.hypot(...e.data[1].embedding);
  assert.ok(Math.abs(norm - 1) < 1e-3, `norm ${norm}`);
  assert.ok(e.usage.prompt_tokens > 0);
  const b64 = await client.embeddings.create({ model: 'stories', input: 'a dog' });  // the client's default: base64
  assert.deepEqual(b64.data[0].embedding.map((x) => x.toFixed(5)), e.data[1].embedding.map((x) => x.toFixed(5)));
});
