// adapter-notify as a pod: `npm run start:adapter-notify` after `npm run build`, or
// `node dist/apps/adapter-notify/src/main.js`. Configuration: the environment — every adapter's settings (libs/adapter-sdk
// adapter-config.ts; the target is ADAPTER_NOTIFY_TARGET=smtp://host:port, smtps://… or ses://<region>, the sender
// MAIL_FROM) and the notify adapter's own (notify-adapter.ts). Invalid configuration: exit code 2, every problem listed.
import { runAdapterPod } from '@lib/adapter-sdk';
import { createNotifyAdapter } from './notify-adapter.js';

await runAdapterPod({ name: 'notify', output: 'email', create: createNotifyAdapter }, process.env);
