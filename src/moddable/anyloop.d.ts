// Declarations of the Moddable module "anyloop" (anyloop.js beside it): the
// SDK's TypeScript step resolves the module to the manifest's path and looks
// for declarations here.
export * from "anyloop/dist/index";
