import { Schema } from "effect"
import type { Conflict, NotFound } from "../ApiErrors.ts"

// Every error body is the service's standard `{"error", "details"}` (seed: "Error Responses").

export class Unauthorized extends Schema.Error<Unauthorized>("Unauthorized")({
  error: Schema.Literal("Unauthorized"),
  details: Schema.String
}, { httpApiStatus: 401 }) {
  static readonly because = (details: string) => new Unauthorized({ error: "Unauthorized", details })
}

export class Forbidden extends Schema.Error<Forbidden>("Forbidden")({
  error: Schema.Literal("Forbidden"),
  details: Schema.String
}, { httpApiStatus: 403 }) {
  static readonly because = (details: string) => new Forbidden({ error: "Forbidden", details })
}

export class TooManyRequests extends Schema.Error<TooManyRequests>("TooManyRequests")({
  error: Schema.Literal("Too Many Requests"),
  details: Schema.String
}, { httpApiStatus: 429 }) {
  static readonly because = (details: string) => new TooManyRequests({ error: "Too Many Requests", details })
}

/** Credentials could not be checked right now (for example the tenant's signing keys are unreachable). */
export class AuthUnavailable extends Schema.Error<AuthUnavailable>("AuthUnavailable")({
  error: Schema.Literal("Service Unavailable"),
  details: Schema.String
}, { httpApiStatus: 503 }) {
  static readonly because = (details: string) => new AuthUnavailable({ error: "Service Unavailable", details })
}

/**
 * What authentication may answer; `NotFound` when an owner check finds no such list (fail closed), and
 * `Conflict` when the list's id names more than one.
 */
export type AuthError = Unauthorized | Forbidden | TooManyRequests | AuthUnavailable | NotFound | Conflict
