/**
 * The Moddable entry point of the gps-tracker example: it hands the app
 * Moddable's IO classes and a loop on Moddable's timer (the simulator runs
 * this same module body).
 */
import Timer from 'timer';
import Time from 'time';
import Digital from 'embedded:io/digital';
import Serial from 'embedded:io/serial';
import TCP from 'embedded:io/socket/tcp';
import { XsLoop } from 'anyloop/xs';
import { startTracker } from './app.js';

startTracker({ loop: new XsLoop({ Timer, Time }), io: { Serial, TCP, Digital } });
