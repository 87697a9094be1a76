// SegmentOutbound: loyalty events and profile updates into Segment's HTTP Tracking API.
export { SegmentOutbound, type ProfileUpdateOptions } from './segment-outbound.js';
export {
  toTrackCall,
  toIdentifyCall,
  syncedTraits,
  isEventSynced,
  resolveIntegrations,
  trackMessageId,
  identifyMessageId,
  DEFAULT_INTEGRATIONS,
  SEGMENT_LIBRARY_CONTEXT,
  type ProfileChange,
} from './mapping.js';
export {
  assertSegmentCall,
  MAX_MESSAGE_ID_LENGTH,
  type SegmentOutboundOptions,
  type SegmentMappingOptions,
  type SegmentRegion,
  type SegmentIntegrations,
  type SegmentCall,
  type SegmentContext,
  type SegmentLibrary,
  type SegmentTrackCall,
  type SegmentIdentifyCall,
} from './schemas.js';
export {
  SEGMENT_REGION_URLS,
  SEGMENT_BATCH_PATH,
  SEGMENT_LIMITS,
  SEGMENT_RATE_LIMIT,
  segmentBatchUrl,
  segmentAuthorization,
  segmentDestination,
} from './destination.js';
