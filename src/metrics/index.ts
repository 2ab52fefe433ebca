export { MetricsAccumulator } from './accumulator.js';
export { METRIC_NAMES, type MetricName, type Metrics } from '../types.js';
