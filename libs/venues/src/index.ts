export * from './venue';
export { VenueError, type VenueErrorCode, toSafeNumber } from './errors';
export {
  SimulatedMatchingVenue,
  type RestingOrderState,
  type SimulatedVenueOptions,
} from './simulated/simulated-matching-venue';
export {
  type CancelAllFilter,
  decodeCommand,
  encodeCommand,
  ORDER_FIELDS_USED,
  type SimulatedVenueCommand,
} from './simulated/commands';
export { type BookSnapshot, SelfTradePrevention } from '@tapeline/order-book';
export { FixVenue, type FixVenueOptions } from './fix/fix-venue';
