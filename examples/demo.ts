// `npm run demo`: the main job on embedded defaults. Starts local stand-ins for Segment, mParticle
// and Braze on 127.0.0.1, pushes a small loyalty programme through every connector, receives
// inbound webhooks, and prints what happened. No account, key or network needed.
import { startFakeVendorServer, InMemoryLoyaltyEngine } from 'loyalty-cdp/testing';
import { customers } from './demo/programme.js';
import type { DemoContext, DemoSection } from './demo/context.js';
import segmentOutbound from './demo/segment-outbound.js';
import segmentInbound from './demo/segment-inbound.js';
import mparticleOutbound from './demo/mparticle-outbound.js';
import mparticleInbound from './demo/mparticle-inbound.js';
import braze from './demo/braze.js';

const server = await startFakeVendorServer();
const engine = new InMemoryLoyaltyEngine(customers);
const context: DemoContext = { vendorsUrl: server.url, vendors: server.vendors, engine };

console.log(`loyalty-cdp demo: vendor stand-ins on ${server.url}, ${customers.length} customers\n`);
let failed = false;
for (const section of [segmentOutbound, segmentInbound, mparticleOutbound, mparticleInbound, braze]) {
  try {
    const result: DemoSection = await section(context);
    console.log(`## ${result.title}`);
    for (const line of result.lines) console.log(`  ${line}`);
    console.log('');
  } catch (error) {
    failed = true;
    console.error(`demo section failed: ${error instanceof Error ? error.stack : String(error)}`);
  }
}
console.log(`Requests received by the stand-ins: ${server.vendors.count}`);
await server.close();
process.exit(failed ? 1 : 0);
