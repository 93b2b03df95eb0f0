import { percentile } from "./lib/Percentiles.ts"
import { type Proc, waitReady } from "./lib/Proc.ts"
import { extrapolated, measure, side, withState } from "./Measure.ts"
import type { ScenarioResult, Side } from "./Model.ts"
import { describe, Ours } from "./Ours.ts"
import { type BenchContext, failedIn, ok, split } from "./ScenarioContext.ts"
import { stateVerdict } from "./Sandbox.ts"
import type { UserPool } from "./Users.ts"

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


/**
 * create with `n` members as the very first request of a service started for it, sent as soon as its
 * /healthz answers (tokens still being fetched, no code run before), or as soon as its /readyz answers
 * (what a load balancer that waits for readiness sends: tokens held, the readiness probe done). No
 * target (the create targets are measured after a warm-up); it shows what a caller meets right after a
 * deploy or a restart.
 */
export async function firstRequestScenario(
  ctx: BenchContext,
  start: () => Promise<{ proc: Proc; baseUrl: string }>,
  apiKey: string,
  n: number,
  after: "healthz" | "readyz" = "healthz"
): Promise<ScenarioResult> {
  const result: ScenarioResult = {
    id: after === "healthz" ? `create-first-${n}` : `create-first-ready-${n}`,
    title: `create with ${n.toLocaleString("en-US")} members as a fresh service's first request${after === "readyz" ? ", after /readyz" : ""}`,
    notes: [
      `a service started for this request, asked as soon as /${after} answered 200; no warm-up; no target`,
      after === "healthz"
        ? "the calls can include the service's startup readiness probe (one Graph read, one Exchange read)"
        : "the startup readiness probe's calls (one Graph read, one Exchange read) are done before the request"
    ]
  }
  // the fresh service's token calls start with it, before the measured window: counted apart
  const identityBefore = ctx.meter.proxy.snapshot().requests.identity
  const svc = await start()
  try {
    await waitReady(svc.proc, `${svc.baseUrl}/${after}`, 30_000, (s) => s === 200, 2)
    const fresh = new Ours(svc.baseUrl, apiKey)
    const { owner, members, all } = split(ctx.freshOurs.fresh(n))
    const alias = `bench-ours-first${after === "readyz" ? "-ready" : ""}-c${n}-${ctx.runId}`
    ctx.log(`  ${result.title}: ours`)
    const m = await measure(ctx.meter, () => fresh.create(alias, [owner], members))
    const startupTokens = ctx.meter.proxy.snapshot().requests.identity - identityBefore - m.calls.identity
    result.notes.push(`token requests the service sent as it started, before the request: ${startupTokens} (not in the row)`)
    result.ours = await withState(side(ctx.latencyMs, m, describe(m.value), ok(m.value.status) && failedIn(m.value) === 0), ctx.sandbox, alias, all)
  } catch (e) {
    result.error = String((e as Error).message ?? e)
  } finally {
    await svc.proc.stop()
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
      const actual = await ctx.sandbox.members(job.alias).catch((e: Error) => e)
      const verdict = actual instanceof Error ? { ok: false, text: `unreadable: ${actual.message.slice(0, 80)}` } : stateVerdict(actual, job.all)
      if (verdict.ok) exact++
      else if (result.notes.length < 5) result.notes.push(`${prefix} ${job.alias}: ${verdict.text}`)
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
