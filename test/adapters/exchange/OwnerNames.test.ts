import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import type { Command, CommandResult } from "../../../src/adapters/exchange/Cmdlets.ts"
import { ExchangeCommandError, type FaultKind } from "../../../src/adapters/exchange/CommandErrors.ts"
import { exactLookups, legacyOwnerNames, lookups, ownerIds } from "../../../src/adapters/exchange/OwnerNames.ts"
import type { DistributionList } from "../../../src/domain/DistributionList.ts"

const newStyle = "7cdbe897-3c7f-4fb6-a369-56408d68081f"
const cbergin = "2700871c-b807-4dc1-9887-1d1c93ecd5b5"
const dl = (ownerIds: ReadonlyArray<string>): DistributionList => ({
  identity: "9feb45ad-0cc9-43dc-a609-2110e2216c15",
  name: "sales",
  alias: "sales",
  displayName: "Sales",
  primarySmtpAddress: "sales@contoso.example",
  ownerIds,
  requireSenderAuthenticationEnabled: true
})

const error = (kind: FaultKind): CommandResult => ({
  _tag: "Error",
  error: new ExchangeCommandError({ cmdlet: "Get-Recipient", status: 400, kind, errorId: "", exceptionType: "" })
})
const found = (id: string): CommandResult => ({ _tag: "Ok", value: [{ ExternalDirectoryObjectId: id.toUpperCase() }] })

/** A runner answering each command by `answer`, recording what it was asked. */
const scripted = (answer: (command: Command) => CommandResult) => {
  const asked: Array<Command> = []
  const run = (commands: ReadonlyArray<Command>) =>
    Effect.sync(() => commands.map((command) => (asked.push(command), answer(command))))
  return { asked, run }
}
const identityOf = (command: Command) => command.parameters["Identity"] ?? command.parameters["Filter"]

describe("OwnerNames", () => {
  it("only legacy names (not GUIDs) are looked up, once each; ambiguous ones exactly, by a Name filter", () => {
    assert.deepStrictEqual(legacyOwnerNames(dl([newStyle, "CBergin", "Smith, Pat", "CBergin"])), ["CBergin", "Smith, Pat"])
    assert.deepStrictEqual(legacyOwnerNames(dl([newStyle])), [])
    assert.deepStrictEqual(lookups(["CBergin"]), [{ cmdlet: "Get-Recipient", parameters: { Identity: "CBergin" } }])
    assert.deepStrictEqual(exactLookups(["O'Brien, Pat"]), [{ cmdlet: "Get-Recipient", parameters: { Filter: "Name -eq 'O''Brien, Pat'" } }])
  })

  it.effect("no legacy name, no lookup", () =>
    Effect.gen(function*() {
      const { asked, run } = scripted(() => found(cbergin))
      assert.deepStrictEqual(yield* ownerIds(dl([newStyle]), run), [newStyle])
      assert.strictEqual(asked.length, 0)
    }))

  it.effect("each name becomes the id found; an ambiguous one is looked up by Name alone; a vanished one stays", () =>
    Effect.gen(function*() {
      const { asked, run } = scripted((command) =>
        identityOf(command) === "CBergin"
          ? found(cbergin)
          : identityOf(command) === "admin"
          ? error("Ambiguous")
          : identityOf(command) === "Name -eq 'admin'"
          ? found(newStyle)
          : error("RecipientNotFound"))
      assert.deepStrictEqual(yield* ownerIds(dl(["CBergin", "admin", "Gone"]), run), [cbergin, newStyle, "Gone"])
      assert.deepStrictEqual(asked.map(identityOf), ["CBergin", "admin", "Gone", "Name -eq 'admin'"])
    }))

  it.effect("a throttled or unavailable lookup fails the read (to be retried), never drops the owner", () =>
    Effect.gen(function*() {
      for (const kind of ["Throttled", "Unavailable", "Forbidden"] as const) {
        const { run } = scripted((command) => identityOf(command) === "CBergin" ? found(cbergin) : error(kind))
        const failure = yield* Effect.flip(ownerIds(dl(["CBergin", "Adele Vance"]), run))
        assert.strictEqual(failure._tag === "ExchangeCommandError" ? failure.kind : "", kind)
      }
    }))

  it.effect("an answer that names no single recipient with an object id resolves nothing", () =>
    Effect.gen(function*() {
      const { run } = scripted((command) =>
        identityOf(command) === "A" ? { _tag: "Ok", value: [] } : { _tag: "Ok", value: [{ ExternalDirectoryObjectId: "not-a-guid" }] })
      assert.deepStrictEqual(yield* ownerIds(dl(["A", "B", newStyle]), run), ["A", "B", newStyle])
    }))
})
