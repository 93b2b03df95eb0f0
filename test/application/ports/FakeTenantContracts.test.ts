import { Context, Effect, Layer } from "effect"
import { demoEntries, generatedUpn } from "../../../src/sandbox/tenant/DemoDirectory.ts"
import * as FakeTenant from "../../support/FakeTenant.ts"
import { CONTRACT_TENANT, groupStoreContract } from "./GroupStoreContract.ts"
import { userDirectoryContract } from "./UserDirectoryContract.ts"

// The application tests' double runs the same port contracts as the real adapters and the in-memory ones
// (test/adapters/microsoft/PortContracts.test.ts), so that it cannot drift from them unseen.
const domain = CONTRACT_TENANT.domain
const localPart = (address: string) => address.slice(0, address.indexOf("@"))
const demo = demoEntries(domain)
const users = [
  ...demo.map((entry) => FakeTenant.user(localPart(entry.userPrincipalName), domain, { mail: entry.mail, displayName: entry.displayName })),
  ...Array.from({ length: CONTRACT_TENANT.generatedUsers }, (_, i) => FakeTenant.user(localPart(generatedUpn(i + 1, domain)), domain))
]

const contractTenant = FakeTenant.layer(users).pipe(
  Layer.tap((context) =>
    Effect.sync(() => {
      const tenant = Context.get(context, FakeTenant.FakeTenant)
      for (const entry of demo) {
        for (const extra of entry.extraAddresses ?? []) tenant.proxyAddresses.set(extra, `id-${localPart(entry.userPrincipalName)}`)
      }
    })
  )
)

userDirectoryContract("FakeTenant (the application tests' double)", contractTenant)
groupStoreContract("FakeTenant (the application tests' double)", contractTenant)
