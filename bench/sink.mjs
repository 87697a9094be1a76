// A local HTTP sink for benchmarks, run as its own process so it does not share the measured
// process's event loop. Answers like the vendors (Segment 200, mParticle 202, Braze 201) and counts.
import { createServer } from 'node:http';

let requests = 0;
let bytes = 0;
let items = 0;
const server = createServer((req, res) => {
  if (req.url === '/__stats') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ requests, bytes, items }));
    return;
  }
  if (req.url === '/__reset') {
    requests = bytes = items = 0;
    res.end('{}');
    return;
  }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    requests += 1;
    const body = Buffer.concat(chunks);
    bytes += body.byteLength;
    // Count items cheaply by the wrapper each vendor uses.
    const text = body.toString('utf8');
    const path = req.url ?? '';
    if (path.includes('/users/track')) {
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end('{"message":"success"}');
    } else if (path.includes('/bulkevents') || path.endsWith('/events')) {
      res.writeHead(202);
      res.end();
    } else if (path.includes('/events/list')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"events":[],"message":"success"}');
    } else {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"success":true}');
    }
    if (process.env.SINK_COUNT_ITEMS) items += (text.match(/"(messageId|source_request_id|external_id)"/g) ?? []).length;
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
