import type { MarketData } from '../data/series.js';
import { inferPeriodsPerYear } from '../data/load.js';
import { FeatureHub } from '../features/hub.js';
import { EventBus } from '../engine/bus.js';
import { Container, runLifecycle, type LifecyclePhase } from '../engine/container.js';
import { DataHandler } from '../engine/components/data-handler.js';
import { Execution } from '../engine/components/execution.js';
import { FeatureStage } from '../engine/components/feature-stage.js';
import { PortfolioManager, type SetResult } from '../engine/components/portfolio-manager.js';
import { RiskManager } from '../engine/components/risk-manager.js';
import { StrategyRunner, featureKeysOf } from '../engine/components/strategy-runner.js';
import { MarketState } from '../engine/market.js';
import { Portfolio } from '../engine/portfolio.js';
import type { BarWindow, ParameterSet } from '../engine/spec.js';
import { UserError } from '../errors.js';
import { EventTracer, type TraceSettings } from '../tracing/tracer.js';

export type TopologyKind = 'backtest' | 'optimization';
export const TOPOLOGIES: readonly { name: TopologyKind; description: string }[] = [
  { name: 'backtest', description: 'one parameter set through data → features → strategy → risk → execution → portfolio' },
  { name: 'optimization', description: 'many parameter sets in one pass over the bars: one feature hub, a strategy state and portfolio per set' },
];

export interface TopologyOptions {
  /** Bars that trade; default: all. Bars before `start` warm features and strategy state. */
  readonly window?: BarWindow;
  /** Periods per year for the metrics; default inferred from the bar interval (252 for daily bars). */
  readonly periodsPerYear?: number;
  readonly storeTrades?: boolean;
  /** Called at each container lifecycle step (tracing and tests). */
  readonly observe?: (container: string, phase: LifecyclePhase) => void;
  /** Extra components per container name, e.g. a tracer (`tracing` container). */
  readonly extraContainers?: readonly Container[];
  /** Runs after wiring, before the lifecycle: lets an observer subscribe to the bus. */
  readonly onBus?: (bus: EventBus) => void;
  /** Record the run's events to a JSON-lines file (execution.enable_event_tracing). */
  readonly trace?: TraceSettings;
  /** Keep each set's equity curve (walk-forward test windows). */
  readonly recordCurves?: boolean;
}

export type { SetResult };

/**
 * Builds the containers of a topology and their event wiring. BAR subscribers run in the order a bar
 * unfolds: execution fills what waited for this open, risk checks exits against the bar's range,
 * features update and strategies act at the close (their orders may fill at that close), and last
 * the portfolios are marked to market.
 */
export class Topology {
  readonly bus = new EventBus();
  readonly containers: Container[];
  private readonly data: DataHandler;
  private readonly portfolio: PortfolioManager;
  readonly tracer: EventTracer | null = null;

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
    const periodsPerYear = options.periodsPerYear ?? inferPeriodsPerYear(market.time);
    const symbols = market.symbols.map((s) => s.symbol);
    const state = new MarketState(market);
    const hub = new FeatureHub(symbols.length, sets.flatMap((s) => featureKeysOf(s.strategy)));
    const bus = this.bus;
    const portfolios = sets.map((s) => new Portfolio(s.capital, symbols, options.storeTrades ?? false));

    this.data = new DataHandler(bus, state, window);
    const features = new FeatureStage(bus, state, hub);
    const strategy = new StrategyRunner(bus, state, hub, sets.map((s) => s.strategy), window);
    const risk = new RiskManager(bus, state, sets.map((s) => s.risk), window);
    const portfolio = new PortfolioManager(bus, state, portfolios, window, periodsPerYear, options.recordCurves ?? false);
    this.portfolio = portfolio;
    const execution = new Execution(bus, state, sets, portfolios, window);

    execution.wire('execution');
    risk.wire('risk', sets.length);
    features.wire('features');
    strategy.wire('strategy');
    portfolio.wire('portfolio');
    this.containers = [
      new Container('data', [this.data]),
      new Container('features', [features]),
      new Container('strategy', [strategy]),
      new Container('risk', [risk]),
      new Container('portfolio', [portfolio]),
      new Container('execution', [execution]),
      ...(options.extraContainers ?? []),
    ];
    if (options.trace) {
      this.tracer = new EventTracer(options.trace);
      this.tracer.attach(bus, 'tracing');
      this.containers.push(new Container('tracing', [this.tracer]));
    }
    options.onBus?.(bus);
  }

  /** Runs the 6-phase lifecycle once and returns one result per parameter set, in order. */
  run(): SetResult[] {
    runLifecycle(this.containers, this.bus, () => this.data.stream(), this.options.observe);
    return this.portfolio.results;
  }
}
