export type { Feature, FeatureKind } from './feature.js';
export type { FeatureArgSpec, FeatureBar, FeatureDefinition } from './plugin-feature.js';
export { FeatureHub } from './hub.js';
export { FEATURE_KINDS, parseFeatureKey, outputKey } from './registry.js';
export { computeFeatureColumns, expandOutputs } from './compute.js';
export { ExactSum, fsum } from './exact-sum.js';
