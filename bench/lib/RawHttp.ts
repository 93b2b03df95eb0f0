/**
 * Just enough HTTP/1.1 response framing for the load generator: node's http client costs more CPU per
 * request than a small server does, so it cannot load one. Handles Content-Length and chunked bodies.
 */
export interface Parsed {
  /** Bytes consumed by one complete response, or 0 if the buffer does not hold one yet. */
  readonly consumed: number
  readonly status: number
}

const HEADER_END = Buffer.from("\r\n\r\n")
const CRLF = Buffer.from("\r\n")

export const parseResponse = (buf: Buffer): Parsed => {
  const headerEnd = buf.indexOf(HEADER_END)
  if (headerEnd < 0) return { consumed: 0, status: 0 }
  const head = buf.toString("latin1", 0, headerEnd)
  const status = Number(head.slice(9, 12))
  const bodyStart = headerEnd + 4
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(head)
  if (length !== null) {
    const end = bodyStart + Number(length[1])
    return buf.length >= end ? { consumed: end, status } : { consumed: 0, status: 0 }
  }
  if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
    let at = bodyStart
    for (;;) {
      const lineEnd = buf.indexOf(CRLF, at)
      if (lineEnd < 0) return { consumed: 0, status: 0 }
      const size = parseInt(buf.toString("latin1", at, lineEnd).split(";")[0]!, 16)
      if (Number.isNaN(size)) throw new Error("bad chunk size")
      if (size === 0) {
        // last chunk, then (no trailers expected) a final CRLF
        const end = buf.indexOf(CRLF, lineEnd + 2)
        return end < 0 ? { consumed: 0, status: 0 } : { consumed: end + 2, status }
      }
      at = lineEnd + 2 + size + 2
      if (at > buf.length) return { consumed: 0, status: 0 }
    }
  }
  // 204/304 or a response without a body framing: no body
  return { consumed: bodyStart, status }
}

export const requestBytes = (host: string, path: string, headers: Record<string, string>): Buffer =>
  Buffer.from(
    `GET ${path} HTTP/1.1\r\nhost: ${host}\r\nconnection: keep-alive\r\n` +
      Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join("") +
      "\r\n",
    "latin1"
  )
