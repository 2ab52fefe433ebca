/**
 * The results thread: one long-lived ResultsService (the run's results.db and blobs), exposed over
 * comlink to the coordinator, so committing a batch's rows costs the coordinator's thread a
 * message, not a transaction.
 */
import { parentPort } from 'node:worker_threads';
import * as Comlink from 'comlink';
import { nodeEndpoint } from '../src/results/comlink-node.js';

import { ResultsService } from '../src/results/service.js';

if (parentPort === null) throw new Error('workers/results.js runs as a worker thread');
Comlink.expose(new ResultsService(), nodeEndpoint(parentPort));
