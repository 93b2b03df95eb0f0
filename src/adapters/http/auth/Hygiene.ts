import { createHash } from "node:crypto"
import { ByteSize, Effect } from "effect"
import { HttpEffect, HttpIncomingMessage, HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"

/** Request bodies above this are refused with 413, while they are being read. */
export const maxBodyBytes = 1024 * 1024

/** The one answer to a body over the limit, however it was found out (declared length or while reading). */
export const tooLargeDetails = `Request bodies are limited to ${maxBodyBytes} bytes (1 MiB).`

const tooLargeBody = { error: "Payload Too Large", details: tooLargeDetails }

const apiPolicy = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

const sha256 = (text: string) => `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`

/**
 * A strict CSP for an HTML page (the Scalar docs page): its inline scripts are allowed by hash and
 * nothing else may run; Scalar needs inline styles, `data:` images and fonts, and same-origin fetches.
 */
export const pagePolicy = (html: string): string => {
  const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((match) => sha256(match[1] ?? ""))
  const sources = [...html.matchAll(/<script[^>]*\ssrc="([^"]+)"/g)].flatMap((match) => {
    const url = URL.parse(match[1] ?? "")
    return url === null ? [] : [url.origin]
  })
  return [
    `default-src 'none'`,
    `script-src ${[...new Set([...scripts, ...sources])].join(" ") || "'none'"}`,
    `style-src 'self' 'unsafe-inline'`,
    `img-src 'self' data:`,
    `font-src 'self' data: https://fonts.scalar.com`,
    `connect-src 'self'`,
    `worker-src 'self' blob:`,
    `base-uri 'none'`,
    `form-action 'none'`,
    `frame-ancestors 'none'`
  ].join("; ")
}

// The docs page is built once and served as the same response body, so its policy is computed once.
const pagePolicies = new WeakMap<object, string>()

const policyFor = (response: HttpServerResponse.HttpServerResponse): string => {
  const body = response.body
  if (body._tag !== "Uint8Array" || !body.contentType.startsWith("text/html")) return apiPolicy
  let policy = pagePolicies.get(body)
  if (policy === undefined) {
    policy = pagePolicy(body.text ?? new TextDecoder().decode(body.body))
    pagePolicies.set(body, policy)
  }
  return policy
}

const securityHeaders = {
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "cache-control": "no-store"
} as const

/** The headers every JSON response gets (the /healthz fast path sends them itself). */
export const jsonSecurityHeaders = { ...securityHeaders, "content-security-policy": apiPolicy } as const

/** Security headers for every response; an empty 413 gets the standard error body. */
export const secureResponse = (response: HttpServerResponse.HttpServerResponse): HttpServerResponse.HttpServerResponse => {
  const base = response.status === 413 && response.body._tag === "Empty"
    ? HttpServerResponse.jsonUnsafe(tooLargeBody, { status: 413, headers: response.headers })
    : response
  return HttpServerResponse.setHeaders(base, { ...securityHeaders, "content-security-policy": policyFor(base) })
}

/** Global: security headers, and the 1 MiB body limit (declared lengths refused before reading). */
export const middleware = <E, R>(
  app: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>
): Effect.Effect<HttpServerResponse.HttpServerResponse, E, R | HttpServerRequest.HttpServerRequest> =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    yield* HttpEffect.appendPreResponseHandler((_request, response) => Effect.succeed(secureResponse(response)))
    const declared = request.headers["content-length"]
    if (declared !== undefined && /^\d+$/.test(declared) && Number(declared) > maxBodyBytes) {
      return HttpServerResponse.jsonUnsafe(tooLargeBody, { status: 413, headers: { connection: "close" } })
    }
    return yield* Effect.provideService(app, HttpIncomingMessage.MaxBodySize, ByteSize.bytes(maxBodyBytes))
  })

export const layer = HttpRouter.middleware(middleware, { global: true })
