import { measure, scaled, side, withState } from "./Measure.ts"
import type { ScenarioResult } from "./Model.ts"
import { describe } from "./Ours.ts"
import { type BenchContext, failedIn, ok, SETUP_ADD_DL, SETUP_GET_DL } from "./ScenarioContext.ts"
import { range, type UserPool } from "./Users.ts"

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

