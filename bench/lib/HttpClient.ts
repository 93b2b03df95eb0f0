import * as http from "node:http"

/** A small JSON-over-HTTP client on a keep-alive agent; every request is bounded by a timeout. */
export interface HttpResponse {
  readonly status: number
  readonly headers: http.IncomingHttpHeaders
  readonly text: string
  readonly ms: number
}

export interface HttpRequest {
  readonly method: string
  readonly url: string
  readonly headers?: Record<string, string>
  readonly body?: string | undefined
  readonly timeoutMs?: number
}

export const makeAgent = (maxSockets = 256): http.Agent =>
  new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets })

const defaultAgent = makeAgent()

export const request = (req: HttpRequest, agent: http.Agent = defaultAgent): Promise<HttpResponse> =>
  new Promise((resolve, reject) => {
    const started = performance.now()
    const url = new URL(req.url)
    const headers: Record<string, string | number> = { ...req.headers }
    if (req.body !== undefined) headers["content-length"] = Buffer.byteLength(req.body)
    const r = http.request(
      { method: req.method, hostname: url.hostname, port: url.port, path: url.pathname + url.search, headers, agent },
      (res) => {
        const chunks: Array<Buffer> = []
        res.on("data", (chunk: Buffer) => chunks.push(chunk))
        res.on("error", reject)
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString("utf8"),
            ms: performance.now() - started
          })
        )
      }
    )
    r.setTimeout(req.timeoutMs ?? 120_000, () => r.destroy(new Error(`timeout after ${req.timeoutMs ?? 120_000} ms: ${req.method} ${url.pathname}`)))
    r.on("error", reject)
    if (req.body !== undefined) r.write(req.body)
    r.end()
  })

export const parseJson = (res: HttpResponse): unknown => {
  if (res.text.length === 0) return undefined
  try {
    return JSON.parse(res.text)
  } catch {
    return undefined
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
