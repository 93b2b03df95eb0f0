import { Context, Effect, Layer } from "effect"

export type Surface = "identity" | "graph" | "exchange"

const surfaces: ReadonlyArray<Surface> = ["identity", "graph", "exchange"]

export interface SurfaceStats {
  readonly total: number
  readonly operations: Readonly<Record<string, number>>
}

/** Requests served since start (or the last reset), per surface and per operation. */
export interface StatsSnapshot {
  readonly total: number
  readonly surfaces: Readonly<Record<Surface, SurfaceStats>>
}

/** Counts upstream calls so benchmarks and tests can report how many each scenario costs. */
export class SandboxStats extends Context.Service<SandboxStats, {
  /** One request served by `surface`; `operation` names it, e.g. `"token"`, `"GET /users"`, `"Get-DistributionGroup"`. */
  readonly count: (surface: Surface, operation: string) => Effect.Effect<void>
  readonly snapshot: Effect.Effect<StatsSnapshot>
  readonly reset: Effect.Effect<void>
}>()("distribution-list-api/sandbox/SandboxStats") {
  static readonly layer = Layer.sync(SandboxStats, () => {
    // A plain map updated synchronously: counting sits on every sandbox request's hot path.
    const counts = new Map<Surface, Map<string, number>>(surfaces.map((s) => [s, new Map()]))
    return SandboxStats.of({
      count: (surface, operation) =>
        Effect.sync(() => {
          const ops = counts.get(surface)!
          ops.set(operation, (ops.get(operation) ?? 0) + 1)
        }),
      snapshot: Effect.sync(() => {
        let total = 0
        const bySurface = {} as Record<Surface, SurfaceStats>
        for (const surface of surfaces) {
          const operations = Object.fromEntries(counts.get(surface)!)
          const surfaceTotal = Object.values(operations).reduce((a, b) => a + b, 0)
          total += surfaceTotal
          bySurface[surface] = { total: surfaceTotal, operations }
        }
        return { total, surfaces: bySurface }
      }),
      reset: Effect.sync(() => {
        for (const ops of counts.values()) ops.clear()
      })
    })
  })
}
