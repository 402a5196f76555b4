// V8 settings of the hub process, imported by main.ts before anything else (the collector notes its first full
// collection while the modules load).
import { setFlagsFromString } from 'node:v8';

// V8's memory reducer runs up to three full collections each time the process looks idle, to hand memory back. A hub's
// heap is mostly its connections, which it keeps: with 10,000 idle runners those collections were a third of its CPU.
setFlagsFromString('--no-memory-reducer');
