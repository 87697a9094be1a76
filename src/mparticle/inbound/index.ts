// The inbound half of MParticleFeed (mParticle → loyalty engine). `MParticleFeed` in ../feed.ts
// composes it; everything here is also usable on its own and in tests.
export { MParticleInbound, type MParticleInboundContext } from './mparticle-inbound.js';
export { generateAuthToken } from './auth.js';
export { type InboundProcessReport, inboundRetryDelay } from './processor.js';
export {
  MemoryInboundQueue,
  type InboundQueue,
  type InboundWorkItem,
  type InboundItemBase,
  type InboundIdentity,
  type InboundEventItem,
  type InboundEventRequestItem,
  type InboundAudienceSubscriptionItem,
  type InboundAudienceMembershipItem,
} from './queue.js';
export {
  mparticleInboundOptionsSchema,
  FIREHOSE_USER_IDENTITY_TYPES,
  FIREHOSE_EVENT_TYPES,
  EVENT_NAME_FIELDS,
  DEFAULT_INBOUND_MAX_ATTEMPTS,
  MIN_AUTH_TOKEN_LENGTH,
  type MParticleInboundOptions,
  type MParticleEventMapping,
  type ParsedInboundOptions,
  type ParsedEventMapping,
  type FirehoseUserIdentityType,
  type FirehoseEventType,
} from './schemas.js';
export {
  toEventWorkItems,
  screenEventRequest,
  toMembershipWorkItems,
  toAudienceSubscriptionItem,
  selectMapping,
  readEventField,
  buildEventData,
  findIdentity,
  toIdempotencyKey,
  AUDIENCE_PRIORITY,
  type InboundMappingSettings,
  type InboundRequestMeta,
  type RejectedInboundItem,
  type MappedRequest,
  type IdentityLookup,
  type IdentityFound,
  type IdentityRefused,
  type ScreenedEventRequest,
} from './mapping.js';
export {
  toEventProcessingResponse,
  toAudienceSubscriptionResponse,
  toAudienceMembershipResponse,
  toRegistrationResponse,
  type FirehoseResponseEnvelope,
  type AudienceMembershipResponse,
} from './responses.js';
export {
  FIREHOSE_VERSION,
  type FirehoseRequestType,
  type FirehoseIdentity,
  type FirehoseAccount,
  type FirehoseEnvelope,
  type FirehoseEvent,
  type EventProcessingRequest,
  type AudienceSubscriptionRequest,
  type FirehoseAudienceChange,
  type FirehoseUserProfile,
  type AudienceMembershipChangeRequest,
} from './firehose.js';
