/**
 * Braze connector: `BrazeSync` (loyalty fields as custom attributes, loyalty events as custom events
 * and purchases).
 * @packageDocumentation
 */
export { BrazeSync, BRAZE_DEFAULT_RATE_LIMIT } from './braze-sync.js';
export {
  type BrazeSyncOptions,
  type BrazePurchaseOptions,
  type BrazeFieldTarget,
  type BrazeStandardFieldTarget,
  type BrazeFieldMapping,
  type ResolvedBrazePurchaseOptions,
} from './schemas.js';
export {
  toBrazeExternalId,
  toBrazeProfileAttributes,
  toBrazeChangedAttributes,
  toBrazeSyncAttributes,
  toBrazeEvent,
  toBrazePurchases,
  BRAZE_EXTERNAL_ID_MAX_BYTES,
  BRAZE_MAX_PURCHASE_QUANTITY,
  type BrazeAttributesObject,
  type BrazeEventObject,
  type BrazePurchaseObject,
  type BrazeTrackRequestBody,
  type BrazeIdentity,
  type BrazeFieldAttributes,
} from './mapping.js';
export { BrazeAttributeOperation, toBrazeAttributeValue, toBrazeEventProperties, toBrazeStandardFieldValue, BRAZE_VALUE_LIMITS, type BrazeValue } from './values.js';
export { BRAZE_STANDARD_FIELDS, type BrazeStandardField } from './fields.js';
export { brazeDestination, interpretBrazeTrackResponse, BRAZE_MAX_REQUEST_BYTES, type BrazeDestinationConfig, type BrazeMessageKind } from './destination.js';
