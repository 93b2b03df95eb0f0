import type { CountingProxy } from "./lib/CountingProxy.ts"
import { type Calls, diffStats, type Sandbox, scaleCalls, stateVerdict } from "./Sandbox.ts"
import type { Side } from "./Model.ts"
import { extrapolateLinear } from "./lib/Percentiles.ts"

export interface Measured<A> {
  readonly wallMs: number
  readonly calls: Calls
  readonly throttled: number
  readonly upstreamBusyMs: number
  readonly upstreamMeanMs: number
  readonly value: A
}

/** Where calls are counted: the proxy on the wire, and the sandbox's own counters. */
export interface Meter {
  readonly sandbox: Sandbox
  readonly proxy: CountingProxy
}

/** Runs `fn` between two readings of both counters; wall time on the monotonic clock. */
export const measure = async <A>(meter: Meter, fn: () => Promise<A>): Promise<Measured<A>> => {
  await meter.sandbox.resetStats()
  const before = await meter.sandbox.stats()
  const wire0 = meter.proxy.snapshot()
  const started = performance.now()
  const value = await fn()
  const wallMs = performance.now() - started
  const wire1 = meter.proxy.snapshot()
  const ops = diffStats(before, await meter.sandbox.stats())
  const d = (f: (c: typeof wire0) => Record<"identity" | "graph" | "exchange", number>, k: "identity" | "graph" | "exchange") => f(wire1)[k] - f(wire0)[k]
  const req = (k: "identity" | "graph" | "exchange") => d((c) => c.requests, k)
  const thr = (k: "identity" | "graph" | "exchange") => d((c) => c.throttled, k)
  const calls: Calls = {
    identity: req("identity"),
    graph: req("graph"),
    exchange: req("exchange"),
    total: req("identity") + req("graph") + req("exchange"),
    sandboxOps: ops.total,
    operations: ops.operations
  }
  return {
    wallMs,
    calls,
    throttled: thr("identity") + thr("graph") + thr("exchange"),
    upstreamBusyMs: wire1.busyMs - wire0.busyMs,
    upstreamMeanMs: calls.total === 0 ? Number.NaN : (wire1.durationMs - wire0.durationMs) / calls.total,
    value
  }
}

export const side = (
  latencyMs: number,
  m: { wallMs: number; calls: Calls; throttled: number; upstreamBusyMs?: number; upstreamMeanMs?: number },
  outcome: string,
  allSucceeded: boolean,
  extra: Partial<Side> = {}
): Side => ({
  wallMs: m.wallMs,
  roundTrips: m.wallMs / latencyMs,
  calls: m.calls,
  throttled: m.throttled,
  ...(m.upstreamBusyMs === undefined ? {} : { upstreamBusyMs: m.upstreamBusyMs }),
  ...(m.upstreamMeanMs === undefined ? {} : { upstreamMeanMs: m.upstreamMeanMs }),
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
  ...(s.upstreamBusyMs === undefined ? {} : { upstreamBusyMs: s.upstreamBusyMs * factor }),
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
    sandboxOps: line((s) => s.calls.sandboxOps),
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
