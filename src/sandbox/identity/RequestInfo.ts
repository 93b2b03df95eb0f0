import { Effect } from "effect"
import type { HttpServerRequest } from "effect/http"

/**
 * The origin clients reached the sandbox at: `X-Forwarded-Proto`/`X-Forwarded-Host` when a proxy or a
 * rewriting client (msal `networkClient`, spec §7.4 config A) sets them, else `http://<Host>`.
 */
export const baseUrlOf = (request: HttpServerRequest.HttpServerRequest): string => {
  const headers = request.headers
  const proto = headers["x-forwarded-proto"]?.split(",")[0]?.trim() || "http"
  const host = headers["x-forwarded-host"]?.split(",")[0]?.trim() || headers["host"] || "localhost"
  return `${proto}://${host}`
}

/** The host part of `baseUrlOf`. */
export const hostOf = (request: HttpServerRequest.HttpServerRequest): string => new URL(baseUrlOf(request)).host

/** The request's query string parameters (the router strips none of them from `request.url`). */
export const searchParamsOf = (request: HttpServerRequest.HttpServerRequest): URLSearchParams => {
  const q = request.url.indexOf("?")
  return new URLSearchParams(q < 0 ? "" : request.url.slice(q + 1))
}

/** A fresh lower-case GUID for request ids, trace ids and object ids. */
export const newGuid: Effect.Effect<string> = Effect.sync(() => crypto.randomUUID())
