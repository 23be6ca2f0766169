import { randomBytes } from 'node:crypto';

export const uniqueGroupSuffix = (): string => randomBytes(6).toString('hex');
