// The Moddable module "anyloop" (manifest.json): the package's main entry
// point. The modules are named after their place in the package, as mcpack
// names them, so that their relative imports resolve on the device.
export * from "anyloop/dist/index";
import { AsCompleted, Barrier, Condition, Future, Scope, TaskGroup } from "anyloop/dist/index";
import { awaitIn } from "anyloop/dist/tasks/ensure-future";
import { follow } from "anyloop/dist/tasks/follow";

// xsl keeps a preloaded object in flash only when it is frozen: each
// generator function's prototype object would otherwise cost RAM. Frozen
// here, in the Moddable entry point, so that bundlers, which never load
// this module, keep tree-shaking the classes.
for (const generator of [
	Future.prototype[Symbol.iterator],
	AsCompleted.prototype[Symbol.iterator], AsCompleted.prototype._nextDone, AsCompleted.prototype._waitForOne,
	Barrier.prototype._waitCoro, Barrier.prototype._block, Barrier.prototype._wait, Barrier.prototype._resetCoro, Barrier.prototype._abortCoro,
	Condition.prototype._waitCoro, Condition.prototype._waitForCoro,
	Scope.prototype._runWithSignal, Scope.prototype._runInOwnTask,
	TaskGroup.prototype._run, TaskGroup.prototype._exit,
	awaitIn, follow,
])
	Object.freeze(generator.prototype);
