// The Moddable module "anyloop/xs" (manifest.json): the XS loop, GPIO and
// interval entry point. See anyloop.js beside it.
export * from "anyloop/dist/xs";
import { XsLoop } from "anyloop/dist/xs";
import { loopState } from "anyloop/dist/contract/default-loop";
import { runOnce, onHost, arm, time } from "anyloop/native";

// XsLoop's turn in C (native.c): the same algorithm as BaseLoop's
// `_runOnce`, at a fraction of its cost in XS. Installed while the module is
// preloaded (no native call), on XsLoop only: other loops keep their own.
if (runOnce !== undefined) {
	Object.defineProperty(XsLoop.prototype, "_runOnce", { value: runOnce, writable: true, configurable: true });
	Object.defineProperty(XsLoop.prototype, "_loopState", { value: loopState });
}

// XsLoop's host firing in C (native.c): its host timer's callback, its
// re-arming and its clock. The C finds the module's constants (the symbol
// of the loop on its host timer among them) on the functions themselves.
if (onHost !== undefined) {
	Object.defineProperty(onHost, "constants", { value: XsLoop._constants });
	Object.defineProperty(arm, "constants", { value: XsLoop._constants });
	Object.defineProperty(XsLoop, "_onHost", { value: onHost, writable: true, configurable: true });
	Object.defineProperty(XsLoop.prototype, "_arm", { value: arm, writable: true, configurable: true });
	Object.defineProperty(XsLoop.prototype, "time", { value: time, writable: true, configurable: true });
}
