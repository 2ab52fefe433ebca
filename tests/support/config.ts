import type { Config } from '../../src/config/schema.js';

/** `config` with these strategy parameters over its own (a copy): the config a sweep's point resolves to. */
export function withStrategy(config: Config, params: Readonly<Record<string, unknown>>): Config {
  return { ...config, strategy: Object.assign({}, config.strategy, params) };
}
