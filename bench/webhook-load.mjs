// Load generator for bench/telegram.ts, run in a worker thread so the client's work stays off
// the measured server's event loop. Plain JS: workers do not inherit tsx's loader.
import { Agent, request } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';

const { url, secret, firstId, count, concurrency, ratePerS } = workerData;
const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
const target = new URL(url);

const body = (id) =>
  JSON.stringify({
    update_id: id,
    message: {
      message_id: id,
      date: 1790000000,
      chat: { id: 1000 + (id % 50), type: 'private', first_name: 'Ops', username: 'ops_on_phone' },
      from: {
        id: 1000 + (id % 50),
        is_bot: false,
        first_name: 'Ops',
        username: 'ops_on_phone',
        language_code: 'en',
      },
      text: `ask codex to fix the flaky login test in api, attempt ${id} — and run the suite twice`,
    },
  });

function post(id) {
  return new Promise((resolve) => {
    const payload = body(id);
    const req = request(
      {
        agent,
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
          'x-telegram-bot-api-secret-token': secret,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', () => resolve(0));
    req.end(payload);
  });
}

const latencies = new Array(count);
const statuses = new Map();
const started = performance.now();
if (ratePerS) {
  // Open loop: update i is due at i / rate; latency counts from when it was due, so a server
  // that falls behind shows it (no coordinated omission).
  const inFlight = [];
  for (let i = 0; i < count; i++) {
    const due = started + (i * 1000) / ratePerS;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const from = due;
    inFlight.push(
      post(firstId + i).then((s) => {
        latencies[i] = performance.now() - from;
        statuses.set(s, (statuses.get(s) ?? 0) + 1);
      }),
    );
  }
  await Promise.all(inFlight);
} else {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        const t0 = performance.now();
        const s = await post(firstId + i);
        latencies[i] = performance.now() - t0;
        statuses.set(s, (statuses.get(s) ?? 0) + 1);
      }
    }),
  );
}
const elapsedMs = performance.now() - started;
agent.destroy();
parentPort.postMessage({ elapsedMs, latencies, statuses: Object.fromEntries(statuses) });
