// The Moddable module "anyloop" (manifest.json): the package's main entry
// point. The modules are named after their place in the package, as mcpack
// names them, so that their relative imports resolve on the device.
export * from "anyloop/dist/index";
