export { encodeFrame, FrameDecoder, type FrameDecoderOptions, type FrameEvent, DEFAULT_MAX_FRAME_BYTES } from './frame-codec.js';
export { MllpClient, type MllpClientOptions, type ReconnectPolicy } from './mllp-client.js';
export { MllpError } from './mllp-errors.js';
export { parseMllpUrl, type MllpEndpoint } from './mllp-url.js';
export {
  MllpServer,
  type CloseReason,
  type ConnectionInfo,
  type MllpHandler,
  type MllpServerOptions,
  type ServerEvent,
  type TlsFiles,
} from './mllp-server.js';
export { watchTlsFiles } from './tls-file-watch.js';
