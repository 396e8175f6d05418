// The Moddable module "anyloop/xs" (manifest.json): the XS loop, GPIO and
// interval entry point. See anyloop.js beside it.
export * from "anyloop/dist/xs";
