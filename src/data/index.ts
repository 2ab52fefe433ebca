export { alignSeries } from './align.js';
export { loadCsvFile, parseBarsCsv } from './csv.js';
export { hashMarketData } from './hash.js';
export { inferPeriodsPerYear, loadMarketData, symbolFromPath, type DataSpec } from './load.js';
export type { RawSeries } from './raw.js';
export { BAR_FIELDS, barCount, sharedColumn, type BarField, type MarketData, type SymbolBars } from './series.js';
export { generateSynthetic, type SyntheticOptions } from './synthetic.js';
export { parseTime } from './time.js';
