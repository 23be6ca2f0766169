// adapter-radiology as a pod: `npm run start:adapter-radiology` after `npm run build`, or
// `node dist/apps/adapter-radiology/src/main.js`. Configuration: the environment (libs/adapter-sdk adapter-config.ts;
// the target is ADAPTER_RADIOLOGY_TARGET=mllp://host:port). Invalid configuration: exit code 2, with every problem listed.
import { runAdapterPod } from '@lib/adapter-sdk';
import { radiologyAdapter } from './radiology-adapter.js';

await runAdapterPod(radiologyAdapter, process.env);
