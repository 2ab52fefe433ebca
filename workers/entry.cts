/**
 * The file Piscina starts each worker with. Piscina loads it with require() first, and on Node 20
 * require() of an ES module can abort the whole process (V8 fatal error "IsGraphAsync must be used
 * on an instantiated module", seen under load) when that module is also being loaded through
 * import(). This CommonJS entry loads the task module (batch.ts) with import() only.
 */
type RunTask = (typeof import('./batch.js'))['default'];

let runTask: Promise<RunTask> | null = null;

export = function run(task: Parameters<RunTask>[0]): ReturnType<RunTask> {
  runTask ??= import('./batch.js').then((m) => m.default);
  return runTask.then((f) => f(task));
};
