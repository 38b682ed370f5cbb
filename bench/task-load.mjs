// Load generator for the runner throughput bench (bench/runner.ts), in its own process: the
// client's HTTP work and CPU stay out of the measured server's event loop and CPU count, as a
// phone or a script would. Plain JS: a forked child does not inherit tsx's loader.
//
// Protocol (IPC): the parent sends { type: 'run', count, concurrency, url, headers, body };
// the child posts `count` tasks with at most `concurrency` requests in flight and answers
// { type: 'posted', posted: [{ id, status, at }] }, `at` being when each POST was sent in
// epoch milliseconds (performance.timeOrigin + now, comparable across processes), or
// { type: 'error', message }.
import { Agent, request } from 'node:http';

let agent = null;

function post(url, headers, payload) {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: { ...headers, 'content-length': Buffer.byteLength(payload) },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode !== 201) reject(new Error(`POST ${url}: ${res.statusCode} ${text}`));
          else resolve(JSON.parse(text));
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

async function run({ count, concurrency, url, headers, body }) {
  agent ??= new Agent({ keepAlive: true, maxSockets: concurrency });
  const payload = JSON.stringify(body);
  const posted = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      for (let i = next++; i < count; i = next++) {
        const at = performance.timeOrigin + performance.now();
        const task = await post(url, headers, payload);
        posted.push({ id: task.id, status: task.status, at });
      }
    }),
  );
  return posted;
}

process.on('message', (m) => {
  if (m?.type !== 'run') return;
  run(m).then(
    (posted) => process.send({ type: 'posted', posted }),
    (e) => process.send({ type: 'error', message: e instanceof Error ? e.message : String(e) }),
  );
});
process.on('disconnect', () => process.exit(0));
