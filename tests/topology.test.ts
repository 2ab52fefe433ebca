import { beforeAll, describe, expect, it } from 'vitest';
import { loadMarketData } from '../src/data/load.js';
import type { MarketData } from '../src/data/series.js';
import { generateSynthetic } from '../src/data/synthetic.js';
import { EventBus } from '../src/engine/bus.js';
import { EventType, fillEvent, barEvent, signalEvent, type FillEvent } from '../src/engine/events.js';
import type { ParameterSet } from '../src/engine/spec.js';
import { UserError } from '../src/errors.js';
import { runBacktest, runBatch, type SetResult } from '../src/topology/topology.js' extends never ? never : '../src/topology/run.js';
