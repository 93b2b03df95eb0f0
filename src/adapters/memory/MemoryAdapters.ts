import { Layer } from "effect"
import type { GroupStore } from "../../application/ports/GroupStore.ts"
import type { UserDirectory } from "../../application/ports/UserDirectory.ts"
import { Behaviour, type Knobs } from "../../sandbox/tenant/Behaviour.ts"
import { type TenantOptions, TenantModel } from "../../sandbox/tenant/TenantModel.ts"
import * as MemoryGroupStore from "./MemoryGroupStore.ts"
import * as MemoryUserDirectory from "./MemoryUserDirectory.ts"

/**
 * Both ports on one sandbox tenant model, in memory, without the wire: the test doubles of the
 * application (the service itself reaches the sandbox through the Microsoft adapters). Tests swap these
 * layers, not modules.
 */
export const layer: Layer.Layer<GroupStore | UserDirectory, never, TenantModel | Behaviour> = Layer.mergeAll(
  MemoryGroupStore.layer,
  MemoryUserDirectory.layer
)

/**
 * A fresh demo tenant (no generated users unless asked) with zero latency, no faults, no replication
 * delay and no throttle unless `knobs` says otherwise. TenantModel and Behaviour stay in the output.
 */
export const layerTest = (
  options: { readonly tenant?: TenantOptions; readonly knobs?: Partial<Knobs> } = {}
): Layer.Layer<GroupStore | UserDirectory | TenantModel | Behaviour> =>
  layer.pipe(Layer.provideMerge(Layer.mergeAll(TenantModel.layerTest(options.tenant), Behaviour.layerTest(options.knobs))))
