// adapter-lab as a pod: `npm run start:adapter-lab` after `npm run build`, or
// `node dist/apps/adapter-lab/src/main.js`. Configuration: the environment (libs/adapter-sdk adapter-config.ts;
// the target is ADAPTER_LAB_TARGET=mllp://host:port). Invalid configuration: exit code 2, with every problem listed.
import { runAdapterPod } from '@lib/adapter-sdk';
import { labAdapter } from './lab-adapter.js';

await runAdapterPod(labAdapter, process.env);
