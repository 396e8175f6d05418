// Declarations of the Moddable module "anyloop/xs" (xs.js beside it). See anyloop.d.ts.
export * from "anyloop/dist/xs";
