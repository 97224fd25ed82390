/** Nest injection tokens for what every service gets from the kit. */
export const CONFIG = Symbol('tapeline.config');
export const LOGGER = Symbol('tapeline.logger');
export const METRICS = Symbol('tapeline.metrics');
export const HEALTH = Symbol('tapeline.health');
export const BUS = Symbol('tapeline.bus');
