/**
 * The Moddable entry point of the native version of the esp32 example:
 * starting the app is all the module body does.
 */
import { startApp } from './app.js';

startApp();
