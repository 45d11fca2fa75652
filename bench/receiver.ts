/**
 * The benchmark's webhook receiver: a minimal node:http server that answers 200 at once. It runs in
 * its own process so the server under test and the load generator do not share its CPU time.
 *
 * POST /hook…      counted; in latency mode the receive time of each user id is kept
 * GET  /__stats    { count, firstAt, lastAt, received: { [userId]: epochMs } }
 * POST /__reset    forget everything
 */
import { createServer } from 'node:http';

const port = Number(process.argv[2] ?? 0);
let count = 0;
let firstAt = 0;
let lastAt = 0;
let received: Record<string, number> = {};
let isTrackingIds = false;

const now = () => performance.timeOrigin + performance.now();

const server = createServer((req, res) => {
  if (req.url === '/__stats') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ count, firstAt, lastAt, received }));
    return;
  }
  if (req.url?.startsWith('/__reset')) {
    count = 0;
    firstAt = 0;
    lastAt = 0;
    received = {};
    isTrackingIds = req.url.includes('track=1');
    req.resume();
    res.end('reset');
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const at = now();
    count += 1;
    if (firstAt === 0) firstAt = at;
    lastAt = at;
    if (isTrackingIds) {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { data?: { id?: string } };
      if (body.data?.id) received[body.data.id] = at;
    }
    res.writeHead(200);
    res.end();
  });
});

// Longer than any pause between the benchmark's control requests, so an idle socket is not closed under them.
server.keepAliveTimeout = 120_000;
server.listen(port, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(
    `${JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 })}\n`,
  );
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
