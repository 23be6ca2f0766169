// The MLLP listener as a Nest microservice transport (`@lib/mllp/nest`): apart from the main entry so the adapters'
// Lambda bundles, which use the client alone, do not load @nestjs/microservices.
export {
  ANY_MESSAGE,
  MLLP_OVERSIZE,
  MLLP_SERVER_EVENT,
  MllpContext,
  MllpTransport,
  type MllpTransportOptions,
  type OversizeFrame,
} from './mllp-transport.js';
