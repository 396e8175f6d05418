import { VirtualTimeLoop } from '../../src/testing.js';

/** A VirtualTimeLoop whose `_checkSchedule` refuses once `refuse` is set: a subclass's check that the loop's internal hooks must still call. */
export class RefusingLoop extends VirtualTimeLoop {
  refuse = false;
  protected override _checkSchedule(): void {
    super._checkSchedule();
    if (this.refuse) throw new Error('refused');
  }
}
