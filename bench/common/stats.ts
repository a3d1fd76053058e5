// Latency summaries shared by the benchmark harnesses (microseconds in, microseconds out).

export interface LatencySummary {
  requests: number;
  seconds: number;
  rps: number;
  mean_us: number;
  std_us: number;
  min_us: number;
  p25_us: number;
  p50_us: number;
  p75_us: number;
  p90_us: number;
  p99_us: number;
  max_us: number;
}

export function quantileSorted(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.floor(q * (sorted.length - 1))]!;
}

export function summarize(latUs: Float64Array, seconds: number): LatencySummary {
  const s = Float64Array.from(latUs).sort();
  let sum = 0, sq = 0;
  for (const v of s) { sum += v; sq += v * v; }
  const n = s.length;
  const mean = n ? sum / n : 0;
  return {
    requests: n, seconds, rps: n / seconds, mean_us: mean,
    std_us: n ? Math.sqrt(Math.max(0, sq / n - mean * mean)) : 0,
    min_us: n ? s[0]! : 0, p25_us: quantileSorted(s, 0.25), p50_us: quantileSorted(s, 0.5),
    p75_us: quantileSorted(s, 0.75), p90_us: quantileSorted(s, 0.9), p99_us: quantileSorted(s, 0.99),
    max_us: n ? s[n - 1]! : 0,
  };
}
