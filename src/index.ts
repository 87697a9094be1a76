/**
 * loyalty-cdp: keep a loyalty engine in sync with Segment, mParticle and Braze.
 * @packageDocumentation
 */
export * from './core/index.js';
export * from './segment/index.js';
export * from './mparticle/index.js';
export * from './braze/index.js';
