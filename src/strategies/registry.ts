import { UserError } from '../errors.js';
import { volatilityRegime, trendRegime } from './classifiers.js';
import { emaCrossover, smaCrossover } from './crossover.js';
import { bollingerReversion, rsiReversion } from './reversion.js';
import type { ClassifierDefinition, StrategyDefinition } from './strategy.js';
import { buyAndHold, donchianBreakout, momentum } from './trend.js';

/**
 * Strategies and classifiers by name. Built-ins are registered here; plugins register more at run
 * time (a name may be registered once).
 */
const strategies = new Map<string, StrategyDefinition>();
const classifiers = new Map<string, ClassifierDefinition>();

export function registerStrategy<P>(def: StrategyDefinition<P>): void {
  if (strategies.has(def.name) || classifiers.has(def.name)) throw new UserError(`a strategy or classifier named '${def.name}' is already registered`);
  strategies.set(def.name, def);
}

export function registerClassifier<P>(def: ClassifierDefinition<P>): void {
  if (strategies.has(def.name) || classifiers.has(def.name)) throw new UserError(`a strategy or classifier named '${def.name}' is already registered`);
  classifiers.set(def.name, def);
}

const builtinStrategies: StrategyDefinition[] = [smaCrossover, emaCrossover, rsiReversion, bollingerReversion, donchianBreakout, momentum, buyAndHold];
const builtinClassifiers: ClassifierDefinition[] = [volatilityRegime, trendRegime];
for (const s of builtinStrategies) registerStrategy(s);
for (const c of builtinClassifiers) registerClassifier(c);

export function getStrategy(name: string): StrategyDefinition {
  const def = strategies.get(name);
  if (!def) throw new UserError(`unknown strategy '${name}'; registered: ${[...strategies.keys()].join(', ')}`);
  return def;
}

export function getClassifier(name: string): ClassifierDefinition {
  const def = classifiers.get(name);
  if (!def) throw new UserError(`unknown classifier '${name}'; registered: ${[...classifiers.keys()].join(', ')}`);
  return def;
}

/** The strategy or classifier registered under a name, if any. */
export function findDefinition(name: string): StrategyDefinition | ClassifierDefinition | undefined {
  return strategies.get(name) ?? classifiers.get(name);
}

export function listStrategies(): StrategyDefinition[] {
  return [...strategies.values()];
}

export function listClassifiers(): ClassifierDefinition[] {
  return [...classifiers.values()];
}
