// Firehose message shapes (mParticle's partner Event/Audience output), as far as this connector
// reads them. mParticle's own serializer drops null and empty fields and ignores unknown ones, so
// every field is optional here and extra fields pass through untouched.

/** The Firehose protocol version this connector speaks and answers with when a request names none. */
export const FIREHOSE_VERSION = '3.2.0';

/** The message types mParticle sends to a partner endpoint. */
export type FirehoseRequestType =
  | 'module_registration_request'
  | 'event_processing_request'
  | 'audience_subscription_request'
  | 'audience_membership_change_request'
  | 'dsr_processing_request';

/** A user, device or partner identity: `{ type, encoding, value }`. */
export interface FirehoseIdentity {
  /** Identity type as mParticle names it: `customer`, `email`, `other`, `other2`…`other10`, `mobile_number`, … */
  type: string;
  /** `raw`, or a hash (`md5`, `sha1`, `sha256`) of the trimmed, lower-cased value. Absent means `raw`. */
  encoding?: string;
  /** The identity value (or its hash). */
  value: string;
}

/** The account block every Firehose request carries. */
export interface FirehoseAccount {
  /** mParticle account ID. */
  account_id?: number;
  /** The connection's settings, keyed by setting ID; every value is a string. */
  account_settings?: Record<string, string>;
}

/** Fields common to every Firehose request. */
export interface FirehoseEnvelope {
  /** The message type. */
  type: string;
  /** Message ID (a UUID); answers may echo it. */
  id?: string;
  /** When mParticle sent the message, epoch milliseconds. */
  timestamp_ms?: number;
  /** Protocol version, e.g. `3.2.0`. */
  firehose_version?: string;
  /** Anything else mParticle sends. */
  [field: string]: unknown;
}

/**
 * One event of an `event_processing_request`. Flat, without the `data` wrapper of the S2S input
 * format: a custom event has `name`, `custom_event_type` and `attributes`; a screen view
 * `screen_name`; a product action `action`, `transaction_id`, `total_amount`, `products`, ….
 */
export interface FirehoseEvent {
  /** Event type: `custom_event`, `screen_view`, `product_action`, `session_start`, …. */
  type: string;
  /** The event's ID (a UUID), stable across mParticle's redeliveries. */
  id: string;
  /** When the event happened, epoch milliseconds. */
  timestamp_ms?: number;
  /** Custom event name. */
  name?: string;
  /** Custom event type (`navigation`, `transaction`, `other`, …). */
  custom_event_type?: string;
  /** Screen name of a `screen_view`. */
  screen_name?: string;
  /** Product or promotion action (`purchase`, `add_to_cart`, `click`, …). */
  action?: string;
  /** Event attributes; mParticle sends every value as a string. */
  attributes?: Record<string, string>;
  /** Any other event field. */
  [field: string]: unknown;
}

/** `event_processing_request`: one user's batch of events. */
export interface EventProcessingRequest extends FirehoseEnvelope {
  /** Discriminator. */
  type: 'event_processing_request';
  /** The connection's account and settings. */
  account?: FirehoseAccount;
  /** The user's identities. */
  user_identities?: FirehoseIdentity[];
  /** The user's attributes (all strings), e.g. `$FirstName`. */
  user_attributes?: Record<string, string>;
  /** The user's list attributes. */
  user_attribute_lists?: Record<string, string[]>;
  /** mParticle ID of the user, a string (it does not fit a JS number). */
  mpid?: string;
  /** The events; empty in verification pings. */
  events?: FirehoseEvent[];
}

/** `audience_subscription_request`: an audience was connected, changed or disconnected. */
export interface AudienceSubscriptionRequest extends FirehoseEnvelope {
  /** Discriminator. */
  type: 'audience_subscription_request';
  /** The connection's account and settings. */
  account?: FirehoseAccount;
  /** mParticle audience ID. */
  audience_id: number;
  /** Audience name. */
  audience_name?: string;
  /** `add`, `update` or `remove`. */
  action: 'add' | 'update' | 'remove';
}

/** One audience change of a user profile. */
export interface FirehoseAudienceChange {
  /** mParticle audience ID. */
  audience_id: number;
  /** Audience name. */
  audience_name?: string;
  /** `add` or `delete` membership; `attribute_update` changes audience-scoped attributes only. */
  action: 'add' | 'delete' | 'attribute_update';
}

/** One user profile of an `audience_membership_change_request`. */
export interface FirehoseUserProfile {
  /** The user's identities. */
  user_identities?: FirehoseIdentity[];
  /** mParticle ID. */
  mpid?: string;
  /** The audiences the user joined or left. */
  audiences?: FirehoseAudienceChange[];
}

/** `audience_membership_change_request`: users joined or left audiences. */
export interface AudienceMembershipChangeRequest extends FirehoseEnvelope {
  /** Discriminator. */
  type: 'audience_membership_change_request';
  /** The connection's account and settings. */
  account?: FirehoseAccount;
  /** The changed profiles; absent in verification pings. */
  user_profiles?: FirehoseUserProfile[];
}
