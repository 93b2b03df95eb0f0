import { type Calls, diffStats, type Sandbox, scaleCalls, stateVerdict, throttledIn } from "./Sandbox.ts"
import type { Side } from "./Model.ts"
import { extrapolateLinear } from "./lib/Percentiles.ts"

/** Runs `fn` between two snapshots of the sandbox's counters; wall time on the monotonic clock. */
export const measure = async <A>(sandbox: Sandbox, fn: () => Promise<A>): Promise<{ wallMs: number; calls: Calls; value: A }> => {
  await sandbox.resetStats()
  const before = await sandbox.stats()
  const started = performance.now()
  const value = await fn()
  const wallMs = performance.now() - started
  const after = await sandbox.stats()
  return { wallMs, calls: diffStats(before, after), value }
}

export const side = (
  latencyMs: number,
  m: { wallMs: number; calls: Calls },
  outcome: string,
  allSucceeded: boolean,
  extra: Partial<Side> = {}
): Side => ({
  wallMs: m.wallMs,
  roundTrips: m.wallMs / latencyMs,
  calls: m.calls,
  throttled: throttledIn(m.calls),
  outcome,
  allSucceeded,
  ...extra
})

/** Adds the end-state check (members read from Exchange, outside the measured window). */
export const withState = async (s: Side, sandbox: Sandbox, alias: string, expected: ReadonlyArray<string>): Promise<Side> => {
  const verdict = stateVerdict(await sandbox.members(alias), expected)
  return { ...s, state: verdict.text, stateOk: verdict.ok }
}

/** A baseline side scaled by `factor` (wall time and calls), with the note saying so. */
export const scaled = (s: Side, factor: number, note: string): Side => ({
  ...s,
  wallMs: s.wallMs * factor,
  roundTrips: s.roundTrips * factor,
  calls: scaleCalls(s.calls, factor),
  throttled: Math.round(s.throttled * factor),
  extrapolated: note,
  ...(s.state === undefined ? {} : { state: `${s.state} at cap` })
})

/** A baseline side extrapolated along the line through two measured sizes (fixed + per-member cost). */
export const extrapolated = (a: { x: number; side: Side }, b: { x: number; side: Side }, x: number, latencyMs: number): Side => {
  const line = (f: (s: Side) => number) => Math.max(0, Math.round(extrapolateLinear({ x: a.x, y: f(a.side) }, { x: b.x, y: f(b.side) }, x)))
  const wallMs = extrapolateLinear({ x: a.x, y: a.side.wallMs }, { x: b.x, y: b.side.wallMs }, x)
  const calls: Calls = {
    identity: line((s) => s.calls.identity),
    graph: line((s) => s.calls.graph),
    exchange: line((s) => s.calls.exchange),
    total: line((s) => s.calls.total),
    operations: {}
  }
  return {
    wallMs,
    roundTrips: wallMs / latencyMs,
    calls,
    throttled: line((s) => s.throttled),
    outcome: b.side.outcome,
    allSucceeded: a.side.allSucceeded && b.side.allSucceeded,
    extrapolated: `linear from ${a.x} and ${b.x} members`
  }
}
