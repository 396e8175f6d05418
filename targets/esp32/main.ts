/**
 * The Moddable entry point of the esp32 example: starting the app is all the
 * module body does (the simulator runs this same module body).
 */
import { startApp } from './app.js';

startApp();
