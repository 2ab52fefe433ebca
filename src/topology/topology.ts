import type { BlockSpec } from '../metrics/blocks.js';
import type { MarketData } from '../data/series.js';
import { inferPeriodsPerYear } from '../data/load.js';
import { FeatureHub } from '../features/hub.js';
import { EventBus } from '../engine/bus.js';
import type { RoutedEvent } from '../engine/events.js';
import { Container, runLifecycle, type Component, type LifecyclePhase } from '../engine/container.js';
import { DataHandler } from '../engine/components/data-handler.js';
import { Execution } from '../engine/components/execution.js';
import { FeatureStage } from '../engine/components/feature-stage.js';
import { PortfolioManager, type SetResult } from '../engine/components/portfolio-manager.js';
import { RiskManager } from '../engine/components/risk-manager.js';
import { SignalRecorder } from '../engine/components/signal-recorder.js';
import { SignalSource } from '../engine/components/signal-source.js';
import { StrategyRunner, featureKeysOf } from '../engine/components/strategy-runner.js';
import { MarketState } from '../engine/market.js';
import { Portfolio } from '../engine/portfolio.js';
import type { BarWindow, ParameterSet } from '../types.js';
import { UserError } from '../errors.js';
import { loadSignalSet } from '../signals/cache.js';
import { signalKey } from '../signals/key.js';
import { EventTracer } from '../tracing/tracer.js';
import { perSetName, PER_SET_CONTAINER, ruleFor, traceFolder, type TraceSettings } from '../tracing/settings.js';
import type { TopologyKind } from '../common/names.js';

export type { TopologyKind };
export const TOPOLOGIES: readonly { name: TopologyKind; description: string; containers: readonly string[] }[] = [
  {
    name: 'backtest',
    description: 'one parameter set through data → features → strategy → risk → execution → portfolio',
    containers: ['data', 'features', 'strategy', 'risk', 'portfolio', 'execution'],
  },
  {
    name: 'optimization',
    description: 'many parameter sets in one pass over the bars: one feature hub, a strategy state and portfolio per set',
    containers: ['data', 'features', 'strategy', 'risk', 'portfolio', 'execution'],
  },
  {
    name: 'signal_generation',
    description: "data → features → strategy only: stores each strategy's target changes (sparse) in the signal store <out>/signals",
    containers: ['data', 'features', 'strategy', 'signals'],
  },
  {
    name: 'signal_replay',
    description: 'stored signals → risk → execution → portfolio: sweeps sizing, stops and costs without recomputing features or strategies',
    containers: ['data', 'signals', 'risk', 'portfolio', 'execution'],
  },
];

export interface TopologyOptions {
  /** Bars that trade; default: all. Bars before `start` warm features and strategy state. */
  readonly window?: BarWindow;
  /** Periods per year for the metrics; default inferred from the bar interval (252 for daily bars). */
  readonly periodsPerYear?: number;
  readonly storeTrades?: boolean;
  /** Called at each container lifecycle step (tracing and tests). */
  readonly observe?: (container: string, phase: LifecyclePhase) => void;
  /** Extra containers, run after the topology's own. */
  readonly extraContainers?: readonly Container[];
  /** Runs after wiring, before the lifecycle: lets an observer subscribe to the bus. */
  readonly onBus?: (bus: EventBus) => void;
  /** Record the run's events per container to JSON-lines files (execution.enable_event_tracing). */
  readonly trace?: TraceSettings;
  /** Keep each set's equity curve (walk-forward test windows). */
  readonly recordCurves?: boolean;
  /** Per-block sums of each set's bar returns (the robustness statistics). */
  readonly blocks?: BlockSpec;
  /**
   * signal_replay: the signal store folder each set's stored signals are read from (by signal key),
   * and why the generation of a key failed (its sets fail with that reason).
   */
  readonly replay?: { readonly dir: string; readonly failed?: Readonly<Record<string, string>> };
}

export type { SetResult };

/**
 * Builds the containers of a topology and their event wiring. BAR subscribers run in the order a bar
 * unfolds: execution fills what waited for this open, risk checks exits against the bar's range,
 * features update and strategies act at the close (their orders may fill at that close) — or, when
 * replaying, the stored signals are emitted at that same point — and last the portfolios are marked
 * to market. signal_generation stops after the strategies and records their targets.
 */
export class Topology {
  readonly bus = new EventBus();
  readonly containers: Container[];
  private readonly data: DataHandler;
  private portfolio: PortfolioManager | null = null;
  /** signal_generation: the dense targets per set × symbol. */
  readonly recorder: SignalRecorder | null = null;
  /** The tracer of each traced container (and of each traced set's `portfolio_<trial>`). */
  readonly tracers: EventTracer[] = [];
  /** By container name, and for the per-set container by set index. */
  private readonly tracerOf = new Map<string, EventTracer>();
  private readonly setTracers: (EventTracer | null)[] = [];
  readonly window: BarWindow;
  /** The data's symbols in index order (a trace names them beside its events). */
  private readonly symbolNames: readonly string[];

  constructor(
    readonly kind: TopologyKind,
    market: MarketData,
    readonly sets: readonly ParameterSet[],
    private readonly options: TopologyOptions = {},
  ) {
    if (kind === 'backtest' && sets.length !== 1) throw new UserError(`the backtest topology runs exactly one parameter set, got ${sets.length}`);
    if (sets.length === 0) throw new UserError('no parameter sets to run');
    const length = market.time.length;
    const window = options.window ?? { start: 0, end: length };
    if (!(window.start >= 0 && window.start < window.end && window.end <= length)) {
      throw new UserError(`window [${window.start}, ${window.end}) is outside the ${length} bars of the data`);
    }
    if (kind === 'signal_replay' && options.replay === undefined) throw new UserError('the signal_replay topology needs a signal store to read from');
    this.window = window;
    const periodsPerYear = options.periodsPerYear ?? inferPeriodsPerYear(market.time);
    const symbols = market.symbols.map((s) => s.symbol);
    this.symbolNames = symbols;
    const state = new MarketState(market);
    const bus = this.bus;
    this.data = new DataHandler(bus, state, window);
    const groups: [string, Component][] = [['data', this.data]];

    if (kind === 'signal_replay') {
      const { dir, failed } = options.replay!;
      const signals = sets.map((s) => {
        const key = signalKey(s.strategy, market.hash, window);
        const reason = failed?.[key];
        if (reason !== undefined) throw new UserError(`no signals to replay: ${reason}`);
        return loadSignalSet(dir, key, { dataHash: market.hash, window: [window.start, window.end], symbols }).series;
      });
      const source = new SignalSource(bus, signals, symbols.length, window);
      groups.push(
        ...this.trading(state, window, periodsPerYear, symbols, () => {
          source.wire('signals');
          return [['signals', source]];
        }),
      );
    } else {
      const hub = new FeatureHub(
        symbols.length,
        sets.flatMap((s) => featureKeysOf(s.strategy)),
      );
      const features = new FeatureStage(bus, state, hub);
      const strategy = new StrategyRunner(
        bus,
        state,
        hub,
        sets.map((s) => s.strategy),
        window,
      );
      if (kind === 'signal_generation') {
        const recorder = new SignalRecorder(bus, strategy.targets, window);
        features.wire('features');
        strategy.wire('strategy');
        recorder.wire('signals');
        this.recorder = recorder;
        groups.push(['features', features], ['strategy', strategy], ['signals', recorder]);
      } else {
        groups.push(
          ...this.trading(state, window, periodsPerYear, symbols, () => {
            features.wire('features');
            strategy.wire('strategy');
            return [
              ['features', features],
              ['strategy', strategy],
            ];
          }),
        );
      }
    }
    this.containers = groups.map(([name, component]) => new Container(name, this.traced(name, [component])));
    if (this.tracers.length > 0) {
      const { tracerOf, setTracers } = this;
      // Events the per-set container publishes are routed events: their portfolio is the set index.
      bus.tracer = (event, publisher) =>
        (publisher === PER_SET_CONTAINER ? setTracers[(event as RoutedEvent).portfolio] : tracerOf.get(publisher))?.record(event);
    }
    this.containers.push(...(options.extraContainers ?? []));
    options.onBus?.(bus);
  }

  /**
   * Risk, execution and portfolio around the components that emit SIGNALs (`signalling` wires them
   * and returns their containers), subscribed in the order a bar unfolds: execution, risk, the
   * signalling components, portfolio last.
   */
  private trading(
    state: MarketState,
    window: BarWindow,
    periodsPerYear: number,
    symbols: string[],
    signalling: () => [string, Component][],
  ): [string, Component][] {
    const { sets, bus, options } = this;
    const portfolios = sets.map((s) => new Portfolio(s.capital, symbols, options.storeTrades ?? false));
    const risk = new RiskManager(
      bus,
      state,
      sets.map((s) => s.risk),
      window,
    );
    const portfolio = new PortfolioManager(bus, state, portfolios, window, periodsPerYear, options.recordCurves ?? false, options.blocks ?? null);
    const execution = new Execution(bus, state, sets, portfolios, window);
    execution.wire('execution');
    risk.wire('risk', sets.length);
    const signals = signalling();
    portfolio.wire('portfolio');
    this.portfolio = portfolio;
    return [...signals, ['risk', risk], ['portfolio', portfolio], ['execution', execution]];
  }

  /**
   * A container's components, with its tracer first (so it is cleaned up last and writes whatever
   * the others did) when tracing is on and the container's rule enables it. The bus hands each
   * event to the tracer of the container that publishes it.
   */
  private traced(name: string, components: Component[]): Component[] {
    const settings = this.options.trace;
    if (settings === undefined) return components;
    const folder = traceFolder(settings);
    if (name === PER_SET_CONTAINER) {
      for (let i = 0; i < this.sets.length; i++) {
        const setName = perSetName(settings.trials?.[i] ?? i);
        const rule = ruleFor(setName, settings);
        this.setTracers.push(rule.enabled ? new EventTracer(setName, rule, folder, settings.trials, this.symbolNames) : null);
      }
      const traced = this.setTracers.filter((t) => t !== null);
      this.tracers.push(...traced);
      return [...traced, ...components];
    }
    const rule = ruleFor(name, settings);
    if (!rule.enabled) return components;
    const tracer = new EventTracer(name, rule, folder, settings.trials, this.symbolNames);
    this.tracers.push(tracer);
    this.tracerOf.set(name, tracer);
    return [tracer, ...components];
  }

  /** Runs the 6-phase lifecycle once and returns one result per parameter set, in order (none for signal_generation). */
  run(): SetResult[] {
    this.bus.seq = 0;
    runLifecycle(this.containers, this.bus, () => this.data.stream(), this.options.observe);
    return this.portfolio?.results ?? [];
  }
}
