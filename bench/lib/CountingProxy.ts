import * as http from "node:http"

/**
 * A counting reverse proxy in front of the sandbox: every upstream HTTP request of the service and of
 * the baseline passes through it, so calls are counted as requests on the wire (a `$batch` is one call,
 * whatever it carries) and 429 answers are seen on both sides. The Host header is kept, so the
 * sandbox builds its nextLinks and issuers on the proxy's address.
 */
export type Surface = "identity" | "graph" | "exchange"

export interface ProxyCounts {
  readonly requests: Readonly<Record<Surface, number>>
  readonly throttled: Readonly<Record<Surface, number>>
  /** Time with at least one upstream request in flight (ms, monotonic): the upstream part of the critical path. */
  readonly busyMs: number
  /** Sum of the upstream requests' durations (ms): divided by the count, the sandbox's time per call. */
  readonly durationMs: number
}

export const surfaceOf = (path: string): Surface | undefined => {
  if (path.startsWith("/_sandbox")) return undefined
  if (path === "/v1.0" || path.startsWith("/v1.0/") || path.startsWith("/v1.0?")) return "graph"
  if (/^\/adminapi\//i.test(path)) return "exchange"
  return "identity"
}

export interface CountingProxy {
  readonly url: string
  readonly snapshot: () => ProxyCounts
  readonly close: () => Promise<void>
}

export const startProxy = (target: string): Promise<CountingProxy> => {
  const upstream = new URL(target)
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1024 })
  const requests: Record<Surface, number> = { identity: 0, graph: 0, exchange: 0 }
  const throttled: Record<Surface, number> = { identity: 0, graph: 0, exchange: 0 }
  let inFlight = 0
  let busySince = 0
  let busyMs = 0
  let durationMs = 0
  const server = http.createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    const surface = surfaceOf(req.url ?? "/")
    if (surface !== undefined) {
      requests[surface]++
      const started = performance.now()
      if (inFlight++ === 0) busySince = started
      res.on("close", () => {
        const now = performance.now()
        durationMs += now - started
        if (--inFlight === 0) busyMs += now - busySince
      })
    }
    const forward = http.request(
      { hostname: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers, agent },
      (up) => {
        if (up.statusCode === 429 && surface !== undefined) throttled[surface]++
        res.writeHead(up.statusCode ?? 502, up.headers)
        up.pipe(res)
      }
    )
    forward.setTimeout(300_000, () => forward.destroy(new Error("upstream timeout")))
    forward.on("error", () => {
      if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" })
      res.end("bench proxy: upstream unreachable")
    })
    req.pipe(forward)
  })
  return new Promise((resolve, reject) => {
    server.on("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      resolve({
        url: `http://127.0.0.1:${port}`,
        snapshot: () => ({
          requests: { ...requests },
          throttled: { ...throttled },
          busyMs: busyMs + (inFlight > 0 ? performance.now() - busySince : 0),
          durationMs
        }),
        close: () =>
          new Promise<void>((done) => {
            agent.destroy()
            server.closeAllConnections()
            server.close(() => done())
          })
      })
    })
  })
}
