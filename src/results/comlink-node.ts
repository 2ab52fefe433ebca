import type { Endpoint } from 'comlink';
import * as nodeAdapter from 'comlink/dist/umd/node-adapter.js';
import type { MessagePort, Worker } from 'node:worker_threads';

/**
 * comlink's adapter from a Node MessagePort or Worker to the Endpoint comlink speaks. Its UMD
 * build exports the function itself, which Node hands to an ES module as the default export; its
 * type declaration describes an ES module, so the value is named here once with its real type.
 */
// eslint-disable-next-line no-restricted-syntax -- the declared module type does not describe the UMD value (above)
export const nodeEndpoint = (nodeAdapter as unknown as { default: (port: MessagePort | Worker) => Endpoint }).default;
