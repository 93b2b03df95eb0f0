import { Layer, References, Tracer } from "effect"

/**
 * Turns Effect's tracing off. The service exports no traces, so spans (one per `Effect.fn` call, per
 * request and per upstream call) would only cost CPU (~15% of a lookup), and the HTTP client would
 * send `b3` and `traceparent` headers with ids nobody can look up to Microsoft on every call.
 */
export const layerOff: Layer.Layer<never> = Layer.mergeAll(
  Layer.succeed(References.TracerEnabled, false),
  // what the HTTP client checks before it makes a span and the propagation headers
  Layer.succeed(Tracer.DisablePropagation, true)
)
