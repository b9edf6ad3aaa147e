/**
 * Builds the demo unikernel (the hello test guest, a freestanding Solo5 spt
 * guest) and prints its path.
 */
import { buildGuest } from '../test/fixtures/guests/build.js';

process.stdout.write(`${buildGuest('hello')}\n`);
