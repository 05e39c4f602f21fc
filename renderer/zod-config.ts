/**
 * Must be the first import of main.tsx. zod (pulled in by the shared
 * contract) probes `Function('')` to decide whether it may compile fast
 * parsers; under our CSP (no 'unsafe-eval') that probe is reported as a CSP
 * violation in the console. Turn the JIT off so zod never tries.
 */
import { z } from 'zod';

z.config({ jitless: true });
