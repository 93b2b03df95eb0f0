import { Context, Effect, type Scope } from "effect"

/**
 * Leases on lists shared by every instance of the service (Redis in production, when configured): while
 * one instance changes a list, the others' changes to it wait. Without a shared store each instance is
 * alone (the default), and only the changes within one instance wait for each other (`ListLocks`).
 */
export interface ListLeasesShape {
  /**
   * Holds the lease on `key` until the scope closes, waiting while another instance holds it. Never
   * fails: when the shared store cannot be reached the change goes ahead on this instance's lock alone
   * (the adapter says so in the log), as an unreachable store must not stop every change.
   */
  readonly hold: (key: string) => Effect.Effect<void, never, Scope.Scope>
}

/** No store shared with other instances: every lease is granted at once. */
export const thisInstanceOnly: ListLeasesShape = { hold: () => Effect.void }

export const ListLeases: Context.Reference<ListLeasesShape> = Context.Reference<ListLeasesShape>(
  "distribution-list-api/application/ports/ListLeases",
  { defaultValue: () => thisInstanceOnly }
)
