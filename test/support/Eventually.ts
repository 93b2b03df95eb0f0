import { Effect } from "effect"

/**
 * The first value `find` returns, letting other fibers and the event loop run between tries (no clock
 * time passes): for what a request's fiber writes after its caller has gone (its interruption finishes
 * after the caller's side has already seen the abort). Fails after `tries`, so a regression does not hang.
 */
export const eventually = <A>(find: () => A | undefined, tries = 1_000): Effect.Effect<A, string> =>
  Effect.suspend(() => {
    const found = find()
    if (found !== undefined) return Effect.succeed(found)
    return tries <= 0 ? Effect.fail("never found") : Effect.andThen(Effect.yieldNow, eventually(find, tries - 1))
  })
