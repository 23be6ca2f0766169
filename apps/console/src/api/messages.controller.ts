import {
  BadRequestException,
  Body,
  Controller,
  Get,
  Header,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  Post,
  Query,
  Req,
} from '@nestjs/common';
import type { RecordPosition } from '@lib/kafka';
import { hashMrn } from '@lib/platform';
import { z } from 'zod';
import type { ConsoleConfig } from '../console-config.js';
import { type MessageSummary, type MessageTimeline, MessageIndex } from '../message-index/message-index.js';
import type { ConsoleRequest } from '../auth/auth-guard.js';
import { Roles } from '../auth/roles.js';
import { CONSOLE_CONFIG, DEAD_LETTER_REPLAYS, MESSAGE_CONTENT, PIPELINE_STATUS, QUARANTINE_RELEASES } from '../console-tokens.js';
import type { QuarantineReleases, ReleaseResult } from '../quarantine/quarantine-releases.js';
import type { PipelineSnapshot, PipelineStatus } from '../dashboard/pipeline-status.js';
import type { MessageContent, MessageContentView } from '../content/message-content.js';
import { parsePositionText } from '../message-index/index-events.js';
import type { AuditEntry, DeadLetterSummary, QuarantinedSummary } from '../message-index/message-index.js';
import type { DeadLetterReplays, ReplayResult } from '../replay/dead-letter-replays.js';

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

const reasonField = z.string().max(200).default('');
const contentBody = z
  .object({
    reason: reasonField,
    /** A sent topic's record of this message (`topic/partition/offset`, from its timeline); without it, as received. */
    record: z
      .string()
      .max(300)
      .optional()
      .transform((text, ctx) => {
        if (text === undefined) return undefined;
        const position = parsePositionText(text);
        if (!position) ctx.addIssue({ code: 'custom', message: 'not a topic/partition/offset' });
        return position;
      }),
  })
  .strict();
const selectionBody = z
  .object({
    /** Dead letters as `topic/partition/offset`. */
    positions: z.array(z.string().max(300)).min(1).max(500),
    reason: reasonField,
  })
  .strict();
const deadLetterQuery = z.object({
  target: z.string().max(64).optional(),
  stage: z.string().max(32).optional(),
  from: time.optional(),
  to: time.optional(),
  waiting: z.enum(['true', 'false']).optional(),
  limit: z.coerce.number().int().min(1).max(2000).optional(),
});

/** The records an operator selected (as `topic/partition/offset`) and the reason given, or a 400 naming what is wrong. */
function selection(body: unknown): { positions: RecordPosition[]; reason: string } {
  const parsed = selectionBody.safeParse(body ?? {});
  if (!parsed.success) throw invalid(parsed.error);
  const positions = parsed.data.positions.map(parsePositionText);
  if (positions.some((p) => !p))
    throw new BadRequestException({ message: 'invalid request', problems: ['positions: topic/partition/offset'] });
  return { positions: positions.map((p) => p!), reason: parsed.data.reason };
}

/** The on-call analyst's questions: which messages (by control ID, MRN, time), and where each one went. */
@Controller('api/messages')
@Roles('viewer')
export class MessagesController {
  constructor(
    @Inject(MessageIndex) private readonly index: MessageIndex,
    @Inject(CONSOLE_CONFIG) private readonly config: ConsoleConfig,
    @Inject(MESSAGE_CONTENT) private readonly content: MessageContent,
  ) {}

  @Get()
  async list(@Query() query: unknown): Promise<{ messages: MessageSummary[] }> {
    const parsed = listQuery.safeParse(query);
    if (!parsed.success) throw invalid(parsed.error);
    return { messages: await this.index.search(parsed.data) };
  }

  @Post('search')
  @HttpCode(200)
  async search(@Body() body: unknown): Promise<{ messages: MessageSummary[] }> {
    const parsed = searchBody.safeParse(body ?? {});
    if (!parsed.success) throw invalid(parsed.error);
    const { mrn, ...rest } = parsed.data;
    return { messages: await this.index.search({ ...rest, ...(mrn ? { mrnHash: hashMrn(mrn, this.config.LOG_HASH_KEY) } : {}) }) };
  }

  /**
   * The message as received, or (`record`) a target's copy as sent or its answer — from Kafka by offset, audited
   * first; a POST so it is never prefetched or cached.
   */
  @Post(':envelopeId/content')
  @Roles('phi')
  @HttpCode(200)
  @Header('cache-control', 'no-store')
  async messageContent(
    @Req() request: ConsoleRequest,
    @Param('envelopeId') envelopeId: string,
    @Body() body: unknown,
  ): Promise<MessageContentView> {
    const parsed = contentBody.safeParse(body ?? {});
    if (!parsed.success) throw invalid(parsed.error);
    const viewed = await this.content.view(request.user!, envelopeId, parsed.data.reason, parsed.data.record);
    if (!viewed) throw new NotFoundException({ message: 'no such message (or record of it) in the index' });
    return viewed.content;
  }

  @Get(':envelopeId')
  async timeline(@Param('envelopeId') envelopeId: string): Promise<MessageTimeline> {
    const timeline = await this.index.timeline(envelopeId);
    if (!timeline) throw new NotFoundException({ message: 'no such message in the index' });
    return timeline;
  }
}

/** Dead letters by target, stage and time, with their replays; replay (the operator role), audited per record. */
@Controller('api/dead-letters')
@Roles('viewer')
export class DeadLettersController {
  constructor(
    @Inject(MessageIndex) private readonly index: MessageIndex,
    @Inject(DEAD_LETTER_REPLAYS) private readonly replays: DeadLetterReplays,
  ) {}

  @Get()
  async list(@Query() query: unknown): Promise<{ deadLetters: DeadLetterSummary[] }> {
    const parsed = deadLetterQuery.safeParse(query);
    if (!parsed.success) throw invalid(parsed.error);
    const { waiting, ...rest } = parsed.data;
    return { deadLetters: await this.index.deadLetters({ ...rest, waiting: waiting === 'true' }) };
  }

  @Post('replay')
  @Roles('operator')
  @HttpCode(200)
  async replay(@Req() request: ConsoleRequest, @Body() body: unknown): Promise<{ results: ReplayResult[] }> {
    const { positions, reason } = selection(body);
    return { results: await this.replays.replay(request.user!, positions, reason) };
  }
}

/** The audit log (the auditor role). */
@Controller('api/audit')
@Roles('auditor')
export class AuditController {
  constructor(@Inject(MessageIndex) private readonly index: MessageIndex) {}

  @Get()
  async list(@Query() query: unknown): Promise<{ entries: AuditEntry[] }> {
    const parsed = listQuery.pick({ from: true, to: true, limit: true }).safeParse(query);
    if (!parsed.success) throw invalid(parsed.error);
    return { entries: await this.index.auditLog(parsed.data) };
  }
}

/** The dashboard's figures (the viewer role). */
@Controller('api/dashboard')
@Roles('viewer')
export class DashboardController {
  constructor(@Inject(PIPELINE_STATUS) private readonly status: PipelineStatus) {}

  @Get()
  snapshot(): Promise<PipelineSnapshot> {
    return this.status.snapshot();
  }
}

const quarantineQuery = z.object({
  code: z.string().max(16).optional(),
  from: time.optional(),
  to: time.optional(),
  limit: z.coerce.number().int().min(1).max(2000).optional(),
});

/** Quarantined input (never its bytes) and, for operators, its release to the gateway after a configuration change. */
@Controller('api/quarantine')
@Roles('viewer')
export class QuarantineController {
  constructor(
    @Inject(MessageIndex) private readonly index: MessageIndex,
    @Inject(QUARANTINE_RELEASES) private readonly releases: QuarantineReleases,
  ) {}

  @Get()
  async list(@Query() query: unknown): Promise<{ quarantined: QuarantinedSummary[]; releaseEnabled: boolean }> {
    const parsed = quarantineQuery.safeParse(query);
    if (!parsed.success) throw invalid(parsed.error);
    return { quarantined: await this.index.quarantined(parsed.data), releaseEnabled: this.releases.enabled };
  }

  @Post('release')
  @Roles('operator')
  @HttpCode(200)
  async release(@Req() request: ConsoleRequest, @Body() body: unknown): Promise<{ results: ReleaseResult[] }> {
    if (!this.releases.enabled) throw new NotFoundException({ message: 'release is off: GATEWAY_MLLP_URL is not set' });
    const { positions, reason } = selection(body);
    return { results: await this.releases.release(request.user!, positions, reason) };
  }
}
