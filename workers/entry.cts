/**
 * The file Piscina starts each worker with. Piscina loads it with require() first, and on Node 20
 * require() of an ES module can abort the whole process (V8 fatal error "IsGraphAsync must be used
 * on an instantiated module", seen under load) when that module is also being loaded through
 * import(). This CommonJS entry loads the task module (batch.ts) with import() only.
 */
type RunTask = (typeof import('./batch.js'))['default'];

// Loaded as soon as the worker starts (not on its first task): a pool starts its workers while the
// coordinator still reads the config and the data, so they are ready (and warm) when work arrives.
const runTask: Promise<RunTask> = import('./batch.js').then((m) => m.default);

export = function run(task: Parameters<RunTask>[0]): ReturnType<RunTask> {
  return runTask.then((f) => f(task));
};
