import { request } from "./lib/HttpClient.ts"
import { type LoadResult, runLoad } from "./lib/LoadGen.ts"
import { median } from "./lib/Percentiles.ts"
import { memoryOf, type Proc, waitReady } from "./lib/Proc.ts"
import {
  type ColdStartResult,
  FLOOR_PATH,
  HAND_WRITTEN_FLOOR,
  HAND_WRITTEN_FLOOR_BATCHED_LOG,
  HAND_WRITTEN_FLOOR_NO_LOG,
  HTTPAPI_FLOOR,
  LOOKUP_PATH,
  UNCACHED_LOOKUP,
  type MemoryResult,
  type OverheadResult,
  type OverheadRow
} from "./Model.ts"
import { type Launch, startBare, startHandWrittenFloor, startHttpApiFloor, startService } from "./Service.ts"

/**
 * The service's own cost: req/s of GET /healthz and of a 404 lookup against a bare node:http server,
 * same load generator, same run. `serviceEnv` picks the zero-latency sandbox the service talks to.
 */
export async function overhead(
  launch: Launch,
  serviceEnv: Record<string, string>,
  mode: string,
  apiKey: string,
  connections: number,
  durationMs: number,
  rounds: number,
  log: (line: string) => void
): Promise<OverheadResult> {
  const bare = await startBare(launch)
  const references: Array<{ proc: Proc; baseUrl: string; reference: string }> = []
  let svc: Awaited<ReturnType<typeof startService>> | undefined
  try {
    // the reference servers are context only: without them the targets are still measured
    const reference = (name: string, start: () => Promise<{ proc: Proc; baseUrl: string }>) =>
      start().then((server) => void references.push({ ...server, reference: name }), (e: Error) => {
        log(`  overhead: the reference "${name}" did not start, its row is skipped (${e.message.split("\n")[0]})`)
      })
    await reference(UNCACHED_LOOKUP, async () => {
      const uncached = await startService(launch, "service(overhead, uncached)", { ...serviceEnv, NOT_FOUND_CACHE_TTL_S: "0" })
      await waitReady(uncached.proc, `${uncached.baseUrl}/readyz`, 60_000)
      return uncached
    })
    await reference(HTTPAPI_FLOOR, () => startHttpApiFloor(launch, apiKey))
    await reference(HAND_WRITTEN_FLOOR, () => startHandWrittenFloor(launch, apiKey, "line"))
    await reference(HAND_WRITTEN_FLOOR_BATCHED_LOG, () => startHandWrittenFloor(launch, apiKey, "batched"))
    await reference(HAND_WRITTEN_FLOOR_NO_LOG, () => startHandWrittenFloor(launch, apiKey, "none"))
    svc = await startService(launch, "service(overhead)", serviceEnv)
    await waitReady(svc.proc, `${svc.baseUrl}/readyz`, 60_000)
    const headers = { "x-api-key": apiKey }
    const rows: Array<OverheadRow> = []
    // Rows without a target, for context: an unknown route (Effect's HTTP router alone: the floor of any
    // request off the fast paths), the 404 lookup answered by the service with its not-found cache off (each
    // one asks Exchange), by a minimal HttpApi service
    // (bench/HttpApiFloor.ts: the floor of the lookup row in this framework, before any of our work), and
    // by a hand-written node:http path with the service's duties and a cache of "not found", logging as the
    // service does, in batches, or not at all (bench/HandWrittenFloor.ts: the floor without any framework).
    const runs: Array<{ path: string; server: string; reference?: string }> = [
      { path: "/healthz", server: svc.baseUrl },
      { path: LOOKUP_PATH, server: svc.baseUrl },
      ...references.map(({ baseUrl, reference }) => ({ path: LOOKUP_PATH, server: baseUrl, reference })),
      { path: FLOOR_PATH, server: svc.baseUrl }
    ]
    for (const { path, server, reference } of runs) {
      // warm both (JIT, tokens, caches); then alternate bare and ours `rounds` times and keep the medians,
      // so a noisy neighbour on the machine hits both sides alike
      await runLoad({ url: bare.baseUrl + path, connections, durationMs: 500 })
      await runLoad({ url: server + path, connections, durationMs: 500, headers })
      const b: Array<LoadResult> = []
      const o: Array<LoadResult> = []
      for (let round = 0; round < rounds; round++) {
        b.push(await runLoad({ url: bare.baseUrl + path, connections, durationMs, warmupMs: 200 }))
        o.push(await runLoad({ url: server + path, connections, durationMs, warmupMs: 200, headers }))
      }
      const bareRps = median(b.map((r) => r.rps))
      const oursRps = median(o.map((r) => r.rps))
      log(`  overhead GET ${path}${reference ? ` (${reference})` : ""}: bare ${b.map((r) => Math.round(r.rps)).join("/")} req/s, measured ${o.map((r) => Math.round(r.rps)).join("/")} req/s`)
      rows.push({ path, ...(reference ? { reference } : {}), bareRps, oursRps, ratio: oursRps / bareRps, oursStatuses: merge(o), bareStatuses: merge(b) })
    }
    return { connections, durationMs, mode, rows }
  } finally {
    await svc?.proc.stop()
    for (const { proc } of references) await proc.stop()
    await bare.proc.stop()
  }
}

const merge = (results: ReadonlyArray<LoadResult>): Record<string, number> => {
  const out: Record<string, number> = {}
  for (const r of results) for (const [k, v] of Object.entries(r.statuses)) out[k] = (out[k] ?? 0) + v
  return out
}

/** Spawn → first 200 on /healthz, `runs` times (a fresh process each time), polled every 2 ms. */
export async function coldStart(launch: Launch, runs: number, log: (line: string) => void): Promise<ColdStartResult> {
  const samples: Array<number> = []
  for (let i = 0; i < runs; i++) {
    const svc = await startService(launch, `service(cold ${i + 1})`)
    try {
      samples.push(await waitReady(svc.proc, `${svc.baseUrl}/healthz`, 30_000, (s) => s === 200, 2))
      log(`  cold start ${i + 1}/${runs}: ${Math.round(samples.at(-1)!)} ms`)
    } finally {
      await svc.proc.stop()
    }
  }
  return { samplesMs: samples, medianMs: median(samples) }
}

/** Peak RSS (VmHWM) of a fresh service process across one GET of a large DL, and whether the list was complete. */
export async function memoryPeak(launch: Launch, alias: string, members: number, apiKey: string): Promise<MemoryResult> {
  const svc = await startService(launch, "service(memory)")
  try {
    await waitReady(svc.proc, `${svc.baseUrl}/readyz`, 60_000)
    // one small request first, so tokens and lazy modules are in place before the baseline reading
    await request({ method: "GET", url: `${svc.baseUrl}/api/dl/bench-warmup-absent`, headers: { "x-api-key": apiKey }, timeoutMs: 60_000 })
    const before = memoryOf(svc.proc.pid)
    const started = performance.now()
    const res = await request({ method: "GET", url: `${svc.baseUrl}/api/dl/${alias}`, headers: { "x-api-key": apiKey }, timeoutMs: 300_000 })
    const wallMs = performance.now() - started
    const after = memoryOf(svc.proc.pid)
    let returned = -1
    try {
      const body = JSON.parse(res.text) as { members?: Array<unknown> }
      returned = Array.isArray(body.members) ? body.members.length : -1
    } catch {
      returned = -1
    }
    return {
      members,
      returned,
      complete: res.status === 200 && returned === members,
      status: res.status,
      wallMs,
      rssBeforeMiB: before?.rssMiB ?? Number.NaN,
      hwmBeforeMiB: before?.hwmMiB ?? Number.NaN,
      hwmAfterMiB: after?.hwmMiB ?? Number.NaN,
      bytes: Buffer.byteLength(res.text)
    }
  } finally {
    await svc.proc.stop()
  }
}
