import { type Calls, diffStats, type Sandbox, scaleCalls, stateVerdict, throttledIn } from "./Sandbox.ts"
import type { Side } from "./Model.ts"
import { extrapolateLinear } from "./lib/Percentiles.ts"

export interface Measured<A> {
  readonly wallMs: number
  readonly calls: Calls
  readonly throttled: number | null
  readonly value: A
}

/**
 * Runs `fn` between two snapshots of the sandbox's counters; wall time on the monotonic clock.
 * `seen429` is a client-side count of 429 answers (the baseline's transport), when there is one.
 */
export const measure = async <A>(sandbox: Sandbox, fn: () => Promise<A>, seen429?: () => number): Promise<Measured<A>> => {
  await sandbox.resetStats()
  const before = await sandbox.stats()
  const before429 = seen429?.() ?? 0
  const started = performance.now()
  const value = await fn()
  const wallMs = performance.now() - started
  const after = await sandbox.stats()
  const calls = diffStats(before, after)
  return { wallMs, calls, throttled: seen429 === undefined ? throttledIn(calls) : seen429() - before429, value }
}

export const side = (
  latencyMs: number,
  m: { wallMs: number; calls: Calls; throttled: number | null },
  outcome: string,
  allSucceeded: boolean,
  extra: Partial<Side> = {}
): Side => ({
  wallMs: m.wallMs,
  roundTrips: m.wallMs / latencyMs,
  calls: m.calls,
  throttled: m.throttled,
  outcome,
  allSucceeded,
  ...extra
})

/** Adds the end-state check (members read from Exchange, outside the measured window). */
export const withState = async (s: Side, sandbox: Sandbox, alias: string, expected: ReadonlyArray<string>): Promise<Side> => {
  try {
    const verdict = stateVerdict(await sandbox.members(alias), expected)
    return { ...s, state: verdict.text, stateOk: verdict.ok }
  } catch (e) {
    return { ...s, state: `unreadable: ${String((e as Error).message).slice(0, 60)}`, stateOk: false }
  }
}

/** A baseline side scaled by `factor` (wall time and calls), with the note saying so. */
export const scaled = (s: Side, factor: number, note: string): Side => ({
  ...s,
  wallMs: s.wallMs * factor,
  roundTrips: s.roundTrips * factor,
  calls: scaleCalls(s.calls, factor),
  throttled: s.throttled === null ? null : Math.round(s.throttled * factor),
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
    throttled: a.side.throttled === null || b.side.throttled === null ? null : line((s) => s.throttled ?? 0),
    outcome: b.side.outcome,
    allSucceeded: a.side.allSucceeded && b.side.allSucceeded,
    extrapolated: `linear from ${a.x} and ${b.x} members`
  }
}
