/**
 * Segment connectors: `SegmentOutbound` (loyalty → Segment) and `SegmentInbound` (Segment → loyalty).
 * @packageDocumentation
 */
export * from './outbound/index.js';
export * from './inbound/index.js';
