export { encodeFrame, FrameDecoder, type FrameDecoderOptions, type FrameEvent, DEFAULT_MAX_FRAME_BYTES } from './frame-codec.js';
