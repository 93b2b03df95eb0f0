import * as MemoryAdapters from "../../../src/adapters/memory/MemoryAdapters.ts"
import { CONTRACT_TENANT, groupStoreContract } from "../../application/ports/GroupStoreContract.ts"
import { userDirectoryContract } from "../../application/ports/UserDirectoryContract.ts"
import { adaptersOverSandbox } from "./SandboxHarness.ts"

// The same suites over both implementations of the ports, so the test doubles and the production
// adapters cannot drift: in memory on the tenant model, and Graph + Exchange over HTTP to the sandbox.
// The application tests' own double runs them too (test/application/ports/FakeTenantContracts.test.ts).
const memory = MemoryAdapters.layerTest({ tenant: CONTRACT_TENANT })
const overSandbox = adaptersOverSandbox({ tenant: CONTRACT_TENANT })

userDirectoryContract("memory", memory)
userDirectoryContract("Microsoft Graph over the sandbox", overSandbox)
groupStoreContract("memory", memory)
groupStoreContract("Microsoft Exchange over the sandbox", overSandbox)
