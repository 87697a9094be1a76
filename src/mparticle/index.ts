/**
 * mParticle connector: `MParticleFeed` (customer attributes and events into mParticle; events and
 * audiences from mParticle into the loyalty engine).
 * @packageDocumentation
 */
export {};
