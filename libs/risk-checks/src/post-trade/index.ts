export * from './valuation';
export * from './exposure';
export * from './value-at-risk';
export * from './stress';
export * from './margin';
export * from './daily-loss-limit';
