// Literals that several layers spell: each is defined here once, and the config schema, the CLI's
// choices and the types are made from these lists.

/** Where a run keeps its trials (README "Results storage"). */
export const STORAGE_MODES = ['memory', 'disk', 'hybrid'] as const;
export type StorageMode = (typeof STORAGE_MODES)[number];

/** The topologies a phase can run (DESIGN.md section 1). */
export const TOPOLOGY_KINDS = ['backtest', 'optimization', 'signal_generation', 'signal_replay'] as const;
export type TopologyKind = (typeof TOPOLOGY_KINDS)[number];

/** How parameter sets execute. */
export const EXECUTOR_NAMES = ['inline', 'pool', 'redis'] as const;
export type ExecutorName = (typeof EXECUTOR_NAMES)[number];

/** The most points one task carries (and the most proposals of one model-based batch). */
export const MAX_BATCH = 4096;

/** Event tracing when `trace_settings` leaves them out. */
export const TRACE_DEFAULTS = { dir: './traces', maxEvents: 10_000 } as const;
