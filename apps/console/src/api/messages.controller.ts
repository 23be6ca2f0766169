import { BadRequestException, Body, Controller, Get, HttpCode, Inject, NotFoundException, Param, Post, Query } from '@nestjs/common';
import { hashMrn } from '@lib/platform';
import { z } from 'zod';
import type { ConsoleConfig } from '../console-config.js';
import { type MessageSummary, type MessageTimeline, MessageIndex } from '../message-index/message-index.js';
import { CONSOLE_CONFIG } from '../console-tokens.js';

const time = z.coerce.number().int().nonnegative();
const listQuery = z.object({
  controlId: z.string().min(1).max(199).optional(),
  from: time.optional(),
  to: time.optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});
/** A search by MRN is a POST: an MRN in a URL would end up in proxies' and browsers' logs. */
const searchBody = listQuery.extend({ mrn: z.string().min(1).max(199).optional() }).strict();

/** What was wrong with a request, by field, never echoing a value (it may be an MRN). */
function invalid(error: z.ZodError): BadRequestException {
  return new BadRequestException({
    message: 'invalid request',
    problems: error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.code}`),
  });
}

/** The on-call analyst's questions: which messages (by control ID, MRN, time), and where each one went. */
@Controller('api/messages')
export class MessagesController {
  constructor(
    @Inject(MessageIndex) private readonly index: MessageIndex,
    @Inject(CONSOLE_CONFIG) private readonly config: ConsoleConfig,
  ) {}

  @Get()
  list(@Query() query: unknown): { messages: MessageSummary[] } {
    const parsed = listQuery.safeParse(query);
    if (!parsed.success) throw invalid(parsed.error);
    return { messages: this.index.search(parsed.data) };
  }

  @Post('search')
  @HttpCode(200)
  search(@Body() body: unknown): { messages: MessageSummary[] } {
    const parsed = searchBody.safeParse(body ?? {});
    if (!parsed.success) throw invalid(parsed.error);
    const { mrn, ...rest } = parsed.data;
    return { messages: this.index.search({ ...rest, ...(mrn ? { mrnHash: hashMrn(mrn, this.config.LOG_HASH_KEY) } : {}) }) };
  }

  @Get(':envelopeId')
  timeline(@Param('envelopeId') envelopeId: string): MessageTimeline {
    const timeline = this.index.timeline(envelopeId);
    if (!timeline) throw new NotFoundException({ message: 'no such message in the index' });
    return timeline;
  }
}
