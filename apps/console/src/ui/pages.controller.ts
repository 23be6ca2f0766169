import { BadRequestException, Body, Controller, Get, Header, Inject, NotFoundException, Param, Post, Query, Req } from '@nestjs/common';
import { hashMrn } from '@lib/platform';
import type { ConsoleRequest } from '../auth/auth-guard.js';
import { Public, Roles } from '../auth/roles.js';
import type { ConsoleConfig } from '../console-config.js';
import { CONSOLE_CONFIG, DEAD_LETTER_REPLAYS, MESSAGE_CONTENT, PIPELINE_STATUS, QUARANTINE_RELEASES } from '../console-tokens.js';
import type { QuarantineReleases } from '../quarantine/quarantine-releases.js';
import type { PipelineStatus } from '../dashboard/pipeline-status.js';
import type { MessageContent } from '../content/message-content.js';
import { parsePositionText } from '../message-index/index-events.js';
import { MessageIndex } from '../message-index/message-index.js';
import type { DeadLetterReplays } from '../replay/dead-letter-replays.js';
import { CONSOLE_CSS } from './console-css.js';
import {
  auditPage,
  contentPage,
  dashboardPage,
  deadLettersPage,
  quarantinePage,
  releaseResultPage,
  replayResultPage,
  searchPage,
  timelinePage,
} from './pages.js';

const text = (value: unknown, max = 199): string | undefined =>
  typeof value === 'string' && value.trim() !== '' ? value.trim().slice(0, max) : undefined;
/** A datetime-local field (read as UTC) → epoch ms. */
const instant = (value: unknown): number | undefined => {
  const given = text(value, 40);
  if (!given) return undefined;
  const ms = Date.parse(`${given}${given.length <= 16 ? ':00' : ''}Z`);
  if (Number.isNaN(ms)) throw new BadRequestException({ message: 'a time is not a date and time' });
  return ms;
};

/** The console in a browser: server-rendered pages over the index, content from Kafka, replays; every route role-gated. */
@Controller()
export class PagesController {
  constructor(
    @Inject(MessageIndex) private readonly index: MessageIndex,
    @Inject(CONSOLE_CONFIG) private readonly config: ConsoleConfig,
    @Inject(MESSAGE_CONTENT) private readonly content: MessageContent,
    @Inject(DEAD_LETTER_REPLAYS) private readonly replays: DeadLetterReplays,
    @Inject(PIPELINE_STATUS) private readonly status: PipelineStatus,
    @Inject(QUARANTINE_RELEASES) private readonly releases: QuarantineReleases,
  ) {}

  /** The positions a form selected (`position` fields, topic/partition/offset), or a 400. */
  private selected(body: Record<string, unknown>): { topic: string; partition: number; offset: string }[] {
    const positions = ([] as unknown[])
      .concat(body['position'] ?? [])
      .map((p) => (typeof p === 'string' ? parsePositionText(p) : undefined));
    if (positions.length === 0 || positions.length > 500 || positions.some((p) => !p))
      throw new BadRequestException({ message: 'Select between 1 and 500 records.' });
    return positions.map((p) => p!);
  }

  @Get('assets/console.css')
  @Public()
  @Header('content-type', 'text/css; charset=utf-8')
  @Header('cache-control', 'public, max-age=3600')
  css(): string {
    return CONSOLE_CSS;
  }

  @Get()
  @Roles('viewer')
  @Header('content-type', 'text/html; charset=utf-8')
  async home(@Req() request: ConsoleRequest, @Query() query: Record<string, unknown>): Promise<string> {
    const controlId = text(query['controlId']);
    const results = controlId ? await this.index.search({ controlId }) : undefined;
    return searchPage({ user: request.user! }, { ...(controlId ? { controlId } : {}) }, results);
  }

  /** A POST, so an MRN typed into the form never lands in a URL (browser history, proxy logs). */
  @Post('search')
  @Roles('viewer')
  @Header('content-type', 'text/html; charset=utf-8')
  async search(@Req() request: ConsoleRequest, @Body() body: Record<string, unknown>): Promise<string> {
    const controlId = text(body['controlId']);
    const mrn = text(body['mrn']);
    const [fromText, toText] = [text(body['from'], 40), text(body['to'], 40)];
    const [from, to] = [instant(fromText), instant(toText)];
    const results = await this.index.search({
      ...(controlId ? { controlId } : {}),
      ...(mrn ? { mrnHash: hashMrn(mrn, this.config.LOG_HASH_KEY) } : {}),
      ...(from !== undefined ? { from } : {}),
      ...(to !== undefined ? { to } : {}),
    });
    const form = {
      ...(controlId ? { controlId } : {}),
      ...(fromText ? { from: fromText } : {}),
      ...(toText ? { to: toText } : {}),
      byMrn: !!mrn,
    };
    return searchPage({ user: request.user! }, form, results);
  }

  @Get('messages/:envelopeId')
  @Roles('viewer')
  @Header('content-type', 'text/html; charset=utf-8')
  async timeline(@Req() request: ConsoleRequest, @Param('envelopeId') envelopeId: string): Promise<string> {
    const timeline = await this.index.timeline(envelopeId);
    if (!timeline) throw new NotFoundException({ message: 'No such message in the index.' });
    return timelinePage({ user: request.user! }, timeline);
  }

  /** Content is a POST (never prefetched or cached), audited before it is shown. */
  @Post('messages/:envelopeId/content')
  @Roles('phi')
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('cache-control', 'no-store')
  async messageContent(
    @Req() request: ConsoleRequest,
    @Param('envelopeId') envelopeId: string,
    @Body() body: Record<string, unknown>,
  ): Promise<string> {
    const record = text(body['record'], 300);
    const sent = record === undefined ? undefined : parsePositionText(record);
    if (record !== undefined && !sent) throw new BadRequestException({ message: 'Not a record of this message.' });
    const viewed = await this.content.view(request.user!, envelopeId, text(body['reason'], 200) ?? '', sent);
    if (!viewed) throw new NotFoundException({ message: 'No such message (or record of it) in the index.' });
    return contentPage({ user: request.user! }, viewed.message, viewed.content);
  }

  @Get('dashboard')
  @Roles('viewer')
  @Header('content-type', 'text/html; charset=utf-8')
  async dashboard(@Req() request: ConsoleRequest): Promise<string> {
    return dashboardPage({ user: request.user!, refreshSeconds: 10 }, await this.status.snapshot());
  }

  @Get('dead-letters')
  @Roles('viewer')
  @Header('content-type', 'text/html; charset=utf-8')
  async deadLetters(@Req() request: ConsoleRequest, @Query() query: Record<string, unknown>): Promise<string> {
    const target = text(query['target'], 64);
    const stage = text(query['stage'], 32);
    const waiting = query['waiting'] === '1';
    const found = await this.index.deadLetters({ ...(target ? { target } : {}), ...(stage ? { stage } : {}), waiting });
    const filter = { ...(target ? { target } : {}), ...(stage ? { stage } : {}), waiting };
    return deadLettersPage({ user: request.user! }, this.config.TARGETS, filter, found);
  }

  @Post('dead-letters/replay')
  @Roles('operator')
  @Header('content-type', 'text/html; charset=utf-8')
  async replay(@Req() request: ConsoleRequest, @Body() body: Record<string, unknown>): Promise<string> {
    const results = await this.replays.replay(request.user!, this.selected(body), text(body['reason'], 200) ?? '');
    return replayResultPage({ user: request.user! }, results);
  }

  @Get('quarantine')
  @Roles('viewer')
  @Header('content-type', 'text/html; charset=utf-8')
  async quarantine(@Req() request: ConsoleRequest): Promise<string> {
    return quarantinePage({ user: request.user! }, await this.index.quarantined({ limit: 500 }), this.releases.enabled);
  }

  @Post('quarantine/release')
  @Roles('operator')
  @Header('content-type', 'text/html; charset=utf-8')
  async release(@Req() request: ConsoleRequest, @Body() body: Record<string, unknown>): Promise<string> {
    if (!this.releases.enabled) throw new NotFoundException({ message: 'Release is off: GATEWAY_MLLP_URL is not set.' });
    const results = await this.releases.release(request.user!, this.selected(body), text(body['reason'], 200) ?? '');
    return releaseResultPage({ user: request.user! }, results);
  }

  @Get('audit')
  @Roles('auditor')
  @Header('content-type', 'text/html; charset=utf-8')
  async auditLog(@Req() request: ConsoleRequest): Promise<string> {
    return auditPage({ user: request.user! }, await this.index.auditLog({ limit: 500 }));
  }
}
