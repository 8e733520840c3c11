// End-to-end load behaviour of `ingot serve`: a client that disconnects frees its KV blocks (seen in /metrics),
// a full queue answers 503 + Retry-After, and greedy results do not depend on how many clients run at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startServer, postJson, metrics, sleep } from './helpers.js';

const PROMPTS = [
  'Once upon a time', 'The little dog', 'Lily went to the park', 'Tom had a red ball', 'One day, a cat',
  'The sun was shining', 'A big tree', 'Sam and his mom', 'The bird sang', 'There was a girl named Sue',
  'In the forest', 'The boy was sad', 'Mia liked to paint', 'A small fish', 'The car was fast', 'Ben found a box',
];

async function waitFor(predicate, what, ms = 10000) {
  const end = Date.now() + ms;
  for (;;) {
    const value = await predicate();
    if (value) return value;
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

test('a disconnected stream is cancelled and its KV blocks are freed', async () => {
  const server = await startServer(['--metrics', '--parallel', '2', '--threads', '1']);
  try {
    const before = await metrics(server.url);
    assert.equal(before.ingot_kv_blocks_used, 0);
    const abort = new AbortController();
    const r = await fetch(`${server.url}/v1/completions`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ prompt: 'Once upon a time', max_tokens: 100000, ignore_eos: true, stream: true }),
      signal: abort.signal,
    });
    const reader = r.body.getReader();
    await reader.read();
    await reader.read();
    const during = await metrics(server.url);
    abort.abort();
    assert.ok(during.ingot_kv_blocks_used > 0, 'blocks are in use while streaming');
    await waitFor(async () => {
      const m = await metrics(server.url);
      return m.ingot_kv_blocks_used === 0 && m['llamacpp:requests_processing'] === 0 &&
        m['ingot_requests_finished_total{reason="cancelled"}'] >= 1;
    }, 'the cancelled sequence to free its blocks');
  } finally {
    await server.stop();
  }
});

test('a full queue answers 503 with Retry-After', async () => {
  const server = await startServer(['--parallel', '1', '--max-queue', '1', '--threads', '1']);
  try {
    const body = { prompt: 'Once upon a time', max_tokens: 400, ignore_eos: true };
    const results = await Promise.all(
      Array.from({ length: 8 }, () => postJson(`${server.url}/v1/completions`, body)));
    const statuses = results.map((r) => r.status);
    assert.ok(statuses.includes(200), `statuses: ${statuses}`);
    const rejected = results.filter((r) => r.status === 503 || r.status === 429);
    assert.ok(rejected.length > 0, `statuses: ${statuses}`);
    for (const r of rejected) {
      assert.ok(Number(r.headers.get('retry-after')) > 0);
      assert.ok(r.json.error.message);
    }
  } finally {
    await server.stop();
  }
});

test('concurrent greedy equals sequential greedy (1, 4, 16 clients)', async () => {
  const server = await startServer(['--parallel', '16', '--max-queue', '64']);
  try {
    const client = new OpenAI({ apiKey: 'unused', baseURL: `${server.url}/v1`, maxRetries: 0 });
    const run = (prompt) => client.completions.create({
      model: 'stories260K', prompt, max_tokens: 24, temperature: 0, ignore_eos: true,
    }).then((r) => r.choices[0].text);
    const sequential = [];
    for (const p of PROMPTS) sequential.push(await run(p));
    for (const concurrency of [1, 4, 16]) {
      const got = new Array(PROMPTS.length);
      for (let i = 0; i < PROMPTS.length; i += concurrency) {
        const batch = PROMPTS.slice(i, i + concurrency);
        const texts = await Promise.all(batch.map(run));
        texts.forEach((t, j) => { got[i + j] = t; });
      }
      assert.deepEqual(got, sequential, `concurrency ${concurrency}`);
    }
  } finally {
    await server.stop();
  }
});

test('SIGTERM stops the server cleanly', async () => {
  const server = await startServer([]);
  const code = await server.stop();
  assert.equal(code, 0, server.output());
});
