import * as http from "node:http"
import { percentile } from "./Percentiles.ts"

/**
 * A closed-loop keep-alive load generator: `connections` sockets, each sending its next request as soon
 * as the previous answer is read, for `durationMs` (after `warmupMs` not counted). Bounded in time and count.
 */
export interface LoadOptions {
  readonly url: string
  readonly connections: number
  readonly durationMs: number
  readonly warmupMs?: number
  readonly headers?: Record<string, string>
  readonly maxRequests?: number
}

export interface LoadResult {
  readonly requests: number
  readonly rps: number
  readonly statuses: Record<string, number>
  readonly errors: number
  readonly p50Ms: number
  readonly p99Ms: number
}

const once = (agent: http.Agent, url: URL, headers: Record<string, string>): Promise<number> =>
  new Promise((resolve) => {
    const r = http.request(
      { method: "GET", hostname: url.hostname, port: url.port, path: url.pathname + url.search, headers, agent },
      (res) => {
        res.resume()
        res.on("end", () => resolve(res.statusCode ?? 0))
        res.on("error", () => resolve(-1))
      }
    )
    r.setTimeout(10_000, () => r.destroy(new Error("timeout")))
    r.on("error", () => resolve(-1))
    r.end()
  })

export const runLoad = async (options: LoadOptions): Promise<LoadResult> => {
  const url = new URL(options.url)
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.connections, maxFreeSockets: options.connections })
  const headers = { ...options.headers }
  const maxRequests = options.maxRequests ?? 5_000_000
  const warmupEnd = performance.now() + (options.warmupMs ?? 0)
  const end = warmupEnd + options.durationMs
  const statuses: Record<string, number> = {}
  const latencies: Array<number> = []
  let requests = 0
  let errors = 0
  const worker = async () => {
    for (let now = performance.now(); now < end && requests < maxRequests; now = performance.now()) {
      const status = await once(agent, url, headers)
      const after = performance.now()
      if (now < warmupEnd) continue
      requests++
      if (status < 0) errors++
      statuses[String(status)] = (statuses[String(status)] ?? 0) + 1
      if (latencies.length < 200_000) latencies.push(after - now)
    }
  }
  await Promise.all(Array.from({ length: options.connections }, worker))
  agent.destroy()
  return {
    requests,
    rps: requests / (options.durationMs / 1000),
    statuses,
    errors,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99)
  }
}
