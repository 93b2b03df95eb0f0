import * as net from "node:net"
import { percentile } from "./Percentiles.ts"
import { parseResponse, requestBytes } from "./RawHttp.ts"

/**
 * A closed-loop keep-alive load generator on raw sockets: `connections` sockets, each sending its next
 * GET as soon as the previous answer is complete, for `durationMs` after `warmupMs` (not counted).
 * Bounded in time and in count; a socket that errors is reopened (and the error counted).
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

export const runLoad = (options: LoadOptions): Promise<LoadResult> =>
  new Promise((resolve) => {
    const url = new URL(options.url)
    const payload = requestBytes(url.host, url.pathname + url.search, options.headers ?? {})
    const maxRequests = options.maxRequests ?? 10_000_000
    const started = performance.now()
    const warmupEnd = started + (options.warmupMs ?? 0)
    const end = warmupEnd + options.durationMs
    const statuses: Record<string, number> = {}
    const latencies: Array<number> = []
    let requests = 0
    let errors = 0
    let open = options.connections
    const done = () => {
      if (--open > 0) return
      resolve({
        requests,
        rps: requests / (options.durationMs / 1000),
        statuses,
        errors,
        p50Ms: percentile(latencies, 50),
        p99Ms: percentile(latencies, 99)
      })
    }
    const connect = (reconnects: number) => {
      const socket = net.connect({ host: url.hostname, port: Number(url.port), noDelay: true })
      let buf: Buffer = Buffer.alloc(0)
      let sentAt = 0
      let closed = false
      const send = () => {
        const now = performance.now()
        if (now >= end || requests >= maxRequests) {
          closed = true
          socket.end()
          done()
          return
        }
        sentAt = now
        socket.write(payload)
      }
      socket.on("connect", send)
      socket.on("data", (chunk: Buffer) => {
        buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk])
        const parsed = parseResponse(buf)
        if (parsed.consumed === 0) return
        buf = buf.subarray(parsed.consumed)
        const now = performance.now()
        if (sentAt >= warmupEnd && now <= end) {
          requests++
          statuses[String(parsed.status)] = (statuses[String(parsed.status)] ?? 0) + 1
          if (latencies.length < 500_000) latencies.push(now - sentAt)
        }
        send()
      })
      socket.on("error", () => {
        if (closed) return
        closed = true
        errors++
        socket.destroy()
        if (performance.now() < end && reconnects < 100) setTimeout(() => connect(reconnects + 1), 10)
        else done()
      })
      socket.on("close", () => {
        if (closed) return
        closed = true
        if (performance.now() < end && reconnects < 100) connect(reconnects + 1)
        else done()
      })
    }
    for (let i = 0; i < options.connections; i++) connect(0)
  })
