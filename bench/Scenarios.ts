import type { SeedService } from "./baseline/SeedService.ts"
import { percentile } from "./lib/Percentiles.ts"
import { extrapolated, measure, type Meter, scaled, side, withState } from "./Measure.ts"
import type { ScenarioResult, Side } from "./Model.ts"
import { describe, type Ours } from "./Ours.ts"
import type { Sandbox } from "./Sandbox.ts"
import { range, type UserPool } from "./Users.ts"

export interface BenchContext {
  readonly sandbox: Sandbox
  readonly ours: Ours
  readonly baseline: SeedService
  readonly meter: Meter
  readonly latencyMs: number
  /** The baseline runs on at most this many members; larger sizes are extrapolated. */
  readonly cap: number
  readonly runBaseline: boolean
  readonly runId: string
  readonly domain: string
  readonly freshOurs: UserPool
  readonly freshBaseline: UserPool
  /** Setup-only work runs with these knobs (fast), measurements with `measureKnobs`. */
  readonly fastSetup: <A>(fn: () => Promise<A>) => Promise<A>
  readonly log: (line: string) => void
}

const ok = (status: number) => status >= 200 && status < 300

/** Addresses our API reported as not applied (`failedMembers` on create, `failed` on member changes). */
const failedIn = (res: { text: string }): number => {
  try {
    const body = JSON.parse(res.text) as { failedMembers?: Array<unknown>; failed?: Array<unknown> }
    return (body.failedMembers ?? body.failed ?? []).length
  } catch {
    return 0
  }
}

// Setup ranges of generated users, far above what the fresh pools hand out (see run.ts).
const SETUP_ADD_DL = 40_001
const SETUP_GET_DL = 45_001

/**
 * The first user owns the DL and the rest are sent as `memberEmails`; with OWNERS_AS_MEMBERS (the seed's
 * default) the DL ends with exactly `users` as members, and the request carries `users.length` addresses
 * (so 10,000 fits the 10,000-addresses-per-request bound).
 */
const split = (users: ReadonlyArray<string>) => ({ owner: users[0]!, members: users.slice(1), all: users })

async function oursCreate(ctx: BenchContext, n: number): Promise<Side> {
  const { owner, members, all } = split(ctx.freshOurs.fresh(n))
  const alias = `bench-ours-c${n}-${ctx.runId}`
  const m = await measure(ctx.meter, () => ctx.ours.create(alias, [owner], members))
  return withState(side(ctx.latencyMs, m, describe(m.value), ok(m.value.status) && failedIn(m.value) === 0), ctx.sandbox, alias, all)
}

async function baselineCreate(ctx: BenchContext, n: number): Promise<Side> {
  const { owner, members, all } = split(ctx.freshBaseline.fresh(n))
  const alias = `bench-base-c${n}-${ctx.runId}`
  const m = await measure(ctx.meter, () => ctx.baseline.create(alias, [owner], members))
  const failed = m.value.body.failedMembers?.length ?? 0
  return withState(
    side(ctx.latencyMs, m, failed > 0 ? `${m.value.status} (${failed} failed)` : String(m.value.status), m.value.status === 201 && failed === 0),
    ctx.sandbox, alias, all
  )
}

/** create with 10 / 1,000 / 10,000 members; the baseline is run on 10 and on the cap, and extrapolated. */
export async function createScenarios(ctx: BenchContext, sizes: ReadonlyArray<number>): Promise<Array<ScenarioResult>> {
  const results: Array<ScenarioResult> = []
  const base = new Map<number, Side>()
  const baselineAt = async (n: number) => {
    if (!base.has(n)) base.set(n, await baselineCreate(ctx, n))
    return base.get(n)!
  }
  for (const n of sizes) {
    const result: ScenarioResult = { id: `create-${n}`, title: `create with ${n.toLocaleString("en-US")} members`, notes: [] }
    results.push(result)
    try {
      ctx.log(`  ${result.title}: ours`)
      result.ours = await oursCreate(ctx, n)
      if (ctx.runBaseline) {
        ctx.log(`  ${result.title}: baseline`)
        if (n <= ctx.cap) result.baseline = await baselineAt(n)
        else {
          const small = Math.min(10, ctx.cap)
          result.baseline = extrapolated({ x: small, side: await baselineAt(small) }, { x: ctx.cap, side: await baselineAt(ctx.cap) }, n, ctx.latencyMs)
        }
      }
    } catch (e) {
      result.error = String((e as Error).message ?? e)
    }
  }
  return results
}

/** PATCH sync 1,000 → 1,000 with half changed (the baseline on `cap` → `cap`, scaled). */
export async function syncScenario(ctx: BenchContext, n: number): Promise<ScenarioResult> {
  const result: ScenarioResult = { id: `sync-${n}`, title: `PATCH sync ${n.toLocaleString("en-US")} → ${n.toLocaleString("en-US")}, half changed`, notes: [] }
  const run = async (size: number, pool: UserPool, prefix: string, call: (alias: string, target: ReadonlyArray<string>) => Promise<{ status: number; outcome: string; ok: boolean }>) => {
    const before = pool.fresh(size)
    const fresh = pool.fresh(size / 2)
    const alias = `bench-${prefix}-s${size}-${ctx.runId}`
    await ctx.fastSetup(() => ctx.sandbox.createGroup(alias, [before[0]!], before))
    const target = [...before.slice(0, size / 2), ...fresh]
    const m = await measure(ctx.meter, () => call(alias, target))
    return withState(side(ctx.latencyMs, m, m.value.outcome, m.value.ok), ctx.sandbox, alias, target)
  }
  try {
    ctx.log(`  ${result.title}: ours`)
    result.ours = await run(n, ctx.freshOurs, "ours", async (alias, target) => {
      const res = await ctx.ours.syncMembers(alias, target)
      return { status: res.status, outcome: describe(res), ok: ok(res.status) && failedIn(res) === 0 }
    })
    if (ctx.runBaseline) {
      ctx.log(`  ${result.title}: baseline`)
      const size = Math.min(n, ctx.cap)
      const measured = await run(size, ctx.freshBaseline, "base", async (alias, target) => {
        const res = await ctx.baseline.syncMembers(ctx.sandbox.primary(alias), target)
        const failed = (res.body.failed as Array<string> | undefined)?.length ?? 0
        return { status: res.status, outcome: failed > 0 ? `${res.status} (${failed} failed)` : String(res.status), ok: res.status === 200 && failed === 0 }
      })
      result.baseline = size === n ? measured : scaled(measured, n / size, `measured on ${size} → ${size}, ×${n / size}`)
    }
  } catch (e) {
    result.error = String((e as Error).message ?? e)
  }
  return result
}

/** add 500 members to a 5,000-member DL (the baseline adds `cap`, scaled). */
export async function addScenario(ctx: BenchContext, existing: number, adds: number): Promise<ScenarioResult> {
  const result: ScenarioResult = { id: `add-${adds}`, title: `add ${adds} members to a ${existing.toLocaleString("en-US")}-member DL`, notes: [] }
  const setup = range(ctx.domain, SETUP_ADD_DL, existing)
  const run = async (count: number, pool: UserPool, prefix: string, call: (alias: string, fresh: ReadonlyArray<string>) => Promise<{ outcome: string; ok: boolean }>) => {
    const alias = `bench-${prefix}-a${adds}-${ctx.runId}`
    await ctx.fastSetup(() => ctx.sandbox.createGroup(alias, [setup[0]!], setup))
    const fresh = pool.fresh(count)
    const m = await measure(ctx.meter, () => call(alias, fresh))
    return withState(side(ctx.latencyMs, m, m.value.outcome, m.value.ok), ctx.sandbox, alias, [...setup, ...fresh])
  }
  try {
    ctx.log(`  ${result.title}: ours`)
    result.ours = await run(adds, ctx.freshOurs, "ours", async (alias, fresh) => {
      const res = await ctx.ours.addMembers(alias, fresh)
      return { outcome: describe(res), ok: ok(res.status) && failedIn(res) === 0 }
    })
    if (ctx.runBaseline) {
      ctx.log(`  ${result.title}: baseline`)
      const count = Math.min(adds, ctx.cap)
      const measured = await run(count, ctx.freshBaseline, "base", async (alias, fresh) => {
        const res = await ctx.baseline.addMembers(ctx.sandbox.primary(alias), fresh)
        const failed = (res.body.failed as Array<string> | undefined)?.length ?? 0
        return { outcome: failed > 0 ? `${res.status} (${failed} failed)` : String(res.status), ok: res.status === 200 && failed === 0 }
      })
      result.baseline = count === adds ? measured : scaled(measured, adds / count, `measured on ${count} adds, ×${adds / count}`)
    }
  } catch (e) {
    result.error = String((e as Error).message ?? e)
  }
  return result
}

/** GET a 5,000-member DL (both sides whole: the baseline's cost here does not grow per member). */
export async function getScenario(ctx: BenchContext, size: number): Promise<ScenarioResult> {
  const result: ScenarioResult = { id: `get-${size}`, title: `GET a ${size.toLocaleString("en-US")}-member DL`, notes: [] }
  try {
    const members = range(ctx.domain, SETUP_GET_DL, size)
    const alias = `bench-get${size}-${ctx.runId}`
    await ctx.fastSetup(() => ctx.sandbox.createGroup(alias, [members[0]!], members))
    const count = (body: unknown) => (Array.isArray((body as { members?: unknown })?.members) ? (body as { members: Array<unknown> }).members.length : -1)
    ctx.log(`  ${result.title}: ours`)
    const m = await measure(ctx.meter, () => ctx.ours.get(alias))
    let returned = -1
    try {
      returned = count(JSON.parse(m.value.text))
    } catch {
      returned = -1
    }
    result.ours = { ...side(ctx.latencyMs, m, describe(m.value), ok(m.value.status) && returned === size), state: `${returned} returned`, stateOk: returned === size }
    if (ctx.runBaseline) {
      ctx.log(`  ${result.title}: baseline`)
      const b = await measure(ctx.meter, () => ctx.baseline.get(ctx.sandbox.primary(alias)))
      const got = count(b.value.body)
      result.baseline = { ...side(ctx.latencyMs, b, String(b.value.status), b.value.status === 200 && got === size), state: `${got} returned`, stateOk: got === size }
    }
  } catch (e) {
    result.error = String((e as Error).message ?? e)
  }
  return result
}

/** 50 concurrent creates of 20-member DLs: throughput, p50 and p99 (both sides whole). */
export async function concurrentScenario(ctx: BenchContext, creates: number, size: number): Promise<ScenarioResult> {
  const result: ScenarioResult = { id: `concurrent-${creates}x${size}`, title: `${creates} concurrent creates of ${size}-member DLs`, notes: [] }
  const run = async (pool: UserPool, prefix: string, one: (alias: string, owner: string, members: ReadonlyArray<string>) => Promise<{ status: number | string; ok: boolean }>) => {
    const jobs = Array.from({ length: creates }, (_, i) => ({ alias: `bench-${prefix}-p${i}-${ctx.runId}`, ...split(pool.fresh(size)) }))
    const latencies: Array<number> = []
    const statuses: Record<string, number> = {}
    let allOk = true
    const m = await measure(ctx.meter, () =>
      Promise.all(jobs.map(async (job) => {
        const started = performance.now()
        // a thrown error: the connection failed (ours) or the seed's client gave up (the seed answers 503)
        const out = await one(job.alias, job.owner, job.members).catch(() => ({ status: prefix === "base" ? "503" : "error", ok: false }))
        latencies.push(performance.now() - started)
        // a 201 that names failed members is not a success: show it apart
        const label = typeof out.status === "number" && out.status < 300 && !out.ok ? `${out.status} with failed members` : String(out.status)
        statuses[label] = (statuses[label] ?? 0) + 1
        allOk &&= out.ok
      })))
    let exact = 0
    for (const job of jobs) {
      const actual = new Set(await ctx.sandbox.members(job.alias).catch(() => []))
      if (actual.size === job.all.length && job.all.every((x) => actual.has(x.toLowerCase()))) exact++
    }
    return side(ctx.latencyMs, m, Object.entries(statuses).map(([s, n]) => `${n}×${s}`).join(" "), allOk, {
      throughputPerS: creates / (m.wallMs / 1000),
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      state: `${exact}/${creates} exact`,
      stateOk: exact === creates
    })
  }
  try {
    ctx.log(`  ${result.title}: ours`)
    result.ours = await run(ctx.freshOurs, "ours", async (alias, owner, members) => {
      const res = await ctx.ours.create(alias, [owner], members)
      return { status: res.status, ok: ok(res.status) && failedIn(res) === 0 }
    })
    if (ctx.runBaseline) {
      ctx.log(`  ${result.title}: baseline`)
      result.baseline = await run(ctx.freshBaseline, "base", async (alias, owner, members) => {
        const res = await ctx.baseline.create(alias, [owner], members)
        return { status: res.status, ok: res.status === 201 && (res.body.failedMembers?.length ?? 0) === 0 }
      })
    }
  } catch (e) {
    result.error = String((e as Error).message ?? e)
  }
  return result
}
