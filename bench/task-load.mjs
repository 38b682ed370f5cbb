// Load generator for the runner throughput bench (bench/runner.ts), in its own process: the
// client's HTTP work and CPU stay out of the measured server's event loop and CPU count, as a
// phone or a script would. Plain JS: a forked child does not inherit tsx's loader.
//
// Why a hand-written HTTP/1.1 client: it shares the machine's 2 cores with the server and
// sshd, and node:http's client (IncomingMessage streams, the agent) cost ~0.7 ms of CPU per
// POST here, about a tenth of what the machine spent per task; this one costs ~0.2 ms. It
// writes each request as one string on a keep-alive socket and reads the response's status,
// length and body; the server sees the same requests.
//
// Protocol (IPC): the parent sends { type: 'run', count, concurrency, url, headers, body };
// the child posts `count` tasks over `concurrency` keep-alive connections, one request in
// flight on each, and answers { type: 'posted', posted: [{ id, status, at }], cpuMs }, `at`
// being when each POST was sent in epoch milliseconds (performance.timeOrigin + now,
// comparable across processes) and cpuMs this process's CPU time for the run, or
// { type: 'error', message }.
import { connect } from 'node:net';

const HEADER_END = Buffer.from('\r\n\r\n');

/** One keep-alive connection that sends requests one at a time and resolves their bodies. */
function openConnection(host, port) {
  const socket = connect({ host, port });
  socket.setNoDelay(true);
  let buffer = Buffer.alloc(0);
  let waiting = null;
  const fail = (e) => {
    const w = waiting;
    waiting = null;
    w?.reject(e);
  };
  socket.on('error', fail);
  socket.on('close', () => fail(new Error('the server closed the connection')));
  socket.on('data', (chunk) => {
    buffer = buffer.length ? Buffer.concat([buffer, chunk]) : chunk;
    const end = buffer.indexOf(HEADER_END);
    if (end < 0 || !waiting) return;
    const head = buffer.subarray(0, end).toString('latin1');
    const status = Number(head.slice(9, 12));
    const length = /\r\ncontent-length: *(\d+)/i.exec(head);
    if (!length) return fail(new Error(`no content-length in: ${head}`));
    const total = end + HEADER_END.length + Number(length[1]);
    if (buffer.length < total) return;
    const body = buffer.subarray(end + HEADER_END.length, total).toString('utf8');
    buffer = buffer.subarray(total);
    const w = waiting;
    waiting = null;
    w.resolve({ status, body });
  });
  const ready = new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return {
    async request(text) {
      await ready;
      return new Promise((resolve, reject) => {
        waiting = { resolve, reject };
        socket.write(text);
      });
    },
    close: () => socket.destroy(),
  };
}

async function run({ count, concurrency, url, headers, body }) {
  const { hostname, port, pathname, host } = new URL(url);
  const payload = JSON.stringify(body);
  const request =
    `POST ${pathname} HTTP/1.1\r\nHost: ${host}\r\n` +
    Object.entries(headers)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('') +
    `Content-Length: ${Buffer.byteLength(payload)}\r\n\r\n${payload}`;
  const connections = Array.from({ length: Math.min(concurrency, count) }, () =>
    openConnection(hostname, Number(port)),
  );
  const cpu = process.cpuUsage();
  const posted = [];
  let next = 0;
  try {
    await Promise.all(
      connections.map(async (connection) => {
        for (let i = next++; i < count; i = next++) {
          const at = performance.timeOrigin + performance.now();
          const res = await connection.request(request);
          if (res.status !== 201) throw new Error(`POST ${url}: ${res.status} ${res.body}`);
          const task = JSON.parse(res.body);
          posted.push({ id: task.id, status: task.status, at });
        }
      }),
    );
  } finally {
    connections.forEach((c) => c.close());
  }
  const used = process.cpuUsage(cpu);
  return { posted, cpuMs: (used.user + used.system) / 1000 };
}

process.on('message', (m) => {
  if (m?.type !== 'run') return;
  run(m).then(
    ({ posted, cpuMs }) => process.send({ type: 'posted', posted, cpuMs }),
    (e) => process.send({ type: 'error', message: e instanceof Error ? e.message : String(e) }),
  );
});
process.on('disconnect', () => process.exit(0));
