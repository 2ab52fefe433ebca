/**
 * fanfold's programmatic API: load data, run parameter sets through the backtest, optimization,
 * signal_generation and signal_replay topologies, trace events, and reach the feature and strategy
 * registries.
 */
export { runBacktest, runBatch } from './topology/run-sets.js';
export { Topology, TOPOLOGIES, type SetResult, type TopologyKind, type TopologyOptions } from './topology/topology.js';
export {
  alignSeries,
  BadRows,
  barFileFormat,
  generateSynthetic,
  hashMarketData,
  inferPeriodsPerYear,
  loadBarFile,
  loadCsvFile,
  loadMarketData,
  parseBarsCsv,
  sharedColumn,
} from './data/index.js';
export type { BarFileFormat, DataProblem, DataSpec, MarketData, RawSeries, SymbolBars, SyntheticOptions } from './data/index.js';
export { computeFeatureColumns, expandOutputs, FEATURE_KINDS, FeatureHub, parseFeatureKey, type Feature, type FeatureKind } from './features/index.js';
export type { FeatureArgSpec, FeatureBar, FeatureDefinition } from './features/index.js';
export { getClassifier, getStrategy, listClassifiers, listStrategies, registerClassifier, registerStrategy } from './strategies/index.js';
export type { BarView, ClassifierDefinition, ParamSpec, ParamValue, RawParams, StrategyDefinition } from './strategies/index.js';
export type { BarWindow, BrokerSpec, Commission, ParameterSet, RiskSpec, Sizing, Slippage, StrategySpec } from './types.js';
export type { Trade } from './types.js';
export { METRIC_NAMES, MetricsAccumulator, type MetricName, type Metrics } from './metrics/index.js';
export { loadWorkflow, type PhaseDeclaration, type Workflow } from './config/workflow.js';
export { parameterSetOf } from './config/resolve.js';
export { configSchema, configJsonSchema, type Config } from './config/schema.js';
export { runWorkflow, type RunOptions, type RunOutcome } from './coordinator/run-workflow.js';
export type { Executor, RunEnd } from './executor/executor.js';
export { InlineExecutor } from './executor/inline.js';
export { PoolExecutor, type PoolOptions } from './executor/pool.js';
export { RedisExecutor, type RedisExecutorOptions } from './executor/redis/executor.js';
export { runWorkerService, type WorkerServiceOptions } from './executor/redis/worker-service.js';
export { openWorkflow } from './coordinator/open.js';
export { loadPlugins } from './coordinator/plugins.js';
export type { ResultJson, PhaseJson, RunJson, MetricsJson } from './contract.js';
export { ConfigError, DataError, LifecycleError, UserError, type ConfigIssue } from './errors.js';
export { writeReport, type WrittenReport, type ReportModel } from './report/index.js';
export {
  exportRun,
  EXPORT_FORMATS,
  TABLE_NAMES,
  type ExportFormat,
  type ExportLine,
  type ExportOptions,
  type ExportResult,
  type TableName,
} from './export/index.js';
export { generateSignals, type SignalInfo } from './batch/generate-signals.js';
export { SignalStore, decodeSignalSet, encodeSignalSet, type SignalSet } from './signals/file.js';
export { signalKey, resolvedStrategy } from './signals/key.js';
export { densify, sparsify, type SparseSignal } from './engine/sparse-signal.js';
export { EventTracer } from './tracing/tracer.js';
export { ruleFor, safeSegment, traceFolder, type ContainerTraceSettings, type TraceSettings } from './tracing/settings.js';
export { readTrace, traceTable, type TraceQuery, type TraceRecord } from './cli/trace-command.js';
export { EVENT_NAMES, EventType, type EngineEvent } from './engine/events.js';
