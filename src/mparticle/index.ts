/**
 * mParticle connector: `MParticleFeed` (customer attributes and events into mParticle; events and
 * audiences from mParticle into the loyalty engine).
 * @packageDocumentation
 */
export * from './feed.js';
export * from './mapping.js';
export * from './schemas.js';
export * from './destination.js';
export * from './resend-queue.js';
export * from './inbound/index.js';
