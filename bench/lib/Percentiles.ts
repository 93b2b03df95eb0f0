/** Nearest-rank percentile of an unsorted sample (p in 0..100); NaN for an empty sample. */
export const percentile = (sample: ReadonlyArray<number>, p: number): number => {
  if (sample.length === 0) return Number.NaN
  const sorted = [...sample].sort((a, b) => a - b)
  const rank = Math.ceil((Math.min(Math.max(p, 0), 100) / 100) * sorted.length)
  return sorted[Math.min(Math.max(rank - 1, 0), sorted.length - 1)]!
}

export const median = (sample: ReadonlyArray<number>): number => percentile(sample, 50)

export const mean = (sample: ReadonlyArray<number>): number =>
  sample.length === 0 ? Number.NaN : sample.reduce((sum, x) => sum + x, 0) / sample.length

/**
 * Straight line through two measured points (x = members, y = a cost), evaluated at x.
 * The capped baseline is measured at two sizes and extrapolated this way: fixed cost + per-member cost.
 */
export const extrapolateLinear = (
  a: { readonly x: number; readonly y: number },
  b: { readonly x: number; readonly y: number },
  x: number
): number => {
  if (a.x === b.x) return a.x === 0 ? a.y : (a.y / a.x) * x
  const slope = (b.y - a.y) / (b.x - a.x)
  return a.y + slope * (x - a.x)
}
