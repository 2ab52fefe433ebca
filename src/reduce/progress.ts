import type { TrialResult } from '../types.js';

/**
 * The live progress line on stderr (a TTY only): trials done of the total, failed, sets per second,
 * ETA, and the best objective so far with its parameters. Redrawn at most ten times a second.
 */
export function progressLine(
  phase: string,
  total: number | null,
  metric: string,
  stream: NodeJS.WriteStream = process.stderr,
): { update(done: number, failed: number, best: { readonly item: TrialResult } | null): void; end(): void } {
  const started = performance.now();
  let last = 0;
  let drawn = false;
  return {
    update(done, failed, best) {
      const now = performance.now();
      if (now - last < 100 && done !== total) return;
      last = now;
      const rate = done / Math.max((now - started) / 1000, 1e-3);
      const eta = total !== null && rate > 0 ? Math.max(0, (total - done) / rate) : null;
      const bestText = best
        ? ` · best ${metric} ${(best.item.metrics[metric as keyof typeof best.item.metrics] as number).toFixed(3)} ${JSON.stringify(best.item.params)}`
        : '';
      const line = `${phase}: ${done}${total !== null ? `/${total}` : ''}${failed > 0 ? ` (${failed} failed)` : ''} · ${rate.toFixed(0)} sets/s${eta !== null ? ` · ETA ${eta.toFixed(0)} s` : ''}${bestText}`;
      stream.write(`\r\x1b[2K${line.slice(0, (stream.columns ?? 120) - 1)}`);
      drawn = true;
    },
    end() {
      if (drawn) stream.write('\n');
    },
  };
}
