// SegmentInbound: Segment events into loyalty events and profile updates.
export { SegmentInbound, type SegmentInboundRequest } from './segment-inbound.js';
export { type SegmentInboundItemResult, type SegmentInboundItemError, type SegmentInboundAnswer, type SegmentInboundResponse } from './results.js';
export {
  compileSegmentInboundMappings,
  mapSegmentEvent,
  fromAntavoBody,
  isAntavoFormat,
  readSegmentEvents,
  libraryName,
  messageIdOf,
  MAPPING_FIELDS,
  ANTAVO_FORMAT_MAPPING,
  type CompiledSegmentInboundMapping,
  type InboundItem,
  type LoyaltyEventItem,
  type ProfileUpdateItem,
  type InvalidInboundItem,
  type SegmentEvents,
} from './mapping.js';
export { defaultSegmentInboundMappings, defaultSegmentInboundFields, DEFAULT_TRIGGERS, PROFILE_TRAITS } from './defaults.js';
export { parseTrigger, TriggerSyntaxError, TRIGGER_FIELDS, type Trigger } from './subscription.js';
export {
  parseLoyaltyEventPayload,
  parseProfileUpdatePayload,
  type SegmentInboundOptions,
  type SegmentInboundMapping,
  type SegmentInboundAction,
  type LoyaltyEventPayload,
  type ProfileUpdatePayload,
} from './schemas.js';
export { signSegmentPayload, verifySegmentSignature, segmentSignedText, basicAuthorization } from './signature.js';
export {
  authenticateSegmentRequest,
  authenticateAntavoBody,
  type SegmentInboundCredentials,
  type SegmentInboundAuthMethod,
  type SegmentHeaderLookup,
} from './credentials.js';
