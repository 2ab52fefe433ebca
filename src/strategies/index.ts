export type { BarView, ClassifierDefinition, ParamSpec, ParamValue, RawParams, SignalFunction, StrategyDefinition } from './strategy.js';
export { getClassifier, getStrategy, listClassifiers, listStrategies, registerClassifier, registerStrategy } from './registry.js';
