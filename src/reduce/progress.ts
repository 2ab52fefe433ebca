import type { ProgressListener, ProgressSnapshot } from './phase-progress.js';

/**
 * The live progress line on stderr (a TTY only): trials done of the phase's total (every window,
 * fold or split), which window, failed, restored by a resume, the rate of this session's work, ETA,
 * and the best objective so far, saying of which window it is the best. Redrawn at most ten times a second.
 */
export function progressLine(metric: string, stream: NodeJS.WriteStream = process.stderr): ProgressListener & { end(): void } {
  let last = -Infinity;
  let drawn = false;
  return {
    progress(s, final) {
      const now = performance.now();
      if (now - last < 100 && !final && s.done !== s.total) return;
      last = now;
      stream.write(`\r\x1b[2K${progressText(s, metric).slice(0, (stream.columns ?? 120) - 1)}`);
      drawn = true;
    },
    end() {
      if (drawn) stream.write('\n');
    },
  };
}

/** The line's text (tests read it). */
export function progressText(s: ProgressSnapshot, metric: string): string {
  const parts = [`${s.phase}: ${s.done}${s.total !== null ? `/${s.total}` : ''}`];
  if (s.unit !== null) parts.push(`${s.unit} ${Math.min(s.finished + 1, s.searches)}/${s.searches}`);
  if (s.failed > 0) parts.push(`${s.failed} failed`);
  if (s.restored > 0) parts.push(`${s.restored} restored`);
  parts.push(`${s.rate.toFixed(0)} sets/s`);
  if (s.eta !== null) parts.push(`ETA ${formatEta(s.eta)}`);
  if (s.best !== null) {
    const value = s.best.item.metrics[metric as keyof typeof s.best.item.metrics];
    parts.push(
      `${s.best.of === null ? 'best' : `best of ${s.best.of}`} ${metric} ${typeof value === 'number' ? value.toFixed(3) : String(value)} ${JSON.stringify(s.best.item.params)}`,
    );
  }
  return parts.join(' · ');
}

function formatEta(seconds: number): string {
  if (seconds < 90) return `${seconds.toFixed(0)} s`;
  if (seconds < 5400) return `${(seconds / 60).toFixed(0)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}
