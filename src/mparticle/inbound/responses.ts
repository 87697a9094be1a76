// The answers mParticle expects, one per request type. Pure: the clock is passed in.
import { LIBRARY_NAME, VERSION } from '../../core/version.js';
import { FIREHOSE_VERSION, type FirehoseEnvelope } from './firehose.js';
import type { ParsedInboundOptions } from './schemas.js';

/** The envelope every answer carries: the type, the request's ID echoed, the time and version. */
export interface FirehoseResponseEnvelope {
  /** The response type, e.g. `event_processing_response`. */
  type: string;
  /** The request's ID (mParticle allows echoing it). */
  id: string;
  /** When the answer was made, epoch milliseconds. */
  timestamp_ms: number;
  /** Protocol version. */
  firehose_version: string;
}

function envelope(type: string, request: FirehoseEnvelope, now: number, fallbackId: string): FirehoseResponseEnvelope {
  return {
    type,
    id: typeof request.id === 'string' && request.id !== '' ? request.id : fallbackId,
    timestamp_ms: now,
    firehose_version: typeof request.firehose_version === 'string' ? request.firehose_version : FIREHOSE_VERSION,
  };
}

/** `event_processing_response` to an `event_processing_request` (pings included). */
export function toEventProcessingResponse(request: FirehoseEnvelope, now: number, fallbackId: string): FirehoseResponseEnvelope {
  return envelope('event_processing_response', request, now, fallbackId);
}

/** `audience_subscription_response` to an `audience_subscription_request`. */
export function toAudienceSubscriptionResponse(request: FirehoseEnvelope, now: number, fallbackId: string): FirehoseResponseEnvelope {
  return envelope('audience_subscription_response', request, now, fallbackId);
}

/** The answer to an `audience_membership_change_request`. */
export interface AudienceMembershipResponse extends FirehoseResponseEnvelope {
  /** `true` would stop mParticle's traffic for good; this connector always answers `false`. */
  suspend_subscription: boolean;
}

/** `audience_membership_change_response`; `suspend_subscription` stays false (errors are ours to log, not a reason to stop traffic). */
export function toAudienceMembershipResponse(request: FirehoseEnvelope, now: number, fallbackId: string): AudienceMembershipResponse {
  return { ...envelope('audience_membership_change_response', request, now, fallbackId), suspend_subscription: false };
}

/**
 * `module_registration_response`: declares the identity the connector matches customers by (raw,
 * required), the event types its mappings use, and audience processing when `trackAudiences` is on.
 */
export function toRegistrationResponse(
  request: FirehoseEnvelope,
  options: Pick<ParsedInboundOptions, 'customerIdentity' | 'eventMappings' | 'trackAudiences'>,
  now: number,
  fallbackId: string,
): Record<string, unknown> {
  const eventTypes = [...new Set(options.eventMappings.map((m) => m.eventType))];
  return {
    ...envelope('module_registration_response', request, now, fallbackId),
    sdk_version: FIREHOSE_VERSION,
    name: LIBRARY_NAME,
    description: 'Loyalty programme: mParticle events become loyalty events, audiences become customer lists.',
    version: VERSION,
    permissions: {
      user_identities: [{ type: options.customerIdentity, encoding: 'raw', required: true }],
      allow_user_attributes: true,
    },
    event_processing_registration: {
      account_settings: [],
      supported_event_types: eventTypes,
      max_data_age_hours: 24,
    },
    ...(options.trackAudiences ? { audience_processing_registration: { account_settings: [] } } : {}),
  };
}
